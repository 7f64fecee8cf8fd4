// CloseSpider: close the spider after a time, a number of items, pages or errors.

import type { IDelayedCall } from '@deferkit/deferred';
import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { signals } from '../signals.js';

/**
 * Closes the spider with reason `closespider_timeout`, `closespider_itemcount`,
 * `closespider_pagecount` or `closespider_errorcount` when `CLOSESPIDER_TIMEOUT` (seconds),
 * `CLOSESPIDER_ITEMCOUNT`, `CLOSESPIDER_PAGECOUNT` or `CLOSESPIDER_ERRORCOUNT` is reached
 * (0 disables each).
 * Mirrors Scrapy's `CloseSpider` extension.
 */
export class CloseSpider {
  readonly #crawler: Crawler;
  #timer: IDelayedCall | null = null;
  readonly #counts = { items: 0, pages: 0, errors: 0 };

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    const timeout = s.getFloat('CLOSESPIDER_TIMEOUT');
    const items = s.getInt('CLOSESPIDER_ITEMCOUNT');
    const pages = s.getInt('CLOSESPIDER_PAGECOUNT');
    const errors = s.getInt('CLOSESPIDER_ERRORCOUNT');
    if (!(timeout > 0 || items > 0 || pages > 0 || errors > 0)) throw new NotConfigured();
    this.#crawler = crawler;
    const close = (reason: string): void => {
      void crawler.engine?.closeSpider(reason);
    };
    if (timeout > 0) {
      crawler.signals.connect(() => {
        this.#timer = crawler.reactor.callLater(timeout, () => close('closespider_timeout'));
      }, signals.spiderOpened);
    }
    if (items > 0) crawler.signals.connect(() => ++this.#counts.items >= items && close('closespider_itemcount'), signals.itemScraped);
    if (pages > 0) crawler.signals.connect(() => ++this.#counts.pages >= pages && close('closespider_pagecount'), signals.responseReceived);
    if (errors > 0) crawler.signals.connect(() => ++this.#counts.errors >= errors && close('closespider_errorcount'), signals.spiderError);
    crawler.signals.connect(() => {
      if (this.#timer?.active()) this.#timer.cancel();
    }, signals.spiderClosed);
  }
}
