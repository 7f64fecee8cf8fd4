// Small helpers shared by the crawler's components.

import { Deferred, isDeferred, isThenable } from '@deferkit/deferred';
import { maybeDeferredToFuture } from '@deferkit/interop';
import type { Logger } from '../log.js';

/** What a callback (or a spider middleware) outputs: a sync or an async iterable of items and Requests. */
export type SpiderOutput = Iterable<unknown> | AsyncIterable<unknown>;

/** Whether `x` is an async iterable (an async generator, say). @internal */
export function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Whether `x` is a sync iterable container (not a string). @internal */
export function isSyncIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** Whether `fn` was declared `async function*`. @internal */
export function isAsyncGeneratorFunction(fn: unknown): boolean {
  return typeof fn === 'function' && Object.prototype.toString.call(fn) === '[object AsyncGeneratorFunction]';
}

/** Whether `x` is a promise-like (not a Deferred). @internal */
export function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return isThenable(x) && !isDeferred(x);
}

/**
 * The value of a component's return: a plain value as is (no extra turn), a promise awaited, a
 * Deferred awaited through `maybeDeferredToFuture` (so it works under both reactors), with
 * Scrapy's deprecation warning when `warnName` is given (once per name with `warnOnce`).
 * Scrapy's `ensure_awaitable`. @internal
 */
export function settle<T>(value: T | PromiseLike<T> | Deferred<T>, logger?: Logger, warnName?: string, warnOnce?: Set<string>): T | Promise<T> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value as T;
  if (isDeferred(value)) {
    // With `warnOnce`, each name is warned about once (Python's warnings show once per place).
    if (warnName !== undefined && logger !== undefined && !(warnOnce?.has(warnName) ?? false)) {
      warnOnce?.add(warnName);
      logger.warning(`${warnName} returned a Deferred, this is deprecated. Please refactor this function to return a coroutine.`);
    }
    return Promise.resolve(maybeDeferredToFuture(value as Deferred<T>));
  }
  if (isThenable(value)) return Promise.resolve(value as PromiseLike<T>);
  return value as T;
}

/** A sync iterable or async iterable as an async generator. Scrapy's `as_async_generator`. @internal */
export async function* asAsyncGenerator<T>(it: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  if (isAsyncIterable(it)) {
    for await (const x of it as AsyncIterable<T>) yield x;
  } else {
    for (const x of it as Iterable<T>) yield x;
  }
}

/** Everything an async iterable yields, in a list; an error loses it all. Scrapy's `collect_asyncgen`. @internal */
export async function collectAsync<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** `ClassName` of a component, for messages. @internal */
export function componentName(x: unknown): string {
  if (typeof x === 'function') return x.name || 'anonymous';
  if (x !== null && typeof x === 'object') return (x.constructor as { name?: string })?.name || 'Object';
  return String(x);
}

/** A short type name for messages (`list`, `Promise`, `number`, …). @internal */
export function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'Array';
  if (typeof x === 'object') {
    // Generator objects, promises and the like: their tag says more than their constructor.
    const tag = Object.prototype.toString.call(x).slice(8, -1);
    if (tag !== 'Object') return tag;
    return componentName(x);
  }
  return typeof x;
}

/** HTTP reason phrases for the statuses Scrapy's retry/redirect logs mention. @internal */
const REASONS: Record<number, string> = {
  200: 'OK', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Time-out', 522: 'Unknown Status', 524: 'Unknown Status',
};

/** `'500 Internal Server Error'`. Scrapy's `response_status_message`. @internal */
export function statusMessage(status: number): string {
  return `${status} ${REASONS[status] ?? 'Unknown Status'}`;
}
