// The Redis frontier in one process against a real redis-server: scrapy-redis's key names and
// settings, the queue classes, start URLs from a list or a set, and leases of dead workers
// returning to the queue.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Crawler, Request, requestToDict, Spider, type Response } from '@deferkit/crawler';
import { RedisPipeline, RedisScheduler, RedisSpider } from '@deferkit/crawler-redis';
import { runCrawl } from '../crawler/crawl-harness.js';
import { redisMissing, startRedis, startTreeSite, type RedisServer, type TreeSite } from './harness.js';

it('redis-server is available (the Redis frontier tests need it; CI installs it in .ci/run)', () => {
  if (redisMissing !== null) {
    expect(process.env.CI, redisMissing).toBeFalsy();
    console.warn(`SKIPPED: ${redisMissing}`);
  }
});

describe.skipIf(redisMissing !== null)('Redis frontier (real redis-server)', () => {
  let server: RedisServer;
  let redis: Redis;
  let site: TreeSite;
  const N = 15;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    site = await startTreeSite(N);
  });
  afterAll(async () => {
    await site?.close();
    await redis?.quit();
    await server?.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  class Tree extends RedisSpider {
    override name = 'tree';
    override parse(response: Response) {
      const out: unknown[] = [{ url: response.url, tag: response.meta.tag ?? null, requeued: response.meta.redis_requeued ?? 0 }];
      for (const href of response.css('a::attr(href)').getall()) out.push(response.follow(href));
      return out;
    }
  }
  const base = (extra: Record<string, unknown> = {}) => ({
    REDIS_URL: server.url,
    SCHEDULER: 'scrapy_redis.scheduler.Scheduler',
    DUPEFILTER_CLASS: 'scrapy_redis.dupefilter.RFPDupeFilter',
    ITEM_PIPELINES: [[RedisPipeline, 300]],
    REDIS_CLOSE_WHEN_DRAINED: true,
    SCHEDULER_LEASE_TIME: 1,
    ...extra,
  });
  const itemsIn = async (key: string) => (await redis.lrange(key, 0, -1)).map((s) => JSON.parse(s) as { url: string; tag: string | null; requeued: number });

  it("scrapy-redis keys: a plain URL in 'tree:start_urls' crawls the site once per page; items are JSON in 'tree:items', fingerprints in 'tree:dupefilter'", async () => {
    await redis.lpush('tree:start_urls', `${site.url}/p/0`);
    const r = await runCrawl(Tree, base({ SCHEDULER_PERSIST: true }));
    expect(r.crawler.engine?.closeReason).toBe('finished');
    const items = await itemsIn('tree:items');
    expect(items.map((i) => i.url).sort()).toEqual(site.pages.map((p) => `${site.url}${p}`).sort());
    // The start request is dontFilter (as scrapy-redis's); the N-1 followed links are fingerprinted.
    expect(await redis.scard('tree:dupefilter')).toBe(N - 1);
    expect(await redis.exists('tree:start_urls', 'tree:requests')).toBe(0);
    expect(r.stat('scheduler/enqueued/redis')).toBe(N);
    expect(r.stat('scheduler/dequeued/redis')).toBe(N);
    // No lease is left behind: the worker acknowledged every request and left.
    const leaseKeys = await redis.keys('tree:requests:processing:*');
    expect(leaseKeys).toEqual([]);
    expect(await redis.scard('tree:requests:workers')).toBe(0);
  });

  it('SCHEDULER_PERSIST false (the default) deletes the queue and the dupefilter when the spider closes; items stay', async () => {
    await redis.lpush('tree:start_urls', `${site.url}/p/0`);
    await runCrawl(Tree, base());
    expect(await redis.exists('tree:dupefilter')).toBe(0);
    expect(await redis.llen('tree:items')).toBe(N);
  });

  it('SCHEDULER_FLUSH_ON_START clears a previous run: its fingerprints no longer filter the pages', async () => {
    await redis.sadd('tree:dupefilter', 'stale');
    await redis.lpush('tree:start_urls', `${site.url}/p/0`);
    await runCrawl(Tree, base({ SCHEDULER_PERSIST: true }));
    // Without flushing, a second crawl of the same site finds every link seen: only the start page.
    await redis.del('tree:items');
    await redis.lpush('tree:start_urls', `${site.url}/p/0`);
    const again = await runCrawl(Tree, base({ SCHEDULER_PERSIST: true }));
    expect(await redis.llen('tree:items')).toBe(1);
    expect(again.stat('dupefilter/filtered')).toBe(2);
    await redis.del('tree:items');
    await redis.lpush('tree:start_urls', `${site.url}/p/0`);
    await runCrawl(Tree, base({ SCHEDULER_PERSIST: true, SCHEDULER_FLUSH_ON_START: true }));
    expect(await redis.llen('tree:items')).toBe(N);
    expect(await redis.sismember('tree:dupefilter', 'stale')).toBe(0);
  });

  it('REDIS_START_URLS_AS_SET: start entries are SPOPped from a set; a JSON entry gives url and meta', async () => {
    await redis.sadd('tree:start_urls', JSON.stringify({ url: `${site.url}/p/${N - 1}`, meta: { tag: 'from-json' } }));
    const r = await runCrawl(Tree, base({ REDIS_START_URLS_AS_SET: true }));
    const items = await itemsIn('tree:items');
    expect(items).toEqual([{ url: `${site.url}/p/${N - 1}`, tag: 'from-json', requeued: 0 }]);
    expect(await redis.exists('tree:start_urls')).toBe(0);
    expect(r.crawler.engine?.closeReason).toBe('finished');
  });

  it('SCHEDULER_QUEUE_CLASS scrapy_redis.queue.FifoQueue: pages are fetched breadth first (one at a time)', async () => {
    expect(await fetchOrder('scrapy_redis.queue.FifoQueue')).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('SCHEDULER_QUEUE_CLASS scrapy_redis.queue.LifoQueue: of two links pushed together, the last pushed is fetched first', async () => {
    const seen = await fetchOrder('scrapy_redis.queue.LifoQueue');
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const i of [0, 1, 2]) expect(seen.indexOf(2 * i + 2)).toBeLessThan(seen.indexOf(2 * i + 1));
  });

  async function fetchOrder(queueClass: string): Promise<number[]> {
    const small = await startTreeSite(7);
    const seen: number[] = [];
    small.events.on('request', (p: string) => seen.push(Number(p.split('/').pop())));
    try {
      await redis.lpush('tree:start_urls', `${small.url}/p/0`);
      await runCrawl(Tree, base({ SCHEDULER_QUEUE_CLASS: queueClass, CONCURRENT_REQUESTS: 1 }));
    } finally {
      await small.close();
    }
    return seen;
  }

  it('priority queue (the default): a higher Request.priority is taken first, as a ZSET scored -priority', async () => {
    class Prio extends Spider {
      override name = 'prio';
      override async *start() {
        for (const [i, priority] of [[1, 0], [2, 5], [3, -1]] as const) yield new Request(`${site.url}/p/${i}`, { priority, callback: 'page' });
      }
      page(response: Response) {
        return { url: response.url };
      }
    }
    const r = await runCrawl(Prio, base({ CONCURRENT_REQUESTS: 1, SCHEDULER_PERSIST: true }));
    expect(r.items.map((i) => i.url)).toEqual([2, 1, 3].map((i) => `${site.url}/p/${i}`));
  });

  it("a dead worker's lease returns its requests to the queue: re-crawled with meta.redis_requeued and counted (redis/requeued, redis/requeued_received)", async () => {
    // What a killed worker leaves behind: a lease hash and no heartbeat key (it expired).
    const payload = JSON.stringify(requestToDict(new Request(`${site.url}/p/${N - 1}`, { dontFilter: true })));
    await redis.sadd('tree:requests:workers', 'dead-worker');
    await redis.hset('tree:requests:processing:dead-worker', '1.1', `0\n${payload}`);
    const r = await runCrawl(Tree, base());
    const items = await itemsIn('tree:items');
    expect(items).toEqual([{ url: `${site.url}/p/${N - 1}`, tag: null, requeued: 1 }]);
    expect(r.stat('redis/requeued')).toBe(1);
    expect(r.stat('redis/requeued_received')).toBe(1);
    expect(await redis.exists('tree:requests:processing:dead-worker')).toBe(0);
    expect(await redis.sismember('tree:requests:workers', 'dead-worker')).toBe(0);
  });

  it('a live worker keeps its lease: another worker does not take its requests back', async () => {
    const payload = JSON.stringify(requestToDict(new Request(`${site.url}/p/3`, { dontFilter: true })));
    await redis.sadd('tree:requests:workers', 'alive');
    await redis.set('tree:requests:worker:alive', '1');
    await redis.hset('tree:requests:processing:alive', '1.1', `0\n${payload}`);
    await redis.lpush('tree:start_urls', `${site.url}/p/${N - 1}`);
    // Not drained while "alive" holds a lease: let it finish by acknowledging once the start page is scraped.
    const r = await runCrawl(Tree, base({ SCHEDULER_PERSIST: true }), (crawler) => {
      crawler.signals.connect(() => void redis.del('tree:requests:processing:alive'), 'itemScraped');
    });
    expect((await itemsIn('tree:items')).map((i) => i.url)).toEqual([`${site.url}/p/${N - 1}`]);
    expect(r.stat('redis/requeued')).toBeUndefined();
  });

  it('usage errors name the fix: unknown queue class, RedisDupeFilter with the built-in scheduler, an unregistered scrapy_redis name', async () => {
    const c = new Crawler(Tree, { SCHEDULER_QUEUE_CLASS: 'scrapy_redis.queue.Nope' });
    expect(() => new RedisScheduler(c)).toThrow(/SCHEDULER_QUEUE_CLASS 'scrapy_redis.queue.Nope' is not a scrapy-redis queue: use 'scrapy_redis.queue.PriorityQueue'/);
    await expect(runCrawl(Tree, { REDIS_URL: server.url, DUPEFILTER_CLASS: 'scrapy_redis.dupefilter.RFPDupeFilter' })).rejects.toThrow(/works only with the Redis scheduler: set SCHEDULER to 'scrapy_redis.scheduler.Scheduler'/);
    await expect(runCrawl(Tree, { REDIS_URL: server.url, SCHEDULER: 'scrapy_redis.scheduler.Other' })).rejects.toThrow(/SCHEDULER 'scrapy_redis.scheduler.Other' is not a known scheduler.*import '@deferkit\/crawler-redis' first/);
    expect(() => new Crawler(Tree, { REDIS_URL: 'localhost:6379' }).settings && new RedisPipeline(new Crawler(Tree, {}))).not.toThrow();
  });
});
