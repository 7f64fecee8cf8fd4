// RedirectMiddleware: follow 301/302/303/307/308 (REDIRECT_MAX_TIMES). BaseRedirectMiddleware:
// the redirect bookkeeping it shares with MetaRefreshMiddleware (scrapy.downloadermiddlewares.redirect).

import type { Crawler } from '../Crawler.js';
import { IgnoreRequest, NotConfigured } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { urlparseCached } from '../utils/url.js';

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/**
 * What both redirect middlewares share: the enabled-setting check, building the redirected
 * request, and the bookkeeping of a followed redirect — `meta.redirect_times`, `redirect_ttl`,
 * `redirect_urls` (the URLs redirected from, oldest first), `redirect_reasons` (the status code
 * of a 3xx, `'meta refresh'` for a meta refresh), priority `+ REDIRECT_PRIORITY_ADJUST`, the
 * `Redirecting (<reason>) to <GET …> from <GET …>` DEBUG line, and IgnoreRequest ("max
 * redirections reached") past `REDIRECT_MAX_TIMES`.
 *
 * Mirrors Scrapy's `BaseRedirectMiddleware`.
 *
 * @example
 * ```ts
 * import { BaseRedirectMiddleware, type Crawler, type Request, type Response } from '@deferkit/crawler';
 *
 * class MyRedirect extends BaseRedirectMiddleware {
 *   constructor(crawler: Crawler) {
 *     super(crawler, 'MY_REDIRECT_ENABLED');
 *   }
 *   processResponse(request: Request, response: Response): Request | Response {
 *     const to = response.headers.get('x-moved-to');
 *     return to === null ? response : this.redirect(this.buildRedirectRequest(request, new URL(to, request.url), true), request, 'x-moved-to');
 *   }
 * }
 * ```
 */
export abstract class BaseRedirectMiddleware {
  /** The crawler. */
  protected readonly crawler: Crawler;
  /** `REDIRECT_MAX_TIMES`. */
  protected readonly maxRedirectTimes: number;
  /** `REDIRECT_PRIORITY_ADJUST`. */
  protected readonly priorityAdjust: number;

  /**
   * @param crawler - the crawler.
   * @param enabledSetting - the boolean setting that turns this middleware on (Scrapy's `enabled_setting`).
   * @throws NotConfigured when `enabledSetting` is false.
   */
  constructor(crawler: Crawler, enabledSetting = 'REDIRECT_ENABLED') {
    if (!crawler.settings.getBool(enabledSetting)) throw new NotConfigured();
    this.crawler = crawler;
    this.maxRedirectTimes = crawler.settings.getInt('REDIRECT_MAX_TIMES');
    this.priorityAdjust = crawler.settings.getInt('REDIRECT_PRIORITY_ADJUST');
  }

  /**
   * `source` sent to `target`: as a GET without a body or content headers when `toGet`, else
   * with its method and body. Cookies and Authorization are not carried to another host or to a
   * downgraded scheme.
   *
   * @param source - the request that was redirected.
   * @param target - where to (absolute).
   * @param toGet - turn it into a bodiless GET (Scrapy's `_redirect_request_using_get`).
   */
  protected buildRedirectRequest(source: Request, target: URL, toGet: boolean): Request {
    const from = urlparseCached(source) ?? new URL(source.url);
    const headers = source.headers.toNodeHeaders();
    if (toGet) {
      for (const h of Object.keys(headers)) if (/^(content-type|content-length|content-encoding|content-language|content-location)$/i.test(h)) delete headers[h];
    }
    if (target.host !== from.host || (from.protocol === 'https:' && target.protocol === 'http:')) {
      for (const h of Object.keys(headers)) if (/^(cookie|authorization)$/i.test(h)) delete headers[h];
    }
    return source.replace({
      url: target.href,
      method: toGet ? 'GET' : source.method,
      body: toGet ? null : source.body,
      headers,
    });
  }

  /**
   * Follow `redirected` (made from `source`) for `reason`, or drop it past `REDIRECT_MAX_TIMES`
   * / the request's `redirect_ttl`.
   *
   * @param redirected - the new request.
   * @param source - the request that was redirected.
   * @param reason - a 3xx status, or a word such as `'meta refresh'`: logged, and appended to `redirect_reasons`.
   * @returns `redirected` with the redirect meta and priority set.
   * @throws IgnoreRequest ("max redirections reached").
   */
  protected redirect(redirected: Request, source: Request, reason: number | string): Request {
    const logger = this.crawler.getLogger('scrapy.downloadermiddlewares.redirect');
    const ttl = Number(source.meta.redirect_ttl ?? this.maxRedirectTimes);
    const times = Number(source.meta.redirect_times ?? 0) + 1;
    if (ttl > 0 && times <= this.maxRedirectTimes) {
      const meta = redirected.meta;
      meta.redirect_times = times;
      meta.redirect_ttl = ttl - 1;
      meta.redirect_urls = [...((source.meta.redirect_urls as string[] | undefined) ?? []), source.url];
      meta.redirect_reasons = [...((source.meta.redirect_reasons as Array<number | string> | undefined) ?? []), reason];
      delete meta.download_slot;
      logger.debug(`Redirecting (${reason}) to ${redirected} from ${source}`);
      return redirected.replace({ priority: source.priority + this.priorityAdjust, dontFilter: source.dontFilter });
    }
    logger.debug(`Discarding ${source}: max redirections reached`);
    throw new IgnoreRequest('max redirections reached');
  }
}

/**
 * Follows redirects: the `Location` (resolved against the request URL) becomes a new request
 * with `meta.redirect_times`, `redirect_ttl`, `redirect_urls` and `redirect_reasons` (the status
 * codes, as numbers), priority `+ REDIRECT_PRIORITY_ADJUST`. 302/303 (and a 301 of a POST) turn
 * into GET without a body. Past `REDIRECT_MAX_TIMES` the request is dropped with IgnoreRequest
 * ("max redirections reached"). `meta.dont_redirect`, `handle_httpstatus_list` /
 * `handle_httpstatus_all` turn it off; `REDIRECT_ENABLED: false` disables it. Cookies and
 * Authorization are not carried to another host or to a downgraded scheme.
 *
 * Mirrors Scrapy's `RedirectMiddleware`.
 *
 * @example
 * ```ts
 * import { Request } from '@deferkit/crawler';
 *
 * // On by default (DOWNLOADER_MIDDLEWARES_BASE, order 600); per request:
 * const url = 'http://127.0.0.1/old';
 * new Request(url, { meta: { dont_redirect: true } });
 * ```
 */
export class RedirectMiddleware extends BaseRedirectMiddleware {
  /**
   * @param crawler - the crawler.
   * @throws NotConfigured when `REDIRECT_ENABLED` is false.
   */
  constructor(crawler: Crawler) {
    super(crawler, 'REDIRECT_ENABLED');
  }

  /** Follow a redirect response. */
  processResponse(request: Request, response: Response, spider: { handleHttpstatusList?: number[] } | undefined): Response | Request {
    // Anything but a redirect passes unchanged, whatever the settings below say.
    if (!REDIRECT_CODES.has(response.status)) return response;
    const meta = request.meta;
    if (meta.dont_redirect === true || meta.handle_httpstatus_all === true) return response;
    // Scrapy checks both lists: the spider's and the request's.
    const fromMeta = Array.isArray(meta.handle_httpstatus_list) ? (meta.handle_httpstatus_list as number[]) : [];
    if ((spider?.handleHttpstatusList ?? []).includes(response.status) || fromMeta.includes(response.status)) return response;
    const location = response.headers.get('location');
    if (location === null) return response;
    let target: URL;
    try {
      target = new URL(location.trim(), request.url);
    } catch {
      return response;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return response;
    const toGet = ((response.status === 302 || response.status === 303) && request.method !== 'HEAD') || (response.status === 301 && request.method === 'POST');
    return this.redirect(this.buildRedirectRequest(request, target, toGet), request, response.status);
  }
}
