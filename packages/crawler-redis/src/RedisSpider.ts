// Spiders that read their start URLs from Redis and stay open waiting for more, as
// scrapy-redis's RedisSpider and RedisCrawlSpider.

import { CrawlSpider, DontCloseSpider, FormRequest, Request, signals, Spider, type Crawler, type SpiderClass } from '@deferkit/crawler';
import { acquireRedis, formatKey, releaseRedis, type FrontierRedis } from './connection.js';
import { RedisScheduler } from './RedisScheduler.js';

/** What a Redis-fed spider may set (as class fields) to override the settings. */
export interface RedisSpiderFields {
  redisKey: string | null;
  redisBatchSize: number | null;
  maxIdleTime: number | null;
  makeRequestFromData(data: string): Request | Request[] | null;
}

/** The Redis side of a Redis-fed spider (shared by both spider classes). */
class StartFeed {
  readonly key: string;
  readonly batch: number;
  readonly asSet: boolean;
  readonly maxIdleTime: number;
  readonly closeWhenDrained: boolean;
  readonly redis: FrontierRedis;
  #idleSince = Date.now();
  #checking = false;
  #drainedBefore = false;
  #closed = false;

  constructor(
    readonly spider: Spider & RedisSpiderFields,
    readonly crawler: Crawler,
  ) {
    const s = crawler.settings;
    this.key = formatKey(spider.redisKey ?? String(s.get('REDIS_START_URLS_KEY') ?? '%(name)s:start_urls'), spider.name);
    const batch = spider.redisBatchSize ?? s.getInt('REDIS_START_URLS_BATCH_SIZE', s.getInt('CONCURRENT_REQUESTS', 16));
    if (!Number.isInteger(batch) || batch < 1) throw new TypeError(`redisBatchSize must be a positive integer, got ${String(batch)}.`);
    this.batch = batch;
    this.asSet = s.getBool('REDIS_START_URLS_AS_SET');
    if (s.getBool('REDIS_START_URLS_AS_ZSET')) throw new TypeError('REDIS_START_URLS_AS_ZSET is not supported by @deferkit/crawler-redis yet: use a list (the default) or REDIS_START_URLS_AS_SET.');
    const maxIdle = spider.maxIdleTime ?? s.getFloat('MAX_IDLE_TIME_BEFORE_CLOSE', 0);
    if (!(maxIdle >= 0)) throw new TypeError(`MAX_IDLE_TIME_BEFORE_CLOSE must be 0 (wait forever) or a number of seconds, got ${String(maxIdle)}.`);
    this.maxIdleTime = maxIdle;
    this.closeWhenDrained = s.getBool('REDIS_CLOSE_WHEN_DRAINED');
    this.redis = acquireRedis(crawler);
    crawler.signals.connect(this.#onIdle, signals.spiderIdle);
    crawler.signals.connect(this.#onClosed, signals.spiderClosed);
    spider.logger.info(`Reading start URLs from redis key '${this.key}' (batch size: ${this.batch})`);
  }

  /** Up to `batch` start requests from the key (removed from it). */
  async next(): Promise<Request[]> {
    let datas: string[];
    if (this.asSet) datas = (await this.redis.spop(this.key, this.batch)) ?? [];
    else {
      const res = await this.redis.multi().lrange(this.key, 0, this.batch - 1).ltrim(this.key, this.batch, -1).exec();
      datas = (res?.[0]?.[1] as string[] | undefined) ?? [];
    }
    const out: Request[] = [];
    for (const data of datas) {
      const made = this.spider.makeRequestFromData(data);
      if (made === null) this.spider.logger.debug(`Request not made from data: ${data}`);
      else out.push(...(Array.isArray(made) ? made : [made]));
    }
    if (out.length > 0) {
      this.#idleSince = Date.now();
      this.spider.logger.debug(`Read ${out.length} requests from '${this.key}'`);
    }
    return out;
  }

  #onIdle = (): void => {
    const engine = this.crawler.engine;
    if (engine === null || this.#closed) return;
    if (!this.#checking) {
      this.#checking = true;
      void this.#check().finally(() => {
        this.#checking = false;
      });
    }
    if (this.maxIdleTime > 0 && Date.now() - this.#idleSince >= this.maxIdleTime * 1000) return;
    throw new DontCloseSpider();
  };

  async #check(): Promise<void> {
    const engine = this.crawler.engine!;
    try {
      const requests = await this.next();
      for (const r of requests) engine.crawl(r);
      if (requests.length > 0) this.#drainedBefore = false;
      if (requests.length > 0 || !this.closeWhenDrained) return;
      const scheduler = engine.scheduler;
      if (!(scheduler instanceof RedisScheduler)) {
        if (engine.spiderIsIdle()) void engine.closeSpider('finished');
        return;
      }
      await scheduler.renew();
      const left = this.asSet ? await this.redis.scard(this.key) : await this.redis.llen(this.key);
      const drained = left === 0 && scheduler.drained && engine.spiderIsIdle();
      // Twice in a row (a lease renewal apart): another worker may be between taking a start
      // URL and pushing its request, a moment when the frontier looks empty.
      if (drained && this.#drainedBefore) void engine.closeSpider('finished');
      this.#drainedBefore = drained;
    } catch (e) {
      this.spider.logger.error(`Could not read start URLs from redis key '${this.key}': ${(e as Error).message}`);
    }
  }

  #onClosed = async (): Promise<void> => {
    if (this.#closed) return;
    this.#closed = true;
    await releaseRedis(this.crawler);
  };
}

/** scrapy-redis's make_request_from_data: a JSON object (url, method, meta, form fields) or a plain URL. */
function requestFromData(spider: Spider, data: string): Request | null {
  const text = data.trim();
  if (!text.startsWith('{')) return new Request(text, { dontFilter: true });
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(text) as Record<string, unknown>;
  } catch {
    spider.logger.warning(`Start data is neither a URL nor valid JSON: ${text.slice(0, 200)}`);
    return null;
  }
  const { url, method, meta, ...formdata } = obj;
  if (typeof url !== 'string') {
    spider.logger.warning(`The data from Redis has no url key: ${text.slice(0, 200)}`);
    return null;
  }
  const init = { dontFilter: true, method: typeof method === 'string' ? method.toUpperCase() : 'GET', meta: (meta as Record<string, unknown> | undefined) ?? {} };
  if (Object.keys(formdata).length === 0) return new Request(url, init);
  return new FormRequest(url, { ...init, formdata: formdata as Record<string, string> });
}

const feeds = new WeakMap<Spider, StartFeed>();

/**
 * A spider whose start URLs come from the Redis key `redisKey` (default setting
 * `REDIS_START_URLS_KEY`, `'%(name)s:start_urls'`): a list (LRANGE + LTRIM, `redisBatchSize` at
 * a time, default `CONCURRENT_REQUESTS`) or, with `REDIS_START_URLS_AS_SET`, a set (SPOP). Each
 * entry is a plain URL or a JSON object `{url, method, meta, …form fields}`. When idle it reads
 * the next batch and stays open waiting for more (raising DontCloseSpider), until
 * `MAX_IDLE_TIME_BEFORE_CLOSE` seconds pass with nothing (0 = forever) or, with deferkit's
 * `REDIS_CLOSE_WHEN_DRAINED`, the whole shared frontier is empty (no start URL, no queued
 * request, none leased by any live worker).
 * Mirrors scrapy-redis's `scrapy_redis.spiders.RedisSpider`.
 *
 * @example
 * ```ts
 * import type { Response } from '@deferkit/crawler';
 * import { RedisSpider } from '@deferkit/crawler-redis';
 *
 * class Books extends RedisSpider {
 *   override name = 'books';
 *   override parse(response: Response) {
 *     return { url: response.url };
 *   }
 * }
 * const request = new Books().makeRequestFromData('http://127.0.0.1/a');
 * console.log(Array.isArray(request) ? request.length : request?.url);
 * // prints: http://127.0.0.1/a
 * ```
 */
export class RedisSpider extends Spider implements RedisSpiderFields {
  /** The start-URL key (a template with `%(name)s`), or null for `REDIS_START_URLS_KEY`. */
  redisKey: string | null = null;
  /** Start URLs read at a time, or null for `CONCURRENT_REQUESTS`. */
  redisBatchSize: number | null = null;
  /** Seconds idle before closing, or null for `MAX_IDLE_TIME_BEFORE_CLOSE` (0 = never). */
  maxIdleTime: number | null = null;

  /**
   * Create the spider and connect its start feed.
   * @param crawler - the crawler.
   * @param args - spider arguments.
   * @returns the spider.
   */
  static override fromCrawler(this: SpiderClass, crawler: Crawler, args: Record<string, unknown> = {}): Spider {
    const spider = Spider.fromCrawler.call(this, crawler, args) as RedisSpider;
    feeds.set(spider, new StartFeed(spider, crawler));
    return spider;
  }

  /** The first batch from the start key. */
  override async *start(): AsyncGenerator<unknown, void, undefined> {
    yield* await startBatch(this);
  }

  /**
   * One start request (or several, or null to skip) from a Redis entry.
   * @param data - the entry: a URL or a JSON object.
   * @returns the request(s).
   */
  makeRequestFromData(data: string): Request | Request[] | null {
    return requestFromData(this, data);
  }
}

/**
 * A {@link CrawlSpider} (rules) whose start URLs come from Redis, as {@link RedisSpider}'s do.
 * Mirrors scrapy-redis's `scrapy_redis.spiders.RedisCrawlSpider`.
 *
 * @example
 * ```ts
 * import { Rule } from '@deferkit/crawler';
 * import { RedisCrawlSpider } from '@deferkit/crawler-redis';
 *
 * class Site extends RedisCrawlSpider {
 *   override name = 'site';
 *   override rules = [new Rule(null, { follow: true })];
 * }
 * console.log(new Site().redisKey);
 * // prints: null
 * ```
 */
export class RedisCrawlSpider extends CrawlSpider implements RedisSpiderFields {
  /** The start-URL key (a template with `%(name)s`), or null for `REDIS_START_URLS_KEY`. */
  redisKey: string | null = null;
  /** Start URLs read at a time, or null for `CONCURRENT_REQUESTS`. */
  redisBatchSize: number | null = null;
  /** Seconds idle before closing, or null for `MAX_IDLE_TIME_BEFORE_CLOSE` (0 = never). */
  maxIdleTime: number | null = null;

  /**
   * Create the spider and connect its start feed.
   * @param crawler - the crawler.
   * @param args - spider arguments.
   * @returns the spider.
   */
  static override fromCrawler(this: SpiderClass, crawler: Crawler, args: Record<string, unknown> = {}): Spider {
    const spider = CrawlSpider.fromCrawler.call(this, crawler, args) as RedisCrawlSpider;
    feeds.set(spider, new StartFeed(spider, crawler));
    return spider;
  }

  /** The first batch from the start key. */
  override async *start(): AsyncGenerator<unknown, void, undefined> {
    yield* await startBatch(this);
  }

  /**
   * One start request (or several, or null to skip) from a Redis entry.
   * @param data - the entry: a URL or a JSON object.
   * @returns the request(s).
   */
  makeRequestFromData(data: string): Request | Request[] | null {
    return requestFromData(this, data);
  }
}

async function startBatch(spider: Spider): Promise<Request[]> {
  const feed = feeds.get(spider);
  if (feed === undefined) throw new Error(`${spider.constructor.name} was not made by fromCrawler: run it through a Crawler so it can reach Redis.`);
  return feed.next();
}
