// RedirectMiddleware: follow 301/302/303/307/308 (REDIRECT_MAX_TIMES).

import type { Crawler } from '../Crawler.js';
import { IgnoreRequest, NotConfigured } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/**
 * Follows redirects: the `Location` (resolved against the request URL) becomes a new request
 * with `meta.redirect_times`, `redirect_ttl`, `redirect_urls` and `redirect_reasons`, priority
 * `+ REDIRECT_PRIORITY_ADJUST`. 302/303 (and a 301 of a POST) turn into GET without a body.
 * Past `REDIRECT_MAX_TIMES` the request is dropped with IgnoreRequest ("max redirections
 * reached"). `meta.dont_redirect`, `handle_httpstatus_list` / `handle_httpstatus_all` turn it
 * off. Cookies and Authorization are not carried to another host or to a downgraded scheme.
 *
 * Mirrors Scrapy's `RedirectMiddleware`.
 */
export class RedirectMiddleware {
  readonly #crawler: Crawler;
  readonly #maxTimes: number;
  readonly #priorityAdjust: number;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    if (!crawler.settings.getBool('REDIRECT_ENABLED')) throw new NotConfigured();
    this.#crawler = crawler;
    this.#maxTimes = crawler.settings.getInt('REDIRECT_MAX_TIMES');
    this.#priorityAdjust = crawler.settings.getInt('REDIRECT_PRIORITY_ADJUST');
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
    const source = new URL(request.url);
    const toGet = ((response.status === 302 || response.status === 303) && request.method !== 'HEAD') || (response.status === 301 && request.method === 'POST');
    const headers = request.headers.toNodeHeaders();
    if (toGet) {
      for (const h of Object.keys(headers)) if (/^(content-type|content-length|content-encoding|content-language|content-location)$/i.test(h)) delete headers[h];
    }
    if (target.host !== source.host || (source.protocol === 'https:' && target.protocol === 'http:')) {
      for (const h of Object.keys(headers)) if (/^(cookie|authorization)$/i.test(h)) delete headers[h];
    }
    const redirected = request.replace({
      url: target.href,
      method: toGet ? 'GET' : request.method,
      body: toGet ? null : request.body,
      headers,
    });
    return this.#redirect(redirected, request, response.status);
  }

  #redirect(redirected: Request, source: Request, status: number): Request {
    const logger = this.#crawler.getLogger('scrapy.downloadermiddlewares.redirect');
    const ttl = Number(source.meta.redirect_ttl ?? this.#maxTimes);
    const times = Number(source.meta.redirect_times ?? 0) + 1;
    if (ttl > 0 && times <= this.#maxTimes) {
      const meta = redirected.meta;
      meta.redirect_times = times;
      meta.redirect_ttl = ttl - 1;
      meta.redirect_urls = [...((source.meta.redirect_urls as string[] | undefined) ?? []), source.url];
      meta.redirect_reasons = [...((source.meta.redirect_reasons as number[] | undefined) ?? []), status];
      delete meta.download_slot;
      logger.debug(`Redirecting (${status}) to ${redirected} from ${source}`);
      return redirected.replace({ priority: source.priority + this.#priorityAdjust });
    }
    logger.debug(`Discarding ${source}: max redirections reached`);
    throw new IgnoreRequest('max redirections reached');
  }
}
