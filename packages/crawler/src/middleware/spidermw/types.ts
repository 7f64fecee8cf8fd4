// The spider middleware interface, and how the manager holds each middleware's methods.

import type { Response } from '../../Response.js';

/** Any middleware method, called with the middleware as `this`. @internal */
export type Method = (...args: any[]) => unknown;

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

/** How one middleware takes part in the output chain. @internal */
export type OutputMethod =
  | { kind: 'sync'; fn: Method }
  | { kind: 'async'; fn: Method }
  | { kind: 'universal'; sync: Method; async: Method }
  | null;

/** Where the warnings about mixing sync and async middlewares send the reader. @internal */
export const DOCS = 'See the "Mixing synchronous and asynchronous spider middlewares" section of the crawler guide.';
