// HttpCacheMiddleware: answer requests from a cache of earlier responses (HTTPCACHE_*).

import type { Crawler } from '../Crawler.js';
import { ConnectionError, DownloadTimeoutError, IgnoreRequest, NotConfigured, UsageError } from '../errors.js';
import {
  BUILTIN_CACHE_POLICIES,
  BUILTIN_CACHE_STORAGES,
  FilesystemCacheStorage,
  type CachePolicy,
  type CachePolicyClass,
  type CacheStorage,
  type CacheStorageClass,
} from '../extensions/httpcache.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import type { Settings } from '../Settings.js';
import { signals } from '../signals.js';
import type { Spider } from '../Spider.js';

/** Download errors after which a stale cached response is used instead (Scrapy's DOWNLOAD_EXCEPTIONS). */
const DOWNLOAD_EXCEPTIONS = [DownloadTimeoutError, ConnectionError];

/** Scrapy's import paths of its built-ins, accepted for settings copied from a Scrapy project. */
const SCRAPY_PREFIX = 'scrapy.extensions.httpcache.';

/** The class a HTTPCACHE_POLICY / HTTPCACHE_STORAGE value names. */
function loadClass<C>(settings: Settings, name: string, builtins: Record<string, C>, notYet: Record<string, string>): C {
  const value = settings.get<unknown>(name);
  if (typeof value === 'function') return value as C;
  if (typeof value === 'string') {
    const short = value.startsWith(SCRAPY_PREFIX) ? value.slice(SCRAPY_PREFIX.length) : value;
    const cls = builtins[short];
    if (cls !== undefined) return cls;
    if (notYet[short] !== undefined) throw new UsageError(`${name}='${value}': ${notYet[short]}`, null, false);
  }
  throw new UsageError(
    `${name}=${typeof value === 'string' ? `'${value}'` : String(value)} is not a cache ${name === 'HTTPCACHE_POLICY' ? 'policy' : 'storage'}: ` +
      `use one of ${Object.keys(builtins).map((k) => `'${k}'`).join(', ')}, or pass your own class.`,
    null,
    false,
  );
}

/**
 * Answers requests from a cache of earlier responses, off by default (`HTTPCACHE_ENABLED`).
 * For each request the policy (`HTTPCACHE_POLICY`: `'DummyPolicy'`, the default, caches
 * everything for ever; `'RFC2616Policy'` follows the HTTP caching headers; or a class) decides
 * whether to look it up; the storage (`HTTPCACHE_STORAGE`: `'FilesystemCacheStorage'` or a
 * class) finds the entry. A fresh entry is the response (flagged `cached`, so the Crawled line
 * ends with `['cached']`) and nothing is downloaded; a stale one is revalidated (RFC2616Policy
 * adds If-None-Match / If-Modified-Since; a 304 gives the cached response back); a miss is
 * downloaded and its response stored if the policy agrees. With `HTTPCACHE_IGNORE_MISSING`, a
 * miss is dropped with IgnoreRequest instead of downloaded. `meta.dont_cache` skips the cache
 * for one request. A timeout or lost connection while revalidating falls back on the stale
 * entry.
 *
 * Stats: `httpcache/hit`, `httpcache/miss`, `httpcache/ignore`, `httpcache/firsthand`,
 * `httpcache/store`, `httpcache/uncacheable`, `httpcache/revalidate`, `httpcache/invalidate`,
 * `httpcache/errorrecovery`.
 *
 * Mirrors Scrapy's `HttpCacheMiddleware` (order 900 in DOWNLOADER_MIDDLEWARES_BASE).
 *
 * @example
 * ```ts
 * import { Spider } from '@deferkit/crawler';
 *
 * // Develop a spider without hitting the site again: the first run downloads and stores,
 * // later runs answer from .deferkit/httpcache/<spider name>/.
 * class Books extends Spider {
 *   static override customSettings = { HTTPCACHE_ENABLED: true, HTTPCACHE_IGNORE_HTTP_CODES: [500, 503] };
 *   override name = 'books';
 * }
 * console.log(Books.customSettings.HTTPCACHE_ENABLED);
 * // prints: true
 * ```
 */
export class HttpCacheMiddleware {
  /** The cache policy. */
  readonly policy: CachePolicy;
  /** The cache storage. */
  readonly storage: CacheStorage;
  readonly #crawler: Crawler;
  readonly #ignoreMissing: boolean;
  /** The cached response of a request being revalidated (Scrapy keeps it in `meta.cached_response`). */
  readonly #revalidating = new WeakMap<Request, Response>();
  /** Requests the policy will not cache (Scrapy's `meta._dont_cache`). */
  readonly #uncacheable = new WeakSet<Request>();

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    if (!s.getBool('HTTPCACHE_ENABLED')) throw new NotConfigured();
    this.#crawler = crawler;
    const Policy = loadClass<CachePolicyClass>(s, 'HTTPCACHE_POLICY', BUILTIN_CACHE_POLICIES, {});
    const Storage = loadClass<CacheStorageClass>(s, 'HTTPCACHE_STORAGE', BUILTIN_CACHE_STORAGES, {
      DbmCacheStorage: 'deferkit has no DBM storage yet; use FilesystemCacheStorage (the default) or your own class.',
      LeveldbCacheStorage: 'deferkit has no LevelDB storage; use FilesystemCacheStorage (the default) or your own class.',
    });
    this.policy = new Policy(s);
    this.storage = new Storage(s);
    if (this.storage instanceof FilesystemCacheStorage) this.storage.logger = crawler.getLogger('scrapy.extensions.httpcache');
    this.#ignoreMissing = s.getBool('HTTPCACHE_IGNORE_MISSING');
    crawler.signals.connect(({ spider }) => this.storage.openSpider?.(spider as Spider), signals.spiderOpened);
    crawler.signals.connect(({ spider }) => this.storage.closeSpider?.(spider as Spider), signals.spiderClosed);
  }

  /** Look the request up: a fresh cached response ends the chain here. */
  processRequest(request: Request): Response | undefined | Promise<Response | undefined> {
    if (request.meta.dont_cache === true) return undefined;
    if (!this.policy.shouldCacheRequest(request)) {
      this.#uncacheable.add(request);
      return undefined;
    }
    const found = this.storage.retrieveResponse(this.#crawler.spider as Spider, request);
    if (found !== null && typeof found === 'object' && typeof (found as Promise<unknown>).then === 'function') {
      return (found as Promise<Response | null | undefined>).then((r) => this.#afterLookup(request, r));
    }
    return this.#afterLookup(request, found as Response | null | undefined);
  }

  #afterLookup(request: Request, cached: Response | null | undefined): Response | undefined {
    const stats = this.#crawler.stats;
    if (cached === null || cached === undefined) {
      stats.incValue('httpcache/miss');
      if (this.#ignoreMissing) {
        stats.incValue('httpcache/ignore');
        throw new IgnoreRequest(`Ignored request not in cache: ${request}`);
      }
      return undefined;
    }
    cached.flags.push('cached');
    if (this.policy.isCachedResponseFresh(cached, request)) {
      stats.incValue('httpcache/hit');
      return cached;
    }
    this.#revalidating.set(request, cached);
    return undefined;
  }

  /** Store first-hand responses; answer a revalidation with the cached response when it still holds. */
  processResponse(request: Request, response: Response): Response | Promise<Response> {
    if (request.meta.dont_cache === true) return response;
    if (response.flags.includes('cached') || this.#uncacheable.has(request)) {
      this.#uncacheable.delete(request);
      return response;
    }
    // RFC 2616 wants a Date from the origin server; the policies need one.
    if (!response.headers.has('Date')) response.headers.set('Date', new Date().toUTCString());
    const stats = this.#crawler.stats;
    const cached = this.#revalidating.get(request);
    this.#revalidating.delete(request);
    if (cached === undefined) {
      stats.incValue('httpcache/firsthand');
      return this.#store(request, response);
    }
    if (this.policy.isCachedResponseValid(cached, response, request)) {
      stats.incValue('httpcache/revalidate');
      return cached;
    }
    stats.incValue('httpcache/invalidate');
    return this.#store(request, response);
  }

  #store(request: Request, response: Response): Response | Promise<Response> {
    const stats = this.#crawler.stats;
    if (!this.policy.shouldCacheResponse(response, request)) {
      stats.incValue('httpcache/uncacheable');
      return response;
    }
    stats.incValue('httpcache/store');
    const done = this.storage.storeResponse(this.#crawler.spider as Spider, request, response);
    if (done !== undefined && done !== null && typeof (done as Promise<void>).then === 'function') return (done as Promise<void>).then(() => response);
    return response;
  }

  /** A timeout or a lost connection while revalidating: the stale entry is better than nothing. */
  processException(request: Request, exception: unknown): Response | undefined {
    const cached = this.#revalidating.get(request);
    this.#revalidating.delete(request);
    if (cached !== undefined && DOWNLOAD_EXCEPTIONS.some((c) => exception instanceof c)) {
      this.#crawler.stats.incValue('httpcache/errorrecovery');
      return cached;
    }
    return undefined;
  }
}
