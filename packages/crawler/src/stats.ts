// Stats: named counters and values of a crawl (scrapy.statscollectors.MemoryStatsCollector).

/**
 * The crawl's statistics: counters such as `item_scraped_count`, `downloader/response_count`,
 * `spider_exceptions/<Error>`; printed when the spider closes (`Dumping Scrapy stats`).
 * Keys keep Scrapy's names.
 *
 * Mirrors Scrapy's `MemoryStatsCollector`.
 *
 * @example
 * ```ts
 * import { Crawler, Spider } from '@deferkit/crawler';
 *
 * const crawler = new Crawler(Spider, { LOG_ENABLED: false });
 * crawler.stats.incValue('my_pages');
 * console.log(crawler.stats.getValue('my_pages'));
 * // prints: 1
 * ```
 */
export class StatsCollector {
  #stats = new Map<string, unknown>();

  /** A value, or `defaultValue`. */
  getValue<T = unknown>(key: string, defaultValue?: T): T | undefined {
    return (this.#stats.has(key) ? this.#stats.get(key) : defaultValue) as T | undefined;
  }

  /** Every stat, sorted by key. */
  getStats(): Record<string, unknown> {
    return Object.fromEntries([...this.#stats].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Set a value. */
  setValue(key: string, value: unknown): void {
    this.#stats.set(key, value);
  }

  /** Add `count` (starting from `start`). */
  incValue(key: string, count = 1, start = 0): void {
    this.#stats.set(key, ((this.#stats.get(key) as number | undefined) ?? start) + count);
  }

  /** Keep the larger value. */
  maxValue(key: string, value: number): void {
    const cur = this.#stats.get(key) as number | undefined;
    this.#stats.set(key, cur === undefined ? value : Math.max(cur, value));
  }

  /** Keep the smaller value. */
  minValue(key: string, value: number): void {
    const cur = this.#stats.get(key) as number | undefined;
    this.#stats.set(key, cur === undefined ? value : Math.min(cur, value));
  }

  /** Forget everything. */
  clearStats(): void {
    this.#stats = new Map();
  }
}
