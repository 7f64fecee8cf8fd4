// Request ⇄ plain JSON-safe dict, for disk queues (JOBDIR) and shared frontiers (Redis).
// Same keys as Scrapy's Request.to_dict / request_from_dict (snake_case), so a Python worker
// can read a plain request; callbacks travel by spider method name.

import { FormRequest, JsonRequest, type JsonDumpsOptions } from '../FormRequest.js';
import { Request, type Callback, type Errback, type RequestCookies, type RequestInit } from '../Request.js';

/**
 * A serialised Request: Scrapy's `Request.to_dict()` keys, with JSON-safe values. `body` is a
 * string to encode with `encoding` (`utf-8` when the body is valid UTF-8, else `latin-1`, which
 * maps each byte to one character), exactly what Scrapy's `Request(body=str, encoding=…)` does.
 */
export interface RequestDict {
  url: string;
  /** The callback's spider method name, or `null` for the spider's `parse`. */
  callback: string | null;
  /** The errback's spider method name, or `null`. */
  errback: string | null;
  method: string;
  /** Header name → every value, in order. */
  headers: Record<string, string[]>;
  body: string;
  cookies: RequestCookies;
  meta: Record<string, unknown>;
  encoding: 'utf-8' | 'latin-1';
  priority: number;
  dont_filter: boolean;
  flags: string[];
  cb_kwargs: Record<string, unknown>;
  /** The registered name of a Request subclass (absent for a plain Request). */
  _class?: string;
  /** Extra keys a registered subclass writes (JsonRequest: `dumps_kwargs`). */
  [extra: string]: unknown;
}

/** How a registered Request subclass writes and reads its own fields beyond the Request ones. */
export interface RequestClassCodec {
  /** The extra dict keys of `request` (JSON-safe values). */
  toDict?(request: Request): Record<string, unknown>;
  /** The extra constructor options read back from `dict`. */
  fromDict?(dict: RequestDict): Record<string, unknown>;
}

/** A Request class `registerRequestClass` can record by name: `new Cls(url, init)` as Request's own constructor. */
export type RequestClass = new (url: string, init?: RequestInit) => Request;

const byName = new Map<string, { cls: RequestClass; codec: RequestClassCodec }>();
const byClass = new Map<Function, string>();

/**
 * Register a Request subclass under a name, so {@link requestToDict} writes the name as
 * `_class` and {@link requestFromDict} rebuilds the subclass. FormRequest and JsonRequest are
 * registered under Scrapy's names (`scrapy.http.request.form.FormRequest`,
 * `scrapy.http.request.json_request.JsonRequest`). The class is rebuilt with
 * `new Class(url, init)` from the Request fields (plus what `codec.fromDict` returns).
 *
 * Mirrors what Scrapy's `_class` key does with `load_object` (Python finds the class by its
 * import path; JavaScript has no such path, so classes are registered).
 *
 * @param name - the `_class` value (use a dotted name, unique to your project).
 * @param cls - the Request subclass.
 * @param codec - how its own fields are written and read back, if it has any.
 * @throws TypeError when the name is taken by another class.
 *
 * @example
 * ```ts
 * import { Request, registerRequestClass, requestFromDict, requestToDict } from '@deferkit/crawler';
 *
 * class ApiRequest extends Request {}
 * registerRequestClass('myproject.ApiRequest', ApiRequest);
 * const d = requestToDict(new ApiRequest('http://127.0.0.1/api'));
 * console.log(d._class, requestFromDict(d) instanceof ApiRequest);
 * // prints: myproject.ApiRequest true
 * ```
 */
export function registerRequestClass(name: string, cls: RequestClass, codec: RequestClassCodec = {}): void {
  const taken = byName.get(name);
  if (taken !== undefined && taken.cls !== cls) {
    throw new TypeError(`Request class name '${name}' is already registered for ${taken.cls.name}; register ${cls.name} under another name.`);
  }
  byName.set(name, { cls, codec });
  byClass.set(cls, name);
}

registerRequestClass('scrapy.http.request.form.FormRequest', FormRequest);
registerRequestClass('scrapy.http.request.json_request.JsonRequest', JsonRequest, {
  toDict: (r) => ({ dumps_kwargs: dumpsToPy((r as JsonRequest).dumpsKwargs) }),
  fromDict: (d) => (d.dumps_kwargs === undefined ? {} : { dumpsKwargs: dumpsFromPy(d.dumps_kwargs) }),
});

function dumpsToPy(o: JsonDumpsOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}

function dumpsFromPy(o: unknown): JsonDumpsOptions {
  if (o === null || typeof o !== 'object') throw new TypeError(`Request dict: dumps_kwargs must be an object, got ${describe(o)}.`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out as JsonDumpsOptions;
}

/** Names found by methodName, per spider (checked again on use: a property can change). */
const nameCache = new WeakMap<object, Map<Function, string>>();

/** The spider's own or inherited property holding `fn` (without calling getters). */
function methodName(spider: object, fn: Function): string | null {
  let cache = nameCache.get(spider);
  const cached = cache?.get(fn);
  if (cached !== undefined && holds(spider, cached, fn)) return cached;
  const name = findMethodName(spider, fn);
  if (name !== null) {
    if (cache === undefined) nameCache.set(spider, (cache = new Map()));
    cache.set(fn, name);
  }
  return name;
}

/** Whether the data property `key` of the spider (or its prototypes) still holds `fn`. */
function holds(spider: object, key: string, fn: Function): boolean {
  for (let o: object | null = spider; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    const desc = Object.getOwnPropertyDescriptor(o, key);
    if (desc !== undefined) return 'value' in desc && desc.value === fn;
  }
  return false;
}

function findMethodName(spider: object, fn: Function): string | null {
  for (let o: object | null = spider; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor') continue;
      const desc = Object.getOwnPropertyDescriptor(o, key);
      if (desc !== undefined && 'value' in desc && desc.value === fn) return key;
    }
  }
  return null;
}

function callbackName(fn: Callback | Errback | string | null, what: 'callback' | 'errback', request: Request, spider: object | undefined): string | null {
  if (fn === null || typeof fn === 'string') return fn;
  // An arrow function given inline is named after the option it was given to: not helpful.
  const named = fn.name !== '' && fn.name !== what;
  const label = named ? `${fn.name}()` : 'an anonymous function';
  if (spider === undefined) {
    throw new TypeError(`Cannot serialise ${request}: its ${what} is ${label}, and no spider was given to look the method up on; pass the spider (requestToDict(request, spider)).`);
  }
  const name = methodName(spider, fn);
  if (name === null) {
    throw new TypeError(
      `Cannot serialise ${request}: its ${what} ${label} is not a method of ${String(spider)}. ` +
        `Requests stored on disk or in a shared queue keep their ${what} by method name: make it a spider method ` +
        `(${what}: this.${named && !fn.name.startsWith('bound ') ? fn.name : 'parseItem'}, not a bound method or an arrow function), or give the method name as a string.`,
    );
  }
  return name;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v === 'number' ? String(v) : typeof v;
  return Array.isArray(v) ? 'an array' : `a ${(v as object).constructor?.name ?? 'null-prototype object'}`;
}

/** Check that `v` is plain JSON (what JSON.parse(JSON.stringify(v)) gives back equal). */
function checkJson(v: unknown, path: string, request: Request, seen: Set<object>): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return;
  } else if (typeof v === 'object') {
    if (seen.has(v)) throw new TypeError(`Cannot serialise ${request}: ${path} refers to itself; keep plain JSON values (no cycles) in meta and cbKwargs.`);
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v) || proto === Object.prototype || proto === null) {
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) throw new TypeError(`Cannot serialise ${request}: ${path}[${i}] is a hole; keep plain JSON values in meta and cbKwargs.`);
          checkJson(v[i], `${path}[${i}]`, request, seen);
        }
      } else {
        for (const [k, x] of Object.entries(v)) checkJson(x, `${path}.${k}`, request, seen);
      }
      seen.delete(v);
      return;
    }
  }
  throw new TypeError(
    `Cannot serialise ${request}: ${path} is ${describe(v)}, which JSON cannot keep. ` +
      `Requests stored on disk or in a shared queue keep only plain JSON values (strings, finite numbers, booleans, null, arrays, plain objects) in meta and cbKwargs: store an id or a plain copy instead.`,
  );
}

/** A copy of a value checkJson accepted (plain JSON, so a JSON round trip is exact but for -0). */
const jsonCopy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bodyToString(body: Uint8Array): { body: string; encoding: 'utf-8' | 'latin-1' } {
  try {
    return { body: utf8.decode(body), encoding: 'utf-8' };
  } catch {
    let s = '';
    for (let i = 0; i < body.length; i += 8192) s += String.fromCharCode(...body.subarray(i, i + 8192));
    return { body: s, encoding: 'latin-1' };
  }
}

function bodyFromString(body: string, encoding: string): Uint8Array {
  const enc = encoding.toLowerCase().replace(/_/g, '-');
  if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(body);
  if (enc === 'latin-1' || enc === 'latin1' || enc === 'iso-8859-1') {
    const out = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c > 255) throw new TypeError(`Request dict: body has the character U+${c.toString(16).padStart(4, '0')}, which latin-1 cannot encode; fix the writer of this dict.`);
      out[i] = c;
    }
    return out;
  }
  throw new TypeError(`Request dict: encoding '${encoding}' is not supported here (utf-8 or latin-1); write the body in one of them.`);
}

/**
 * The Request as a plain, JSON-safe dict with Scrapy's keys (`url`, `callback`, `errback`,
 * `method`, `headers`, `body`, `cookies`, `meta`, `encoding`, `priority`, `dont_filter`,
 * `flags`, `cb_kwargs`, and `_class` for a registered subclass). Callbacks and errbacks are
 * written by the name of the spider method that holds them.
 *
 * Mirrors Scrapy's `scrapy.utils.request.request_to_dict` (`Request.to_dict`).
 *
 * @param request - the request.
 * @param spider - the spider whose methods the callback and errback are; needed when they are functions.
 * @returns a dict that `JSON.stringify` keeps whole and {@link requestFromDict} turns back.
 * @throws TypeError naming the fix when the callback or errback is a function that is not a
 *   method of the spider, when meta or cbKwargs hold a value JSON cannot keep, or when the
 *   request's class is a subclass that was not registered with {@link registerRequestClass}.
 *
 * @example
 * ```ts
 * import { Request, Spider, requestFromDict, requestToDict, type Response } from '@deferkit/crawler';
 *
 * class Shop extends Spider {
 *   override name = 'shop';
 *   parseItem(response: Response) { return { url: response.url }; }
 * }
 * const spider = new Shop();
 * const req = new Request('http://127.0.0.1/item/1', { callback: spider.parseItem, cbKwargs: { page: 1 }, priority: 5 });
 * const d = requestToDict(req, spider);
 * console.log(d.callback, JSON.stringify(d.cb_kwargs), d.priority);
 * // prints: parseItem {"page":1} 5
 * const back = requestFromDict(JSON.parse(JSON.stringify(d)), spider);
 * console.log(back.callback === spider.parseItem, back.url);
 * // prints: true http://127.0.0.1/item/1
 * ```
 */
export function requestToDict(request: Request, spider?: object): RequestDict {
  const cls = request.constructor;
  let className: string | undefined;
  if (cls !== Request) {
    className = byClass.get(cls);
    if (className === undefined) {
      throw new TypeError(`Cannot serialise ${request}: its class ${cls.name} is not registered; call registerRequestClass('myproject.${cls.name}', ${cls.name}) once at start-up (from '@deferkit/crawler').`);
    }
  }
  const seen = new Set<object>();
  checkJson(request.meta, 'meta', request, seen);
  checkJson(request.cbKwargs, 'cbKwargs', request, seen);
  checkJson(request.cookies, 'cookies', request, seen);
  const headers: Record<string, string[]> = {};
  for (const [name, values] of request.headers.entriesList()) headers[name] = values;
  const { body, encoding } = bodyToString(request.body);
  const d: RequestDict = {
    url: request.url,
    callback: callbackName(request.callback, 'callback', request, spider),
    errback: callbackName(request.errback, 'errback', request, spider),
    method: request.method,
    headers,
    body,
    cookies: jsonCopy(request.cookies),
    meta: jsonCopy(request.meta),
    encoding,
    priority: request.priority,
    dont_filter: request.dontFilter,
    flags: [...request.flags],
    cb_kwargs: jsonCopy(request.cbKwargs),
  };
  if (className !== undefined) {
    d._class = className;
    Object.assign(d, byName.get(className)!.codec.toDict?.(request));
  }
  return d;
}

function field<T>(d: Record<string, unknown>, key: string, check: (v: unknown) => boolean, what: string, fallback: T): T {
  const v = d[key];
  if (v === undefined) return fallback;
  if (!check(v)) throw new TypeError(`Request dict: '${key}' must be ${what}, got ${describe(v)}; the dict was not written by requestToDict (or was changed).`);
  return v as T;
}

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A Request rebuilt from a dict of {@link requestToDict} (or Scrapy's `request_to_dict` with
 * plain string values). With a spider, the callback and errback names become the spider's
 * methods (so `request.callback === spider.parseItem`); without, they stay names, which the
 * engine looks up on the spider when the response arrives.
 *
 * Mirrors Scrapy's `scrapy.utils.request.request_from_dict`.
 *
 * @param dict - the dict (after a JSON round trip is fine).
 * @param spider - the spider to find the methods on.
 * @returns the Request, of the registered class named by `_class`.
 * @throws TypeError when a named method is not on the spider, `_class` is not registered, or a
 *   field has the wrong type.
 *
 * @example
 * ```ts
 * import { requestFromDict } from '@deferkit/crawler';
 *
 * // A plain dict, as a Python producer could write it.
 * const req = requestFromDict({ url: 'http://127.0.0.1/a', method: 'POST', body: 'q=1', priority: 2 });
 * console.log(String(req), req.priority, new TextDecoder().decode(req.body), req.callback);
 * // prints: <POST http://127.0.0.1/a> 2 q=1 null
 * ```
 */
export function requestFromDict(dict: Record<string, unknown>, spider?: object): Request {
  if (!isObject(dict)) throw new TypeError(`requestFromDict expects a dict (an object), got ${describe(dict)}.`);
  const url = dict.url;
  if (typeof url !== 'string') throw new TypeError(`Request dict: 'url' must be a string, got ${describe(url)}.`);
  let cls: RequestClass = Request;
  let codec: RequestClassCodec = {};
  if (dict._class !== undefined && dict._class !== null) {
    const entry = typeof dict._class === 'string' ? byName.get(dict._class) : undefined;
    if (entry === undefined) {
      throw new TypeError(`Request dict for ${url}: _class ${JSON.stringify(dict._class)} is not registered; call registerRequestClass(${JSON.stringify(dict._class)}, YourRequestClass) before reading it.`);
    }
    ({ cls, codec } = entry);
  }
  const method = (name: unknown, what: string): Callback | string | null => {
    if (name === undefined || name === null || name === '') return null;
    if (typeof name !== 'string') throw new TypeError(`Request dict for ${url}: '${what}' must be a method name (a string), got ${describe(name)}.`);
    if (spider === undefined) return name;
    const fn = (spider as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new TypeError(`Request dict for ${url}: ${what} '${name}' is not a method of ${String(spider)}; define ${name}() on the spider (or resume with the spider that wrote the queue).`);
    return fn as Callback;
  };
  const headersIn = field<Record<string, unknown>>(dict, 'headers', isObject, 'an object of header lists', {});
  const headers: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(headersIn)) {
    for (const v of Array.isArray(values) ? values : [values]) {
      if (typeof v !== 'string') throw new TypeError(`Request dict for ${url}: header ${name} must hold strings, got ${describe(v)}.`);
      headers.push([name, v]);
    }
  }
  const body = field<string>(dict, 'body', (v) => typeof v === 'string', 'a string', '');
  const encoding = field<string>(dict, 'encoding', (v) => typeof v === 'string', 'a string', 'utf-8');
  const init: RequestInit & Record<string, unknown> = {
    method: field(dict, 'method', (v) => typeof v === 'string', 'a string', 'GET'),
    headers,
    body: bodyFromString(body, encoding),
    callback: method(dict.callback, 'callback'),
    errback: method(dict.errback, 'errback') as Errback | string | null,
    cookies: field(dict, 'cookies', (v) => v !== null && typeof v === 'object', 'an object or a list', {}),
    meta: field(dict, 'meta', isObject, 'an object', {}),
    priority: field(dict, 'priority', (v) => typeof v === 'number' && Number.isFinite(v), 'a finite number', 0),
    dontFilter: field(dict, 'dont_filter', (v) => typeof v === 'boolean', 'a boolean', false),
    flags: field(dict, 'flags', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'a list of strings', []),
    cbKwargs: field(dict, 'cb_kwargs', isObject, 'an object', {}),
    ...codec.fromDict?.(dict as RequestDict),
  };
  return new cls(url, init);
}
