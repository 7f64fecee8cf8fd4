// The spider middleware chain, with Scrapy 2.7–2.15's rules for mixing sync and async
// process_spider_output (reference/scrapy-async.md §1.4, §1.5, §2.5) and 2.16's strict mode.

import { Failure } from '@deferkit/deferred';
import type { Crawler } from '../Crawler.js';
import { InvalidOutput } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { Spider } from '../Spider.js';
import { BUILTIN_SPIDER_MIDDLEWARES } from '../spidermiddlewares/index.js';
import {
  asAsyncGenerator,
  collectAsync,
  componentName,
  isAsyncGeneratorFunction,
  isAsyncIterable,
  isPromiseLike,
  isSyncIterable,
  typeName,
  type SpiderOutput,
} from '../utils/misc.js';
import { buildComponents } from './components.js';

type Method = (...args: any[]) => unknown;
type Output = SpiderOutput;

/**
 * A spider middleware: any object with some of these methods.
 *
 * Mirrors Scrapy's spider middleware interface (`process_spider_output_async` → `processSpiderOutputAsync`).
 */
export interface SpiderMiddleware {
  /** Each response on its way to the callback (ascending order): return nothing, or throw (the errback then gets it). */
  processSpiderInput?(response: Response, spider: unknown): void;
  /** The callback's output (descending order): an async generator (preferred) or a sync one. */
  processSpiderOutput?(response: Response, result: any, spider: unknown): unknown;
  /** The async twin of a sync `processSpiderOutput`, making the middleware "universal". */
  processSpiderOutputAsync?(response: Response, result: AsyncIterable<unknown>, spider: unknown): AsyncIterable<unknown>;
  /** An exception from the callback or a later middleware: return an iterable to recover, nothing to pass it on. */
  processSpiderException?(response: Response, exception: unknown, spider: unknown): unknown;
  /** The start requests and items (an async generator). Scrapy ≥2.13's `process_start`. */
  processStart?(start: AsyncIterable<unknown>): AsyncIterable<unknown>;
  /** Legacy: the start requests (sync iterable in, iterable out). Scrapy's `process_start_requests`. */
  processStartRequests?(startRequests: Iterable<unknown>, spider: unknown): Iterable<unknown>;
}

/** How one middleware takes part in the output chain. */
type OutputMethod =
  | { kind: 'sync'; fn: Method }
  | { kind: 'async'; fn: Method }
  | { kind: 'universal'; sync: Method; async: Method }
  | null;

const DOCS = 'See the "Mixing synchronous and asynchronous spider middlewares" section of the crawler guide.';

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
    this.#useStartRequests = this.#checkStartMethods(middlewares, logger, strict);
    for (const mw of middlewares) {
      const m = mw as SpiderMiddleware;
      if (typeof m.processSpiderInput === 'function') this.#input.push([mw, m.processSpiderInput]);
      this.#chain.unshift({
        mw,
        output: this.#outputMethod(mw, strict, logger),
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
   * Scrapy 2.13–2.15's `_check_deprecated_process_start_requests_use`: middlewares that only
   * define the legacy `processStartRequests()` switch the crawl to `spider.startRequests()`
   * (with a deprecation warning); mixing them with middlewares that only define
   * `processStart()` is an error.
   */
  #checkStartMethods(middlewares: object[], logger: ReturnType<Crawler['getLogger']>, strict: boolean): boolean {
    const has = (mw: object, name: string): boolean => typeof (mw as Record<string, unknown>)[name] === 'function';
    const legacy = middlewares.filter((mw) => has(mw, 'processStartRequests') && !has(mw, 'processStart'));
    const modern = middlewares.filter((mw) => has(mw, 'processStart') && !has(mw, 'processStartRequests'));
    if (strict) {
      // Scrapy 2.16 removed processStartRequests(): it is no longer called.
      if (legacy.length > 0) {
        logger.warning(
          `processStartRequests() of ${legacy.map(componentName).join(', ')} is not called with SPIDER_MIDDLEWARES_STRICT_ASYNC ` +
            '(Scrapy 2.16 removed it); define processStart() instead.',
        );
      }
      return false;
    }
    if (legacy.length > 0 && modern.length > 0) {
      throw new TypeError(
        `You are trying to combine spider middlewares that only define the deprecated processStartRequests() method ` +
          `(${legacy.map(componentName).join(', ')}) with spider middlewares that only define the processStart() method ` +
          `(${modern.map(componentName).join(', ')}). This is not possible. Disable one of the two sets, or make its ` +
          'middlewares universal by defining both methods.',
      );
    }
    if (legacy.length === 0) return false;
    logger.warning(
      `The following enabled spider middlewares, directly or through their parent classes, define the deprecated ` +
        `processStartRequests() method: ${legacy.map(componentName).join(', ')}. processStartRequests() has been deprecated ` +
        'in favor of processStart() (an async generator); while such a middleware is enabled, the spider\'s legacy ' +
        'startRequests() is used instead of start(). Replace processStartRequests() with processStart(), or define both.',
    );
    return true;
  }

  /** Scrapy's `_get_async_method_pair` (2.7–2.15), and 2.16's strict check. */
  #outputMethod(mw: object, strict: boolean, logger: ReturnType<Crawler['getLogger']>): OutputMethod {
    const m = mw as SpiderMiddleware;
    const name = componentName(mw);
    const normal = typeof m.processSpiderOutput === 'function' ? m.processSpiderOutput : null;
    const asyncOne = typeof m.processSpiderOutputAsync === 'function' ? m.processSpiderOutputAsync : null;
    if (asyncOne === null) {
      if (normal === null) return null;
      if (isAsyncGeneratorFunction(normal)) return { kind: 'async', fn: normal };
      if (strict) {
        throw new TypeError(
          `Middleware ${name} doesn't support asynchronous spider output. Its processSpiderOutput() method should be an ` +
            'async generator function or it should additionally define a processSpiderOutputAsync() method.',
        );
      }
      logger.warning(
        `Middleware ${name} doesn't support asynchronous spider output, this is deprecated and stops working with ` +
          `SPIDER_MIDDLEWARES_STRICT_ASYNC = true (Scrapy 2.16). Make processSpiderOutput() an async generator, or add a ` +
          `processSpiderOutputAsync() twin. ${DOCS}`,
      );
      return { kind: 'sync', fn: normal };
    }
    if (normal === null) {
      logger.error(
        `Middleware ${name} has processSpiderOutputAsync() without processSpiderOutput(), skipping this method. Please rename it to processSpiderOutput().`,
      );
      return null;
    }
    if (!isAsyncGeneratorFunction(asyncOne)) {
      logger.error(`${name}.processSpiderOutputAsync is not an async generator function, skipping this method.`);
      return isAsyncGeneratorFunction(normal) ? { kind: 'async', fn: normal } : { kind: 'sync', fn: normal };
    }
    if (isAsyncGeneratorFunction(normal)) {
      logger.error(
        `${name}.processSpiderOutput is an async generator function while processSpiderOutputAsync() exists, skipping both methods. ` +
          'Please remove processSpiderOutputAsync().',
      );
      return null;
    }
    return { kind: 'universal', sync: normal, async: asyncOne };
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
    return this.#concat(out, recovered, isAsyncIterable(result));
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
    return this.#concat(result, recovered, lastIsAsync);
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
   * `result`, then everything in `recovered` — read lazily, since `recovered` fills up while
   * `result` is iterated (Scrapy's MutableChain / MutableAsyncChain).
   */
  #concat(result: Output, recovered: Output[], asyncHint: boolean): Output {
    if (asyncHint || isAsyncIterable(result)) return chainAsync(result, recovered);
    return chainSync(result as Iterable<unknown>, recovered);
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
    const spider = this.#crawler.spider as (Spider & Record<string, unknown>) | null;
    if (this.#useStartRequests) {
      let current: Iterable<unknown>;
      if (start !== undefined) {
        if (isAsyncIterable(start)) {
          throw new TypeError('The legacy processStartRequests() chain needs a synchronous iterable of start requests.');
        }
        current = start as Iterable<unknown>;
      } else {
        if (spider === null) throw new Error('processStart() called without an open spider.');
        const proto = Spider.prototype as unknown as Record<string, unknown>;
        if (spider.startRequests === proto.startRequests && spider.start !== proto.start) {
          throw new TypeError(
            `${spider.constructor.name} does not define the deprecated startRequests() method, but one or more enabled spider ` +
              'middlewares only define processStartRequests() (see the earlier deprecation warning), which only works with ' +
              'spiders that define startRequests(). Upgrade those middlewares to processStart(), or add a startRequests() ' +
              'to the spider that works like its start().',
          );
        }
        current = spider.startRequests();
      }
      for (const [mw, fn] of this.#start) {
        const out = fn.call(mw, current, spider);
        if (!isSyncIterable(out)) {
          throw new InvalidOutput(`Middleware ${componentName(mw)}.processStartRequests must return an iterable, got ${typeName(out)}`);
        }
        current = out as Iterable<unknown>;
      }
      return asAsyncGenerator(current);
    }
    let current: unknown = start;
    if (current === undefined) {
      if (spider === null) throw new Error('processStart() called without an open spider.');
      current = spider.start();
    }
    if (!isAsyncIterable(current)) {
      if (isPromiseLike(current)) (current as Promise<unknown>).then(undefined, () => undefined);
      if (start === undefined || !isSyncIterable(current)) {
        throw new TypeError(
          `${spider?.constructor.name ?? 'Spider'}.start() must be an asynchronous generator, i.e. an async function* with ` +
            `yield statements, got ${typeName(current)}`,
        );
      }
      current = asAsyncGenerator(current as Iterable<unknown>);
    }
    for (const [mw, fn] of this.#start) {
      const out = fn.call(mw, current);
      if (!isAsyncIterable(out)) {
        throw new InvalidOutput(`Middleware ${componentName(mw)}.processStart must be an async generator, got ${typeName(out)}`);
      }
      current = out;
    }
    return current as AsyncIterable<unknown>;
  }
}

/** `first`, then each of `rest` (which may grow while `first` is iterated). */
function* chainSync(first: Iterable<unknown>, rest: Output[]): Generator<unknown> {
  yield* first;
  for (let i = 0; i < rest.length; i++) {
    const r = rest[i]!;
    if (isAsyncIterable(r)) throw new InvalidOutput('Async iterable recovered by a processSpiderException method cannot be downgraded');
    yield* r as Iterable<unknown>;
  }
}

/** `first`, then each of `rest` (which may grow while `first` is iterated), as one async generator. */
async function* chainAsync(first: Output, rest: Output[]): AsyncGenerator<unknown> {
  yield* asAsyncGenerator(first);
  for (let i = 0; i < rest.length; i++) yield* asAsyncGenerator(rest[i]!);
}
