// DownloaderStats: request/response/exception counters.

import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import type { StatsCollector } from '../stats.js';

/**
 * `prefix + part` stats keys, built once per part instead of on every request or response (a
 * crawl asks for the same few methods and statuses thousands of times). Bounded, since a method
 * is whatever string the request was given; past the bound keys are built each time.
 */
class KeyCache {
  readonly #prefix: string;
  readonly #keys = new Map<string | number, string>();
  constructor(prefix: string) {
    this.#prefix = prefix;
  }
  get(part: string | number): string {
    let key = this.#keys.get(part);
    if (key === undefined) {
      key = this.#prefix + String(part);
      if (this.#keys.size < 256) this.#keys.set(part, key);
    }
    return key;
  }
}

const METHOD_KEYS = new KeyCache('downloader/request_method_count/');
const STATUS_KEYS = new KeyCache('downloader/response_status_count/');

/**
 * Counts requests, responses by status, bytes, and exceptions by type
 * (`downloader/request_count`, `downloader/response_status_count/200`,
 * `downloader/exception_type_count/TimeoutError`, …).
 * Mirrors Scrapy's `DownloaderStats`.
 */
export class DownloaderStats {
  readonly #stats: StatsCollector;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#stats = crawler.stats;
  }
  /** Count the request. */
  processRequest(request: Request): void {
    this.#stats.incValue('downloader/request_count');
    this.#stats.incValue(METHOD_KEYS.get(request.method));
    this.#stats.incValue('downloader/request_bytes', request.url.length + request.body.length);
  }
  /** Count the response. */
  processResponse(_request: Request, response: Response): Response {
    this.#stats.incValue('downloader/response_count');
    this.#stats.incValue(STATUS_KEYS.get(response.status));
    this.#stats.incValue('downloader/response_bytes', response.body.length);
    return response;
  }
  /** Count the exception. */
  processException(_request: Request, exception: unknown): void {
    const name = (exception as { name?: string })?.name ?? typeof exception;
    this.#stats.incValue('downloader/exception_count');
    this.#stats.incValue(`downloader/exception_type_count/${name}`);
  }
}
