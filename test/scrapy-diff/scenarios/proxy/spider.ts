// The deferkit side of the proxy scenario (spider.py is the same spider for Scrapy).

import { writeFileSync } from 'node:fs';
import { Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';

export default class ProxySpider extends Spider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 1,
    RETRY_TIMES: 1,
    LOG_LEVEL: 'DEBUG',
    USER_AGENT: 'deferkit-scrapy-diff/1.0',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'proxy';
  override allowedDomains = ['127.0.0.1'];
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as ProxySpider;
    crawler.signals.connect(() => writeFileSync(spider.stats, JSON.stringify(crawler.stats.getStats(), null, 1)), signals.engineStopped);
    return spider;
  }

  badProxy(): string {
    return (process.env.http_proxy ?? '').replace(':pass@', ':wrong@');
  }

  override async *start() {
    const opts = { callback: this.parse, errback: this.errback };
    yield new Request(`${this.base}/`, opts);
    yield new Request(`${this.base}/direct`, { ...opts, meta: { proxy: null } });
    yield new Request(`${this.base}/bad`, { ...opts, meta: { proxy: this.badProxy() } });
  }

  override *parse(response: Response) {
    yield {
      kind: 'page',
      scheme: new URL(response.url).protocol.slice(0, -1),
      path: response.css('h1::text').get() ?? null,
      how: response.css('.how::text').get() ?? null,
      leak: response.css('.leak::text').get() ?? null,
    };
    for (const href of response.css('a::attr(href)').getall()) {
      yield response.follow(href, { callback: this.parse, errback: this.errback });
      if (href.startsWith('https:') && href.endsWith('/s1')) {
        yield new Request(`${href}?bad`, { meta: { proxy: this.badProxy() }, callback: this.parse, errback: this.errback });
      }
    }
  }

  *errback(failure: Failure) {
    const u = new URL((failure as Failure & { request: Request }).request.url);
    yield { kind: 'error', scheme: u.protocol.slice(0, -1), path: u.pathname + u.search, error: (failure.value as Error).name };
  }
}
