// The scheduler: a priority queue of requests behind a fingerprint duplicate filter.

import * as crypto from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Crawler } from '../Crawler.js';
import { UsageError } from '../errors.js';
import type { Request } from '../Request.js';
import type { Spider } from '../Spider.js';
import { FingerprintSet, wordsHex } from '../utils/FingerprintSet.js';
import { SHA1_OUT, sha1Ascii } from '../utils/sha1.js';
import { requestFromDict, requestToDict, type RequestDict } from '../utils/requestSerde.js';
import { appendDurably, openJobDir, readText, writeDurably } from './jobdir.js';

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
  /** With JOBDIR: the fingerprints added since the crawl opened, appended to requests.seen at close. */
  #unsaved: string[] | null = null;
  #seenPath: string | null = null;
  /** Whether the request was seen before (it is remembered either way). */
  requestSeen(request: Request): boolean {
    // Most requests (GET, no body, an ASCII URL: the URL parser's output is ASCII) are hashed in
    // JavaScript, without a Buffer; the digest is node:crypto's, bit for bit.
    if (request.body.length === 0 && sha1Ascii(`${request.method}\n${canonicalUrl(request)}\n`)) {
      const o = SHA1_OUT;
      const added = this.fingerprints.addWords(o[0]! >>> 0, o[1]! >>> 0, o[2]! >>> 0, o[3]! >>> 0);
      if (added && this.#unsaved !== null) this.#unsaved.push(wordsHex(o));
      return !added;
    }
    const fp = digest(request, 'buffer') as Buffer;
    const added = this.fingerprints.add(fp);
    if (added && this.#unsaved !== null) this.#unsaved.push(fp.toString('hex'));
    return !added;
  }
  /**
   * With JOBDIR: load `JOBDIR/requests.seen` (one hex fingerprint a line), as Scrapy's
   * RFPDupeFilter does with a path. A line that is not a fingerprint is a UsageError.
   * @internal
   */
  openJobDir(dir: string): number {
    this.#seenPath = join(dir, 'requests.seen');
    this.#unsaved = [];
    const text = readText(this.#seenPath, 'seen-requests file');
    if (text === null) return 0;
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!/^[0-9a-f]{32,}$/i.test(line)) {
        throw new UsageError(`JOBDIR seen-requests file ${this.#seenPath} is corrupt at line ${i + 1} (not a fingerprint: ${JSON.stringify(line.slice(0, 60))}); the crawl cannot resume from it. Restore the file, or remove the JOBDIR to start afresh.`, null, false);
      }
      this.fingerprints.add(line);
    }
    return lines.length;
  }
  /** With JOBDIR: append the new fingerprints to requests.seen (fsynced). @internal */
  closeJobDir(): void {
    if (this.#seenPath === null || this.#unsaved === null) return;
    if (this.#unsaved.length > 0) appendDurably(this.#seenPath, this.#unsaved.join('\n') + '\n', 'seen-requests file');
    this.#unsaved = [];
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

/** A max-priority queue, FIFO (or LIFO) within a priority. @internal */
class PriorityQueue {
  readonly #heap: Array<{ p: number; seq: number; r: Request }> = [];
  #seq = 0;
  readonly #lifo: boolean;
  constructor(lifo = false) {
    this.#lifo = lifo;
  }
  get size(): number {
    return this.#heap.length;
  }
  get lifo(): boolean {
    return this.#lifo;
  }
  #before(a: { p: number; seq: number }, b: { p: number; seq: number }): boolean {
    return a.p > b.p || (a.p === b.p && (this.#lifo ? a.seq > b.seq : a.seq < b.seq));
  }
  /** Every request in the order pop() would give them (the queue is unchanged). */
  ordered(): Request[] {
    return [...this.#heap].sort((a, b) => (this.#before(a, b) ? -1 : 1)).map((e) => e.r);
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

/** The disk queue names of SCHEDULER_DISK_QUEUE (Scrapy's), and whether each is LIFO. */
const DISK_QUEUES: Record<string, boolean> = {
  'scrapy.squeues.PickleLifoDiskQueue': true,
  'scrapy.squeues.MarshalLifoDiskQueue': true,
  'scrapy.squeues.PickleFifoDiskQueue': false,
  'scrapy.squeues.MarshalFifoDiskQueue': false,
};

/**
 * Holds requests to download: higher `priority` first, FIFO within a priority; requests seen
 * before are dropped unless `dontFilter`.
 *
 * With `JOBDIR`, the crawl can be stopped (Ctrl-C) and resumed by running the same command:
 * the pending requests are kept in `JOBDIR/requests.queue/` (a file per priority, named as
 * Scrapy names them, `-priority`, one {@link requestToDict} JSON dict a line, plus
 * `active.json` listing them), the seen fingerprints in `JOBDIR/requests.seen`. Every request
 * is serialised when it is enqueued, so one that cannot be (a callback that is not a spider
 * method) fails there, as a spider error naming the fix, instead of being lost at the stop.
 * Within a priority the order is SCHEDULER_DISK_QUEUE's (LIFO by default, as Scrapy).
 * The files are written when the spider closes (durably: temporary file, fsync, rename);
 * a crawl killed without closing resumes from the last close.
 *
 * Mirrors Scrapy's `scrapy.core.scheduler.Scheduler` (memory queues; disk queues with JOBDIR).
 */
export class Scheduler implements SchedulerLike {
  /** The duplicate filter (`DUPEFILTER_CLASS`). */
  readonly dupefilter: DupeFilterLike;
  readonly #queue: PriorityQueue;
  readonly #crawler: Crawler;
  /** The JOBDIR folder, or null. */
  readonly #jobdir: string | null;
  readonly #debug: boolean;
  #spider: Spider | null = null;
  #unserializableLogged = false;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.dupefilter = buildDupeFilter(crawler);
    const dir = crawler.settings.get<unknown>('JOBDIR', null);
    this.#jobdir = dir === null || dir === undefined || dir === '' ? null : String(dir);
    this.#debug = crawler.settings.getBool('SCHEDULER_DEBUG');
    let lifo = false;
    if (this.#jobdir !== null) {
      const name = String(crawler.settings.get('SCHEDULER_DISK_QUEUE', 'scrapy.squeues.PickleLifoDiskQueue'));
      const known = DISK_QUEUES[name];
      if (known === undefined) {
        throw new UsageError(`SCHEDULER_DISK_QUEUE '${name}' is not known; use one of ${Object.keys(DISK_QUEUES).join(', ')}.`, null, false);
      }
      lifo = known;
    }
    this.#queue = new PriorityQueue(lifo);
  }

  /** The JOBDIR folder of this crawl, or null. */
  get jobdir(): string | null {
    return this.#jobdir;
  }

  /**
   * Open for `spider`: with JOBDIR, load the requests and fingerprints a previous run left
   * (`Resuming crawl (N requests scheduled)`).
   *
   * @throws UsageError when JOBDIR is not a usable folder or one of its files cannot be read.
   */
  open(spider: Spider): void {
    this.#spider = spider;
    if (this.#jobdir === null) return;
    const dir = openJobDir(this.#jobdir);
    this.dupefilter.openJobDir?.(dir);
    const qdir = join(dir, 'requests.queue');
    const activePath = join(qdir, 'active.json');
    let entries: string[] = [];
    try {
      entries = readdirSync(qdir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new UsageError(`JOBDIR queue folder ${qdir} cannot be read (${code ?? String(e)}); fix it, or remove the JOBDIR to start afresh.`, null, false);
    }
    const text = readText(activePath, 'queue index');
    if (text === null) {
      if (entries.some((f) => /^-?[0-9.]+$/.test(f))) {
        throw new UsageError(`JOBDIR queue index ${activePath} is missing but ${qdir} holds queue files; the crawl cannot resume without it. Restore it, or remove the JOBDIR to start afresh.`, null, false);
      }
      return;
    }
    let keys: unknown;
    try {
      keys = JSON.parse(text);
    } catch (e) {
      keys = e;
    }
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'number' && Number.isFinite(k))) {
      throw new UsageError(`JOBDIR queue index ${activePath} is corrupt (not a JSON list of priorities); the crawl cannot resume from it. Restore it, or remove the JOBDIR to start afresh.`, null, false);
    }
    let loaded = 0;
    for (const key of keys as number[]) {
      const file = join(qdir, String(key));
      const body = readText(file, 'queue file');
      if (body === null) throw new UsageError(`JOBDIR queue file ${file} (listed in active.json) is missing; the crawl cannot resume without it. Restore it, or remove the JOBDIR to start afresh.`, null, false);
      const lines = body.split('\n');
      if (lines.at(-1) === '') lines.pop();
      // The file holds the requests in pop order; push them so they pop in that order again.
      const requests = lines.map((line, i) => {
        try {
          return requestFromDict(JSON.parse(line) as RequestDict, spider);
        } catch (e) {
          throw new UsageError(`JOBDIR queue file ${file} is corrupt at line ${i + 1} (${(e as Error).message}); the crawl cannot resume from it. Restore it, or remove the JOBDIR to start afresh.`, null, false);
        }
      });
      if (this.#queue.lifo) requests.reverse();
      for (const r of requests) this.#queue.push(r);
      loaded += requests.length;
    }
    this.#loadedKeys = keys as number[];
    if (loaded > 0) this.#crawler.getLogger('scrapy.core.scheduler').info(`Resuming crawl (${loaded} requests scheduled)`);
  }

  #loadedKeys: number[] = [];

  /**
   * Close: with JOBDIR, write the pending requests to `requests.queue/` (a file per priority and
   * `active.json`), then append the new fingerprints to `requests.seen`.
   */
  close(): void {
    if (this.#jobdir === null) return;
    const dir = this.#jobdir;
    const qdir = join(dir, 'requests.queue');
    openJobDir(qdir);
    const byKey = new Map<number, string[]>();
    for (const r of this.#queue.ordered()) {
      // Scrapy's ScrapyPriorityQueue keys queues by -priority (lower pops first).
      const key = r.priority === 0 ? 0 : -r.priority;
      let lines = byKey.get(key);
      if (lines === undefined) byKey.set(key, (lines = []));
      lines.push(JSON.stringify(requestToDict(r, this.#spider ?? undefined)));
    }
    const keys = [...byKey.keys()].sort((a, b) => a - b);
    for (const key of keys) writeDurably(join(qdir, String(key)), byKey.get(key)!.join('\n') + '\n', 'queue file');
    writeDurably(join(qdir, 'active.json'), JSON.stringify(keys), 'queue index');
    // Queue files of priorities now empty are dropped once the index no longer lists them.
    for (const key of this.#loadedKeys) if (!byKey.has(key)) writeDurably(join(qdir, String(key)), '', 'queue file');
    this.dupefilter.closeJobDir?.();
    const n = this.#queue.size;
    if (n > 0) this.#crawler.getLogger('scrapy.core.scheduler').info(`Kept ${n} pending requests in ${qdir} (run the same command to resume)`);
  }

  /**
   * Queue a request; `false` when the duplicate filter dropped it.
   *
   * @throws TypeError (with JOBDIR) when the request cannot be serialised: a callback that is not
   *   a spider method, or meta that JSON cannot keep. The message names the fix.
   */
  enqueueRequest(request: Request): boolean {
    if (this.#jobdir !== null) {
      try {
        requestToDict(request, this.#spider ?? undefined);
      } catch (e) {
        this.#crawler.stats.incValue('scheduler/unserializable');
        if (this.#debug || !this.#unserializableLogged) {
          this.#unserializableLogged = true;
          const more = this.#debug ? '' : ' (see SCHEDULER_DEBUG to log every one)';
          this.#crawler.getLogger('scrapy.core.scheduler').error(`Unable to serialize request: ${request} - reason: ${(e as Error).message} - JOBDIR cannot keep it, so it is not scheduled${more}`);
        }
        throw e;
      }
    }
    if (!request.dontFilter && this.dupefilter.requestSeen(request)) {
      this.dupefilter.log(request);
      return false;
    }
    this.#queue.push(request);
    const where = this.#jobdir !== null ? 'disk' : 'memory';
    this.#crawler.stats.incValue(`scheduler/enqueued/${where}`);
    this.#crawler.stats.incValue('scheduler/enqueued');
    return true;
  }
  /** The next request, or `undefined`. */
  nextRequest(): Request | undefined {
    const r = this.#queue.pop();
    if (r !== undefined) {
      this.#crawler.stats.incValue(`scheduler/dequeued/${this.#jobdir !== null ? 'disk' : 'memory'}`);
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
  /** With JOBDIR: load the fingerprints a previous run kept in `dir` (the built-in filter does). */
  openJobDir?(dir: string): void;
  /** With JOBDIR: write the fingerprints for the next run. */
  closeJobDir?(): void;
}

/** A class a component setting may name: built with `static fromCrawler(crawler)` or `new Cls(crawler)`. */
export type CrawlerComponentClass<T> = (new (crawler: Crawler) => T) & { fromCrawler?: (crawler: Crawler) => T };

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
