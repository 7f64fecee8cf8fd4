// The scraper: calls spider callbacks, runs their output through the spider middlewares, and
// sends items through the pipelines (scrapy.core.scraper.Scraper).

import { Failure, isDeferred, isFailure, type Deferred } from '@deferkit/deferred';
import { deferredFromCoro, maybeDeferredToFuture } from '@deferkit/interop';
import type { Crawler } from '../Crawler.js';
import { CloseSpider, DropItem, IgnoreRequest } from '../errors.js';
import { ItemPipelineManager } from '../middleware/ItemPipelineManager.js';
import { SpiderMiddlewareManager } from '../middleware/SpiderMiddlewareManager.js';
import { isRequest, type Callback, type Request } from '../Request.js';
import { Response } from '../Response.js';
import { signals } from '../signals.js';
import { isAsyncIterable, isPromiseLike, isSyncIterable, typeName, type SpiderOutput } from '../utils/misc.js';

type Output = SpiderOutput;

/** How items show in logs. @internal */
export function itemRepr(item: unknown): string {
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return String(item);
  }
}

/**
 * Whether a callback's output is an item: an object that is not an array, a function, a
 * Response, a promise or another Deferred (Scrapy's `is_item`: dicts, Items, dataclasses).
 * @internal
 */
export function isItem(x: unknown): x is object {
  if (x === null || typeof x !== 'object') return false;
  if (Array.isArray(x) || x instanceof Response || isPromiseLike(x) || isDeferred(x)) return false;
  return true;
}

/** A callback's return value as output to iterate (Scrapy's `arg_to_iter`). */
function toIterable(x: unknown): Output {
  if (x === undefined || x === null) return [];
  if (isAsyncIterable(x)) return x;
  if (typeof x === 'string' || isRequest(x)) return [x];
  if (Array.isArray(x) || x instanceof Set || (isSyncIterable(x) && typeof (x as unknown as Iterator<unknown>).next === 'function')) return x as Iterable<unknown>;
  return [x];
}

/**
 * Calls callbacks and errbacks, runs their output through the spider middlewares and hands
 * items to the pipelines (up to `CONCURRENT_ITEMS` per response at once) and requests to the
 * engine. Errors are logged as Scrapy does (`Spider error processing …`, `Error downloading …`,
 * `Dropped: …`, `Error processing …`) and counted; they never stop the crawl.
 *
 * Mirrors Scrapy's `scrapy.core.scraper.Scraper`.
 */
export class Scraper {
  /** The spider middlewares. */
  readonly spidermw: SpiderMiddlewareManager;
  /** The item pipelines. */
  readonly itemproc: ItemPipelineManager;
  /** Responses being scraped. */
  readonly active = new Set<Request>();
  /** Bytes of the responses being scraped (a response counts at least 1024). */
  activeSize = 0;
  /** Items in the pipelines. */
  itemprocSize = 0;
  readonly #crawler: Crawler;
  readonly #maxActiveSize: number;
  readonly #concurrentItems: number;
  readonly #warned = new Set<string>();

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.spidermw = SpiderMiddlewareManager.fromCrawler(crawler);
    this.itemproc = ItemPipelineManager.fromCrawler(crawler);
    this.#maxActiveSize = crawler.settings.getInt('SCRAPER_SLOT_MAX_ACTIVE_SIZE');
    this.#concurrentItems = Math.max(1, crawler.settings.getInt('CONCURRENT_ITEMS'));
  }

  /** Nothing being scraped and no item in the pipelines. */
  isIdle(): boolean {
    return this.active.size === 0 && this.itemprocSize === 0;
  }

  /** Too many response bytes in flight. */
  needsBackout(): boolean {
    return this.activeSize > this.#maxActiveSize;
  }

  /**
   * Scrape one download result: a Response (through the spider middlewares to the callback) or
   * a Failure (to the errback).
   */
  async enqueueScrape(result: Response | Failure, request: Request): Promise<void> {
    const size = result instanceof Response ? Math.max(result.body.length, 1024) : 1024;
    this.active.add(request);
    this.activeSize += size;
    try {
      await this.#scrape(result, request);
    } catch (e) {
      this.#crawler.getLogger('scrapy.core.scraper').error(`Scraper bug processing ${request}`, e);
    } finally {
      this.active.delete(request);
      this.activeSize -= size;
    }
  }

  async #scrape(result: Response | Failure, request: Request): Promise<void> {
    if (result instanceof Response) {
      let output: Output;
      try {
        output = await this.spidermw.scrapeResponse(this.callSpider, result, request);
      } catch (e) {
        this.handleSpiderError(new Failure(e), request, result);
        return;
      }
      await this.handleSpiderOutput(output, request, result);
      return;
    }
    let output: Output;
    try {
      output = await this.callSpider(result, request);
    } catch (e) {
      // The errback did not silence the download error: log it (IgnoreRequest quietly); an
      // errback raising a different exception is a spider error as well (Scrapy's `_scrape`).
      this.#logDownloadError(result, request);
      if (e !== result.value) this.handleSpiderError(new Failure(e), request, null);
      return;
    }
    await this.handleSpiderOutput(output, request, null);
  }

  #resolve(fn: Callback | ((...a: any[]) => unknown) | string | null, what: string): ((...args: any[]) => unknown) | null {
    const spider = this.#crawler.spider as unknown as Record<string, unknown>;
    if (fn === null) return null;
    if (typeof fn === 'function') return fn;
    const m = spider[fn];
    if (typeof m !== 'function') throw new TypeError(`${what} '${fn}' is not a method of ${String(spider)}.`);
    return m as (...args: any[]) => unknown;
  }

  /**
   * Call the request's callback with the response (or its errback with the failure) and
   * normalise what it returns: an async generator as is; a promise (an async function's) or a
   * Deferred awaited, then its value as output; undefined → nothing; one item or Request → one
   * output; iterables as they are.
   */
  callSpider = async (result: Response | Failure, request: Request): Promise<Output> => {
    const spider = this.#crawler.spider!;
    let fn: (...args: any[]) => unknown;
    let output: unknown;
    if (result instanceof Response) {
      fn = this.#resolve(request.callback, 'Callback') ?? (spider.parse as (...a: any[]) => unknown);
      output = fn.call(spider, result, request.cbKwargs);
    } else {
      // Scrapy sets `failure.request` for errbacks.
      (result as Failure & { request?: Request }).request = request;
      const eb = this.#resolve(request.errback, 'Errback');
      if (eb === null) throw result.value;
      fn = eb;
      output = eb.call(spider, result);
      if (isFailure(output)) throw output.value;
    }
    if (isAsyncIterable(output)) return output;
    if (isDeferred(output)) {
      const what = result instanceof Response ? 'callbacks' : 'errbacks';
      const message = `${fn.name || what.slice(0, -1)} returned a Deferred. Returning Deferreds from spider ${what} is deprecated.`;
      // Once per callback, as Python shows a warning once per place.
      if (!this.#warned.has(message)) {
        this.#warned.add(message);
        this.#crawler.getLogger('scrapy.core.scraper').warning(message);
      }
      return toIterable(await maybeDeferredToFuture(output as Deferred<unknown>));
    }
    if (isPromiseLike(output)) {
      // The way Scrapy runs coroutines: under the reactor's driver (deferredFromCoro).
      const d = deferredFromCoro(output) as unknown as Deferred<unknown>;
      return toIterable(await maybeDeferredToFuture(d));
    }
    return toIterable(output);
  };

  /**
   * Iterate a callback's (post-middleware) output: Requests go to the engine, items to the
   * pipelines (`CONCURRENT_ITEMS` at once). An exception while iterating is a spider error; the
   * items before it are kept.
   */
  async handleSpiderOutput(output: Output, request: Request, response: Response | null): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    // Something to wait for before the next output (CONCURRENT_ITEMS items in the pipelines), or
    // undefined: a Request or an item that leaves room goes on at once.
    const handle = (x: unknown): Promise<unknown> | undefined => {
      if (x === undefined || x === null) return undefined;
      if (isRequest(x)) {
        this.#crawler.engine!.crawl(x);
        return undefined;
      }
      const p = this.startItemproc(x, response);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return inFlight.size >= this.#concurrentItems ? Promise.race(inFlight) : undefined;
    };
    try {
      if (isAsyncIterable(output)) {
        for await (const x of output) {
          const wait = handle(x);
          if (wait !== undefined) await wait;
        }
      } else {
        for (const x of output) {
          const wait = handle(x);
          if (wait !== undefined) await wait;
        }
      }
    } catch (e) {
      this.handleSpiderError(new Failure(e), request, response);
    }
    await Promise.all(inFlight);
  }

  /**
   * Log and count a spider error (`Spider error processing <GET …> (referer: …)`), send
   * `spiderError`; a CloseSpider closes the spider instead.
   */
  handleSpiderError(failure: Failure, request: Request, response: Response | null): void {
    const exc = failure.value;
    const crawler = this.#crawler;
    if (exc instanceof CloseSpider) {
      void crawler.engine!.closeSpider(exc.reason || 'cancelled');
      return;
    }
    const referer = request.headers.get('Referer') ?? 'None';
    crawler.getLogger('scrapy.core.scraper').error(`Spider error processing ${request} (referer: ${referer})`, exc);
    crawler.signals.send(signals.spiderError, { failure, response, spider: crawler.spider });
    const name = (exc as { name?: string })?.name ?? (failure.type?.name || 'Error');
    crawler.stats.incValue('spider_exceptions/count');
    crawler.stats.incValue(`spider_exceptions/${name}`);
  }

  #logDownloadError(failure: Failure, request: Request): void {
    const logger = this.#crawler.getLogger('scrapy.core.scraper');
    if (failure.value instanceof IgnoreRequest) {
      logger.debug(`Ignoring request ${request}: ${failure.getErrorMessage()}`);
      return;
    }
    logger.error(`Error downloading ${request}: ${(failure.value as Error)?.name ?? 'Error'}: ${failure.getErrorMessage()}`);
  }

  /**
   * One item through the pipelines, then `itemScraped` / `itemDropped` / `itemError`. What is
   * not an item (a number, a string, a function, an array inside the output…) is logged as
   * Scrapy does (`Spider must return request, item, or None, got 'number' in <GET …>`) and
   * goes nowhere.
   */
  async startItemproc(item: unknown, response: Response | null): Promise<void> {
    const crawler = this.#crawler;
    const logger = crawler.getLogger('scrapy.core.scraper');
    const spider = crawler.spider;
    if (!isItem(item)) {
      logger.error(`Spider must return request, item, or None, got '${typeName(item)}' in ${response?.request ?? response ?? 'start'}`);
      return;
    }
    this.itemprocSize++;
    try {
      let out: unknown;
      try {
        out = this.itemproc.processesItems ? await this.itemproc.processItem(item) : item;
      } catch (e) {
        if (e instanceof DropItem) {
          logger.warning(`Dropped: ${e.message}\n${itemRepr(item)}`);
          await crawler.signals.sendAsync(signals.itemDropped, { item, response, exception: e, spider });
        } else {
          logger.error(`Error processing ${itemRepr(item)}`, e);
          await crawler.signals.sendAsync(signals.itemError, { item, response, spider, failure: new Failure(e) });
        }
        return;
      }
      if (logger.isEnabledFor('DEBUG')) logger.debug(`Scraped from ${response === null ? 'start' : response.toString()}\n${itemRepr(out)}`);
      await crawler.signals.sendAsync(signals.itemScraped, { item: out, response, spider });
    } finally {
      this.itemprocSize--;
    }
  }
}
