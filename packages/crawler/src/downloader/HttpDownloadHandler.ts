// Real HTTP(S) downloads on node:http/https with keep-alive pooling, size limits, timeouts and
// gzip/deflate/br decoding (Scrapy's HTTP11DownloadHandler + HttpCompressionMiddleware).

import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Crawler } from '../Crawler.js';
import {
  ConnectionError,
  DecompressionError,
  DownloadTimeoutError,
  NotSupported,
  ResponseTooLarge,
} from '../errors.js';
import type { Request } from '../Request.js';
import { Response } from '../Response.js';
import { signals } from '../signals.js';

function decode(encoding: string, body: Buffer, maxSize: number): Buffer {
  const opts = maxSize > 0 ? { maxOutputLength: maxSize } : {};
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body, { ...opts, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    case 'deflate':
      try {
        return zlib.inflateSync(body, opts);
      } catch {
        // Some servers send raw deflate data without the zlib header.
        return zlib.inflateRawSync(body, opts);
      }
    case 'br':
      return zlib.brotliDecompressSync(body, opts);
    case 'identity':
    case '':
      return body;
    default:
      throw new DecompressionError(`Unsupported Content-Encoding '${encoding}'`);
  }
}

/**
 * Downloads `http:` and `https:` URLs with keep-alive connection pools. Applies
 * `DOWNLOAD_TIMEOUT` (or `meta.download_timeout`), `DOWNLOAD_MAXSIZE`/`DOWNLOAD_WARNSIZE` (or
 * `meta.download_maxsize`/`download_warnsize`), and decodes gzip, deflate and br bodies (the
 * decoded size counts against the max size too). A connection lost mid-body fails the
 * download unless `DOWNLOAD_FAIL_ON_DATALOSS` is false (then the partial body is kept and the
 * response is flagged `dataloss`).
 *
 * Mirrors Scrapy's `HTTP11DownloadHandler` (with `HttpCompressionMiddleware`).
 */
export class HttpDownloadHandler {
  readonly #crawler: Crawler;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;

  /** @param crawler - the crawler (settings, reactor, signals, logger). */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    const maxSockets = Math.max(1, crawler.settings.getInt('CONCURRENT_REQUESTS', 16));
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets, scheduling: 'fifo' });
    this.#httpsAgent = new https.Agent({ keepAlive: true, maxSockets, scheduling: 'fifo' });
  }

  /**
   * Download `request`.
   *
   * @returns the Response (whatever its status).
   * @throws NotSupported, DownloadTimeoutError, ConnectionError, ResponseTooLarge, DecompressionError.
   */
  download(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new NotSupported(`Unsupported URL scheme '${url.protocol.replace(/:$/, '')}': no handler available for that scheme`));
    }
    const settings = this.#crawler.settings;
    const meta = request.meta;
    const timeout = Number(meta.download_timeout ?? settings.getFloat('DOWNLOAD_TIMEOUT', 180));
    const maxSize = Number(meta.download_maxsize ?? settings.getInt('DOWNLOAD_MAXSIZE'));
    const warnSize = Number(meta.download_warnsize ?? settings.getInt('DOWNLOAD_WARNSIZE'));
    const failOnDataloss = Boolean(meta.download_fail_on_dataloss ?? settings.getBool('DOWNLOAD_FAIL_ON_DATALOSS', true));
    const decompress = settings.getBool('COMPRESSION_ENABLED', true);
    const logger = this.#crawler.getLogger('scrapy.core.downloader.handlers.http11');
    const reactor = this.#crawler.reactor;
    const headers = request.headers.toNodeHeaders();
    if (decompress && !request.headers.has('accept-encoding')) headers['Accept-Encoding'] = 'gzip, deflate, br';
    if (request.body.length > 0 && !request.headers.has('content-length')) headers['Content-Length'] = String(request.body.length);

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const stopTimer = (): void => {
        if (timer?.active()) timer.cancel();
      };
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        stopTimer();
        req.destroy();
        reject(err);
      };
      const agent = url.protocol === 'https:' ? this.#httpsAgent : this.#httpAgent;
      const req = (url.protocol === 'https:' ? https : http).request(url, { method: request.method, headers, agent });
      const timer =
        timeout > 0
          ? reactor.callLater(timeout, () =>
              fail(new DownloadTimeoutError(`Getting ${request.url} took longer than ${timeout} seconds.`)),
            )
          : undefined;
      req.on('error', (e: NodeJS.ErrnoException) => {
        fail(new ConnectionError(`Connection to ${url.host} failed or was lost: ${e.code ?? e.message}`));
      });
      req.on('response', (res) => {
        const expected = Number(res.headers['content-length'] ?? -1);
        if (maxSize > 0 && expected > maxSize) {
          logger.warning(`Cancelling download of ${request.url}: expected response size (${expected}) larger than download max size (${maxSize}).`);
          fail(new ResponseTooLarge(`Cancelling download of ${request.url}: expected response size (${expected}) larger than download max size (${maxSize}).`));
          return;
        }
        if (warnSize > 0 && expected > warnSize) {
          logger.warning(`Expected response size (${expected}) larger than download warn size (${warnSize}) in request ${request}.`);
        }
        const responseHeaders: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        this.#crawler.signals.send(signals.headersReceived, { headers: responseHeaders, bodyLength: expected, request, spider: this.#crawler.spider });
        const chunks: Buffer[] = [];
        let received = 0;
        let warned = false;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          received += chunk.length;
          chunks.push(chunk);
          if (maxSize > 0 && received > maxSize) {
            logger.warning(`Received (${received}) bytes larger than download max size (${maxSize}) in request ${request}.`);
            fail(new ResponseTooLarge(`Received (${received}) bytes larger than download max size (${maxSize}) in request ${request}.`));
            return;
          }
          if (!warned && warnSize > 0 && received > warnSize) {
            warned = true;
            logger.warning(`Received more bytes than download warn size (${warnSize}) in request ${request}.`);
          }
        });
        const finish = (dataloss: boolean): void => {
          if (settled) return;
          if (dataloss && failOnDataloss) {
            fail(
              new ConnectionError(
                `Connection to ${url.host} was lost in a non-clean fashion after ${received} bytes of ${request.url} ` +
                  '(set DOWNLOAD_FAIL_ON_DATALOSS = false to keep partial bodies).',
              ),
            );
            return;
          }
          settled = true;
          stopTimer();
          let body: Buffer = Buffer.concat(chunks);
          const h = responseHeaders.filter(([k]) => !(decompress && k.toLowerCase() === 'content-encoding'));
          const encodings = decompress ? String(res.headers['content-encoding'] ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean) : [];
          try {
            for (const enc of encodings.reverse()) body = decode(enc, body, maxSize);
          } catch (e) {
            const err = e as NodeJS.ErrnoException;
            settled = false;
            if (err.code === 'ERR_BUFFER_TOO_LARGE' || /larger than|maxOutputLength|too large/i.test(err.message)) {
              fail(new ResponseTooLarge(`Decompressed body of ${request.url} is larger than download max size (${maxSize}).`));
            } else {
              fail(new DecompressionError(`Cannot decode the ${encodings.join(', ')} body of ${request.url}: ${err.message}`));
            }
            return;
          }
          resolve(
            new Response(request.url, {
              status: res.statusCode ?? 0,
              headers: h,
              body,
              request,
              flags: dataloss ? ['dataloss'] : [],
              ...(res.socket?.remoteAddress !== undefined ? { ip: res.socket.remoteAddress } : {}),
            }),
          );
        };
        res.on('end', () => finish(!res.complete));
        res.on('aborted', () => finish(true));
        res.on('error', () => finish(true));
        res.on('close', () => {
          if (!res.complete) finish(true);
        });
      });
      if (request.body.length > 0) req.end(Buffer.from(request.body));
      else req.end();
    });
  }

  /** Close every pooled connection. */
  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
