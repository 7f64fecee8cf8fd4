// HttpProxyMiddleware: proxies from the environment or meta.proxy, credentials → Proxy-Authorization.

import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import type { Request } from '../Request.js';
import { urlparseCached } from '../utils/url.js';

/**
 * The `<scheme>_proxy` variables of `env`, by scheme (`no` for `no_proxy`), as Python's
 * `urllib.request.getproxies()` reads them on Linux: any case, the lower-case spelling winning,
 * empty values skipped; `http` is dropped under CGI (`REQUEST_METHOD` set), as Python does.
 *
 * @param env - the environment (default `process.env`).
 * @example
 * ```ts
 * import { getProxies } from '@deferkit/crawler';
 * console.log(getProxies({ HTTP_PROXY: 'http://a:1', http_proxy: 'http://b:2', NO_PROXY: 'x.test' }));
 * // prints: { http: 'http://b:2', no: 'x.test' }
 * ```
 */
export function getProxies(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const proxies: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const lower = name.toLowerCase();
    if (value && lower.endsWith('_proxy')) proxies[lower.slice(0, -6)] = value;
  }
  if ('REQUEST_METHOD' in env) delete proxies.http;
  for (const [name, value] of Object.entries(env)) {
    // Python's second pass: names whose '_proxy' suffix is lower case win (empty ones remove).
    if (name.endsWith('_proxy')) {
      const type = name.toLowerCase().slice(0, -6);
      if (value) proxies[type] = value;
      else delete proxies[type];
    }
  }
  return proxies;
}

/**
 * Whether `host` (a host name, optionally with `:port`) is exempt from proxies by `noProxy`
 * (comma-separated names; `*` means every host; a name matches itself and its subdomains, a
 * leading dot is ignored). Python's `urllib.request.proxy_bypass_environment`.
 *
 * @example
 * ```ts
 * import { proxyBypass } from '@deferkit/crawler';
 * console.log(proxyBypass('api.example.com', 'localhost, .example.com'), proxyBypass('example.org', 'example.com'));
 * // prints: true false
 * ```
 */
export function proxyBypass(host: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  if (noProxy === '*') return true;
  const h = host.toLowerCase();
  const m = /^(.*):([0-9]*)$/.exec(h);
  const hostOnly = m !== null ? m[1]! : h;
  for (let name of noProxy.split(',')) {
    name = name.trim().replace(/^\.+/, '').toLowerCase();
    if (name === '') continue;
    if (hostOnly === name || h === name) return true;
    if (hostOnly.endsWith(`.${name}`) || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** Python's `urllib.request._parse_proxy`: scheme (or null), user, password, host:port. */
function parseProxy(proxy: string): { scheme: string | null; user: string | null; password: string | null; hostport: string } {
  const typed = /^([^/:]+):(.*)$/s.exec(proxy);
  let scheme: string | null = typed !== null ? typed[1]!.toLowerCase() : null;
  const rest = typed !== null ? typed[2]! : proxy;
  let authority: string;
  if (!rest.startsWith('/')) {
    scheme = null;
    authority = proxy;
  } else {
    if (!rest.startsWith('//')) {
      throw new TypeError(`Invalid proxy URL ${JSON.stringify(proxy)}: no host (write it as http://host:port).`);
    }
    const at = rest.indexOf('@');
    const end = at !== -1 ? rest.indexOf('/', at) : rest.indexOf('/', 2);
    authority = end === -1 ? rest.slice(2) : rest.slice(2, end);
  }
  const at = authority.lastIndexOf('@');
  if (at === -1) return { scheme, user: null, password: null, hostport: authority };
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  return {
    scheme,
    user: colon === -1 ? userinfo : userinfo.slice(0, colon),
    password: colon === -1 ? null : userinfo.slice(colon + 1),
    hostport: authority.slice(at + 1),
  };
}

/** The Buffer encodings HTTPPROXY_AUTH_ENCODING may name (Python codec names). */
function authEncoding(name: string): BufferEncoding {
  const n = name.toLowerCase().replace(/_/g, '-');
  if (n === 'latin-1' || n === 'latin1' || n === 'iso-8859-1' || n === 'iso8859-1' || n === 'l1') return 'latin1';
  if (n === 'utf-8' || n === 'utf8') return 'utf8';
  if (n === 'ascii' || n === 'us-ascii') return 'ascii';
  throw new TypeError(`HTTPPROXY_AUTH_ENCODING '${name}' is not supported: use 'latin-1' (the default), 'utf-8' or 'ascii'.`);
}

/** Credentials (base64 of user:password) and the proxy URL without them. */
export type ProxyConf = readonly [creds: string | null, proxyUrl: string];

/**
 * Sends requests through a proxy: `meta.proxy` when the request has that key (`null` there
 * means "no proxy"), else the `http_proxy` / `https_proxy` environment variables by the URL's
 * scheme, unless `no_proxy` exempts the host. Credentials in the proxy URL
 * (`http://user:pass@host:port`, percent-decoded, encoded with `HTTPPROXY_AUTH_ENCODING`) become a
 * `Proxy-Authorization: Basic …` header and leave the URL, which is stored back in `meta.proxy`.
 * When a request's proxy changes (a redirect, a retry with another `meta.proxy`), credentials
 * set for the old proxy are removed; a `Proxy-Authorization` the user set is kept for the
 * proxy it was sent with and dropped when there is no proxy. The download handler then sends
 * `http:` requests to the proxy in absolute form and tunnels `https:` ones through `CONNECT`
 * (the header goes on the CONNECT only). `HTTPPROXY_ENABLED = false` turns it off.
 *
 * Mirrors Scrapy's `HttpProxyMiddleware`.
 *
 * @example
 * ```ts
 * import { HttpProxyMiddleware, Request, Settings } from '@deferkit/crawler';
 * const mw = new HttpProxyMiddleware({ settings: new Settings() } as never, {});
 * const request = new Request('http://example.com/', { meta: { proxy: 'http://me:secret@127.0.0.1:3128' } });
 * mw.processRequest(request);
 * console.log(request.meta.proxy, request.headers.get('Proxy-Authorization'));
 * // prints: http://127.0.0.1:3128 Basic bWU6c2VjcmV0
 * ```
 */
export class HttpProxyMiddleware {
  readonly #encoding: BufferEncoding;
  /** From the environment, by scheme. */
  readonly proxies: ReadonlyMap<string, ProxyConf>;
  readonly #noProxy: string | undefined;
  /** meta.proxy values already parsed (a crawl uses a few proxies for many requests). */
  readonly #parsed = new Map<string, ProxyConf>();

  /**
   * @param crawler - the crawler (HTTPPROXY_ENABLED, HTTPPROXY_AUTH_ENCODING).
   * @param env - where the proxy variables are read (default `process.env`), once.
   */
  constructor(crawler: Crawler, env: Record<string, string | undefined> = process.env) {
    const s = crawler.settings;
    if (!s.getBool('HTTPPROXY_ENABLED', true)) throw new NotConfigured();
    this.#encoding = authEncoding(String(s.get('HTTPPROXY_AUTH_ENCODING') ?? 'latin-1'));
    const found = getProxies(env);
    this.#noProxy = found.no;
    const proxies = new Map<string, ProxyConf>();
    for (const [type, url] of Object.entries(found)) {
      // As Scrapy: values that are not proxy URLs (a socket path) are skipped.
      try {
        proxies.set(type, this.#getProxy(url, type));
      } catch {
        continue;
      }
    }
    this.proxies = proxies;
  }

  #getProxy(url: string, origType: string): ProxyConf {
    const { scheme, user, password, hostport } = parseProxy(url);
    const proxyUrl = `${scheme || origType ? `${scheme || origType}:` : ''}//${hostport}`;
    if (!user) return [null, proxyUrl];
    const pass = `${decodeURIComponentLoose(user)}:${decodeURIComponentLoose(password ?? '')}`;
    return [Buffer.from(pass, this.#encoding).toString('base64'), proxyUrl];
  }

  /** Choose the request's proxy and set or clear its Proxy-Authorization. */
  processRequest(request: Request): void {
    const meta = request.meta;
    let conf: ProxyConf | undefined;
    if ('proxy' in meta) {
      if (meta.proxy !== null && meta.proxy !== undefined) {
        const value = String(meta.proxy);
        conf = this.#parsed.get(value);
        if (conf === undefined) {
          if (this.#parsed.size >= 1024) this.#parsed.clear();
          conf = this.#getProxy(value, '');
          this.#parsed.set(value, conf);
        }
      }
    } else if (this.proxies.size > 0) {
      const url = urlparseCached(request);
      const scheme = url === null ? '' : url.protocol.slice(0, -1);
      const http = scheme === 'http' || scheme === 'https';
      // no_proxy only applies to http(s) URLs.
      if ((!http || !proxyBypass(url!.hostname, this.#noProxy)) && this.proxies.has(scheme)) conf = this.proxies.get(scheme);
    }
    this.#setProxyAndCreds(request, conf?.[1] ?? null, conf?.[0] ?? null);
  }

  /** Scrapy's `_set_proxy_and_creds`. */
  #setProxyAndCreds(request: Request, proxyUrl: string | null, creds: string | null): void {
    const meta = request.meta;
    const headers = request.headers;
    if (proxyUrl) meta.proxy = proxyUrl;
    else if (meta.proxy !== null && meta.proxy !== undefined) meta.proxy = null;
    if (creds) {
      headers.set('Proxy-Authorization', `Basic ${creds}`);
      meta._auth_proxy = proxyUrl;
    } else if ('_auth_proxy' in meta) {
      if (proxyUrl !== meta._auth_proxy) {
        headers.delete('Proxy-Authorization');
        delete meta._auth_proxy;
      }
    } else if (headers.has('Proxy-Authorization')) {
      if (proxyUrl) meta._auth_proxy = proxyUrl;
      else headers.delete('Proxy-Authorization');
    }
  }
}

/** Python's `unquote`: %XX sequences decoded as UTF-8, bad ones left as they are. */
function decodeURIComponentLoose(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(%[0-9a-fA-F]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}
