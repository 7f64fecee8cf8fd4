// The scheduler: a priority queue of requests behind a fingerprint duplicate filter.

import * as crypto from 'node:crypto';
import type { Crawler } from '../Crawler.js';
import { UsageError } from '../errors.js';
import type { Request } from '../Request.js';
import type { Spider } from '../Spider.js';
import { FingerprintSet } from '../utils/FingerprintSet.js';

// Looked up, not imported by name: a runtime without it must still load this module.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: string) => string | Buffer }).hash;

/** What is hashed: the method, the canonical URL (query sorted, fragment dropped), the body. */
function canonicalUrl(request: Request): string {
  const url = request.url;
  // A Request's URL is already serialized by the URL parser: without a query or a fragment
  // there is nothing to sort or drop, and parsing it again gives it back unchanged.
  if (!url.includes('?') && !url.includes('#')) return url;
  try {
    const u = new URL(url);
    u.hash = '';
    u.searchParams.sort();
    return u.href;
  } catch {
    return url; // an unparsable URL is its own canonical form
  }
}

function digest(request: Request, encoding: 'hex' | 'buffer'): string | Buffer {
  const canonical = canonicalUrl(request);
  // One-shot hashing (Node ≥ 20.12) where there is no body; the same digest either way.
  if (request.body.length === 0 && oneShotHash !== undefined) return oneShotHash('sha1', `${request.method}\n${canonical}\n`, encoding);
  const h = crypto.createHash('sha1').update(request.method).update('\n').update(canonical).update('\n').update(request.body);
  return encoding === 'hex' ? h.digest('hex') : h.digest();
}

/**
 * A request's fingerprint: SHA-1 of its method, canonical URL (query sorted, fragment dropped)
 * and body, in hex. Requests with equal fingerprints are duplicates.
 * Mirrors Scrapy's `scrapy.utils.request.fingerprint`.
 *
 * @param request - the request.
 * @example
 * ```ts
 * import { Request, requestFingerprint } from '@deferkit/crawler';
 *
 * const a = requestFingerprint(new Request('http://127.0.0.1/?b=2&a=1#top'));
 * console.log(a === requestFingerprint(new Request('http://127.0.0.1/?a=1&b=2')), a.length);
 * // prints: true 40
 * ```
 */
export function requestFingerprint(request: Request): string {
  return digest(request, 'hex') as string;
}

/**
 * Remembers fingerprints; logs the first duplicate at DEBUG (every one with `DUPEFILTER_DEBUG`)
 * and counts `dupefilter/filtered`.
 * Mirrors Scrapy's `RFPDupeFilter`.
 */
export class RFPDupeFilter {
  /** The fingerprints seen (16-byte binary keys: see {@link FingerprintSet}). */
  readonly fingerprints = new FingerprintSet();
  #logged = false;
  readonly #crawler: Crawler;
  /** DUPEFILTER_DEBUG, read once as Scrapy's from_settings does. */
  readonly #debug: boolean;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.#debug = crawler.settings.getBool('DUPEFILTER_DEBUG');
  }
  /** Whether the request was seen before (it is remembered either way). */
  requestSeen(request: Request): boolean {
    return !this.fingerprints.add(digest(request, 'buffer') as Buffer);
  }
  /** Log and count a filtered duplicate. */
  log(request: Request): void {
    if (this.#debug) {
      // Scrapy's RFPDupeFilter with DUPEFILTER_DEBUG: every duplicate, with its referer.
      const referer = request.headers.get('Referer');
      this.#crawler.getLogger('scrapy.dupefilters').debug(`Filtered duplicate request: ${request} (referer: ${referer ?? 'None'})`);
    } else if (!this.#logged) {
      this.#logged = true;
      this.#crawler
        .getLogger('scrapy.dupefilters')
        .debug(`Filtered duplicate request: ${request} - no more duplicates will be shown (see DUPEFILTER_DEBUG to show all duplicates)`);
    }
    this.#crawler.stats.incValue('dupefilter/filtered');
  }
}

/** A max-priority queue, FIFO within a priority. @internal */
class PriorityQueue {
  readonly #heap: Array<{ p: number; seq: number; r: Request }> = [];
  #seq = 0;
  get size(): number {
    return this.#heap.length;
  }
  #before(a: { p: number; seq: number }, b: { p: number; seq: number }): boolean {
    return a.p > b.p || (a.p === b.p && a.seq < b.seq);
  }
  push(r: Request): void {
    const h = this.#heap;
    h.push({ p: r.priority, seq: this.#seq++, r });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  pop(): Request | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.r;
  }
}

/**
 * Holds requests to download: higher `priority` first, FIFO within a priority; requests seen
 * before are dropped unless `dontFilter`.
 * Mirrors Scrapy's `scrapy.core.scheduler.Scheduler` (memory queues).
 */
export class Scheduler implements SchedulerLike {
  /** The duplicate filter (`DUPEFILTER_CLASS`). */
  readonly dupefilter: DupeFilterLike;
  readonly #queue = new PriorityQueue();
  readonly #crawler: Crawler;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.dupefilter = buildDupeFilter(crawler);
  }
  /** Queue a request; `false` when the duplicate filter dropped it. */
  enqueueRequest(request: Request): boolean {
    if (!request.dontFilter && this.dupefilter.requestSeen(request)) {
      this.dupefilter.log(request);
      return false;
    }
    this.#queue.push(request);
    this.#crawler.stats.incValue('scheduler/enqueued/memory');
    this.#crawler.stats.incValue('scheduler/enqueued');
    return true;
  }
  /** The next request, or `undefined`. */
  nextRequest(): Request | undefined {
    const r = this.#queue.pop();
    if (r !== undefined) {
      this.#crawler.stats.incValue('scheduler/dequeued/memory');
      this.#crawler.stats.incValue('scheduler/dequeued');
    }
    return r;
  }
  /** Whether requests are waiting. */
  hasPendingRequests(): boolean {
    return this.#queue.size > 0;
  }
  /** How many requests are waiting. */
  get length(): number {
    return this.#queue.size;
  }
}

/**
 * What the engine needs of a scheduler (`SCHEDULER`): synchronous enqueue/next/pending, as
 * Scrapy's `BaseScheduler`, plus optional hooks. A scheduler whose store is remote (Redis) keeps
 * a local buffer, fills it asynchronously and calls `crawler.engine.wake()` when it has more.
 * Mirrors Scrapy's `scrapy.core.scheduler.BaseScheduler`.
 */
export interface SchedulerLike {
  /** Queue a request; `false` when it was dropped (a duplicate). */
  enqueueRequest(request: Request): boolean;
  /** The next request to download, or `undefined` (none now). */
  nextRequest(): Request | undefined;
  /** Whether requests are waiting (or may arrive from the scheduler's own store soon). */
  hasPendingRequests(): boolean;
  /** Called (awaited) when the spider opens, before start requests. */
  open?(spider: Spider): unknown;
  /** Called (awaited) when the spider closes, after the downloads finished. */
  close?(reason: string): unknown;
  /**
   * Called once a request the scheduler gave out is finished: downloaded and its callback's
   * output (items through the pipelines, new requests enqueued) handled, or its failure handled.
   * deferkit's addition (Scrapy has no such hook): a shared frontier acknowledges it here.
   */
  requestDone?(request: Request): void;
}

/** What a scheduler needs of a duplicate filter (`DUPEFILTER_CLASS`). Mirrors Scrapy's `BaseDupeFilter`. */
export interface DupeFilterLike {
  /** Whether the request was seen before (remembering it). */
  requestSeen(request: Request): boolean;
  /** Log and count a filtered duplicate. */
  log(request: Request): void;
}

/** A class a component setting may name: built with `static fromCrawler(crawler)` or `new Cls(crawler)`. */
type CrawlerComponentClass<T> = (new (crawler: Crawler) => T) & { fromCrawler?: (crawler: Crawler) => T };

const SCHEDULERS = new Map<string, CrawlerComponentClass<SchedulerLike>>([['scrapy.core.scheduler.Scheduler', Scheduler]]);
const DUPEFILTERS = new Map<string, CrawlerComponentClass<DupeFilterLike>>([['scrapy.dupefilters.RFPDupeFilter', RFPDupeFilter]]);

/** Packages that register scheduler or dupefilter names, for the unknown-name message. */
const PROVIDERS: Record<string, string> = { scrapy_redis: '@deferkit/crawler-redis' };

/**
 * Register a scheduler class under a dotted name, so `SCHEDULER` may name it as a string (as a
 * Scrapy settings file does). Packages register their names when imported.
 * Mirrors Scrapy's `load_object` for the `SCHEDULER` setting.
 *
 * @param name - the dotted name, e.g. `'scrapy_redis.scheduler.Scheduler'`.
 * @param cls - the class (`static fromCrawler(crawler)` or `new Cls(crawler)`).
 * @example
 * ```ts
 * import { Scheduler, registerScheduler } from '@deferkit/crawler/engine';
 *
 * class CountingScheduler extends Scheduler {}
 * registerScheduler('myproject.CountingScheduler', CountingScheduler);
 * // A spider's customSettings may now say { SCHEDULER: 'myproject.CountingScheduler' }.
 * console.log('registered');
 * // prints: registered
 * ```
 */
export function registerScheduler(name: string, cls: CrawlerComponentClass<SchedulerLike>): void {
  SCHEDULERS.set(name, cls);
}

/**
 * Register a duplicate-filter class under a dotted name, so `DUPEFILTER_CLASS` may name it.
 * Mirrors Scrapy's `load_object` for the `DUPEFILTER_CLASS` setting.
 *
 * @param name - the dotted name, e.g. `'scrapy_redis.dupefilter.RFPDupeFilter'`.
 * @param cls - the class (`static fromCrawler(crawler)` or `new Cls(crawler)`).
 * @example
 * ```ts
 * import { RFPDupeFilter, registerDupeFilter } from '@deferkit/crawler/engine';
 *
 * class QuietDupeFilter extends RFPDupeFilter {
 *   override log(): void {}
 * }
 * registerDupeFilter('myproject.QuietDupeFilter', QuietDupeFilter);
 * console.log('registered');
 * // prints: registered
 * ```
 */
export function registerDupeFilter(name: string, cls: CrawlerComponentClass<DupeFilterLike>): void {
  DUPEFILTERS.set(name, cls);
}

function resolveComponent<T>(crawler: Crawler, setting: string, registry: Map<string, CrawlerComponentClass<T>>, what: string, defaultName: string): T {
  const value = (crawler.settings.get(setting) as unknown) ?? defaultName;
  let cls: CrawlerComponentClass<T> | undefined;
  if (typeof value === 'function') cls = value as CrawlerComponentClass<T>;
  else if (typeof value === 'string') {
    cls = registry.get(value);
    if (cls === undefined) {
      const provider = PROVIDERS[value.split('.')[0]!];
      const hint = provider !== undefined ? `import '${provider}' first (it registers that name)` : `give the ${what} class itself, or register the name with register${what === 'scheduler' ? 'Scheduler' : 'DupeFilter'}()`;
      throw new UsageError(`${setting} '${value}' is not a known ${what} (known: ${[...registry.keys()].join(', ')}): ${hint}.`, null, false);
    }
  } else {
    throw new UsageError(`${setting} must be a ${what} class or a registered dotted name, got ${value === null ? 'null' : typeof value}.`, null, false);
  }
  return typeof cls.fromCrawler === 'function' ? cls.fromCrawler(crawler) : new cls(crawler);
}

/**
 * The scheduler `SCHEDULER` names (a class, or a registered dotted name; the default is the
 * built-in {@link Scheduler}). @internal
 */
export function buildScheduler(crawler: Crawler): SchedulerLike {
  return resolveComponent(crawler, 'SCHEDULER', SCHEDULERS, 'scheduler', 'scrapy.core.scheduler.Scheduler');
}

/** The duplicate filter `DUPEFILTER_CLASS` names. @internal */
export function buildDupeFilter(crawler: Crawler): DupeFilterLike {
  return resolveComponent(crawler, 'DUPEFILTER_CLASS', DUPEFILTERS, 'dupefilter', 'scrapy.dupefilters.RFPDupeFilter');
}
