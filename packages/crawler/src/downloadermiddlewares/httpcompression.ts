// HttpCompressionMiddleware: ask for and decode gzip/deflate/br bodies (COMPRESSION_ENABLED).

import zlib from 'node:zlib';
import type { Crawler } from '../Crawler.js';
import { DecompressionError, IgnoreRequest, MaxSizeExceeded, NotConfigured } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';

/** What we ask for, in Scrapy's order. */
const ACCEPTED_ENCODINGS = ['gzip', 'deflate', 'br'];
const ACCEPT_ENCODING = ACCEPTED_ENCODINGS.join(', ');
const SUPPORTED = new Set([...ACCEPTED_ENCODINGS, 'x-gzip']);

function isTooLarge(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}

function decode(encoding: string, body: Uint8Array, maxSize: number): Buffer {
  // One byte over the limit is enough to know it is over.
  const opts = maxSize > 0 ? { maxOutputLength: maxSize + 1 } : {};
  let out: Buffer;
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        // Sync flush: a truncated stream gives what it has (Scrapy's gunzip is as lenient).
        out = zlib.gunzipSync(body, { ...opts, finishFlush: zlib.constants.Z_SYNC_FLUSH });
        break;
      case 'deflate':
        try {
          out = zlib.inflateSync(body, { ...opts, finishFlush: zlib.constants.Z_SYNC_FLUSH });
        } catch (e) {
          if (isTooLarge(e)) throw e;
          // Raw deflate without the zlib header, as some servers send (Scrapy's _inflate).
          out = zlib.inflateRawSync(body, { ...opts, finishFlush: zlib.constants.Z_SYNC_FLUSH });
        }
        break;
      default:
        out = zlib.brotliDecompressSync(body, opts);
    }
  } catch (e) {
    if (isTooLarge(e)) throw new MaxSizeExceeded();
    throw e;
  }
  if (maxSize > 0 && out.length > maxSize) throw new MaxSizeExceeded();
  return out;
}

/**
 * Sends `Accept-Encoding: gzip, deflate, br` (unless the request sets it) and decodes the
 * response body by its `Content-Encoding`, last coding first. Codings it does not know are
 * left in place with a warning. The decoded size counts against `DOWNLOAD_MAXSIZE` (the
 * response is dropped with IgnoreRequest) and `DOWNLOAD_WARNSIZE` (a warning). Undecodable
 * data raises DecompressionError from `processResponse`, which Scrapy does not retry: the
 * request fails with `Error downloading <GET …>`. Stats: `httpcompression/response_count`,
 * `httpcompression/response_bytes`. Disabled by `COMPRESSION_ENABLED = false`.
 *
 * Mirrors Scrapy's `HttpCompressionMiddleware`.
 */
export class HttpCompressionMiddleware {
  readonly #crawler: Crawler;
  readonly #maxSize: number;
  readonly #warnSize: number;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    if (!crawler.settings.getBool('COMPRESSION_ENABLED', true)) throw new NotConfigured();
    this.#crawler = crawler;
    this.#maxSize = crawler.settings.getInt('DOWNLOAD_MAXSIZE');
    this.#warnSize = crawler.settings.getInt('DOWNLOAD_WARNSIZE');
  }

  /** Ask for compressed bodies. */
  processRequest(request: Request): void {
    request.headers.setDefault('Accept-Encoding', ACCEPT_ENCODING);
  }

  /** Decode the body. */
  processResponse(request: Request, response: Response): Response {
    if (request.method === 'HEAD') return response;
    const header = response.headers.getList('content-encoding');
    if (header.length === 0) return response;
    const toKeep = header.flatMap((h) => h.split(',')).map((e) => e.trim().toLowerCase()).filter(Boolean);
    const toDecode: string[] = [];
    while (toKeep.length > 0 && SUPPORTED.has(toKeep[toKeep.length - 1]!)) toDecode.push(toKeep.pop()!);
    const logger = this.#crawler.getLogger('scrapy.downloadermiddlewares.httpcompression');
    const maxSize = Number(request.meta.download_maxsize ?? this.#maxSize);
    const warnSize = Number(request.meta.download_warnsize ?? this.#warnSize);
    let body: Uint8Array = response.body;
    try {
      for (const enc of toDecode) body = decode(enc, body, maxSize);
    } catch (e) {
      if (e instanceof MaxSizeExceeded) {
        const msg =
          `Ignored response ${response} because its body (${response.body.length} B compressed) exceeded ` +
          `DOWNLOAD_MAXSIZE (${maxSize} B) during decompression.`;
        logger.warning(msg);
        throw new IgnoreRequest(msg);
      }
      throw new DecompressionError(`Cannot decode the ${toDecode.join(', ')} body of ${response}: ${(e as Error).message}`);
    }
    if (warnSize > 0 && response.body.length < warnSize && warnSize <= body.length) {
      logger.warning(`${response} body size after decompression (${body.length} B) is larger than the download warning size (${warnSize} B).`);
    }
    if (toKeep.length > 0) {
      logger.warning(`HttpCompressionMiddleware cannot decode the response for ${response.url} from unsupported encoding(s) '${toKeep.join(',')}'.`);
    }
    const stats = this.#crawler.stats;
    stats.incValue('httpcompression/response_bytes', body.length);
    stats.incValue('httpcompression/response_count');
    const headers = response.headers.entriesList().filter(([k]) => k.toLowerCase() !== 'content-encoding');
    if (toKeep.length > 0) headers.push(['Content-Encoding', [toKeep.join(', ')]]);
    return response.replace({ body, headers: headers.flatMap(([k, vs]) => vs.map((v) => [k, v] as [string, string])) });
  }
}
