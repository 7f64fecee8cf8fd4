// The HTTP cache's policies and storage (scrapy.extensions.httpcache): DummyPolicy,
// RFC2616Policy and FilesystemCacheStorage, used by HttpCacheMiddleware.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { requestFingerprint } from '../core/Scheduler.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Request } from '../Request.js';
import { Response } from '../Response.js';
import type { Settings } from '../Settings.js';
import type { Spider } from '../Spider.js';
import { urlparseCached } from '../utils/url.js';

/**
 * What HttpCacheMiddleware asks a cache policy (`HTTPCACHE_POLICY`): a class built with
 * `new Policy(settings)`.
 *
 * Mirrors Scrapy's cache policy interface (`DummyPolicy`'s four methods).
 */
export interface CachePolicy {
  /** Whether to look `request` up in the cache (and store its response) at all. */
  shouldCacheRequest(request: Request): boolean;
  /** Whether to store `response` (downloaded for `request`). */
  shouldCacheResponse(response: Response, request: Request): boolean;
  /** Whether `cachedResponse` can be used without asking the server (may add validators to `request`). */
  isCachedResponseFresh(cachedResponse: Response, request: Request): boolean;
  /** Whether the server's `response` to a revalidation means `cachedResponse` is still good. */
  isCachedResponseValid(cachedResponse: Response, response: Response, request: Request): boolean;
}

/**
 * What HttpCacheMiddleware asks a cache storage (`HTTPCACHE_STORAGE`): a class built with
 * `new Storage(settings)`. Each method may return a promise.
 *
 * Mirrors Scrapy's cache storage interface.
 */
export interface CacheStorage {
  /** Called when the spider opens. */
  openSpider?(spider: Spider): void | Promise<void>;
  /** Called when the spider closes. */
  closeSpider?(spider: Spider): void | Promise<void>;
  /** The cached response of `request`, or `null`/`undefined` when there is none (or it expired). */
  retrieveResponse(spider: Spider, request: Request): Response | null | undefined | Promise<Response | null | undefined>;
  /** Store `response` as the answer to `request`. */
  storeResponse(spider: Spider, request: Request, response: Response): void | Promise<void>;
}

/** A cache policy class. */
export type CachePolicyClass = new (settings: Settings) => CachePolicy;
/** A cache storage class. */
export type CacheStorageClass = new (settings: Settings) => CacheStorage;

function schemeOf(request: Request): string {
  const u = urlparseCached(request);
  return u === null ? '' : u.protocol.replace(/:$/, '');
}

/**
 * Caches every request and every response whose status is not in
 * `HTTPCACHE_IGNORE_HTTP_CODES`, for requests whose scheme is not in `HTTPCACHE_IGNORE_SCHEMES`
 * (default `['file']`); a cached response is always fresh (only `HTTPCACHE_EXPIRATION_SECS`,
 * applied by the storage, ages it). The policy for developing a spider offline.
 *
 * Mirrors Scrapy's `DummyPolicy`.
 *
 * @example
 * ```ts
 * import { DummyPolicy, Request, Response, Settings } from '@deferkit/crawler';
 *
 * const policy = new DummyPolicy(new Settings({ HTTPCACHE_IGNORE_HTTP_CODES: [404] }));
 * const request = new Request('http://127.0.0.1/');
 * console.log(policy.shouldCacheResponse(new Response(request.url, { status: 404 }), request));
 * // prints: false
 * ```
 */
export class DummyPolicy implements CachePolicy {
  readonly #ignoreSchemes: Set<string>;
  readonly #ignoreCodes: Set<number>;

  /** @param settings - reads HTTPCACHE_IGNORE_SCHEMES and HTTPCACHE_IGNORE_HTTP_CODES. */
  constructor(settings: Settings) {
    this.#ignoreSchemes = new Set(settings.getList<string>('HTTPCACHE_IGNORE_SCHEMES', ['file']).map(String));
    this.#ignoreCodes = new Set(intList(settings, 'HTTPCACHE_IGNORE_HTTP_CODES'));
  }

  /** Whether the request's scheme is not ignored. */
  shouldCacheRequest(request: Request): boolean {
    return !this.#ignoreSchemes.has(schemeOf(request));
  }

  /** Whether the status is not ignored. */
  shouldCacheResponse(response: Response, _request?: Request): boolean {
    return !this.#ignoreCodes.has(response.status);
  }

  /** Always true. */
  isCachedResponseFresh(_cachedResponse?: Response, _request?: Request): boolean {
    return true;
  }

  /** Always true. */
  isCachedResponseValid(_cachedResponse?: Response, _response?: Response, _request?: Request): boolean {
    return true;
  }
}

function intList(settings: Settings, name: string): number[] {
  return settings.getList<unknown>(name).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new UsageError(`${name} must be a list of HTTP status codes (whole numbers), got ${JSON.stringify(v)} in it.`, null, false);
    return n;
  });
}

/** A parsed Cache-Control header: lower-case directive → its value, `null` for a bare directive. */
export type CacheControl = Map<string, string | null>;

/**
 * `Cache-Control` split into directives: names lower-cased, values as written (`null` without
 * `=`). Scrapy's `parse_cachecontrol`. @internal
 */
export function parseCacheControl(header: string): CacheControl {
  const out: CacheControl = new Map();
  for (const part of header.split(',')) {
    const directive = part.trim();
    const eq = directive.indexOf('=');
    const key = (eq === -1 ? directive : directive.slice(0, eq)).toLowerCase();
    if (key !== '') out.set(key, eq === -1 ? null : directive.slice(eq + 1));
  }
  return out;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const ZONES: Record<string, number> = { UT: 0, UTC: 0, GMT: 0, Z: 0, AST: -4, ADT: -3, EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7 };

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** 0–11 for a month's short or full English name (any case), else -1. */
function monthIndex(word: string): number {
  const w = word.toLowerCase();
  const i = MONTHS.indexOf(w);
  return i !== -1 ? i : MONTH_NAMES.indexOf(w);
}

/**
 * Seconds since the epoch of an HTTP date, or `null` when it cannot be read. Reads what
 * Python's `email.utils.parsedate_tz` reads (Scrapy's `rfc1123_to_epoch`): RFC 1123
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime
 * (`Sun Nov  6 08:49:37 1994`), numeric zones (`+0100`); an unknown zone is UTC, two-digit
 * years are 1969–2068, out-of-range fields roll over. @internal
 */
export function httpDateToEpoch(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  let parts = value.split(/\s+/).filter(Boolean);
  if (parts.length === 0) return null;
  const first = parts[0]!;
  if (first.endsWith(',') || DAYS.has(first.toLowerCase())) parts.shift();
  else if (first.includes(',')) parts[0] = first.slice(first.lastIndexOf(',') + 1);
  if (parts.length === 3) {
    const dmy = parts[0]!.split('-');
    if (dmy.length === 3) parts = [...dmy, ...parts.slice(1)];
  }
  if (parts.length === 4) {
    const last = parts[3]!;
    let i = last.indexOf('+');
    if (i === -1) i = last.indexOf('-');
    if (i > 0) parts = [...parts.slice(0, 3), last.slice(0, i), last.slice(i)];
    else parts.push('');
  }
  if (parts.length < 5) return null;
  let [dd, mm, yy, tm, tz] = parts.slice(0, 5) as [string, string, string, string, string];
  if (!dd || !mm || !yy) return null;
  let month = monthIndex(mm);
  if (month === -1) {
    [dd, mm] = [mm, dd];
    month = monthIndex(mm);
    if (month === -1) return null;
  }
  dd = dd.replace(/,$/, '');
  if (yy.indexOf(':') > 0) [yy, tm] = [tm, yy];
  if (yy.endsWith(',')) {
    yy = yy.slice(0, -1);
    if (yy === '') return null;
  }
  if (!/^\d/.test(yy)) [yy, tz] = [tz, yy];
  tm = tm.replace(/,$/, '');
  let hms = tm.split(':');
  if (hms.length === 1 && tm.includes('.')) hms = tm.split('.');
  if (hms.length === 2) hms.push('0');
  if (hms.length !== 3) return null;
  const ints = [yy, dd, ...hms].map((s) => (/^\s*[+-]?\d+\s*$/.test(s) ? Number(s) : NaN));
  if (ints.some(Number.isNaN)) return null;
  let [year, day, h, m, s] = ints as [number, number, number, number, number];
  if (year < 100) year += year > 68 ? 1900 : 2000;
  let offset = 0;
  const zone = tz.toUpperCase();
  if (zone in ZONES) offset = ZONES[zone]! * 3600;
  else if (/^[+-]?\d+$/.test(zone)) {
    const n = Math.abs(Number(zone));
    offset = Math.sign(Number(zone)) * (Math.floor(n / 100) * 3600 + (n % 100) * 60);
  }
  const ms = Date.UTC(year, month, day, h, m, s);
  return Number.isFinite(ms) ? ms / 1000 - offset : null;
}

/** Python's `int(text)` for header values: optional sign and spaces, digits; else `null`. */
function pyInt(text: string | null | undefined): number | null {
  if (text === null || text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) return null;
  return Number(text);
}

/**
 * HTTP caching as a browser does it (RFC 2616), for crawls that revisit a site:
 * - requests with `Cache-Control: no-store` are not cached; responses with `no-store`, 304s,
 *   and responses with no expiration hint (`max-age`, `Expires`) and no validator
 *   (`Last-Modified`, `ETag` on a 200, 203 or 401) are not stored, unless
 *   `HTTPCACHE_ALWAYS_STORE`; 300, 301 and 308 are stored and kept a year by default;
 * - freshness: the response's `max-age`, else `Expires − Date`, else 10% of
 *   `Date − Last-Modified`; age: `now − Date` or the `Age` header, whichever is larger; the
 *   request's `Cache-Control: max-age` shortens the lifetime, `max-stale` accepts stale entries
 *   (unless the response says `must-revalidate`), `no-cache` on either side forces a
 *   revalidation;
 * - a stale entry is revalidated: the request gets `If-None-Match` (its ETag) and
 *   `If-Modified-Since` (its Last-Modified); a 304, or a 5xx when the entry lacks
 *   `must-revalidate`, keeps the cached response.
 * `HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS` lists response directives to disregard (e.g.
 * `['no-store', 'no-cache']` for sites that forbid all caching).
 *
 * Mirrors Scrapy's `RFC2616Policy`.
 *
 * @example
 * ```ts
 * import { RFC2616Policy, Request, Response, Settings } from '@deferkit/crawler';
 *
 * const policy = new RFC2616Policy(new Settings());
 * const request = new Request('http://127.0.0.1/');
 * const cached = new Response(request.url, { headers: { Date: new Date().toUTCString(), 'Cache-Control': 'max-age=60', ETag: '"v1"' } });
 * console.log(policy.isCachedResponseFresh(cached, request));
 * // prints: true
 * const stale = new Response(request.url, { headers: { Date: new Date(Date.now() - 120_000).toUTCString(), 'Cache-Control': 'max-age=60', ETag: '"v1"' } });
 * console.log(policy.isCachedResponseFresh(stale, request), request.headers.get('If-None-Match'));
 * // prints: false "v1"
 * ```
 */
export class RFC2616Policy implements CachePolicy {
  /** The lifetime of a 300, 301 or 308 without an expiration hint: one year. */
  static readonly MAXAGE = 3600 * 24 * 365;
  readonly #alwaysStore: boolean;
  readonly #ignoreSchemes: Set<string>;
  readonly #ignoreResponseCacheControls: string[];
  readonly #parsed = new WeakMap<Request | Response, CacheControl>();

  /** @param settings - reads HTTPCACHE_ALWAYS_STORE, HTTPCACHE_IGNORE_SCHEMES, HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS. */
  constructor(settings: Settings) {
    this.#alwaysStore = settings.getBool('HTTPCACHE_ALWAYS_STORE');
    this.#ignoreSchemes = new Set(settings.getList<string>('HTTPCACHE_IGNORE_SCHEMES', ['file']).map(String));
    this.#ignoreResponseCacheControls = settings.getList<string>('HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS').map(String);
  }

  #cacheControl(r: Request | Response): CacheControl {
    let cc = this.#parsed.get(r);
    if (cc === undefined) {
      cc = parseCacheControl(r.headers.get('Cache-Control') ?? '');
      if (r instanceof Response) for (const key of this.#ignoreResponseCacheControls) cc.delete(key);
      this.#parsed.set(r, cc);
    }
    return cc;
  }

  /** Not for ignored schemes, nor for a request that says `Cache-Control: no-store`. */
  shouldCacheRequest(request: Request): boolean {
    if (this.#ignoreSchemes.has(schemeOf(request))) return false;
    return !this.#cacheControl(request).has('no-store');
  }

  /** Whether the response may be stored (see the class comment). */
  shouldCacheResponse(response: Response, _request?: Request): boolean {
    const cc = this.#cacheControl(response);
    if (cc.has('no-store')) return false;
    if (response.status === 304) return false;
    if (this.#alwaysStore) return true;
    if (cc.has('max-age') || response.headers.has('Expires')) return true;
    if (response.status === 300 || response.status === 301 || response.status === 308) return true;
    if (response.status === 200 || response.status === 203 || response.status === 401) {
      return response.headers.has('Last-Modified') || response.headers.has('ETag');
    }
    return false;
  }

  /** Whether the entry is fresh; when it is not, adds its validators to `request`. */
  isCachedResponseFresh(cachedResponse: Response, request: Request): boolean {
    const cc = this.#cacheControl(cachedResponse);
    const ccreq = this.#cacheControl(request);
    if (cc.has('no-cache') || ccreq.has('no-cache')) return false;
    const now = Date.now() / 1000;
    let lifetime = this.#freshnessLifetime(cachedResponse, now);
    const age = this.#currentAge(cachedResponse, now);
    const reqMaxAge = maxAge(ccreq);
    if (reqMaxAge !== null) lifetime = Math.min(lifetime, reqMaxAge);
    if (age < lifetime) return true;
    if (ccreq.has('max-stale') && !cc.has('must-revalidate')) {
      const stale = ccreq.get('max-stale');
      if (stale === null || stale === undefined) return true;
      const n = pyInt(stale);
      if (n !== null && age < lifetime + Math.max(0, n)) return true;
    }
    // Stale: ask the server whether it changed.
    const lastModified = cachedResponse.headers.get('Last-Modified');
    if (lastModified !== null) request.headers.set('If-Modified-Since', lastModified);
    const etag = cachedResponse.headers.get('ETag');
    if (etag !== null) request.headers.set('If-None-Match', etag);
    return false;
  }

  /** A 304 keeps the cached response; so does a 5xx unless the entry says `must-revalidate`. */
  isCachedResponseValid(cachedResponse: Response, response: Response, _request?: Request): boolean {
    if (response.status >= 500 && !this.#cacheControl(cachedResponse).has('must-revalidate')) return true;
    return response.status === 304;
  }

  #freshnessLifetime(response: Response, now: number): number {
    const age = maxAge(this.#cacheControl(response));
    if (age !== null) return age;
    const date = httpDateToEpoch(response.headers.get('Date')) || now;
    if (response.headers.has('Expires')) {
      const expires = httpDateToEpoch(response.headers.get('Expires'));
      // An unreadable Expires is a time in the past (RFC 2616, 14.21).
      return expires ? Math.max(0, expires - date) : 0;
    }
    const lastModified = httpDateToEpoch(response.headers.get('Last-Modified'));
    if (lastModified && lastModified <= date) return (date - lastModified) / 10;
    if (response.status === 300 || response.status === 301 || response.status === 308) return RFC2616Policy.MAXAGE;
    return 0;
  }

  #currentAge(response: Response, now: number): number {
    let age = 0;
    const date = httpDateToEpoch(response.headers.get('Date')) || now;
    if (now > date) age = now - date;
    const header = pyInt(response.headers.get('Age'));
    if (header !== null) age = Math.max(age, header);
    return age;
  }
}

/** A `max-age` directive's seconds (never below 0), or `null` without a number. */
function maxAge(cc: CacheControl): number | null {
  const n = pyInt(cc.get('max-age'));
  return n === null ? null : Math.max(0, n);
}

/**
 * Where a relative data path goes: `<project>/.deferkit/<p>`, the project being the nearest
 * directory from `cwd` upwards that holds a `package.json`; outside any, `<cwd>/.deferkit/<p>`.
 * An absolute `p` is returned as is. deferkit's counterpart of Scrapy's `data_path` (which uses
 * `.scrapy/` beside the nearest `scrapy.cfg`). @internal
 */
export function dataPath(p: string, cwd: string = process.cwd()): string {
  if (path.isAbsolute(p)) return p;
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, '.deferkit', p);
    const parent = path.dirname(dir);
    if (parent === dir) return path.join(path.resolve(cwd), '.deferkit', p);
    dir = parent;
  }
}

/** The files of a cache entry; `meta` is written last and read first. */
const ENTRY_FILES = ['request_headers', 'request_body', 'response_headers', 'response_body', 'meta'] as const;

/** `Name: value` lines joined with CRLF, as w3lib's `headers_dict_to_raw` (no status line, no final CRLF). */
function rawHeaders(entries: Array<[string, string[]]>): string {
  const lines: string[] = [];
  for (const [name, values] of entries) for (const v of values) lines.push(`${name}: ${v}`);
  return lines.join('\r\n');
}

/** Name/value pairs of raw header lines (lines without a colon skipped), as w3lib's `headers_raw_to_dict`. */
function parseRawHeaders(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

/** What the `meta` file holds. */
interface EntryMeta {
  url: string;
  method: string;
  status: number;
  response_url: string;
  timestamp: number;
}

class CorruptEntry extends Error {}

let tmpCounter = 0;

/**
 * The file operations of a store, in one object so that a test can stop a store between any two
 * of them (what a crash leaves on disk) or make one fail. @internal
 */
export const cacheFs = {
  writeFileSync: fs.writeFileSync,
  renameSync: fs.renameSync,
  rmSync: fs.rmSync,
};

/**
 * Stores each response in its own directory, `<HTTPCACHE_DIR>/<spider name>/<fp[0:2]>/<fp>/`
 * (`fp`: the request fingerprint the duplicate filter uses), with the files `meta` (JSON: url,
 * method, status, response_url, timestamp), `request_headers`, `request_body`,
 * `response_headers` (`Name: value` lines) and `response_body` (as downloaded: still compressed
 * when the server compressed it), each gzipped with `HTTPCACHE_GZIP`. An entry older than
 * `HTTPCACHE_EXPIRATION_SECS` (by the `meta` file's mtime; 0: never) is a miss.
 *
 * A relative `HTTPCACHE_DIR` (default `'httpcache'`) is under `.deferkit/` in the project (the
 * nearest directory upwards from the working directory with a `package.json`), else in the
 * working directory. Writes go to temporary files renamed into place, `meta` last after the old
 * one is removed: a crawl killed mid-write leaves the old entry, no entry, or the new one, never
 * a mix. Nothing that is not a regular file (a symlink, a FIFO, a device) or that cannot be
 * read is replaced. An entry that cannot be read back (a missing file, bad JSON, a broken gzip
 * stream, a FIFO) is a miss, with a WARNING. Reads and writes are synchronous, as Scrapy's.
 *
 * Mirrors Scrapy's `FilesystemCacheStorage` (`meta` is JSON rather than a Python repr, and
 * replaces `pickled_meta`, which has no JavaScript reading).
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { FilesystemCacheStorage, Request, Response, Settings, Spider } from '@deferkit/crawler';
 *
 * const storage = new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: mkdtempSync(join(tmpdir(), 'cache-')) }));
 * const spider = new Spider();
 * const request = new Request('http://127.0.0.1/page');
 * storage.storeResponse(spider, request, new Response(request.url, { headers: { 'Content-Type': 'text/html' }, body: '<h1>Hi</h1>' }));
 * const cached = storage.retrieveResponse(spider, request);
 * console.log(cached?.status, cached?.css('h1::text').get());
 * // prints: 200 Hi
 * ```
 */
export class FilesystemCacheStorage implements CacheStorage {
  /** The cache directory (absolute). */
  readonly cacheDir: string;
  readonly #expirationSecs: number;
  readonly #gzip: boolean;
  /** Set by HttpCacheMiddleware: where WARNINGs go (else `console.warn`). @internal */
  logger: Logger | null = null;

  /** @param settings - reads HTTPCACHE_DIR, HTTPCACHE_EXPIRATION_SECS, HTTPCACHE_GZIP. */
  constructor(settings: Settings) {
    const dir = settings.get<unknown>('HTTPCACHE_DIR', 'httpcache');
    if (typeof dir !== 'string' || dir === '') throw new UsageError(`HTTPCACHE_DIR must be a directory path, got ${JSON.stringify(dir)} (e.g. 'httpcache', or an absolute path).`, null, false);
    this.cacheDir = path.resolve(dataPath(dir));
    this.#expirationSecs = settings.getFloat('HTTPCACHE_EXPIRATION_SECS');
    this.#gzip = settings.getBool('HTTPCACHE_GZIP');
  }

  /** Logs where the cache is (DEBUG). */
  openSpider(spider: Spider): void {
    this.logger?.debug(`Using filesystem cache storage in ${this.cacheDir}`);
    this.#spiderDir(spider);
  }

  /** Nothing to do. */
  closeSpider(): void {}

  #warn(message: string): void {
    if (this.logger !== null) this.logger.warning(message);
    else console.warn(message);
  }

  #spiderDir(spider: Spider): string {
    const name = String(spider.name);
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
      throw new UsageError(`The HTTP cache keeps each spider's entries in a directory named after it, and ${JSON.stringify(name)} cannot be one: give the spider a name without '/' or '\\'.`, null, false);
    }
    return path.join(this.cacheDir, name);
  }

  /** The directory of `request`'s entry. */
  entryPath(spider: Spider, request: Request): string {
    const fp = requestFingerprint(request);
    return path.join(this.#spiderDir(spider), fp.slice(0, 2), fp);
  }

  /** The cached response, or `undefined` (none, expired, or unreadable: WARNING). */
  retrieveResponse(spider: Spider, request: Request): Response | undefined {
    const dir = this.entryPath(spider, request);
    const metaPath = path.join(dir, 'meta');
    let st: fs.Stats;
    try {
      st = fs.statSync(metaPath);
    } catch {
      return undefined;
    }
    try {
      if (!st.isFile()) throw new CorruptEntry('meta is not a regular file');
      if (this.#expirationSecs > 0 && Date.now() / 1000 - st.mtimeMs / 1000 > this.#expirationSecs) return undefined;
      const first = readRegular(metaPath);
      const gzipped = first[0] === 0x1f && first[1] === 0x8b;
      const read = (file: string, bytes?: Buffer): Buffer => {
        const b = bytes ?? readRegular(path.join(dir, file));
        if (!gzipped) return b;
        try {
          return gunzipSync(b);
        } catch (e) {
          throw new CorruptEntry(`${file} is not a complete gzip stream (${(e as Error).message})`);
        }
      };
      let meta: EntryMeta;
      try {
        meta = JSON.parse(read('meta', first).toString('utf-8')) as EntryMeta;
      } catch (e) {
        if (e instanceof CorruptEntry) throw e;
        throw new CorruptEntry('meta is not JSON');
      }
      if (meta === null || typeof meta !== 'object' || !Number.isInteger(meta.status) || typeof meta.response_url !== 'string') {
        throw new CorruptEntry('meta lacks status or response_url');
      }
      const headers = parseRawHeaders(read('response_headers').toString('latin1'));
      const body = read('response_body');
      return new Response(meta.response_url, { status: meta.status, headers, body: new Uint8Array(body.buffer, body.byteOffset, body.length), request });
    } catch (e) {
      const reason = e instanceof CorruptEntry ? e.message : `${(e as NodeJS.ErrnoException).code ?? (e as Error).name}: ${(e as Error).message}`;
      this.#warn(`Ignoring the unreadable HTTP cache entry of ${request} in ${dir} (${reason}); downloading it again. Delete the directory if this repeats.`);
      return undefined;
    }
  }

  /** Store `response` as `request`'s entry (see the class comment for how). */
  storeResponse(spider: Spider, request: Request, response: Response): void {
    const dir = this.entryPath(spider, request);
    const refuse = (why: string): void => this.#warn(`Not storing ${request} in the HTTP cache: ${why}.`);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      refuse(`cannot create ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return;
    }
    const dirStat = fs.lstatSync(dir);
    if (!dirStat.isDirectory()) {
      refuse(`${dir} is not a directory (a symlink or a file: deferkit does not write through it; remove it)`);
      return;
    }
    for (const file of ENTRY_FILES) {
      const target = path.join(dir, file);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(target);
      } catch {
        continue;
      }
      if (!st.isFile()) {
        refuse(`${target} is ${st.isSymbolicLink() ? 'a symlink' : 'not a regular file'}, which deferkit never replaces; remove it to cache this request`);
        return;
      }
      try {
        fs.accessSync(target, fs.constants.R_OK);
      } catch {
        refuse(`${target} cannot be read, so deferkit does not replace it; fix its permissions or remove it`);
        return;
      }
    }
    const meta: EntryMeta = { url: request.url, method: request.method, status: response.status, response_url: response.url, timestamp: Date.now() / 1000 };
    const contents: Record<(typeof ENTRY_FILES)[number], Uint8Array> = {
      request_headers: Buffer.from(rawHeaders(request.headers.entriesList()), 'latin1'),
      request_body: request.body,
      response_headers: Buffer.from(rawHeaders(response.headers.entriesList()), 'latin1'),
      response_body: response.body,
      meta: Buffer.from(JSON.stringify(meta), 'utf-8'),
    };
    const temps = new Map<string, string>();
    try {
      for (const file of ENTRY_FILES) {
        const tmp = path.join(dir, `.${file}.${process.pid}.${++tmpCounter}.tmp`);
        temps.set(file, tmp);
        // 'wx': a fresh file, never through something already at that name.
        cacheFs.writeFileSync(tmp, this.#gzip ? gzipSync(contents[file]) : contents[file], { flag: 'wx' });
      }
      // The entry is a miss from here until the new meta is in place.
      cacheFs.rmSync(path.join(dir, 'meta'), { force: true });
      for (const file of ENTRY_FILES) {
        cacheFs.renameSync(temps.get(file)!, path.join(dir, file));
        temps.delete(file);
      }
    } catch (e) {
      for (const tmp of temps.values()) fs.rmSync(tmp, { force: true });
      refuse(`writing to ${dir} failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}

/** A regular file's bytes (never blocks on a FIFO: it is refused before opening). */
function readRegular(file: string): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new CorruptEntry(`${path.basename(file)} is missing`);
  }
  if (!st.isFile()) throw new CorruptEntry(`${path.basename(file)} is not a regular file`);
  return fs.readFileSync(file);
}

/** The built-in policies, by name. @internal */
export const BUILTIN_CACHE_POLICIES: Record<string, CachePolicyClass> = { DummyPolicy, RFC2616Policy };
/** The built-in storages, by name. @internal */
export const BUILTIN_CACHE_STORAGES: Record<string, CacheStorageClass> = { FilesystemCacheStorage };
