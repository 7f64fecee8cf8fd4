// The scheduler: a priority queue of requests behind a fingerprint duplicate filter.

import * as crypto from 'node:crypto';
import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';
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
export class Scheduler {
  /** The duplicate filter. */
  readonly dupefilter: RFPDupeFilter;
  readonly #queue = new PriorityQueue();
  readonly #crawler: Crawler;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.dupefilter = new RFPDupeFilter(crawler);
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
