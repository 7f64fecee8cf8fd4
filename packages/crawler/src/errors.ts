// Exceptions a spider, middleware or pipeline raises to steer the crawl (scrapy.exceptions).

import type { Response } from './Response.js';
import { brandClass } from './utils/brand.js';

/**
 * Raise it in an item pipeline's `processItem` to drop the item: it is logged as
 * `Dropped: <reason>` (WARNING), counted in `item_dropped_count`, and `itemDropped` fires.
 *
 * Mirrors Scrapy's `scrapy.exceptions.DropItem`.
 *
 * @example
 * ```ts
 * import { DropItem } from '@deferkit/crawler';
 *
 * class RequirePrice {
 *   processItem(item: { title: string; price?: number }) {
 *     if (item.price === undefined) throw new DropItem(`missing price in ${item.title}`);
 *     return item;
 *   }
 * }
 * try { new RequirePrice().processItem({ title: 'Sapiens' }); } catch (e) { console.log((e as Error).message); }
 * // prints: missing price in Sapiens
 * ```
 */
export class DropItem extends Error {
  override name = 'DropItem' as const;
}

/**
 * Raise it from a callback (or `start()`) to close the spider with `reason`.
 *
 * Mirrors Scrapy's `scrapy.exceptions.CloseSpider`.
 *
 * @example
 * ```ts
 * import { CloseSpider, Spider, type Response } from '@deferkit/crawler';
 *
 * class Careful extends Spider {
 *   override name = 'careful';
 *   override parse(response: Response) {
 *     if (response.status === 503) throw new CloseSpider('site_down');
 *     return [];
 *   }
 * }
 * ```
 */
export class CloseSpider extends Error {
  override name = 'CloseSpider' as const;
  /** The close reason (`'cancelled'` by default, as in Scrapy). */
  readonly reason: string;
  /** @param reason - the close reason. */
  constructor(reason = 'cancelled') {
    super(reason);
    this.reason = reason;
  }
}

/**
 * Raise it from a downloader middleware to drop a request (e.g. offsite, retries exhausted
 * policies); the request's errback gets it; it is not logged as an error.
 *
 * Mirrors Scrapy's `scrapy.exceptions.IgnoreRequest`.
 */
export class IgnoreRequest extends Error {
  override name = 'IgnoreRequest' as const;
}

/**
 * Raise it from a component's constructor (or `fromCrawler`) to disable that component.
 *
 * Mirrors Scrapy's `scrapy.exceptions.NotConfigured`.
 */
export class NotConfigured extends Error {
  override name = 'NotConfigured' as const;
}

/**
 * Raise it from a `spiderIdle` signal handler to keep the spider open.
 *
 * Mirrors Scrapy's `scrapy.exceptions.DontCloseSpider`.
 */
export class DontCloseSpider extends Error {
  override name = 'DontCloseSpider' as const;
}

/**
 * A request that cannot be downloaded: an unsupported URL scheme.
 *
 * Mirrors Scrapy's `scrapy.exceptions.NotSupported`.
 */
export class NotSupported extends Error {
  override name = 'NotSupported' as const;
}

/**
 * A component returned something it must not (e.g. a downloader middleware returning neither
 * `undefined`, a Response nor a Request).
 *
 * Mirrors Scrapy's internal `_InvalidOutput`.
 */
export class InvalidOutput extends TypeError {
  override name = 'InvalidOutput' as const;
}

/**
 * A download that took longer than `DOWNLOAD_TIMEOUT` seconds (or the request's
 * `meta.download_timeout`).
 *
 * Mirrors Twisted's `twisted.internet.error.TimeoutError` as Scrapy reports it.
 */
export class DownloadTimeoutError extends Error {
  override name = 'TimeoutError' as const;
}

/**
 * A connection that failed or broke mid-response (reset, refused, closed early).
 *
 * Mirrors Twisted's `ConnectionLost` / `ConnectionRefusedError` / `ResponseFailed`.
 */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/**
 * A proxy refused to open a `CONNECT` tunnel for an `https:` request (it answered 407, 403, …
 * instead of 200, or something that is not HTTP). Check the proxy URL and its credentials
 * (`meta.proxy`, `https_proxy`). Retried like a broken connection, as in Scrapy.
 *
 * Mirrors Scrapy's `scrapy.core.downloader.handlers.http11.TunnelError`.
 *
 * @example
 * ```ts
 * import { ConnectionError, TunnelError } from '@deferkit/crawler';
 * const e = new TunnelError("Could not open CONNECT tunnel with proxy 127.0.0.1:3128 [{'status': 407, 'reason': 'Proxy Authentication Required'}]");
 * console.log(e.name, e instanceof ConnectionError);
 * // prints: TunnelError true
 * ```
 */
export class TunnelError extends ConnectionError {
  override name = 'TunnelError' as const;
}

/**
 * A connection lost mid-body: fewer bytes than Content-Length, or a chunked body cut short
 * (with `DOWNLOAD_FAIL_ON_DATALOSS`, the default). Retried like any broken connection.
 *
 * Mirrors Scrapy's `scrapy.exceptions.ResponseDataLossError`.
 */
export class ResponseDataLossError extends ConnectionError {
  override name = 'ResponseDataLossError' as const;
}

/**
 * A response body larger than `DOWNLOAD_MAXSIZE` (the download is cancelled; not retried).
 *
 * Mirrors Scrapy's `DownloadCancelledError` ("Expected to receive N bytes which is larger than
 * download max size (M) in request <GET …>.").
 */
export class ResponseTooLarge extends Error {
  override name = 'ResponseTooLarge' as const;
}

/**
 * A body that could not be decompressed (bad gzip/deflate/br data). Raised by
 * HttpCompressionMiddleware.processResponse, so, as in Scrapy, it is not retried: the request
 * fails with `Error downloading <GET …>`.
 *
 * Mirrors the zlib/`OSError` errors of Scrapy's HttpCompressionMiddleware.
 */
export class DecompressionError extends Error {
  override name = 'DecompressionError' as const;
}

/**
 * The error a non-2xx response raises on its way to the callback (HttpErrorMiddleware); the
 * errback gets it as `failure.value`, with the response.
 *
 * Mirrors Scrapy's `scrapy.spidermiddlewares.httperror.HttpError`.
 */
export class HttpError extends Error {
  override name = 'HttpError' as const;
  /** The response that was refused. */
  readonly response: Response;
  /** @param response - the response. */
  constructor(response: Response, message = 'Ignoring non-200 response') {
    super(message);
    this.response = response;
  }
}

/**
 * A body that grew past `DOWNLOAD_MAXSIZE` while being decompressed; HttpCompressionMiddleware
 * turns it into an IgnoreRequest. @internal
 */
export class MaxSizeExceeded extends Error {
  override name = 'MaxSizeExceeded' as const;
}

/** A write to a feed failed (no space left, an I/O error, a reader that went away). @internal */
export class FeedWriteError extends Error {
  override name = 'FeedWriteError' as const;
  /** The system error code (`ENOSPC`, `EIO`, `EPIPE` …), when there is one. */
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/**
 * A mistake of the user's (a command-line option, a setting value): the CLI prints it on one
 * line with its fix and exits with code 2, without a stack. A TypeError, so API callers that
 * catch TypeError for bad arguments still do.
 *
 * Mirrors Scrapy's `scrapy.exceptions.UsageError`.
 *
 * @example
 * ```ts
 * import { UsageError } from '@deferkit/crawler';
 *
 * function checkMaxSize(value: number): void {
 *   if (value < 0) throw new UsageError(`DOWNLOAD_MAXSIZE=${value} is not valid: DOWNLOAD_MAXSIZE must be a size in bytes ≥ 0 (0 means no limit).`);
 * }
 * try { checkMaxSize(-5); } catch (e) { console.log((e as Error).name); }
 * // prints: UsageError
 * ```
 */
export class UsageError extends TypeError {
  override name = 'UsageError' as const;
  /** The CLI command it concerns (for the "Run 'deferkit <command> --help'" hint), or null. */
  readonly command: string | null;
  /** Whether the CLI adds the "Run '… --help' for usage." line (not when the message names the fix). */
  readonly helpHint: boolean;
  /**
   * @param message - what is wrong and how to fix it.
   * @param command - the subcommand, for the `--help` hint.
   * @param helpHint - add the `--help` hint line (default true).
   */
  constructor(message: string, command: string | null = null, helpHint = true) {
    super(message);
    this.command = command;
    this.helpHint = helpHint;
  }
}

// Recognised across loaded copies of the package (see utils/brand.ts).
for (const [cls, name] of [
  [DropItem, 'DropItem'],
  [CloseSpider, 'CloseSpider'],
  [IgnoreRequest, 'IgnoreRequest'],
  [NotConfigured, 'NotConfigured'],
  [DontCloseSpider, 'DontCloseSpider'],
  [NotSupported, 'NotSupported'],
  [InvalidOutput, 'InvalidOutput'],
  [DownloadTimeoutError, 'DownloadTimeoutError'],
  [ConnectionError, 'ConnectionError'],
  [ResponseDataLossError, 'ResponseDataLossError'],
  [TunnelError, 'TunnelError'],
  [ResponseTooLarge, 'ResponseTooLarge'],
  [DecompressionError, 'DecompressionError'],
  [HttpError, 'HttpError'],
  [UsageError, 'UsageError'],
] as const) brandClass(cls, name);
