// The logging scenario, deferkit side (spider.py is the Scrapy one; keep them in step): LOG_FILE
// with a custom LOG_FORMAT / LOG_DATEFORMAT and LOG_SHORT_NAMES (no LOG_STDOUT: see spider.py). The spider walks
// /a → /b → /c one request at a time, logs a WARNING and prints a line on each page, and on /c
// reads its own log file back: the items are the shapes of the lines it finds there.

import { readFileSync, writeFileSync } from 'node:fs';
import { Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';

const LOG = 'spider-log.txt';
const STAMP = /^\d\d\.\d\d\.\d{4} \d\d-\d\d-\d\d\.\d{3}\|/;
const LINE = /^\d\d\.\d\d\.\d{4} \d\d-\d\d-\d\d\.\d{3}\|(DEBUG|INFO|WARNING|ERROR|CRITICAL) *\|[^|]+\|\d\d\|/;

export default class LoggingSpider extends Spider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 1,
    LOG_LEVEL: 'DEBUG',
    LOG_FILE: LOG,
    LOG_FILE_APPEND: false,
    LOG_FORMAT: '%(asctime)s.%(msecs)03d|%(levelname)-8s|%(name)s|%(levelno)02d|%(message)s',
    LOG_DATEFORMAT: '%d.%m.%Y %H-%M-%S',
    LOG_SHORT_NAMES: true,
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'logdiff';
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as LoggingSpider;
    crawler.signals.connect(() => spider.writeStats(), signals.engineStopped);
    return spider;
  }

  writeStats(): void {
    writeFileSync(this.stats, JSON.stringify(this.crawler.stats.getStats(), null, 1));
  }

  override async *start() {
    yield new Request(`${this.base}/a`);
  }

  override *parse(response: Response) {
    const path = response.css('h1::text').get();
    this.logger.warning(`marker ${path}`);
    console.log('printed', path);
    const next = response.css('a::attr(href)').get();
    if (next !== undefined && next !== null) {
      yield response.follow(next);
      return;
    }
    const stamped = readFileSync(LOG, 'utf8').split('\n').filter((l) => STAMP.test(l));
    yield { kind: 'all-stamped-lines-match-the-format', value: stamped.length > 0 && stamped.every((l) => LINE.test(l)) };
    for (const l of stamped) {
      if (l.includes('marker ') || l.includes('printed ') || l.includes('Crawled (')) yield { kind: 'line', shape: l.replace(STAMP, 'DD.DD.DDDD DD-DD-DD.DDD|') };
    }
  }
}
