// The shared frontier: scrapy-redis's scheduler and dupefilter on one Redis, with leases.
//
// The engine asks a scheduler synchronously; Redis answers asynchronously. So this scheduler
// keeps a small local buffer of requests it has leased, refills it with one script call when it
// runs low, and wakes the engine when a refill lands. Enqueues are sent at once (one script call
// each, auto-pipelined) and report duplicates when Redis answers.

import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { Request, requestFingerprint, requestFromDict, requestToDict, UsageError, type Crawler, type Spider } from '@deferkit/crawler';
import type { DupeFilterLike, SchedulerLike } from '@deferkit/crawler/engine';
import { acquireRedis, formatKey, releaseRedis, type FrontierRedis } from './connection.js';
import type { QueueKind } from './scripts.js';

/** scrapy-redis's queue class names (and short forms) → the queue kind. */
const QUEUE_CLASSES: Record<string, QueueKind> = {
  'scrapy_redis.queue.PriorityQueue': 'priority',
  'scrapy_redis.queue.FifoQueue': 'fifo',
  'scrapy_redis.queue.LifoQueue': 'lifo',
  'scrapy_redis.queue.SpiderPriorityQueue': 'priority',
  'scrapy_redis.queue.SpiderQueue': 'fifo',
  'scrapy_redis.queue.SpiderStack': 'lifo',
  PriorityQueue: 'priority',
  FifoQueue: 'fifo',
  LifoQueue: 'lifo',
};

/** The meta key a re-queued request carries: how many times its lease expired before. */
export const REQUEUED_META_KEY = 'redis_requeued';

/** The lease bookkeeping of a request this worker took. */
interface Lease {
  token: string;
  requeues: number;
  payload: string;
}

/**
 * The duplicate filter of the shared frontier: fingerprints in the Redis set
 * `SCHEDULER_DUPEFILTER_KEY` (default `'%(spider)s:dupefilter'`), checked and added atomically
 * with the push by {@link RedisScheduler}. Used on its own (with the built-in scheduler) it only
 * remembers what this process saw, so it refuses that: set `SCHEDULER` too.
 * Mirrors scrapy-redis's `scrapy_redis.dupefilter.RFPDupeFilter`.
 *
 * @example
 * ```ts
 * import { RedisDupeFilter } from '@deferkit/crawler-redis';
 *
 * console.log(RedisDupeFilter.scrapyName);
 * // prints: scrapy_redis.dupefilter.RFPDupeFilter
 * ```
 */
export class RedisDupeFilter implements DupeFilterLike {
  /** The dotted name `DUPEFILTER_CLASS` may give. */
  static readonly scrapyName = 'scrapy_redis.dupefilter.RFPDupeFilter';
  readonly #crawler: Crawler;
  #logged = false;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
  }
  /**
   * Build it for `crawler`.
   * @param crawler - the crawler.
   * @returns the filter.
   * @throws UsageError when `SCHEDULER` is not the Redis scheduler (the check is part of its push).
   */
  static fromCrawler(crawler: Crawler): RedisDupeFilter {
    const scheduler = crawler.settings.get('SCHEDULER') as unknown;
    if (scheduler !== RedisScheduler && scheduler !== RedisScheduler.scrapyName) {
      throw new UsageError(
        `DUPEFILTER_CLASS '${RedisDupeFilter.scrapyName}' works only with the Redis scheduler: set SCHEDULER to '${RedisScheduler.scrapyName}' (or RedisScheduler) as well.`,
        null,
        false,
      );
    }
    return new RedisDupeFilter(crawler);
  }
  /** Always false here: the Redis scheduler checks the fingerprint in the same script as the push. */
  requestSeen(_request: Request): boolean {
    return false;
  }
  /** Log (the first, or every one with DUPEFILTER_DEBUG) and count a filtered duplicate. */
  log(request: Request): void {
    const logger = this.#crawler.getLogger('scrapy_redis.dupefilter');
    if (this.#crawler.settings.getBool('DUPEFILTER_DEBUG')) logger.debug(`Filtered duplicate request: ${request}`);
    else if (!this.#logged) {
      this.#logged = true;
      logger.debug(`Filtered duplicate request ${request} - no more duplicates will be shown (see DUPEFILTER_DEBUG to show all duplicates)`);
    }
    this.#crawler.stats.incValue('dupefilter/filtered');
  }
}

/**
 * A scheduler whose queue and duplicate filter live in Redis, shared by every worker process
 * (on any machine) that names the same keys: scrapy-redis's settings and key names
 * (`SCHEDULER_QUEUE_KEY` `'%(spider)s:requests'`, `SCHEDULER_DUPEFILTER_KEY`
 * `'%(spider)s:dupefilter'`, `SCHEDULER_QUEUE_CLASS` priority/FIFO/LIFO, `SCHEDULER_PERSIST`,
 * `SCHEDULER_FLUSH_ON_START`, `SCHEDULER_IDLE_BEFORE_CLOSE`, `REDIS_URL`).
 *
 * Beyond scrapy-redis, nothing is lost when a worker dies: every request taken from the queue is
 * held under a lease (a per-worker hash `<queue key>:processing:<worker>` and a heartbeat key
 * `<queue key>:worker:<worker>` that expires after `SCHEDULER_LEASE_TIME` seconds, renewed
 * while the worker lives) until its response has been fully handled (items through the
 * pipelines, new requests enqueued). Any live worker returns an expired worker's requests to
 * the queue; they come back with `meta.redis_requeued` (how often) and are counted in the stats
 * (`redis/requeued` by the worker that returned them, `redis/requeued_received` by the one
 * that took them again).
 * Mirrors scrapy-redis's `scrapy_redis.scheduler.Scheduler`.
 *
 * @example
 * ```ts
 * import { RedisScheduler } from '@deferkit/crawler-redis';
 *
 * // In a spider's customSettings (or the -s options): the names scrapy-redis documents.
 * const settings = { SCHEDULER: RedisScheduler.scrapyName, REDIS_URL: 'redis://127.0.0.1:6379' };
 * console.log(settings.SCHEDULER);
 * // prints: scrapy_redis.scheduler.Scheduler
 * ```
 */
export class RedisScheduler implements SchedulerLike {
  /** The dotted name `SCHEDULER` may give. */
  static readonly scrapyName = 'scrapy_redis.scheduler.Scheduler';
  /** The duplicate filter (`DUPEFILTER_CLASS`; the Redis one unless set otherwise). */
  readonly dupefilter: DupeFilterLike;
  /** This worker's id (host, pid and a random part): its lease keys are named after it. */
  readonly workerId = `${os.hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  /** The queue kind `SCHEDULER_QUEUE_CLASS` names. */
  readonly kind: QueueKind;
  /** Whether the queue and dupefilter stay in Redis when the spider closes (`SCHEDULER_PERSIST`). */
  readonly persist: boolean;
  /** Whether to clear them when the spider opens (`SCHEDULER_FLUSH_ON_START`). */
  readonly flushOnStart: boolean;
  /** Seconds to keep waiting for requests once the frontier looks empty (`SCHEDULER_IDLE_BEFORE_CLOSE`). */
  readonly idleBeforeClose: number;
  /** Seconds a lease lasts without renewal (`SCHEDULER_LEASE_TIME`, default 30). */
  readonly leaseTime: number;
  readonly #crawler: Crawler;
  readonly #keyTemplates: { queue: string; dupefilter: string };
  #keys = { queue: '', dupefilter: '', prefix: '', leases: '', workers: '', heartbeat: '', requeues: '' };
  #redis: FrontierRedis | null = null;
  #spider: Spider | null = null;
  readonly #buffer: Request[] = [];
  readonly #leases = new WeakMap<Request, Lease>();
  #seq = 0;
  #batch: number;
  #refilling = false;
  #pendingEnqueues = 0;
  /** Queue length as last reported by Redis (plus our pushes since): refill only when > 0. */
  #remoteLength = 1;
  /** Requests leased by live workers, as the last renewal saw. */
  #remoteLeased = 0;
  #lastSeenWork = Date.now();
  #timer: ReturnType<typeof setInterval> | null = null;
  #closed = false;
  readonly #localSeen = new Set<string>();

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    const s = crawler.settings;
    const queueClass = String(s.get('SCHEDULER_QUEUE_CLASS') ?? 'scrapy_redis.queue.PriorityQueue');
    const kind = QUEUE_CLASSES[queueClass];
    if (kind === undefined) {
      throw new UsageError(
        `SCHEDULER_QUEUE_CLASS '${queueClass}' is not a scrapy-redis queue: use 'scrapy_redis.queue.PriorityQueue' (the default), 'scrapy_redis.queue.FifoQueue' or 'scrapy_redis.queue.LifoQueue'.`,
        null,
        false,
      );
    }
    this.kind = kind;
    this.persist = s.getBool('SCHEDULER_PERSIST');
    this.flushOnStart = s.getBool('SCHEDULER_FLUSH_ON_START');
    this.idleBeforeClose = s.getFloat('SCHEDULER_IDLE_BEFORE_CLOSE', 0);
    if (this.idleBeforeClose < 0) throw new UsageError(`SCHEDULER_IDLE_BEFORE_CLOSE cannot be negative (got ${this.idleBeforeClose}); use 0 to close as soon as the frontier is empty.`, null, false);
    this.leaseTime = s.getFloat('SCHEDULER_LEASE_TIME', 30);
    if (!(this.leaseTime > 0)) throw new UsageError(`SCHEDULER_LEASE_TIME must be a positive number of seconds (got ${String(s.get('SCHEDULER_LEASE_TIME'))}); the default is 30.`, null, false);
    this.#batch = Math.max(1, s.getInt('CONCURRENT_REQUESTS', 16));
    this.#keyTemplates = {
      queue: String(s.get('SCHEDULER_QUEUE_KEY') ?? '%(spider)s:requests'),
      dupefilter: String(s.get('SCHEDULER_DUPEFILTER_KEY') ?? '%(spider)s:dupefilter'),
    };
    const df = (s.get('DUPEFILTER_CLASS') as unknown) ?? 'scrapy.dupefilters.RFPDupeFilter';
    // scrapy-redis's scheduler uses its own dupefilter unless told otherwise; the built-in
    // default name means "not set" here, as in a scrapy-redis project.
    if (df !== 'scrapy.dupefilters.RFPDupeFilter' && df !== RedisDupeFilter && df !== RedisDupeFilter.scrapyName) {
      throw new UsageError(`With the Redis scheduler, DUPEFILTER_CLASS must be '${RedisDupeFilter.scrapyName}' (or left unset): the fingerprint check is part of the Redis push.`, null, false);
    }
    this.dupefilter = new RedisDupeFilter(crawler);
  }

  /**
   * Build it for `crawler` (as `SCHEDULER` does).
   * @param crawler - the crawler.
   * @returns the scheduler.
   */
  static fromCrawler(crawler: Crawler): RedisScheduler {
    return new RedisScheduler(crawler);
  }

  /** The Redis keys this scheduler uses, once the spider is open. */
  get keys(): Readonly<{ queue: string; dupefilter: string; prefix: string; leases: string; workers: string; heartbeat: string; requeues: string }> {
    return this.#keys;
  }

  /** Connect, flush if asked, register this worker and start renewing its lease. */
  async open(spider: Spider): Promise<void> {
    this.#spider = spider;
    const queue = formatKey(this.#keyTemplates.queue, spider.name);
    const prefix = `${queue}:`;
    this.#keys = {
      queue,
      dupefilter: formatKey(this.#keyTemplates.dupefilter, spider.name),
      prefix,
      leases: `${prefix}processing:${this.workerId}`,
      workers: `${prefix}workers`,
      heartbeat: `${prefix}worker:${this.workerId}`,
      requeues: `${prefix}requeued`,
    };
    this.#redis = acquireRedis(this.#crawler);
    if (this.flushOnStart) await this.flush();
    await this.#renew();
    if (this.#remoteLength > 0) spider.logger.info(`Resuming crawl (${this.#remoteLength} requests scheduled)`);
    // Renewal (and a look for new work when idle) every lease/3, at most every 250 ms.
    const every = Math.max(50, Math.min(250, (this.leaseTime * 1000) / 3));
    this.#timer = setInterval(() => void this.#tick(), every);
  }

  /** Give back unstarted leases, leave, and (unless `SCHEDULER_PERSIST`) clear the queue and dupefilter. */
  async close(_reason: string): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const r = this.#redis;
    if (r === null) return;
    const k = this.#keys;
    this.#buffer.length = 0;
    await r.dkRelease(k.queue, k.leases, k.workers, k.heartbeat, this.kind, this.workerId);
    if (!this.persist) await this.flush();
    this.#redis = null;
    await releaseRedis(this.#crawler);
  }

  /** Delete the queue, the dupefilter and the lease bookkeeping. Mirrors scrapy-redis's `Scheduler.flush`. */
  async flush(): Promise<void> {
    const k = this.#keys;
    await this.#redis?.del(k.queue, k.dupefilter, k.requeues);
  }

  enqueueRequest(request: Request): boolean {
    const r = this.#redis;
    if (r === null) throw new Error(`The Redis scheduler is not open: cannot enqueue ${request}.`);
    let fp = '';
    if (!request.dontFilter) {
      fp = requestFingerprint(request);
      // Seen by this worker already: no need to ask Redis.
      if (this.#localSeen.has(fp)) {
        this.dupefilter.log(request);
        return false;
      }
      this.#localSeen.add(fp);
    }
    const payload = JSON.stringify(requestToDict(request, this.#spider ?? undefined));
    this.#pendingEnqueues++;
    r.dkEnqueue(this.#keys.queue, this.#keys.dupefilter, this.kind, fp, String(-request.priority), payload).then(
      (added) => {
        this.#pendingEnqueues--;
        if (added === 1) {
          this.#crawler.stats.incValue('scheduler/enqueued/redis');
          this.#crawler.stats.incValue('scheduler/enqueued');
          this.#remoteLength++;
        } else this.dupefilter.log(request);
        this.#wake();
      },
      (e: unknown) => {
        this.#pendingEnqueues--;
        this.#crawler.getLogger('scrapy_redis.scheduler').error(`Could not enqueue ${request} in Redis: ${(e as Error).message}`, e);
        this.#wake();
      },
    );
    return true;
  }

  nextRequest(): Request | undefined {
    const request = this.#buffer.shift();
    if (this.#buffer.length < Math.ceil(this.#batch / 2)) this.#refill();
    if (request !== undefined) {
      this.#crawler.stats.incValue('scheduler/dequeued/redis');
      this.#crawler.stats.incValue('scheduler/dequeued');
    }
    return request;
  }

  hasPendingRequests(): boolean {
    if (this.#buffer.length > 0 || this.#refilling || this.#pendingEnqueues > 0 || this.#remoteLength > 0) return true;
    // SCHEDULER_IDLE_BEFORE_CLOSE: keep waiting a while for other workers' requests.
    return this.idleBeforeClose > 0 && Date.now() - this.#lastSeenWork < this.idleBeforeClose * 1000;
  }

  /**
   * Whether the whole shared frontier is empty as of the last lease renewal: no queued request,
   * none leased by any live worker, none on the way from this one.
   */
  get drained(): boolean {
    return this.#buffer.length === 0 && !this.#refilling && this.#pendingEnqueues === 0 && this.#remoteLength === 0 && this.#remoteLeased === 0;
  }

  /** The request's response has been handled: drop its lease (after the commands sent before). */
  requestDone(request: Request): void {
    const lease = this.#leases.get(request);
    const r = this.#redis;
    if (lease === undefined || r === null) return;
    this.#leases.delete(request);
    void r.hdel(this.#keys.leases, lease.token).catch(() => undefined);
    if (lease.requeues > 0) void r.hdel(this.#keys.requeues, sha1(lease.payload)).catch(() => undefined);
  }

  /** Renew the lease now and return expired workers' requests; resolves when Redis answered. */
  async renew(): Promise<void> {
    await this.#renew();
  }

  async #renew(): Promise<void> {
    const r = this.#redis;
    if (r === null) return;
    const k = this.#keys;
    const [moved, length, leased] = await r.dkReap(k.queue, k.workers, k.requeues, this.kind, k.prefix, this.workerId, Math.round(this.leaseTime * 1000));
    if (moved > 0) {
      this.#crawler.stats.incValue('redis/requeued', moved);
      this.#crawler.getLogger('scrapy_redis.scheduler').info(`Returned ${moved} request(s) of expired workers to the queue`);
    }
    this.#remoteLength = length;
    // Our own leases are counted in `leased`; the frontier is busy while anyone holds one.
    this.#remoteLeased = leased;
    if (length > 0 || leased > 0) this.#lastSeenWork = Date.now();
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#renew();
    } catch (e) {
      this.#crawler.getLogger('scrapy_redis.scheduler').error(`Could not renew the lease in Redis: ${(e as Error).message}`);
    }
    if (this.#remoteLength > 0) this.#refill();
    this.#wake();
  }

  #refill(): void {
    const r = this.#redis;
    if (this.#refilling || r === null || this.#closed || this.#remoteLength <= 0) return;
    this.#refilling = true;
    const k = this.#keys;
    const prefix = `${++this.#seq}.`;
    r.dkLease(k.queue, k.leases, k.workers, k.heartbeat, k.requeues, this.kind, this.#batch, this.workerId, Math.round(this.leaseTime * 1000), prefix).then(
      (out) => {
        this.#refilling = false;
        this.#remoteLength = Number(out[0]);
        for (let i = 1; i + 2 < out.length + 1; i += 3) {
          const token = out[i]!;
          const payload = out[i + 1]!;
          const requeues = Number(out[i + 2]);
          let request: Request;
          try {
            request = requestFromDict(JSON.parse(payload) as Record<string, unknown>, this.#spider ?? undefined);
          } catch (e) {
            this.#crawler.getLogger('scrapy_redis.scheduler').error(`Dropping a request Redis gave that cannot be read back (${(e as Error).message}): ${payload.slice(0, 200)}`);
            void r.hdel(k.leases, token).catch(() => undefined);
            continue;
          }
          if (requeues > 0) {
            request.meta[REQUEUED_META_KEY] = requeues;
            this.#crawler.stats.incValue('redis/requeued_received');
          }
          this.#leases.set(request, { token, requeues, payload });
          this.#buffer.push(request);
        }
        if (this.#buffer.length > 0) this.#lastSeenWork = Date.now();
        this.#wake();
      },
      (e: unknown) => {
        this.#refilling = false;
        this.#crawler.getLogger('scrapy_redis.scheduler').error(`Could not take requests from Redis: ${(e as Error).message}`);
        this.#wake();
      },
    );
  }

  #wake(): void {
    if (!this.#closed) this.#crawler.engine?.wake();
  }
}

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}
