// LogStats: log pages/min and items/min every LOGSTATS_INTERVAL seconds.

import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { signals } from '../signals.js';
import { LoopingCall } from '@deferkit/reactor';

/**
 * Every `LOGSTATS_INTERVAL` seconds (0 disables) logs
 * `Crawled N pages (at N pages/min), scraped N items (at N items/min)`, and at close records
 * `responses_per_minute` / `items_per_minute`.
 * Mirrors Scrapy's `LogStats`.
 */
export class LogStats {
  readonly #crawler: Crawler;
  readonly #interval: number;
  #task: LoopingCall | null = null;
  #pagesPrev = 0;
  #itemsPrev = 0;
  #start = 0;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#interval = crawler.settings.getFloat('LOGSTATS_INTERVAL');
    if (!(this.#interval > 0)) throw new NotConfigured();
    this.#crawler = crawler;
    crawler.signals.connect(() => this.#opened(), signals.spiderOpened);
    crawler.signals.connect(() => this.#closed(), signals.spiderClosed);
  }

  #opened(): void {
    this.#start = this.#crawler.reactor.seconds();
    this.#task = new LoopingCall(() => this.#log());
    this.#task.clock = this.#crawler.reactor;
    this.#task.start(this.#interval);
  }

  #counts(): [number, number] {
    const s = this.#crawler.stats;
    return [Number(s.getValue('response_received_count', 0)), Number(s.getValue('item_scraped_count', 0))];
  }

  #log(): void {
    const [pages, items] = this.#counts();
    const mult = 60 / this.#interval;
    const prate = Math.trunc((pages - this.#pagesPrev) * mult);
    const irate = Math.trunc((items - this.#itemsPrev) * mult);
    this.#pagesPrev = pages;
    this.#itemsPrev = items;
    this.#crawler.getLogger('scrapy.extensions.logstats').info(`Crawled ${pages} pages (at ${prate} pages/min), scraped ${items} items (at ${irate} items/min)`);
  }

  #closed(): void {
    if (this.#task?.running) this.#task.stop();
    const elapsed = this.#crawler.reactor.seconds() - this.#start;
    if (elapsed > 0) {
      const [pages, items] = this.#counts();
      this.#crawler.stats.setValue('responses_per_minute', (pages / elapsed) * 60);
      this.#crawler.stats.setValue('items_per_minute', (items / elapsed) * 60);
    }
  }
}
