// The downloader middleware chain (scrapy.core.downloader.middleware).

import type { Crawler } from '../Crawler.js';
import { InvalidOutput } from '../errors.js';
import { isRequest, type Request } from '../Request.js';
import { Response } from '../Response.js';
import { componentName, settle, typeName } from '../utils/misc.js';
import { BUILTIN_DOWNLOADER_MIDDLEWARES } from '../downloadermiddlewares/index.js';
import { buildComponents } from './components.js';

type Method = (...args: any[]) => unknown;

/**
 * A downloader middleware: any object with some of these methods, each sync, async or
 * Deferred-returning.
 *
 * Mirrors Scrapy's downloader middleware interface.
 */
export interface DownloaderMiddleware {
  /** Before download (ascending order): `undefined` to continue, a Response or Request to short-circuit; throw to go to processException. */
  processRequest?(request: Request, spider: unknown): unknown;
  /** After download (descending order): a Response to continue, a Request to reschedule. */
  processResponse?(request: Request, response: Response, spider: unknown): unknown;
  /** On a download or processRequest error (descending order): `undefined` to pass, a Response or Request to recover. */
  processException?(request: Request, exception: unknown, spider: unknown): unknown;
}

/**
 * Runs requests through the downloader middlewares around a download function, with Scrapy's
 * order and short-circuit rules: `processRequest` ascending, `processResponse` and
 * `processException` descending; wrong return types raise InvalidOutput.
 *
 * Mirrors Scrapy's `DownloaderMiddlewareManager`.
 */
export class DownloaderMiddlewareManager {
  /** The middlewares, ascending. */
  readonly middlewares: object[];
  readonly #crawler: Crawler;
  readonly #processRequest: Array<[object, Method]> = [];
  readonly #processResponse: Array<[object, Method]> = [];
  readonly #processException: Array<[object, Method]> = [];

  /** @internal */
  constructor(crawler: Crawler, middlewares: object[]) {
    this.#crawler = crawler;
    this.middlewares = middlewares;
    for (const mw of middlewares) {
      const m = mw as DownloaderMiddleware;
      if (typeof m.processRequest === 'function') this.#processRequest.push([mw, m.processRequest]);
      if (typeof m.processResponse === 'function') this.#processResponse.unshift([mw, m.processResponse]);
      if (typeof m.processException === 'function') this.#processException.unshift([mw, m.processException]);
    }
  }

  /** Build from `DOWNLOADER_MIDDLEWARES_BASE` + `DOWNLOADER_MIDDLEWARES`. */
  static fromCrawler(crawler: Crawler): DownloaderMiddlewareManager {
    const mws = buildComponents(crawler, 'DOWNLOADER_MIDDLEWARES', 'DOWNLOADER_MIDDLEWARES_BASE', BUILTIN_DOWNLOADER_MIDDLEWARES);
    crawler.getLogger('scrapy.middleware').info(`Enabled downloader middlewares:\n[${mws.map((m) => `'${componentName(m)}'`).join(',\n ')}]`);
    return new DownloaderMiddlewareManager(crawler, mws);
  }

  #call(mw: object, fn: Method, name: string, args: unknown[]): unknown {
    const logger = this.#crawler.getLogger('scrapy.core.downloader.middleware');
    return settle(fn.apply(mw, args), logger, `${componentName(mw)}.${name}`);
  }

  /**
   * Run `request` through the chain around `downloadFunc`.
   *
   * @returns a Response, or a Request to schedule instead.
   */
  async download(downloadFunc: (request: Request) => Promise<Response>, request: Request): Promise<Response | Request> {
    const spider = this.#crawler.spider;
    let result: Response | Request;
    try {
      result = await this.#runRequest(downloadFunc, request);
    } catch (exception) {
      result = await this.#runException(request, exception);
    }
    if (isRequest(result)) return result;
    if (result === undefined || result === null) throw new TypeError('Received None in process_response');
    let response: Response = result;
    for (const [mw, fn] of this.#processResponse) {
      const r = await this.#call(mw, fn, 'processResponse', [request, response, spider]);
      if (isRequest(r)) return r;
      if (!(r instanceof Response)) {
        throw new InvalidOutput(`Middleware ${componentName(mw)}.processResponse must return Response or Request, got ${typeName(r)}`);
      }
      response = r;
    }
    return response;
  }

  async #runRequest(downloadFunc: (request: Request) => Promise<Response>, request: Request): Promise<Response | Request> {
    const spider = this.#crawler.spider;
    for (const [mw, fn] of this.#processRequest) {
      const r = await this.#call(mw, fn, 'processRequest', [request, spider]);
      if (r === undefined || r === null) continue;
      if (r instanceof Response || isRequest(r)) return r;
      throw new InvalidOutput(`Middleware ${componentName(mw)}.processRequest must return None, Response or Request, got ${typeName(r)}`);
    }
    return downloadFunc(request);
  }

  async #runException(request: Request, exception: unknown): Promise<Response | Request> {
    // As in Scrapy, every exception of the request phase (an InvalidOutput of a processRequest
    // included) goes through the processException methods.
    const spider = this.#crawler.spider;
    for (const [mw, fn] of this.#processException) {
      const r = await this.#call(mw, fn, 'processException', [request, exception, spider]);
      if (r === undefined || r === null) continue;
      if (r instanceof Response || isRequest(r)) return r;
      throw new InvalidOutput(`Middleware ${componentName(mw)}.processException must return None, Response or Request, got ${typeName(r)}`);
    }
    throw exception;
  }
}
