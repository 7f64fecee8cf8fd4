// CloseSpider: close the spider after a time, a number of items, pages or errors.

import type { IDelayedCall } from '@deferkit/deferred';
import { LoopingCall } from '@deferkit/reactor';
import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { signals } from '../signals.js';

/**
 * Closes the spider when a limit is reached (0 disables each):
 *
 * | setting | close reason |
 * | --- | --- |
 * | `CLOSESPIDER_TIMEOUT` (seconds since the spider opened) | `closespider_timeout` |
 * | `CLOSESPIDER_ITEMCOUNT` (items scraped) | `closespider_itemcount` |
 * | `CLOSESPIDER_PAGECOUNT` (responses received) | `closespider_pagecount` |
 * | `CLOSESPIDER_ERRORCOUNT` (spider errors) | `closespider_errorcount` |
 * | `CLOSESPIDER_TIMEOUT_NO_ITEM` (seconds without a new item) | `closespider_timeout_no_item` |
 * | `CLOSESPIDER_PAGECOUNT_NO_ITEM` (responses in a row without an item) | `closespider_pagecount_no_item` |
 *
 * As in Scrapy, closing is graceful: requests already in flight finish, so a few more items or
 * pages than the limit may be counted.
 *
 * Mirrors Scrapy's `CloseSpider` extension.
 */
export class CloseSpider {
  readonly #crawler: Crawler;
  #timer: IDelayedCall | null = null;
  #noItemTask: LoopingCall | null = null;
  readonly #counts = { items: 0, pages: 0, errors: 0, pagesSinceItem: 0, itemsAtLastCheck: 0 };

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    const limits = {
      timeout: s.getFloat('CLOSESPIDER_TIMEOUT'),
      items: s.getInt('CLOSESPIDER_ITEMCOUNT'),
      pages: s.getInt('CLOSESPIDER_PAGECOUNT'),
      errors: s.getInt('CLOSESPIDER_ERRORCOUNT'),
      timeoutNoItem: s.getFloat('CLOSESPIDER_TIMEOUT_NO_ITEM'),
      pagesNoItem: s.getInt('CLOSESPIDER_PAGECOUNT_NO_ITEM'),
    };
    for (const [k, v] of Object.entries(limits)) {
      if (v < 0) throw new TypeError(`CLOSESPIDER_* limits must be 0 (off) or positive; ${k} is ${v}.`);
    }
    if (!Object.values(limits).some((v) => v > 0)) throw new NotConfigured();
    this.#crawler = crawler;
    const c = this.#counts;
    const close = (reason: string): void => {
      void crawler.engine?.closeSpider(reason);
    };
    if (limits.timeout > 0) {
      const closeSpiderTimeout = (): void => {
        this.#timer = crawler.reactor.callLater(limits.timeout, () => close('closespider_timeout'));
      };
      crawler.signals.connect(closeSpiderTimeout, signals.spiderOpened);
    }
    if (limits.items > 0 || limits.pagesNoItem > 0) {
      const closeSpiderItemCount = (): void => {
        c.items++;
        c.pagesSinceItem = 0;
        if (limits.items > 0 && c.items === limits.items) close('closespider_itemcount');
      };
      crawler.signals.connect(closeSpiderItemCount, signals.itemScraped);
    }
    if (limits.pages > 0 || limits.pagesNoItem > 0) {
      const closeSpiderPageCount = (): void => {
        c.pages++;
        c.pagesSinceItem++;
        if (limits.pages > 0 && c.pages === limits.pages) close('closespider_pagecount');
        else if (limits.pagesNoItem > 0 && c.pagesSinceItem >= limits.pagesNoItem) close('closespider_pagecount_no_item');
      };
      crawler.signals.connect(closeSpiderPageCount, signals.responseReceived);
    }
    if (limits.errors > 0) {
      const closeSpiderErrorCount = (): void => {
        if (++c.errors === limits.errors) close('closespider_errorcount');
      };
      crawler.signals.connect(closeSpiderErrorCount, signals.spiderError);
    }
    if (limits.timeoutNoItem > 0) {
      const closeSpiderTimeoutNoItem = (): void => {
        const scraped = (): number => Number(crawler.stats.getValue('item_scraped_count', 0));
        c.itemsAtLastCheck = scraped();
        const task = new LoopingCall(() => {
          const now = scraped();
          if (now === c.itemsAtLastCheck) close('closespider_timeout_no_item');
          c.itemsAtLastCheck = now;
        });
        task.clock = crawler.reactor;
        task.start(limits.timeoutNoItem, false);
        this.#noItemTask = task;
      };
      crawler.signals.connect(closeSpiderTimeoutNoItem, signals.spiderOpened);
    }
    crawler.signals.connect(() => {
      if (this.#timer?.active()) this.#timer.cancel();
      if (this.#noItemTask?.running) this.#noItemTask.stop();
    }, signals.spiderClosed);
  }
}
