// RetryMiddleware: retry failed downloads and retryable statuses (RETRY_TIMES, RETRY_HTTP_CODES).

import type { Crawler } from '../Crawler.js';
import { ConnectionError, DownloadTimeoutError, NotConfigured } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { statusMessage } from '../utils/misc.js';

/**
 * The errors worth a retry: timeouts, refused/broken connections and bodies cut short
 * (ResponseDataLossError is a ConnectionError). Scrapy's `RETRY_EXCEPTIONS`.
 */
const RETRYABLE = [DownloadTimeoutError, ConnectionError];

/** Seconds a `Retry-After` header asks for, or `undefined`. */
function retryAfterSeconds(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const n = Number(value.trim());
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date / 1000 - now);
}

/**
 * Retries a request up to `RETRY_TIMES` times (or `meta.max_retry_times`) when the response
 * status is in `RETRY_HTTP_CODES` or the download failed with a timeout or a broken connection.
 * The retry has `dontFilter: true` and priority `+ RETRY_PRIORITY_ADJUST`; `meta.dont_retry`
 * disables it. A `Retry-After` header (seconds or a date; capped by `RETRY_AFTER_MAX`, default
 * 60 s) delays the retry. Stats: `retry/count`, `retry/reason_count/<reason>`, `retry/max_reached`.
 *
 * Mirrors Scrapy's `RetryMiddleware` (Retry-After support is deferkit's addition).
 */
export class RetryMiddleware {
  readonly #crawler: Crawler;
  readonly #maxRetryTimes: number;
  readonly #codes: Set<number>;
  readonly #priorityAdjust: number;
  readonly #retryAfterMax: number;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    this.#crawler = crawler;
    this.#maxRetryTimes = s.getInt('RETRY_TIMES');
    this.#codes = new Set(s.getList<number>('RETRY_HTTP_CODES').map(Number));
    this.#priorityAdjust = s.getInt('RETRY_PRIORITY_ADJUST');
    this.#retryAfterMax = s.getFloat('RETRY_AFTER_MAX', 60);
    if (!s.getBool('RETRY_ENABLED')) throw new NotConfigured();
  }

  /** Retry retryable statuses. */
  processResponse(request: Request, response: Response): Response | Request | Promise<Request> {
    if (request.meta.dont_retry === true || !this.#codes.has(response.status)) return response;
    const reason = statusMessage(response.status);
    const retry = this.getRetryRequest(request, reason);
    if (retry === null) return response;
    const wait = retryAfterSeconds(response.headers.get('retry-after'), Date.now() / 1000);
    if (wait === undefined || wait <= 0) return retry;
    const delay = Math.min(wait, this.#retryAfterMax);
    this.#crawler.getLogger('scrapy.downloadermiddlewares.retry').debug(`Retry-After: waiting ${delay} s before retrying ${request}`);
    // The transfer slot is already free while we wait; the request still counts in
    // CONCURRENT_REQUESTS until the retry goes back to the scheduler.
    return new Promise<Request>((resolve) => {
      this.#crawler.reactor.callLater(delay, () => resolve(retry));
    });
  }

  /** Retry timeouts and broken connections. */
  processException(request: Request, exception: unknown): Request | undefined {
    if (request.meta.dont_retry === true) return undefined;
    if (!RETRYABLE.some((c) => exception instanceof c)) return undefined;
    const e = exception as Error;
    return this.getRetryRequest(request, `${e.name}: ${e.message}`, e.name) ?? undefined;
  }

  /**
   * A retry of `request`, or `null` when its retries are used up.
   * Scrapy's `get_retry_request`.
   */
  getRetryRequest(request: Request, reason: string, reasonKey = reason): Request | null {
    const stats = this.#crawler.stats;
    const logger = this.#crawler.getLogger('scrapy.downloadermiddlewares.retry');
    const retryTimes = Number(request.meta.retry_times ?? 0) + 1;
    const max = Number(request.meta.max_retry_times ?? this.#maxRetryTimes);
    if (retryTimes <= max) {
      logger.debug(`Retrying ${request} (failed ${retryTimes} times): ${reason}`);
      stats.incValue('retry/count');
      stats.incValue(`retry/reason_count/${reasonKey}`);
      return request.replace({
        meta: { ...request.meta, retry_times: retryTimes },
        dontFilter: true,
        priority: request.priority + Number(request.meta.priority_adjust ?? this.#priorityAdjust),
      });
    }
    stats.incValue('retry/max_reached');
    logger.error(`Gave up retrying ${request} (failed ${retryTimes} times): ${reason}`);
    return null;
  }
}
