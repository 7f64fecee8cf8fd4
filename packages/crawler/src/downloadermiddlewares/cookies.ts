// CookiesMiddleware: one cookie jar per meta.cookiejar key, filled from Set-Cookie headers and
// Request.cookies, sent back as the Cookie header (scrapy.downloadermiddlewares.cookies).

import { Cookie, CookieJar, getPublicSuffix } from 'tough-cookie';
import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import type { Logger } from '../log.js';
import type { Request, RequestCookie } from '../Request.js';
import type { Response } from '../Response.js';

/**
 * How the jars are configured to match Python's `http.cookiejar` as Scrapy uses it: a `Secure`
 * cookie set over http is kept but only ever sent over https (tough-cookie's default treats
 * loopback as a secure origin, which Python does not); no `__Host-`/`__Secure-` prefix rules
 * (Python has none); cookies for a public suffix (`co.uk`) are refused.
 */
const JAR_OPTIONS = {
  rejectPublicSuffixes: true,
  allowSecureOnLocal: false,
  enforceSecureOriginOnStorage: false,
  prefixSecurity: 'unsafe-disabled',
  looseMode: false,
} as const;

const SET_OPTIONS = { ignoreError: true } as const;

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** Python's `str()` of a cookie field, as Scrapy's `_format_cookie` writes it. */
function fieldText(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** Python's `repr()` of a plain cookie object, for the warning about an invalid one. */
function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/**
 * Keeps cookies the way a browser session does: the `Set-Cookie` headers of every response are
 * stored in a cookie jar, and every request gets a `Cookie` header with the jar's cookies for its
 * URL (RFC 6265 domain, path, `Secure` and expiry rules, on
 * [tough-cookie](https://github.com/salesforce/tough-cookie) jars). A request's own `cookies`
 * are stored in its jar first, so they are sent again on later requests to that site.
 *
 * - `meta.cookiejar`: any value; each distinct value has its own jar (several sessions in one
 *   crawl). Requests without it share the default jar. It is not inherited: set it on every
 *   request of the session.
 * - `meta.dont_merge_cookies: true`: the request neither sends the jar's cookies nor stores what
 *   comes back (its own `Cookie` header, if any, is sent as is).
 * - Without `dont_merge_cookies` a `Cookie` header set by hand is replaced by the jar's, as in
 *   Scrapy: give cookies with `Request({ cookies })` instead.
 * - Redirects: the redirected request passes through this middleware again (order 700, after
 *   RedirectMiddleware's 600), so it gets the cookies of its new URL, and cookies set by the
 *   3xx response itself are stored first.
 * - `COOKIES_ENABLED: false` turns it off; `COOKIES_DEBUG: true` logs every `Cookie` sent and
 *   `Set-Cookie` received (DEBUG, logger `scrapy.downloadermiddlewares.cookies`).
 *
 * Mirrors Scrapy's `CookiesMiddleware`.
 *
 * @example
 * ```ts
 * import { CookiesMiddleware, Crawler, Request, Response, Spider } from '@deferkit/crawler';
 *
 * const mw = new CookiesMiddleware(new Crawler(class extends Spider { override name = 's'; }));
 * const login = new Request('http://127.0.0.1/login', { meta: { cookiejar: 'alice' } });
 * mw.processRequest(login);
 * mw.processResponse(login, new Response(login.url, { headers: { 'Set-Cookie': 'session=abc; Path=/' }, request: login }));
 * const next = new Request('http://127.0.0.1/members', { meta: { cookiejar: 'alice' }, cookies: { lang: 'en' } });
 * mw.processRequest(next);
 * console.log(next.headers.get('Cookie'));
 * // prints: session=abc; lang=en
 * const other = new Request('http://127.0.0.1/members', { meta: { cookiejar: 'bob' } });
 * mw.processRequest(other);
 * console.log(other.headers.get('Cookie'));
 * // prints: null
 * ```
 */
export class CookiesMiddleware {
  /** The jars by `meta.cookiejar` key, made when a first cookie is to be stored in one. */
  readonly #jars = new Map<unknown, CookieJar>();
  readonly #debug: boolean;
  readonly #logger: Logger;

  /**
   * @param crawler - the crawler.
   * @throws NotConfigured when `COOKIES_ENABLED` is false.
   */
  constructor(crawler: Crawler) {
    if (!crawler.settings.getBool('COOKIES_ENABLED')) throw new NotConfigured();
    this.#debug = crawler.settings.getBool('COOKIES_DEBUG');
    this.#logger = crawler.getLogger('scrapy.downloadermiddlewares.cookies');
  }

  /**
   * The jar of a `meta.cookiejar` key (`undefined`: the default jar), made if need be: a
   * tough-cookie `CookieJar`, to read (`getCookiesSync(url)`) or fill by hand. Scrapy's `jars[key]`.
   *
   * @param key - the `meta.cookiejar` value.
   */
  jar(key?: unknown): CookieJar {
    let jar = this.#jars.get(key);
    if (jar === undefined) {
      jar = new CookieJar(undefined, JAR_OPTIONS);
      this.#jars.set(key, jar);
    }
    return jar;
  }

  /** Store the request's cookies, then set its `Cookie` header from its jar. */
  processRequest(request: Request): void {
    const meta = request.meta;
    if (meta.dont_merge_cookies) return;
    const given = request.cookies;
    let jar = this.#jars.get(meta.cookiejar);
    // The fast path of every request of a site that sets no cookies: no jar yet, no cookies given.
    if (jar === undefined && !hasCookies(given)) {
      if (request.headers.has('cookie')) request.headers.delete('cookie');
      return;
    }
    jar ??= this.jar(meta.cookiejar);
    if (hasCookies(given)) this.#storeGiven(jar, request, given);
    request.headers.delete('Cookie');
    const header = cookieHeader(jar, request.url);
    if (header !== '') {
      request.headers.set('Cookie', header);
      if (this.#debug) this.#logger.debug(`Sending cookies to: ${request}\nCookie: ${header}\n`);
    }
  }

  /** Store the response's `Set-Cookie` cookies in the request's jar. */
  processResponse(request: Request, response: Response): Response {
    const meta = request.meta;
    if (meta.dont_merge_cookies) return response;
    if (!response.headers.has('set-cookie')) return response;
    const setCookies = response.headers.getList('set-cookie');
    const jar = this.jar(meta.cookiejar);
    for (const text of setCookies) this.#store(jar, text, request);
    if (this.#debug) {
      this.#logger.debug(`Received cookies from: ${response}\n${setCookies.map((c) => `Set-Cookie: ${c}\n`).join('\n')}`);
    }
    return response;
  }

  /** `request.cookies` into the jar, as if the request URL had set them (Scrapy's `_get_request_cookies`). */
  #storeGiven(jar: CookieJar, request: Request, given: Request['cookies']): void {
    const list: Array<Partial<RequestCookie>> = Array.isArray(given) ? given : Object.entries(given).map(([name, value]) => ({ name, value }));
    for (const c of list) {
      if (c === null || typeof c !== 'object') {
        this.#logger.warning(`Invalid cookie found in request ${request}: ${pyRepr(c)} (cookies must be { name, value, domain?, path? } objects)`);
        continue;
      }
      const missing = c.name === undefined || c.name === null ? 'name' : c.value === undefined || c.value === null ? 'value' : null;
      if (missing !== null) {
        this.#logger.warning(`Invalid cookie found in request ${request}: ${pyRepr(c)} ('${missing}' is missing)`);
        continue;
      }
      let text = `${fieldText(c.name)}=${fieldText(c.value)}`;
      if (c.path !== undefined && c.path !== null) text += `; Path=${fieldText(c.path)}`;
      if (c.domain !== undefined && c.domain !== null) text += `; Domain=${fieldText(c.domain)}`;
      this.#store(jar, text, request);
    }
  }

  /**
   * One Set-Cookie text into the jar, for `request`'s URL. A cookie whose Domain is a public
   * suffix is kept only when that suffix is the request host itself, then for that host alone
   * (Scrapy's `_process_cookies`).
   */
  #store(jar: CookieJar, text: string, request: Request): void {
    const cookie = Cookie.parse(text);
    if (cookie === undefined) return;
    const domain = cookie.domain;
    if (domain && domain.includes('.') && !IPV4.test(domain) && getPublicSuffix(domain) == null) {
      if (domain !== new URL(request.url).hostname.toLowerCase()) return;
      cookie.domain = null;
    }
    jar.setCookieSync(cookie, request.url, SET_OPTIONS);
  }
}

const GET_OPTIONS = { sort: false } as const;

/**
 * The Cookie header for `url`, in http.cookiejar's order: longest path first; for the same path
 * length, the request host's own cookies, then those of its parent domains (the most specific
 * first), each in the order they were first set.
 */
function cookieHeader(jar: CookieJar, url: string): string {
  const cookies = jar.getCookiesSync(url, GET_OPTIONS);
  if (cookies.length === 0) return '';
  if (cookies.length > 1) {
    cookies.sort(
      (a, b) =>
        (b.path?.length ?? 0) - (a.path?.length ?? 0) ||
        Number(b.hostOnly === true) - Number(a.hostOnly === true) ||
        (b.domain?.length ?? 0) - (a.domain?.length ?? 0) ||
        a.creationIndex - b.creationIndex,
    );
  }
  let header = cookies[0]!.cookieString();
  for (let i = 1; i < cookies.length; i++) header += `; ${cookies[i]!.cookieString()}`;
  return header;
}

/** Whether `cookies` (a Request's) holds any cookie. */
function hasCookies(cookies: Request['cookies']): boolean {
  if (Array.isArray(cookies)) return cookies.length > 0;
  for (const _ in cookies) return true;
  return false;
}
