// The deferkit side of the httpcache scenario (spider.py is the same spider for Scrapy):
// HttpCacheMiddleware with DummyPolicy. Every page is asked for twice, the second time after its
// first response (dontFilter), so that one crawl has misses and stores, then hits.

import { writeFileSync } from 'node:fs';
import { Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';

export default class CacheSpider extends Spider {
  static override customSettings: Record<string, unknown> = {
    HTTPCACHE_ENABLED: true,
    HTTPCACHE_IGNORE_HTTP_CODES: [404],
    CONCURRENT_REQUESTS: 4,
    LOG_LEVEL: 'DEBUG',
    USER_AGENT: 'deferkit-scrapy-diff/1.0',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'cache';
  override allowedDomains = ['127.0.0.1'];
  startPath = '/';
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as CacheSpider;
    crawler.signals.connect(() => writeFileSync(spider.stats, JSON.stringify(spider.crawler.stats.getStats(), null, 1)), signals.engineStopped);
    return spider;
  }

  override async *start() {
    yield new Request(this.base + this.startPath, { callback: this.index });
  }

  *index(response: Response) {
    for (const href of response.css('a::attr(href)').getall()) yield response.follow(href, { callback: this.parse, errback: this.errback });
  }

  override *parse(response: Response) {
    const isText = (response.headers.get('content-type') ?? '').startsWith('text/');
    yield {
      url: response.url,
      status: response.status,
      title: isText ? (response.css('title::text').get() ?? null) : null,
      size: response.body.length,
      again: response.meta.again ?? false,
      cached: response.flags.includes('cached'),
    };
    if (response.meta.again !== true) yield response.request!.replace({ dontFilter: true, meta: { again: true } });
  }

  *errback(failure: Failure) {
    const request = (failure as Failure & { request: Request }).request;
    const response = (failure.value as { response?: Response } | null)?.response;
    yield { url: request.url, error: response !== undefined ? `http ${response.status}` : 'download', again: request.meta.again ?? false };
    if (request.meta.again !== true) yield request.replace({ dontFilter: true, meta: { again: true } });
  }
}
