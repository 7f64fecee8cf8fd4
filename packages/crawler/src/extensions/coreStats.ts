// CoreStats: the basic counters and timings of a crawl.

import type { Crawler } from '../Crawler.js';
import { signals } from '../signals.js';

/**
 * Records `start_time`, `finish_time`, `finish_reason`, `elapsed_time_seconds`,
 * `item_scraped_count`, `item_dropped_count`, `item_dropped_reasons_count/<Error>`,
 * and `response_received_count` (`memusage/*` come from MemoryUsage, as in Scrapy).
 * Mirrors Scrapy's `CoreStats`.
 */
export class CoreStats {
  #start = 0;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const stats = crawler.stats;
    crawler.signals.connect(() => {
      this.#start = Date.now();
      stats.setValue('start_time', new Date(this.#start).toISOString());
    }, signals.spiderOpened);
    crawler.signals.connect(({ reason }) => {
      const now = Date.now();
      stats.setValue('finish_time', new Date(now).toISOString());
      stats.setValue('elapsed_time_seconds', (now - this.#start) / 1000);
      stats.setValue('finish_reason', reason);
    }, signals.spiderClosed);
    crawler.signals.connect(() => stats.incValue('item_scraped_count'), signals.itemScraped);
    crawler.signals.connect(() => stats.incValue('response_received_count'), signals.responseReceived);
    crawler.signals.connect(({ exception }) => {
      stats.incValue('item_dropped_count');
      // Scrapy: item_dropped_reasons_count/<exception class name>.
      const cls = (exception as object | null)?.constructor?.name;
      stats.incValue(`item_dropped_reasons_count/${cls !== undefined && cls !== 'Object' ? cls : 'DropItem'}`);
    }, signals.itemDropped);
  }
}
