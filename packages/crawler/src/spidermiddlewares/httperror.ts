// HttpErrorMiddleware: non-2xx responses do not reach callbacks unless allowed.

import type { Crawler } from '../Crawler.js';
import { HttpError } from '../errors.js';
import type { Response } from '../Response.js';

/**
 * Stops responses outside 200–299 before the callback: the errback (if any) gets an HttpError;
 * otherwise it is logged at INFO (`Ignoring response <404 …>: HTTP status code is not handled or
 * not allowed`) and counted. Allowed statuses: `meta.handle_httpstatus_all`,
 * `meta.handle_httpstatus_list`, the spider's `handleHttpstatusList`, `HTTPERROR_ALLOWED_CODES`,
 * `HTTPERROR_ALLOW_ALL`.
 * Mirrors Scrapy's `HttpErrorMiddleware`.
 */
export class HttpErrorMiddleware {
  readonly #crawler: Crawler;
  readonly #allowAll: boolean;
  readonly #allowed: number[];
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.#allowAll = crawler.settings.getBool('HTTPERROR_ALLOW_ALL');
    this.#allowed = crawler.settings.getList<number>('HTTPERROR_ALLOWED_CODES').map(Number);
  }

  /** Refuse non-2xx responses that are not allowed. */
  processSpiderInput(response: Response, spider: { handleHttpstatusList?: number[] } | undefined): void {
    if (response.status >= 200 && response.status < 300) return;
    const meta = response.request?.meta ?? {};
    if (meta.handle_httpstatus_all === true) return;
    let allowed: number[];
    if (Array.isArray(meta.handle_httpstatus_list)) allowed = meta.handle_httpstatus_list as number[];
    else if (this.#allowAll) return;
    else allowed = spider?.handleHttpstatusList ?? this.#allowed;
    if (allowed.includes(response.status)) return;
    throw new HttpError(response);
  }

  /** Swallow (and count) the HttpErrors nobody handled. */
  processSpiderException(response: Response, exception: unknown): unknown[] | undefined {
    if (!(exception instanceof HttpError)) return undefined;
    const stats = this.#crawler.stats;
    stats.incValue('httperror/response_ignored_count');
    stats.incValue(`httperror/response_ignored_status_count/${response.status}`);
    this.#crawler.getLogger('scrapy.spidermiddlewares.httperror').info(
      `Ignoring response ${response}: HTTP status code is not handled or not allowed`,
    );
    return [];
  }
}
