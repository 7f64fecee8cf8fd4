// The built-in extensions on real crawls of the demo site: CloseSpider (CLOSESPIDER_*), LogStats
// (LOGSTATS_INTERVAL) and CoreStats.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrawlerProcess, DropItem, Request, Spider, type LogRecord, type Response, type SpiderClass } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { isReactorInstalled, uninstallReactor } from '@deferkit/reactor';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(() => site.close());

/** Every listing and book page of the demo site; one item per book. */
class BooksSpider extends Spider {
  override name = 'books';
  base = '';
  override *startRequests() {
    yield new Request(`${this.base}/`);
  }
  override *parse(response: Response) {
    for (const href of response.css('.book a::attr(href)').getall()) yield response.follow(href, { callback: this.parseBook });
    const next = response.css('li.next a::attr(href)').get();
    if (next !== undefined) yield response.follow(next);
  }
  parseBook(response: Response) {
    return { title: response.css('h1::text').get(), price: response.css('.price::text').get() };
  }
}

/** `count` requests to /slow?ms=`ms`; an item per response unless `items` is '0'. */
class SlowSpider extends Spider {
  override name = 'slow';
  base = '';
  count = 10;
  ms = 100;
  items = '1';
  override async *start() {
    for (let i = 1; i <= this.count; i++) yield new Request(`${this.base}/slow?ms=${this.ms}&i=${i}`);
  }
  override parse(response: Response) {
    return this.items === '1' ? { url: response.url } : undefined;
  }
}

interface Crawl {
  stats: Record<string, unknown>;
  logs: LogRecord[];
  error: unknown;
  seconds: number;
}

/** One crawl on the callback reactor, no stderr logging; the reactor is uninstalled afterwards. */
async function crawl(spider: SpiderClass, settings: Record<string, unknown>, args: Record<string, unknown> = {}): Promise<Crawl> {
  if (isReactorInstalled()) uninstallReactor();
  const proc = new CrawlerProcess({ REACTOR: 'callback', LOG_ENABLED: false, LOGSTATS_INTERVAL: 0, ...settings });
  const crawler = proc.createCrawler(spider);
  const logs: LogRecord[] = [];
  crawler.onLog((r) => logs.push(r));
  let error: unknown = null;
  const started = Date.now();
  const done = proc.crawlAsync(crawler, { base: site.url, ...args }).catch((e: unknown) => {
    error = e;
  });
  try {
    await proc.start({ installSignalHandlers: false });
    await done;
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  return { stats: crawler.stats.getStats(), logs, error, seconds: (Date.now() - started) / 1000 };
}

describe('CloseSpider', () => {
  it('CLOSESPIDER_ITEMCOUNT closes with closespider_itemcount once that many items are scraped', async () => {
    const { stats, error } = await crawl(BooksSpider, { CLOSESPIDER_ITEMCOUNT: 3, CONCURRENT_REQUESTS: 1 });
    expect(error).toBeNull();
    expect(stats.finish_reason).toBe('closespider_itemcount');
    // In-flight requests finish, so a few more may come in, but far from the 50 books.
    expect(stats.item_scraped_count).toBeGreaterThanOrEqual(3);
    expect(stats.item_scraped_count).toBeLessThanOrEqual(5);
  });

  it('CLOSESPIDER_PAGECOUNT closes with closespider_pagecount', async () => {
    const { stats } = await crawl(BooksSpider, { CLOSESPIDER_PAGECOUNT: 4, CONCURRENT_REQUESTS: 1 });
    expect(stats.finish_reason).toBe('closespider_pagecount');
    expect(stats.response_received_count).toBeGreaterThanOrEqual(4);
    expect(stats.response_received_count).toBeLessThanOrEqual(6);
  });

  it('CLOSESPIDER_TIMEOUT closes with closespider_timeout after that many seconds', async () => {
    const { stats, seconds } = await crawl(SlowSpider, { CLOSESPIDER_TIMEOUT: 0.4, CONCURRENT_REQUESTS: 2 }, { count: 40, ms: 150 });
    expect(stats.finish_reason).toBe('closespider_timeout');
    expect(seconds).toBeGreaterThanOrEqual(0.4);
    // Closed by the timeout, not by running out of pages: responses were still to come.
    expect(stats.response_received_count).toBeLessThan(40);
  });

  it('CLOSESPIDER_ERRORCOUNT closes with closespider_errorcount after that many spider errors', async () => {
    class FailingSpider extends BooksSpider {
      override parseBook(): never {
        throw new RangeError('bad book page');
      }
    }
    const { stats } = await crawl(FailingSpider, { CLOSESPIDER_ERRORCOUNT: 2, CONCURRENT_REQUESTS: 1 });
    expect(stats.finish_reason).toBe('closespider_errorcount');
    expect(stats['spider_exceptions/RangeError']).toBeGreaterThanOrEqual(2);
    expect(stats['spider_exceptions/RangeError']).toBeLessThanOrEqual(4);
  });

  it('CLOSESPIDER_PAGECOUNT_NO_ITEM and CLOSESPIDER_TIMEOUT_NO_ITEM close a spider that stopped producing items', async () => {
    const pages = await crawl(SlowSpider, { CLOSESPIDER_PAGECOUNT_NO_ITEM: 3, CONCURRENT_REQUESTS: 1 }, { count: 20, ms: 10, items: '0' });
    expect(pages.stats.finish_reason).toBe('closespider_pagecount_no_item');
    expect(pages.stats.response_received_count).toBeGreaterThanOrEqual(3);
    expect(pages.stats.response_received_count).toBeLessThan(6);
    const timeout = await crawl(SlowSpider, { CLOSESPIDER_TIMEOUT_NO_ITEM: 0.3, CONCURRENT_REQUESTS: 2 }, { count: 40, ms: 100, items: '0' });
    expect(timeout.stats.finish_reason).toBe('closespider_timeout_no_item');
    expect(timeout.seconds).toBeGreaterThanOrEqual(0.3);
    // Closed before the 40 pages (2 s at 2 at a time) were all fetched.
    expect(timeout.stats.response_received_count).toBeLessThan(40);
  });

  it('with no CLOSESPIDER_* limit the crawl runs to the end ("finished"); a negative limit is an error', async () => {
    const { stats } = await crawl(BooksSpider, {});
    expect(stats.finish_reason).toBe('finished');
    expect(stats.item_scraped_count).toBe(50);
    const bad = await crawl(BooksSpider, { CLOSESPIDER_ITEMCOUNT: -1 });
    expect((bad.error as Error).message).toBe('CLOSESPIDER_* limits must be 0 (off) or positive; items is -1.');
  });
});

describe('LogStats', () => {
  const LINE = /^Crawled (\d+) pages \(at (\d+) pages\/min\), scraped (\d+) items \(at (\d+) items\/min\)$/;

  it('logs pages/min and items/min every LOGSTATS_INTERVAL seconds, rates from the counts since the last line', async () => {
    const { stats, logs } = await crawl(SlowSpider, { LOGSTATS_INTERVAL: 0.2, CONCURRENT_REQUESTS: 2 }, { count: 12, ms: 100 });
    const lines = logs.filter((r) => r.name === 'scrapy.extensions.logstats').map((r) => r.message);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[0]).toBe('Crawled 0 pages (at 0 pages/min), scraped 0 items (at 0 items/min)');
    let prev = [0, 0];
    for (const line of lines) {
      const m = LINE.exec(line);
      expect(m, line).not.toBeNull();
      const [pages, prate, items, irate] = m!.slice(1).map(Number) as [number, number, number, number];
      expect(prate).toBe(Math.trunc((pages - prev[0]!) * 300)); // 60 s / 0.2 s
      expect(irate).toBe(Math.trunc((items - prev[1]!) * 300));
      prev = [pages, items];
    }
    expect(prev[0]).toBeGreaterThan(0);
    expect(stats.responses_per_minute).toBeGreaterThan(0);
    expect(stats.items_per_minute).toBeGreaterThan(0);
  });

  it('LOGSTATS_INTERVAL = 0 disables it', async () => {
    const { logs, stats } = await crawl(SlowSpider, { LOGSTATS_INTERVAL: 0 }, { count: 2, ms: 10 });
    expect(logs.filter((r) => r.name === 'scrapy.extensions.logstats')).toEqual([]);
    expect(stats.responses_per_minute).toBeUndefined();
  });
});

describe('CoreStats', () => {
  it('records times, the finish reason and the item/response/drop counters', async () => {
    class MissingPrice extends DropItem {}
    class DropSome {
      processItem(item: { title: string; price: string }) {
        if (item.title.endsWith(' 7')) throw new MissingPrice(`no price for ${item.title}`);
        if (item.title.endsWith(' 8')) throw new DropItem(`dropped ${item.title}`);
        return item;
      }
    }
    const before = Date.now();
    const { stats } = await crawl(BooksSpider, { ITEM_PIPELINES: [[DropSome, 100]] });
    const after = Date.now();
    expect(stats.finish_reason).toBe('finished');
    expect(stats.item_scraped_count).toBe(48);
    expect(stats.item_dropped_count).toBe(2);
    expect(stats['item_dropped_reasons_count/MissingPrice']).toBe(1);
    expect(stats['item_dropped_reasons_count/DropItem']).toBe(1);
    expect(stats.response_received_count).toBe(55);
    const start = Date.parse(stats.start_time as string);
    const finish = Date.parse(stats.finish_time as string);
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(finish).toBeLessThanOrEqual(after + 1000);
    expect(stats.elapsed_time_seconds).toBeCloseTo((finish - start) / 1000, 2);
    expect(stats['memusage/max']).toBeGreaterThan(1024 * 1024);
  });
});
