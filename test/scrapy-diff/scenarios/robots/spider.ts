// The deferkit side of the robots scenario (spider.py is the same spider for Scrapy).

import { writeFileSync } from 'node:fs';
import { Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';

export default class RobotsSpider extends Spider {
  static override customSettings = {
    ROBOTSTXT_OBEY: true,
    CONCURRENT_REQUESTS: 4,
    RETRY_TIMES: 1,
    DOWNLOAD_TIMEOUT: 1,
    LOG_LEVEL: 'DEBUG',
    USER_AGENT: 'Mozilla/5.0 (compatible; DiffBot/1.0)',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'robots';
  override allowedDomains = ['127.0.0.1'];
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as RobotsSpider;
    crawler.signals.connect(() => writeFileSync(spider.stats, JSON.stringify(crawler.stats.getStats(), null, 1)), signals.engineStopped);
    return spider;
  }

  override async *start() {
    yield new Request(`${this.base}/`, { callback: this.parse, errback: this.errback });
  }

  override *parse(response: Response) {
    const links = response.css('a::attr(href)').getall();
    // Paths, not URLs: the other servers' ports change from run to run.
    yield { kind: 'page', path: pathOf(response.url), title: response.css('title::text').get() ?? null, links: links.length };
    for (const href of links) yield response.follow(href, { callback: this.parse, errback: this.errback });
  }

  *errback(failure: Failure) {
    const e = failure.value as Error;
    yield { kind: 'error', path: pathOf((failure as Failure & { request: Request }).request.url), error: e.name, message: e.message };
  }
}

function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
