// Request: what to download, and what to do with the response (scrapy.http.Request).

import type { Failure } from '@deferkit/deferred';
import { Headers, type HeadersInit } from './Headers.js';
import { brandClass } from './utils/brand.js';
import { parseOrNull, registerRequestUrlAccess } from './utils/url.js';

/** A spider callback: gets the response (and `cbKwargs`), returns or yields items and Requests, in any of the supported shapes. */
export type Callback = (response: any, kwargs: any) => unknown;
/** A spider errback: gets the Failure of a failed download or callback input. */
export type Errback = (failure: Failure) => unknown;

/** The body of requests without one, shared (a zero-length array cannot be written to). */
const EMPTY_BODY = new Uint8Array(0);

/** Options of {@link Request}. */
export interface RequestInit {
  /** HTTP method (default `GET`). */
  method?: string;
  /** Request headers. */
  headers?: HeadersInit;
  /** Request body. */
  body?: string | Uint8Array | null;
  /** Called with the response; a spider method name also works. Default: the spider's `parse`. */
  callback?: Callback | string | null;
  /** Called with the Failure when the download (or an HttpError) fails. */
  errback?: Errback | string | null;
  /** Free-form data carried to the response (`response.meta`); some keys steer middlewares. */
  meta?: Record<string, unknown>;
  /** Extra argument passed to the callback (Scrapy's `cb_kwargs`). */
  cbKwargs?: Record<string, unknown>;
  /** Higher runs first (default 0). */
  priority?: number;
  /** Skip the duplicate filter. */
  dontFilter?: boolean;
  /** Labels shown in logs. */
  flags?: string[];
  /**
   * Cookies to send with this request, as `{ name: value }` or a list of
   * `{ name, value, domain?, path? }`. CookiesMiddleware stores them in the request's jar (so
   * later requests to the same site send them too) and builds the `Cookie` header from the jar.
   */
  cookies?: RequestCookies;
}

/** One cookie of {@link RequestInit.cookies} in the list form. */
export interface RequestCookie {
  /** The cookie name. */
  name: string;
  /** The cookie value (a number or boolean is written as text). */
  value: string | number | boolean;
  /** The Domain attribute (default: the request host only). */
  domain?: string;
  /** The Path attribute (default: the directory of the request path). */
  path?: string;
}

/** The cookies of a Request: `{ name: value }` or a list of {@link RequestCookie}. Scrapy's `Request.cookies`. */
export type RequestCookies = Record<string, string | number | boolean> | RequestCookie[];

/**
 * An HTTP request to schedule (yield it from a callback or `start()`), or to download inline
 * with `engine.download()`. Immutable in spirit: use `replace()` for a changed copy.
 *
 * Mirrors Scrapy's `scrapy.http.Request`.
 *
 * @example
 * ```ts
 * import { Request, Spider, type Response } from '@deferkit/crawler';
 *
 * class Pages extends Spider {
 *   override name = 'pages';
 *   override *parse(response: Response) {
 *     yield new Request(new URL('/page/2', response.url).href, { callback: this.parse, priority: 1 });
 *   }
 * }
 * const next = new Request('http://127.0.0.1:8080/page/2', { callback: Pages.prototype.parse, priority: 1 });
 * console.log(next.method, next.url, next.priority);
 * // prints: GET http://127.0.0.1:8080/page/2 1
 * ```
 */
export class Request {
  /** The absolute URL. */
  readonly url: string;
  /** HTTP method, upper case. */
  readonly method: string;
  /** Request headers. */
  readonly headers: Headers;
  /** Request body (empty for none). */
  readonly body: Uint8Array;
  /** The callback (or spider method name), `null` for the spider's `parse`. */
  readonly callback: Callback | string | null;
  /** The errback (or spider method name). */
  readonly errback: Errback | string | null;
  /** Free-form data, shared with `response.meta`. */
  readonly meta: Record<string, unknown>;
  /** Extra argument of the callback. */
  readonly cbKwargs: Record<string, unknown>;
  /** Scheduling priority: higher first. */
  readonly priority: number;
  /** Whether the duplicate filter is skipped. */
  readonly dontFilter: boolean;
  /** Labels shown in logs. */
  readonly flags: string[];
  /** The cookies given to the request (`{}` for none); CookiesMiddleware sends them. */
  readonly cookies: RequestCookies;

  /** The parsed URL (undefined until first asked for, for a URL follow() built). */
  #parsed: URL | null | undefined = undefined;

  static {
    registerRequestUrlAccess((target) => {
      if (!(#parsed in target)) return undefined;
      const r = target as Request;
      if (r.#parsed === undefined) r.#parsed = parseOrNull(r.url);
      return r.#parsed;
    });
  }

  /**
   * @param url - an absolute URL with a scheme.
   * @param init - the other fields.
   * @throws TypeError `Missing scheme in request URL: …` for a URL without `://` (about: and
   *   data: URLs excepted, as in Scrapy: so `mailto:` and `javascript:` links fail here), and
   *   `Invalid request URL: …` for an unparsable one.
   */
  constructor(url: string, init: RequestInit = {}) {
    if (url === trustedUrl) {
      // Built by Response.follow() from a base URL and a link the parser would copy unchanged:
      // an http(s) URL, valid and serialised already. Parsed on first use (most followed links
      // are duplicates the scheduler drops, which nothing ever parses).
      trustedUrl = null;
      this.url = url;
    } else {
      if (typeof url !== 'string') throw new TypeError(`Request url must be a string, got ${typeof url}.`);
      // Scrapy's rule: '://' somewhere, or an about: / data: URL.
      if (!url.includes('://') && !/^(about|data):/i.test(url)) {
        const hint = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)
          ? ` (only URLs with '://', about: and data: URLs can be requested; '${url.slice(0, url.indexOf(':'))}:' links cannot)`
          : '. Use an absolute URL, or response.follow(url) for a relative one';
        throw new TypeError(`Missing scheme in request URL: ${url}${hint}.`);
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new TypeError(`Invalid request URL: ${url}.`);
      }
      this.url = parsed.href;
      this.#parsed = parsed;
    }
    const method = init.method;
    this.method = method === undefined || method === null || method === 'GET' ? 'GET' : method.toUpperCase();
    this.headers = new Headers(init.headers);
    const body = init.body;
    this.body = body === undefined || body === null ? EMPTY_BODY : typeof body === 'string' ? new TextEncoder().encode(body) : body;
    this.callback = init.callback ?? null;
    this.errback = init.errback ?? null;
    if (this.callback !== null && typeof this.callback !== 'function' && typeof this.callback !== 'string') {
      throw new TypeError(`Request callback must be a function or a spider method name, got ${typeof this.callback}.`);
    }
    if (this.errback !== null && typeof this.errback !== 'function' && typeof this.errback !== 'string') {
      throw new TypeError(`Request errback must be a function or a spider method name, got ${typeof this.errback}.`);
    }
    this.meta = init.meta ?? {};
    this.cbKwargs = init.cbKwargs ?? {};
    this.priority = init.priority ?? 0;
    if (!Number.isFinite(this.priority)) throw new TypeError(`Request priority must be a finite number, got ${String(init.priority)}.`);
    this.dontFilter = init.dontFilter ?? false;
    this.flags = init.flags ?? [];
    this.cookies = init.cookies ?? {};
    if (typeof this.cookies !== 'object' || this.cookies === null) {
      throw new TypeError(`Request cookies must be an object { name: value } or a list of { name, value, domain?, path? }, got ${this.cookies === null ? 'null' : typeof this.cookies}.`);
    }
  }

  /**
   * A copy with some fields changed (`meta` and `cbKwargs` are shallow-copied; `cookies` is
   * shared, as in Scrapy). The copy is of the same class (a FormRequest stays a FormRequest),
   * built from the fields: a subclass's own options (`formdata`, `data`) are not re-applied.
   *
   * @param changes - fields to change, including `url`.
   */
  replace(changes: RequestInit & { url?: string } = {}): Request {
    const Class = this.constructor as typeof Request;
    return new Class(changes.url ?? this.url, {
      method: changes.method ?? this.method,
      headers: changes.headers ?? this.headers,
      body: changes.body !== undefined ? changes.body : this.body,
      callback: 'callback' in changes ? changes.callback : this.callback,
      errback: 'errback' in changes ? changes.errback : this.errback,
      meta: changes.meta ?? { ...this.meta },
      cbKwargs: changes.cbKwargs ?? { ...this.cbKwargs },
      priority: changes.priority ?? this.priority,
      dontFilter: changes.dontFilter ?? this.dontFilter,
      flags: changes.flags ?? [...this.flags],
      cookies: changes.cookies ?? this.cookies,
    });
  }

  /** `<GET http://…>`, as Scrapy prints requests. */
  toString(): string {
    return `<${this.method} ${this.url}>`;
  }
}

/** A URL the next `new Request()` may take without parsing it (see {@link requestFromTrustedUrl}). */
let trustedUrl: string | null = null;

/**
 * `new Request(url, init)` for a URL known to be valid and in the URL parser's own spelling
 * (from joinSimple): the constructor skips the parse. @internal
 */
export function requestFromTrustedUrl(url: string, init: RequestInit): Request {
  trustedUrl = url;
  try {
    return new Request(url, init);
  } finally {
    trustedUrl = null;
  }
}

/** True for a Request (of any loaded copy). */
export function isRequest(x: unknown): x is Request {
  return x instanceof Request;
}

// `instanceof Request` holds for Requests of another loaded copy too (see utils/brand.ts).
brandClass(Request, 'Request');
