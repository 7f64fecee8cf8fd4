// The AutoThrottle scenario, deferkit side (spider.py is the Scrapy one; keep them in step).
// The spider follows /p/0 → … → /p/7 one request at a time with AutoThrottle on; right after
// AutoThrottle has adjusted the slot (a responseDownloaded handler connected when the spider
// opens, so after AutoThrottle's own), it checks the new delay against Scrapy's formula given
// the recorded download_latency, and notes whether the delay went down, up or stayed: the items.

import { writeFileSync } from 'node:fs';
import { Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';

const START = 2.0;
const MAX = 3.0;
const TARGET = 1.0;

export default class ThrottleSpider extends Spider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 1,
    CONCURRENT_REQUESTS_PER_DOMAIN: 1,
    DOWNLOAD_DELAY: 0,
    AUTOTHROTTLE_ENABLED: true,
    AUTOTHROTTLE_START_DELAY: START,
    AUTOTHROTTLE_MAX_DELAY: MAX,
    AUTOTHROTTLE_TARGET_CONCURRENCY: TARGET,
    AUTOTHROTTLE_DEBUG: true,
    RETRY_ENABLED: false,
    HTTPERROR_ALLOW_ALL: true,
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'throttlediff';
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';
  previous = START;
  checks = new Map<string, { formula: boolean; change: string }>();

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as ThrottleSpider;
    crawler.signals.connect(() => spider.writeStats(), signals.engineStopped);
    crawler.signals.connect(() => {
      crawler.signals.connect(({ response, request }) => spider.adjusted(response as Response, request as Request), signals.responseDownloaded);
    }, signals.spiderOpened);
    return spider;
  }

  adjusted(response: Response, request: Request): void {
    const slot = this.crawler.engine!.downloader.slots.get(String(request.meta.download_slot))!;
    const latency = Number(request.meta.download_latency);
    const target = latency / TARGET;
    let expected = Math.min(Math.max(0, Math.max(target, (this.previous + target) / 2)), MAX);
    if (response.status !== 200 && expected <= this.previous) expected = this.previous;
    const change = slot.delay > this.previous ? 'raised' : slot.delay < this.previous ? 'lowered' : 'unchanged';
    this.checks.set(response.url, { formula: Math.abs(slot.delay - expected) < 1e-9, change });
    this.previous = slot.delay;
  }

  writeStats(): void {
    writeFileSync(this.stats, JSON.stringify(this.crawler.stats.getStats(), null, 1));
  }

  override async *start() {
    yield new Request(`${this.base}/p/0`);
  }

  override *parse(response: Response) {
    yield { url: response.url, status: response.status, ...this.checks.get(response.url) };
    const next = response.css('a::attr(href)').get();
    if (next !== undefined && next !== null) yield response.follow(next);
  }
}
