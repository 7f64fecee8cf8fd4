// The deferkit side of the sitemap scenario; spider.py is the same spider for Scrapy.
// robots.txt (two Sitemap: lines) → sitemap index (sitemapFollow skips one) → a gzipped and a
// plain sitemap (alternate links, sitemapFilter on lastmod) → pages by sitemapRules; one index
// entry is no sitemap ("Ignoring invalid sitemap").

import { writeFileSync } from 'node:fs';
import { SitemapSpider, signals, type Crawler, type Response, type SitemapEntry, type Spider } from '@deferkit/crawler';

export default class ShopSitemapSpider extends SitemapSpider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 1,
    ROBOTSTXT_OBEY: false,
    LOG_LEVEL: 'DEBUG',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'shop-sitemap';
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';
  override sitemapFollow = [/\/sitemap-(items|pages|news)/, /not-a-sitemap/];
  override sitemapRules = [[/\/item\//, 'parseItem'], ['', 'parse']] as const;
  override sitemapAlternateLinks = true;

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as ShopSitemapSpider;
    spider.sitemapUrls = [`${spider.base}/robots.txt`];
    crawler.signals.connect(() => writeFileSync(spider.stats, JSON.stringify(crawler.stats.getStats(), null, 1)), signals.engineStopped);
    return spider;
  }

  override *sitemapFilter(entries: Iterable<SitemapEntry>) {
    for (const entry of entries) if ((entry.lastmod ?? '9999') >= '2020') yield entry;
  }

  parseItem(response: Response) {
    return { kind: 'item', url: response.url, name: response.css('h1::text').get() };
  }

  override parse(response: Response) {
    return { kind: 'page', url: response.url, name: response.css('h1::text').get() };
  }
}
