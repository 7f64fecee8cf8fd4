// DownloaderStats: request/response/exception counters.

import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import type { StatsCollector } from '../stats.js';

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
    this.#stats.incValue(`downloader/request_method_count/${request.method}`);
    this.#stats.incValue('downloader/request_bytes', request.url.length + request.body.length);
  }
  /** Count the response. */
  processResponse(_request: Request, response: Response): Response {
    this.#stats.incValue('downloader/response_count');
    this.#stats.incValue(`downloader/response_status_count/${response.status}`);
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
