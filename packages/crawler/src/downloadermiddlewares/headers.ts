// DefaultHeadersMiddleware, UserAgentMiddleware, DownloadTimeoutMiddleware.

import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';

/**
 * Adds `DEFAULT_REQUEST_HEADERS` to requests that do not set them.
 * Mirrors Scrapy's `DefaultHeadersMiddleware`.
 */
export class DefaultHeadersMiddleware {
  readonly #headers: Array<[string, string]>;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#headers = Object.entries(crawler.settings.getDict<string>('DEFAULT_REQUEST_HEADERS')).map(([k, v]) => [k, String(v)]);
  }
  /** Set the defaults. */
  processRequest(request: Request): void {
    const headers = this.#headers;
    for (let i = 0; i < headers.length; i++) request.headers.setDefault(headers[i]![0], headers[i]![1]);
  }
}

/**
 * Sets `User-Agent` from `USER_AGENT` (or the spider's `userAgent`) unless the request has one.
 * Mirrors Scrapy's `UserAgentMiddleware`.
 */
export class UserAgentMiddleware {
  readonly #crawler: Crawler;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
  }
  /** Set the User-Agent. */
  processRequest(request: Request, spider: { userAgent?: string } | undefined): void {
    const ua = spider?.userAgent ?? this.#crawler.settings.get<string>('USER_AGENT');
    if (ua) request.headers.setDefault('User-Agent', ua);
  }
}

/**
 * Sets `meta.download_timeout` from `DOWNLOAD_TIMEOUT` (or the spider's `downloadTimeout`).
 * Mirrors Scrapy's `DownloadTimeoutMiddleware`.
 */
export class DownloadTimeoutMiddleware {
  readonly #timeout: number;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#timeout = crawler.settings.getFloat('DOWNLOAD_TIMEOUT');
  }
  /** Set the timeout. */
  processRequest(request: Request, spider: { downloadTimeout?: number } | undefined): void {
    if (this.#timeout > 0 && request.meta.download_timeout === undefined) {
      request.meta.download_timeout = spider?.downloadTimeout ?? this.#timeout;
    }
  }
}
