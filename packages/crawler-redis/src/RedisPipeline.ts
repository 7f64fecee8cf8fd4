// Items to a Redis list, as scrapy-redis's RedisPipeline: JSON, RPUSH, '<spider>:items'.

import type { Crawler, Spider } from '@deferkit/crawler';
import { acquireRedis, formatKey, releaseRedis, type FrontierRedis } from './connection.js';

/**
 * An item pipeline that pushes every item, serialised as JSON, to the Redis list
 * `REDIS_ITEMS_KEY` (default `'%(spider)s:items'`, scrapy-redis's), and passes the item on. A
 * function in `REDIS_ITEMS_SERIALIZER` replaces `JSON.stringify`. The item goes on only once
 * Redis has it, so a request is acknowledged to the frontier only after its items are stored.
 * Mirrors scrapy-redis's `scrapy_redis.pipelines.RedisPipeline`.
 *
 * @example
 * ```ts
 * import { RedisPipeline } from '@deferkit/crawler-redis';
 *
 * const settings = { ITEM_PIPELINES: [[RedisPipeline, 300]] };
 * console.log(settings.ITEM_PIPELINES[0]![0] === RedisPipeline);
 * // prints: true
 * ```
 */
export class RedisPipeline {
  readonly #crawler: Crawler;
  readonly #keyTemplate: string;
  readonly #serialize: (item: unknown) => string;
  #redis: FrontierRedis | null = null;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.#keyTemplate = String(crawler.settings.get('REDIS_ITEMS_KEY') || '%(spider)s:items');
    const serializer = crawler.settings.get('REDIS_ITEMS_SERIALIZER') as unknown;
    if (serializer !== undefined && serializer !== null && typeof serializer !== 'function') {
      throw new TypeError(`REDIS_ITEMS_SERIALIZER must be a function (item) => string, got ${typeof serializer}; leave it unset for JSON.`);
    }
    this.#serialize = (serializer as ((item: unknown) => string) | undefined) ?? ((item) => JSON.stringify(item));
  }

  /**
   * Build it for `crawler`.
   * @param crawler - the crawler.
   * @returns the pipeline.
   */
  static fromCrawler(crawler: Crawler): RedisPipeline {
    return new RedisPipeline(crawler);
  }

  /** Connect (the crawler's shared client). */
  openSpider(_spider: Spider): void {
    this.#redis = acquireRedis(this.#crawler);
  }

  /** Let go of the client. */
  async closeSpider(_spider: Spider): Promise<void> {
    if (this.#redis === null) return;
    this.#redis = null;
    await releaseRedis(this.#crawler);
  }

  /**
   * The list key for `item`: override to route items by kind.
   * @param _item - the item.
   * @param spider - the spider.
   * @returns the key.
   */
  itemKey(_item: unknown, spider: Spider): string {
    return formatKey(this.#keyTemplate, spider.name);
  }

  /** RPUSH the serialised item; resolves to the item once Redis has it. */
  async processItem(item: unknown, spider: Spider): Promise<unknown> {
    if (this.#redis === null) throw new Error('RedisPipeline.processItem before openSpider: the pipeline is not open.');
    await this.#redis.rpush(this.itemKey(item, spider), this.#serialize(item));
    return item;
  }
}
