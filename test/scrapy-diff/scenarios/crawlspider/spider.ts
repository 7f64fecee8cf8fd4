// The deferkit side of the crawlspider scenario; spider.py is the same spider for Scrapy.
// A CrawlSpider with rules (allow/deny, follow and not, callbacks, restrictCss, an errback),
// and parseStartUrl reporting what several LinkExtractor configurations extract.

import { writeFileSync } from 'node:fs';
import { CrawlSpider, LinkExtractor, Request, Rule, signals, type Crawler, type Response, type Spider } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';

const links = (le: LinkExtractor, response: Response) => le.extractLinks(response).map((l) => [l.url, l.text, l.fragment, l.nofollow]);

export default class ShopSpider extends CrawlSpider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 1,
    ROBOTSTXT_OBEY: false,
    LOG_LEVEL: 'DEBUG',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'shop';
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';
  override rules = [
    new Rule(new LinkExtractor({ allow: /\/cat\//, deny: /\/private\// })),
    new Rule(new LinkExtractor({ allow: /\/item\//, restrictCss: ['.items', '.featured'] }), { callback: 'parseItem' }),
    new Rule(new LinkExtractor({ allow: /\/missing/ }), { errback: 'onError' }),
    new Rule(new LinkExtractor({ allow: /\/item\/5/, tags: 'area' }), { callback: 'parseItem', cbKwargs: { via_area: true } }),
  ];

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as ShopSpider;
    crawler.signals.connect(() => writeFileSync(spider.stats, JSON.stringify(crawler.stats.getStats(), null, 1)), signals.engineStopped);
    return spider;
  }

  override *startRequests() {
    yield new Request(`${this.base}/`, { dontFilter: true });
  }

  override *parseStartUrl(response: Response) {
    yield { kind: 'default', links: links(new LinkExtractor(), response) };
    yield { kind: 'canonical', links: links(new LinkExtractor({ canonicalize: true }), response) };
    yield { kind: 'not-unique', links: links(new LinkExtractor({ unique: false, denyExtensions: [] }), response) };
    yield { kind: 'domains', links: links(new LinkExtractor({ allowDomains: ['127.0.0.1'] }), response) };
    yield { kind: 'text', links: links(new LinkExtractor({ restrictText: /^Chairs/ }), response) };
    yield { kind: 'strip-off', links: links(new LinkExtractor({ strip: false, restrictCss: '.featured' }), response) };
  }

  *parseItem(response: Response, kwargs: { via_area?: boolean } = {}) {
    yield {
      kind: 'item',
      url: response.url,
      name: response.css('h1::text').get(),
      price: response.css('.price::text').get()?.trim(),
      rule: response.meta.rule,
      link_text: response.meta.link_text,
      via_area: kwargs.via_area ?? false,
    };
  }

  *onError(failure: Failure) {
    const request = (failure as Failure & { request: Request }).request;
    yield { kind: 'error', url: request.url, rule: request.meta.rule };
  }
}
