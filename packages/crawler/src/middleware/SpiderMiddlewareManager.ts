// The spider middleware chain, with Scrapy 2.7–2.15's rules for mixing sync and async
// process_spider_output (the Scrapy reference (docs/rules.md) §1.4, §1.5, §2.5) and 2.16's strict mode.

import { Failure } from '@deferkit/deferred';
import type { Crawler } from '../Crawler.js';
import { InvalidOutput } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import type { Spider } from '../Spider.js';
import { BUILTIN_SPIDER_MIDDLEWARES } from '../spidermiddlewares/index.js';
import {
  asAsyncGenerator,
  collectAsync,
  componentName,
  isAsyncIterable,
  isPromiseLike,
  isSyncIterable,
  typeName,
  type SpiderOutput,
} from '../utils/misc.js';
import { buildComponents } from './components.js';
import { concatOutput } from './spidermw/chain.js';
import { processStart } from './spidermw/processStart.js';
import { checkStartMethods, outputMethod } from './spidermw/startupChecks.js';
import { DOCS, type Method, type OutputMethod, type SpiderMiddleware } from './spidermw/types.js';

export type { SpiderMiddleware } from './spidermw/types.js';

type Output = SpiderOutput;

/**
 * Runs responses and callback output through the spider middlewares:
 * `processSpiderInput` ascending; `processSpiderOutput`, `processSpiderException`,
 * `processStart` descending. Sync output is upgraded to async for async-generator middlewares
 * freely; async output reaching a sync-only middleware is **downgraded** by collecting all of
 * it first — with a warning, and with Scrapy's two drawbacks: everything is awaited first, and
 * an exception mid-stream loses every item of that response. Universal middlewares get the
 * matching flavour. An exception while iterating (the callback's own output included) goes
 * through the `processSpiderException` methods after the stage that raised it; an iterable one
 * of them returns is fed to the remaining output methods and appended to the output. Legacy
 * `processStartRequests()`-only middlewares switch the start to `spider.startRequests()`.
 *
 * With `SPIDER_MIDDLEWARES_STRICT_ASYNC` (Scrapy ≥2.16) a sync-only middleware is a startup
 * TypeError, sync callback output is upgraded once up front (so universal middlewares always
 * get `processSpiderOutputAsync`), and `processStartRequests()` is no longer called.
 *
 * Mirrors Scrapy's `SpiderMiddlewareManager` (2.7–2.15 chain rules; 2.16+ in strict mode).
 */
export class SpiderMiddlewareManager {
  /** The middlewares, ascending. */
  readonly middlewares: object[];
  readonly #crawler: Crawler;
  readonly #input: Array<[object, Method]> = [];
  /** Output/exception methods, descending (closest to the spider first); same indexes. */
  readonly #chain: Array<{ mw: object; output: OutputMethod; exception: Method | null }> = [];
  /** `processStart` (or, in legacy mode, `processStartRequests`) methods, descending. */
  readonly #start: Array<[object, Method]> = [];
  /** Scrapy ≥2.16 mode (`SPIDER_MIDDLEWARES_STRICT_ASYNC`): everything is async from the start. */
  readonly #strict: boolean;
  /** Legacy mode: some middleware only has `processStartRequests()` (Scrapy 2.13–2.15's `_use_start_requests`). */
  readonly #useStartRequests: boolean;

  /** @internal */
  constructor(crawler: Crawler, middlewares: object[]) {
    this.#crawler = crawler;
    this.middlewares = middlewares;
    const strict = crawler.settings.getBool('SPIDER_MIDDLEWARES_STRICT_ASYNC');
    this.#strict = strict;
    const logger = crawler.getLogger('scrapy.core.spidermw');
    this.#useStartRequests = checkStartMethods(middlewares, logger, strict);
    for (const mw of middlewares) {
      const m = mw as SpiderMiddleware;
      if (typeof m.processSpiderInput === 'function') this.#input.push([mw, m.processSpiderInput]);
      this.#chain.unshift({
        mw,
        output: outputMethod(mw, strict, logger),
        exception: typeof m.processSpiderException === 'function' ? m.processSpiderException : null,
      });
      if (this.#useStartRequests) {
        if (typeof m.processStartRequests === 'function') this.#start.unshift([mw, m.processStartRequests]);
      } else if (typeof m.processStart === 'function') {
        this.#start.unshift([mw, m.processStart]);
      }
    }
  }

  /** Build from `SPIDER_MIDDLEWARES_BASE` + `SPIDER_MIDDLEWARES`. */
  static fromCrawler(crawler: Crawler): SpiderMiddlewareManager {
    const mws = buildComponents(crawler, 'SPIDER_MIDDLEWARES', 'SPIDER_MIDDLEWARES_BASE', BUILTIN_SPIDER_MIDDLEWARES);
    crawler.getLogger('scrapy.middleware').info(`Enabled spider middlewares:\n[${mws.map((m) => `'${componentName(m)}'`).join(',\n ')}]`);
    return new SpiderMiddlewareManager(crawler, mws);
  }


  /**
   * The whole spider side for one response: input chain, then `scrapeFunc` (the callback or,
   * if an input method threw, the errback), then the exception and output chains. Anything
   * raised on the way (the callback call, a downgrade, an output method) goes through the
   * `processSpiderException` methods once more from the start before it is re-raised, as in
   * Scrapy's `scrape_response_async`.
   *
   * @returns the final output (sync or async iterable).
   */
  async scrapeResponse(
    scrapeFunc: (result: Response | Failure, request: Request) => Promise<Output>,
    response: Response,
    request: Request,
  ): Promise<Output> {
    try {
      const result = await this.#processSpiderInput(scrapeFunc, response, request);
      return await this.#processCallbackOutput(response, result);
    } catch (e) {
      return this.#processException(response, e, 0);
    }
  }

  /** `processSpiderInput` methods, ascending; one that throws sends the Failure to the errback. */
  async #processSpiderInput(
    scrapeFunc: (result: Response | Failure, request: Request) => Promise<Output>,
    response: Response,
    request: Request,
  ): Promise<Output> {
    const spider = this.#crawler.spider;
    for (const [mw, fn] of this.#input) {
      let r: unknown;
      try {
        r = fn.call(mw, response, spider);
      } catch (e) {
        return scrapeFunc(new Failure(e), request);
      }
      if (r !== undefined && r !== null) {
        throw new InvalidOutput(`Middleware ${componentName(mw)}.processSpiderInput must return None or raise an exception, got ${typeName(r)}`);
      }
    }
    return scrapeFunc(response, request);
  }

  /**
   * Scrapy's `_process_callback_output`: the callback's own output is evaluated at index 0 (so
   * an exception it raises goes through every `processSpiderException`), then the output chain
   * runs; what the exception methods recover comes after the regular output.
   */
  async #processCallbackOutput(response: Response, result: Output): Promise<Output> {
    // Scrapy ≥2.16 upgrades sync callback output once, here; every middleware then gets async
    // input (universal middlewares always use processSpiderOutputAsync).
    if (this.#strict && !isAsyncIterable(result)) result = asAsyncGenerator(result);
    const recovered: Output[] = [];
    const evaluated = this.#evaluate(response, result, 0, recovered);
    const out = await this.#processOutput(response, evaluated, 0);
    return concatOutput(out, recovered, isAsyncIterable(result));
  }

  /**
   * Scrapy's `_process_spider_exception`: the `processSpiderException` methods from `start`
   * (descending order). The first one returning an iterable ends the handling: that iterable
   * goes through the remaining output methods (which may not need a downgrade: that would mean
   * waiting here) and is returned. Nobody handling it re-raises the exception.
   */
  #processException(response: Response, exception: unknown, start: number): Output {
    if (exception instanceof InvalidOutput) throw exception;
    const spider = this.#crawler.spider;
    for (let i = start; i < this.#chain.length; i++) {
      const { mw, exception: fn } = this.#chain[i]!;
      if (fn === null) continue;
      const r = fn.call(mw, response, exception, spider);
      if (isSyncIterable(r) || isAsyncIterable(r)) {
        const recovery = this.#strict && !isAsyncIterable(r) ? asAsyncGenerator(r as Iterable<unknown>) : (r as Output);
        return this.#processOutput(response, recovery, i + 1, `${componentName(mw)}.processSpiderException`) as Output;
      }
      if (r === undefined || r === null) continue;
      throw new InvalidOutput(`Middleware ${componentName(mw)}.processSpiderException must return None or an iterable, got ${typeName(r)}`);
    }
    throw exception;
  }

  /**
   * Scrapy 2.7–2.15's `_process_spider_output`: each output method from `start`, upgrading sync
   * input for async-generator methods, downgrading async input for sync-only ones (collecting
   * it all, with the warning), giving universal middlewares the matching flavour. Synchronous
   * unless a downgrade happens (then a promise), like Scrapy's `inlineCallbacks` version; with
   * `noDowngradeFor` (output recovered by that exception method) a needed downgrade is an
   * InvalidOutput instead.
   */
  #processOutput(
    response: Response,
    result: Output,
    start: number,
    noDowngradeFor?: string,
    recovered: Output[] = [],
  ): Output | Promise<Output> {
    let lastIsAsync = isAsyncIterable(result);
    for (let i = start; i < this.#chain.length; i++) {
      const { mw, output } = this.#chain[i]!;
      if (output === null) continue;
      let fn: Method;
      if (output.kind === 'universal') {
        fn = lastIsAsync ? output.async : output.sync;
      } else if (output.kind === 'async') {
        fn = output.fn;
        if (!lastIsAsync) result = asAsyncGenerator(result);
      } else {
        fn = output.fn;
        if (lastIsAsync) {
          if (noDowngradeFor !== undefined) throw new InvalidOutput(`Async iterable returned from ${noDowngradeFor} cannot be downgraded`);
          return this.#downgradeAt(response, result as AsyncIterable<unknown>, i, recovered);
        }
      }
      const next = this.#callOutputMethod(response, fn, mw, result, i, recovered);
      if (next.recovery !== undefined) return next.recovery;
      result = next.result;
      lastIsAsync = isAsyncIterable(result);
    }
    return concatOutput(result, recovered, lastIsAsync);
  }

  /**
   * The downgrade: wait for all of the async output, then go on synchronously. An exception
   * while collecting goes to the exception methods after this one — and whatever the async
   * source had yielded before is lost (Scrapy's drawback b).
   */
  async #downgradeAt(response: Response, result: AsyncIterable<unknown>, i: number, recovered: Output[]): Promise<Output> {
    const { mw, output } = this.#chain[i]!;
    const fn = (output as { fn: Method }).fn;
    this.#crawler
      .getLogger('scrapy.core.spidermw')
      .warning(
        `Async iterable passed to ${componentName(mw)}.processSpiderOutput was downgraded to a non-async one. This is deprecated: ` +
          `the whole output is awaited first, and an exception in it loses every item of this response. ${DOCS}`,
      );
    let collected: unknown[];
    try {
      collected = await collectAsync(result);
      // Output recovered so far in this chain is collected too.
      const recoveredCollected: Output[] = [];
      for (const r of recovered) recoveredCollected.push(isAsyncIterable(r) ? await collectAsync(r) : r);
      recovered.splice(0, recovered.length, ...recoveredCollected);
    } catch (e) {
      return this.#processException(response, e, i + 1);
    }
    const next = this.#callOutputMethod(response, fn, mw, collected, i, recovered);
    if (next.recovery !== undefined) return next.recovery;
    // The rest of the chain, from the next method on, with this chain's recovered output.
    return this.#processOutput(response, next.result, i + 1, undefined, recovered);
  }

  /** Call one output method and wrap what it returns (or recover from what it throws). */
  #callOutputMethod(
    response: Response,
    fn: Method,
    mw: object,
    result: Output,
    i: number,
    recovered: Output[],
  ): { result: Output; recovery?: undefined } | { result?: undefined; recovery: Output } {
    let out: unknown;
    try {
      out = fn.call(mw, response, result, this.#crawler.spider);
    } catch (e) {
      return { recovery: this.#processException(response, e, i + 1) };
    }
    if (isSyncIterable(out) || isAsyncIterable(out)) return { result: this.#evaluate(response, out as Output, i + 1, recovered) };
    const name = componentName(mw);
    if (isPromiseLike(out)) {
      // An async function, not an async generator: its promise is never used.
      (out as Promise<unknown>).then(undefined, () => undefined);
      throw new InvalidOutput(`${name}.processSpiderOutput must be an asynchronous generator (i.e. use yield)`);
    }
    throw new InvalidOutput(`${name}.processSpiderOutput must return an iterable, got ${typeName(out)}`);
  }

  /** Scrapy's `_evaluate_iterable`: pass items through; an exception while iterating goes to the exception methods from `index`, and what they recover is appended to `recovered`. */
  #evaluate(response: Response, it: Output, index: number, recovered: Output[]): Output {
    return isAsyncIterable(it) ? this.#evaluateAsync(response, it, index, recovered) : this.#evaluateSync(response, it, index, recovered);
  }

  *#evaluateSync(response: Response, it: Iterable<unknown>, index: number, recovered: Output[]): Generator<unknown> {
    const iterator = it[Symbol.iterator]();
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = iterator.next();
      } catch (e) {
        // May be async (the remaining output methods upgraded it): the final chain is then async
        // too. (Scrapy 2.7–2.15 fails here with a TypeError from its MutableChain.)
        recovered.push(this.#processException(response, e, index));
        return;
      }
      if (step.done) return;
      yield step.value;
    }
  }

  async *#evaluateAsync(response: Response, it: AsyncIterable<unknown>, index: number, recovered: Output[]): AsyncGenerator<unknown> {
    const iterator = it[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (e) {
        recovered.push(this.#processException(response, e, index));
        return;
      }
      if (step.done) return;
      yield step.value;
    }
  }

  /**
   * The start requests and items: `spider.start()` (which must be an async generator) through
   * the `processStart` methods, descending — or, when a middleware only has the legacy
   * `processStartRequests()`, `spider.startRequests()` through those. Always an async iterable.
   * Scrapy's `process_start` (2.13–2.15).
   *
   * @param start - the start output to use instead of calling the spider (for tools).
   * @throws TypeError when `start()` is not an async generator, or when the spider only
   *   overrides `start()` while a legacy middleware needs `startRequests()`.
   */
  processStart(start?: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
    return processStart(this.#crawler.spider as (Spider & Record<string, unknown>) | null, this.#useStartRequests, this.#start, start);
  }
}
