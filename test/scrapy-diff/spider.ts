// The deferkit side of `npm run test:scrapy` (scripts/test-scrapy.mjs); spider.py is the same
// spider for Scrapy. Keep the two in step: same settings, same items, same links followed.
//   node packages/crawler/bin/deferkit.js runspider spider.ts -a base=URL -a stats=STATS.json -o ITEMS.jsonl

import { writeFileSync } from 'node:fs';
import { Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';

export default class DiffSpider extends Spider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 4,
    CONCURRENT_REQUESTS_PER_DOMAIN: 4,
    RETRY_TIMES: 2,
    ROBOTSTXT_OBEY: false,
    DOWNLOAD_DELAY: 0,
    DOWNLOAD_TIMEOUT: 20,
    DOWNLOAD_MAXSIZE: 50000,
    DOWNLOAD_WARNSIZE: 20000,
    LOG_LEVEL: 'DEBUG',
    USER_AGENT: 'deferkit-scrapy-diff/1.0',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'diff';
  override allowedDomains = ['127.0.0.1'];
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';

  // As spider.py's from_crawler: the close stats are written once the engine has stopped (after
  // the stats are closed; a spiderClosed handler connected here would run before CoreStats'
  // own, which sets finish_reason: see spider.py).
  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as DiffSpider;
    crawler.signals.connect(() => spider.writeStats(), signals.engineStopped);
    return spider;
  }

  writeStats(): void {
    writeFileSync(this.stats, JSON.stringify(this.crawler.stats.getStats(), null, 1));
  }

  override async *start() {
    yield new Request(`${this.base}/`, { callback: this.parse, errback: this.errback });
  }

  override *parse(response: Response) {
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.startsWith('text/')) {
      yield { kind: 'binary', url: response.url, status: response.status, content_type: contentType, size: response.body.length };
      return;
    }
    const hrefs = response.css('a::attr(href)').getall();
    yield {
      kind: 'page',
      url: response.url,
      status: response.status,
      title: response.css('title::text').get() ?? null,
      h1: response.css('h1::text').get() ?? null,
      texts: response.css('p ::text').getall(),
      sample: response.css('.sample::text').get() ?? null,
      links: hrefs.length,
      redirect_urls: (response.meta.redirect_urls as string[] | undefined) ?? [],
    };
    for (const href of hrefs) yield response.follow(href, { callback: this.parse, errback: this.errback });
  }

  *errback(failure: Failure) {
    const response = (failure.value as { response?: Response } | null)?.response;
    yield {
      kind: 'error',
      url: (failure as Failure & { request: Request }).request.url,
      error: response !== undefined ? `http ${response.status}` : 'download',
    };
  }
}
