// What the spiders of this folder do with a user callback's return value: the shapes a spider
// callback may return (see Spider), settled and made iterable.

import { isDeferred, type Deferred } from '@deferkit/deferred';
import { maybeDeferredToFuture } from '@deferkit/interop';
import { isRequest } from '../Request.js';
import { collectAsync, isAsyncIterable, isPromiseLike, isSyncIterable } from '../utils/misc.js';

/** One value as output: nothing for undefined/null, an iterable as is, anything else alone. @internal */
export function asOutput(x: unknown): Iterable<unknown> {
  if (x === undefined || x === null) return [];
  if (typeof x === 'string' || isRequest(x)) return [x];
  if (Array.isArray(x) || x instanceof Set || (isSyncIterable(x) && typeof (x as unknown as Iterator<unknown>).next === 'function')) return x as Iterable<unknown>;
  return [x];
}

/**
 * A callback's return value as a sync iterable: a promise or Deferred awaited, an async
 * iterable collected (as Scrapy's CrawlSpider collects an async generator's output before
 * `process_results`). @internal
 */
export async function settledOutput(x: unknown): Promise<Iterable<unknown>> {
  if (isDeferred(x)) x = await maybeDeferredToFuture(x as Deferred<unknown>);
  else if (isPromiseLike(x)) x = await x;
  if (isAsyncIterable(x)) return collectAsync(x);
  return asOutput(x);
}
