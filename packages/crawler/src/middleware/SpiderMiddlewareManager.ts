// The spider middleware chain, with Scrapy 2.7–2.15's rules for mixing sync and async
// process_spider_output (reference/scrapy-async.md §1.4, §1.5, §2.5) and 2.16's strict mode.

import { Failure } from '@deferkit/deferred';
import type { Crawler } from '../Crawler.js';
import { InvalidOutput } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
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
} from '../utils/misc.js';
import { buildComponents } from './components.js';

type Method = (...args: any[]) => unknown;
type Output = Iterable<unknown> | AsyncIterable<unknown>;

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
 * matching flavour. With `SPIDER_MIDDLEWARES_STRICT_ASYNC` a sync-only middleware is a startup
 * TypeError (Scrapy 2.16).
 *
 * Mirrors Scrapy's `SpiderMiddlewareManager` (2.7–2.15 chain rules).
 */
export class SpiderMiddlewareManager {
  /** The middlewares, ascending. */
  readonly middlewares: object[];
  readonly #crawler: Crawler;
  readonly #input: Array<[object, Method]> = [];
  /** Output/exception methods, descending (closest to the spider first); same indexes. */
  readonly #chain: Array<{ mw: object; output: OutputMethod; exception: Method | null }> = [];
  readonly #start: Array<[object, Method, 'start' | 'startRequests']> = [];

  /** @internal */
  constructor(crawler: Crawler, middlewares: object[]) {
    this.#crawler = crawler;
    this.middlewares = middlewares;
    const strict = crawler.settings.getBool('SPIDER_MIDDLEWARES_STRICT_ASYNC');
    const logger = crawler.getLogger('scrapy.core.spidermw');
    for (const mw of middlewares) {
      const m = mw as SpiderMiddleware;
      if (typeof m.processSpiderInput === 'function') this.#input.push([mw, m.processSpiderInput]);
      this.#chain.unshift({
        mw,
        output: this.#outputMethod(mw, strict, logger),
        exception: typeof m.processSpiderException === 'function' ? m.processSpiderException : null,
      });
      if (typeof m.processStart === 'function') this.#start.unshift([mw, m.processStart, 'start']);
      else if (typeof m.processStartRequests === 'function') this.#start.unshift([mw, m.processStartRequests, 'startRequests']);
    }
  }

  /** Build from `SPIDER_MIDDLEWARES_BASE` + `SPIDER_MIDDLEWARES`. */
  static fromCrawler(crawler: Crawler): SpiderMiddlewareManager {
    const mws = buildComponents(crawler, 'SPIDER_MIDDLEWARES', 'SPIDER_MIDDLEWARES_BASE', BUILTIN_SPIDER_MIDDLEWARES);
    crawler.getLogger('scrapy.middleware').info(`Enabled spider middlewares:\n[${mws.map((m) => `'${componentName(m)}'`).join(',\n ')}]`);
    return new SpiderMiddlewareManager(crawler, mws);
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
   * if an input method threw, the errback), then the exception and output chains.
   *
   * @returns the final output (sync or async iterable).
   */
  async scrapeResponse(
    scrapeFunc: (result: Response | Failure, request: Request) => Promise<Output>,
    response: Response,
    request: Request,
  ): Promise<Output> {
    const spider = this.#crawler.spider;
    let inputFailure: Failure | null = null;
    for (const [mw, fn] of this.#input) {
      let r: unknown;
      try {
        r = fn.call(mw, response, spider);
      } catch (e) {
        inputFailure = new Failure(e);
        break;
      }
      if (r !== undefined && r !== null) {
        throw new InvalidOutput(`Middleware ${componentName(mw)}.processSpiderInput must return None or raise an exception, got ${typeName(r)}`);
      }
    }
    let result: Output;
    try {
      result = await scrapeFunc(inputFailure ?? response, request);
    } catch (e) {
      return this.#processException(response, e, 0);
    }
    return this.#processOutput(response, result, 0);
  }

  async #processException(response: Response, exception: unknown, start: number): Promise<Output> {
    if (exception instanceof InvalidOutput) throw exception;
    const spider = this.#crawler.spider;
    for (let i = start; i < this.#chain.length; i++) {
      const { mw, exception: fn } = this.#chain[i]!;
      if (fn === null) continue;
      const r = fn.call(mw, response, exception, spider);
      if (r === undefined || r === null) continue;
      if (isSyncIterable(r) || isAsyncIterable(r)) return this.#processOutput(response, r as Output, i + 1);
      throw new InvalidOutput(`Middleware ${componentName(mw)}.processSpiderException must return None or an iterable, got ${typeName(r)}`);
    }
    throw exception;
  }

  /** Scrapy 2.7–2.15's `_process_spider_output`. */
  async #processOutput(response: Response, result: Output, start: number): Promise<Output> {
    const spider = this.#crawler.spider;
    const logger = this.#crawler.getLogger('scrapy.core.spidermw');
    const recovered: Output[] = [];
    let lastIsAsync = isAsyncIterable(result);
    for (let i = start; i < this.#chain.length; i++) {
      const { mw, output } = this.#chain[i]!;
      if (output === null) continue;
      const name = componentName(mw);
      let fn: Method;
      if (output.kind === 'universal') {
        fn = lastIsAsync ? output.async : output.sync;
      } else if (output.kind === 'async') {
        fn = output.fn;
        if (!lastIsAsync) {
          result = asAsyncGenerator(result);
          lastIsAsync = true;
        }
      } else {
        fn = output.fn;
        if (lastIsAsync) {
          logger.warning(
            `Async iterable passed to ${name}.processSpiderOutput was downgraded to a non-async one. This is deprecated: ` +
              `the whole output is awaited first, and an exception in it loses every item of this response. ${DOCS}`,
          );
          // The downgrade: wait for everything. An exception here propagates out of the whole
          // chain, so none of this response's output reaches the engine (Scrapy's drawback b).
          result = await collectAsync(result as AsyncIterable<unknown>);
          lastIsAsync = false;
        }
      }
      let out: unknown;
      try {
        out = fn.call(mw, response, result, spider);
      } catch (e) {
        return this.#processException(response, e, i + 1);
      }
      if (isAsyncIterable(out)) {
        result = this.#evaluateAsync(response, out, i + 1, recovered);
        lastIsAsync = true;
      } else if (isSyncIterable(out)) {
        result = this.#evaluateSync(response, out, i + 1, recovered);
        lastIsAsync = false;
      } else if (isPromiseLike(out)) {
        throw new InvalidOutput(`${name}.processSpiderOutput must be an asynchronous generator (i.e. use yield)`);
      } else {
        throw new InvalidOutput(`${name}.processSpiderOutput must return an iterable, got ${typeName(out)}`);
      }
    }
    if (recovered.length === 0) return result;
    return lastIsAsync ? this.#chainAsync(result, recovered) : this.#chainSync(result as Iterable<unknown>, recovered);
  }

  /** Pass items through; an exception while iterating goes to processSpiderException from `index`. */
  *#evaluateSync(response: Response, it: Iterable<unknown>, index: number, recovered: Output[]): Generator<unknown> {
    const iterator = it[Symbol.iterator]();
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = iterator.next();
      } catch (e) {
        recovered.push(this.#recoverSync(response, e, index));
        return;
      }
      if (step.done) return;
      yield step.value;
    }
  }

  #recoverSync(response: Response, e: unknown, index: number): Output {
    // In a sync chain the recovery must be sync too; an async recovery cannot be downgraded here.
    const spider = this.#crawler.spider;
    if (e instanceof InvalidOutput) throw e;
    for (let i = index; i < this.#chain.length; i++) {
      const { mw, exception: fn } = this.#chain[i]!;
      if (fn === null) continue;
      const r = fn.call(mw, response, e, spider);
      if (r === undefined || r === null) continue;
      if (isAsyncIterable(r)) {
        throw new InvalidOutput(`Async iterable returned from ${componentName(mw)}.processSpiderException cannot be downgraded`);
      }
      if (isSyncIterable(r)) return r;
      throw new InvalidOutput(`Middleware ${componentName(mw)}.processSpiderException must return None or an iterable, got ${typeName(r)}`);
    }
    throw e;
  }

  async *#evaluateAsync(response: Response, it: AsyncIterable<unknown>, index: number, recovered: Output[]): AsyncGenerator<unknown> {
    const iterator = it[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (e) {
        recovered.push(await this.#processException(response, e, index));
        return;
      }
      if (step.done) return;
      yield step.value;
    }
  }

  *#chainSync(first: Iterable<unknown>, rest: Output[]): Generator<unknown> {
    yield* first;
    for (let i = 0; i < rest.length; i++) yield* rest[i] as Iterable<unknown>;
  }

  async *#chainAsync(first: Output, rest: Output[]): AsyncGenerator<unknown> {
    yield* asAsyncGenerator(first);
    // `rest` may grow while we iterate (recoveries found late are appended).
    for (let i = 0; i < rest.length; i++) yield* asAsyncGenerator(rest[i]!);
  }

  /**
   * The start requests and items through `processStart` (or legacy `processStartRequests`)
   * methods, descending; the result is always an async iterable.
   */
  processStart(start: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
    const spider = this.#crawler.spider;
    let current: AsyncIterable<unknown> | Iterable<unknown> = start;
    for (const [mw, fn, kind] of this.#start) {
      if (kind === 'start') {
        current = fn.call(mw, asAsyncGenerator(current)) as AsyncIterable<unknown>;
        if (!isAsyncIterable(current)) {
          throw new InvalidOutput(`Middleware ${componentName(mw)}.processStart must be an async generator, got ${typeName(current)}`);
        }
      } else {
        const input = isAsyncIterable(current) ? null : (current as Iterable<unknown>);
        if (input === null) {
          throw new InvalidOutput(
            `Middleware ${componentName(mw)} only has the legacy processStartRequests(), which cannot take the async start() output; define processStart().`,
          );
        }
        current = fn.call(mw, input, spider) as Iterable<unknown>;
      }
    }
    return asAsyncGenerator(current);
  }
}
