// Item pipelines: processItem in order, openSpider/closeSpider concurrently (scrapy.pipelines).

import type { Crawler } from '../Crawler.js';
import { componentName, settle } from '../utils/misc.js';
import { buildComponents } from './components.js';

type Method = (...args: any[]) => unknown;

/**
 * An item pipeline: any object with some of these methods, each sync, async or Deferred-returning.
 *
 * Mirrors Scrapy's item pipeline interface.
 */
export interface ItemPipeline {
  /** Transform or check an item; return it (or a replacement); throw DropItem to drop it. */
  processItem?(item: any, spider: unknown): unknown;
  /** Called when the spider opens. */
  openSpider?(spider: unknown): unknown;
  /** Called when the spider closes. */
  closeSpider?(spider: unknown): unknown;
}

/**
 * Runs items through the pipelines of `ITEM_PIPELINES`: `processItem` methods **in sequence**,
 * ascending order, each awaited (a returned Deferred works under both reactors, with Scrapy's
 * deprecation warning); `openSpider` and `closeSpider` of all pipelines **concurrently**.
 *
 * Mirrors Scrapy's `ItemPipelineManager`.
 */
export class ItemPipelineManager {
  /** The pipelines, ascending. */
  readonly pipelines: object[];
  readonly #crawler: Crawler;
  /** Names already warned about returning a Deferred (Python shows a warning once per place). */
  readonly #warned = new Set<string>();

  /** @internal */
  constructor(crawler: Crawler, pipelines: object[]) {
    this.#crawler = crawler;
    this.pipelines = pipelines;
  }

  /** Build from `ITEM_PIPELINES`. */
  static fromCrawler(crawler: Crawler): ItemPipelineManager {
    const p = buildComponents(crawler, 'ITEM_PIPELINES', null, {});
    crawler.getLogger('scrapy.middleware').info(`Enabled item pipelines:\n[${p.map((m) => `'${componentName(m)}'`).join(',\n ')}]`);
    return new ItemPipelineManager(crawler, p);
  }

  #each(name: 'openSpider' | 'closeSpider'): Promise<unknown[]> {
    const spider = this.#crawler.spider;
    const logger = this.#crawler.getLogger('scrapy.middleware');
    return Promise.all(
      this.pipelines
        .filter((p) => typeof (p as Record<string, unknown>)[name] === 'function')
        .map(async (p) => settle(((p as Record<string, Method>)[name] as Method).call(p, spider), logger, `${componentName(p)}.${name}`, this.#warned)),
    );
  }

  /** Every pipeline's `openSpider`, concurrently. */
  openSpider(): Promise<unknown[]> {
    return this.#each('openSpider');
  }

  /** Every pipeline's `closeSpider`, concurrently. */
  closeSpider(): Promise<unknown[]> {
    return this.#each('closeSpider');
  }

  /** Whether any pipeline has a `processItem` (without one, items go through unchanged). */
  get processesItems(): boolean {
    return this.pipelines.some((p) => typeof (p as ItemPipeline).processItem === 'function');
  }

  /** `item` through every `processItem`, in order. */
  async processItem(item: unknown): Promise<unknown> {
    const spider = this.#crawler.spider;
    const logger = this.#crawler.getLogger('scrapy.middleware');
    let current = item;
    for (const p of this.pipelines) {
      const fn = (p as ItemPipeline).processItem;
      if (typeof fn !== 'function') continue;
      current = await settle(fn.call(p, current, spider), logger, `${componentName(p)}.processItem`, this.#warned);
    }
    return current;
  }
}
