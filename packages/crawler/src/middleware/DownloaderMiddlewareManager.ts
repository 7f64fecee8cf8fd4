// The downloader middleware chain (scrapy.core.downloader.middleware).

import type { Crawler } from '../Crawler.js';
import { InvalidOutput } from '../errors.js';
import { isRequest, type Request } from '../Request.js';
import { Response } from '../Response.js';
import { componentName, settle, typeName } from '../utils/misc.js';
import { BUILTIN_DOWNLOADER_MIDDLEWARES } from '../downloadermiddlewares/index.js';
import { buildComponents } from './components.js';

type Method = (...args: any[]) => unknown;

/** One middleware method, with the name its warnings use. */
interface Hook {
  mw: object;
  fn: Method;
  label: string;
}

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
  readonly #processRequest: Hook[] = [];
  readonly #processResponse: Hook[] = [];
  readonly #processException: Hook[] = [];

  /** @internal */
  constructor(crawler: Crawler, middlewares: object[]) {
    this.#crawler = crawler;
    this.middlewares = middlewares;
    for (const mw of middlewares) {
      const m = mw as DownloaderMiddleware;
      const hook = (fn: Method, name: string): Hook => ({ mw, fn, label: `${componentName(mw)}.${name}` });
      if (typeof m.processRequest === 'function') this.#processRequest.push(hook(m.processRequest, 'processRequest'));
      if (typeof m.processResponse === 'function') this.#processResponse.unshift(hook(m.processResponse, 'processResponse'));
      if (typeof m.processException === 'function') this.#processException.unshift(hook(m.processException, 'processException'));
    }
  }

  /** Build from `DOWNLOADER_MIDDLEWARES_BASE` + `DOWNLOADER_MIDDLEWARES`. */
  static fromCrawler(crawler: Crawler): DownloaderMiddlewareManager {
    const mws = buildComponents(crawler, 'DOWNLOADER_MIDDLEWARES', 'DOWNLOADER_MIDDLEWARES_BASE', BUILTIN_DOWNLOADER_MIDDLEWARES);
    crawler.getLogger('scrapy.middleware').info(`Enabled downloader middlewares:\n[${mws.map((m) => `'${componentName(m)}'`).join(',\n ')}]`);
    return new DownloaderMiddlewareManager(crawler, mws);
  }

  /**
   * What a middleware method returned: a plain value as is (so a synchronous middleware costs no
   * turn, as a synchronous Deferred chain in Scrapy), a promise or a Deferred as a promise.
   */
  #settle(value: unknown, hook: Hook): unknown {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
    return settle(value, this.#crawler.getLogger('scrapy.core.downloader.middleware'), hook.label);
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
      result = await this.#runRequest(downloadFunc, request, spider, 0);
    } catch (exception) {
      result = await this.#runException(request, exception, spider);
    }
    if (isRequest(result)) return result;
    if (result === undefined || result === null) throw new TypeError('Received None in process_response');
    let response: Response = result;
    const chain = this.#processResponse;
    for (let i = 0; i < chain.length; i++) {
      const hook = chain[i]!;
      let r = this.#settle(hook.fn.call(hook.mw, request, response, spider), hook);
      if (r instanceof Promise) r = await r;
      if (isRequest(r)) return r;
      if (!(r instanceof Response)) {
        throw new InvalidOutput(`Middleware ${componentName(hook.mw)}.processResponse must return Response or Request, got ${typeName(r)}`);
      }
      response = r;
    }
    return response;
  }

  /**
   * The processRequest methods from `start`, then the download. Synchronous while the methods
   * are; from the first one returning a promise (or Deferred) on, asynchronous. Throws what a
   * method throws (or rejects with it).
   */
  #runRequest(
    downloadFunc: (request: Request) => Promise<Response>,
    request: Request,
    spider: unknown,
    start: number,
  ): Response | Request | Promise<Response | Request> {
    const chain = this.#processRequest;
    for (let i = start; i < chain.length; i++) {
      const hook = chain[i]!;
      const r = this.#settle(hook.fn.call(hook.mw, request, spider), hook);
      if (r instanceof Promise) return r.then((v) => this.#afterRequestHook(v, hook) ?? this.#runRequest(downloadFunc, request, spider, i + 1));
      const done = this.#afterRequestHook(r, hook);
      if (done !== undefined) return done;
    }
    return downloadFunc(request);
  }

  /** A processRequest result: `undefined` to go on, or the Response/Request that ends the chain. */
  #afterRequestHook(r: unknown, hook: Hook): Response | Request | undefined {
    if (r === undefined || r === null) return undefined;
    if (r instanceof Response || isRequest(r)) return r;
    throw new InvalidOutput(`Middleware ${componentName(hook.mw)}.processRequest must return None, Response or Request, got ${typeName(r)}`);
  }

  async #runException(request: Request, exception: unknown, spider: unknown): Promise<Response | Request> {
    // As in Scrapy, every exception of the request phase (an InvalidOutput of a processRequest
    // included) goes through the processException methods.
    const chain = this.#processException;
    for (let i = 0; i < chain.length; i++) {
      const hook = chain[i]!;
      let r = this.#settle(hook.fn.call(hook.mw, request, exception, spider), hook);
      if (r instanceof Promise) r = await r;
      if (r === undefined || r === null) continue;
      if (r instanceof Response || isRequest(r)) return r;
      throw new InvalidOutput(`Middleware ${componentName(hook.mw)}.processException must return None, Response or Request, got ${typeName(r)}`);
    }
    throw exception;
  }
}
