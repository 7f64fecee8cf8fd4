// deferredFromCoro and friends: how an engine turns user coroutines into Deferreds, the way the
// installed reactor would drive them (Scrapy's deferred_from_coro).

import { Deferred, isDeferred, isGenerator, isThenable } from '@deferkit/deferred';
import { getRunningLoop, isPromiseReactorInstalled } from '@deferkit/reactor';
import { maybeDeferredToFuture } from './deferredToFuture.js';

/** What `deferredFromCoro` returns for an input of type `X`. */
export type DeferredFromCoro<X> = X extends Deferred<infer U>
  ? Deferred<U>
  : X extends PromiseLike<infer U>
    ? Deferred<U>
    : X extends Generator<unknown, infer R, any>
      ? Deferred<R>
      : X;

/**
 * A Deferred for a coroutine, driven the way the installed reactor drives coroutines:
 * - a Deferred passes through unchanged;
 * - a promise (an `async` function's) becomes `Deferred.fromFuture(loop.ensureFuture(p))` under
 *   the promise reactor, `Deferred.fromCoroutine(p)` under the callback reactor;
 * - a generator object (an `inlineCallbacks`-style coroutine) is driven by `fromCoroutine`;
 * - anything else passes through unchanged (`deferredFromCoro(123)` is `123`).
 *
 * Mirrors Scrapy's `scrapy.utils.defer.deferred_from_coro`.
 *
 * @param o - a coroutine, Deferred or other value.
 * @example
 * ```ts
 * import { deferredFromCoro } from '@deferkit/interop';
 *
 * async function parse(html: string): Promise<number> {
 *   return html.length;
 * }
 * deferredFromCoro(parse('<p>hi</p>')).addCallback(console.log); // an async parse() becomes a Deferred
 * // prints: 9
 * ```
 */
export function deferredFromCoro<X>(o: X): DeferredFromCoro<X> {
  if (isDeferred(o)) return o as DeferredFromCoro<X>;
  if (isGenerator(o)) return Deferred.fromCoroutine(o) as DeferredFromCoro<X>;
  if (isThenable(o)) {
    if (isPromiseReactorInstalled()) return Deferred.fromFuture(getRunningLoop().ensureFuture(o)) as DeferredFromCoro<X>;
    return Deferred.fromCoroutine(o) as DeferredFromCoro<X>;
  }
  return o as DeferredFromCoro<X>;
}

/**
 * Wrap a coroutine function so that it returns `deferredFromCoro(result)`.
 *
 * Mirrors Scrapy's `scrapy.utils.defer.deferred_f_from_coro_f`.
 *
 * @param coroF - an `async` function (or a generator function).
 * @example
 * ```ts
 * import { deferredFFromCoroF } from '@deferkit/interop';
 *
 * const saved: unknown[] = [];
 * const save = async (item: { id: number }) => void saved.push(item);
 * const handler = deferredFFromCoroF(async (item: { id: number }) => { await save(item); return item; });
 * handler({ id: 1 }).addCallback(console.log); // a Deferred
 * // prints: { id: 1 }
 * ```
 */
export function deferredFFromCoroF<A extends unknown[], X>(coroF: (...args: A) => X): (...args: A) => DeferredFromCoro<X> {
  if (typeof coroF !== 'function') throw new TypeError('deferredFFromCoroF(fn): fn must be a function.');
  const wrapped = (...args: A): DeferredFromCoro<X> => deferredFromCoro(coroF(...args));
  Object.defineProperty(wrapped, 'name', { value: coroF.name, configurable: true });
  return wrapped;
}

/**
 * Something awaitable for any of a coroutine, a Deferred or a plain value: a Deferred becomes
 * `maybeDeferredToFuture(d)`, a promise is returned as is, a value becomes a resolved promise.
 *
 * Mirrors Scrapy's `scrapy.utils.defer.ensure_awaitable` (2.14).
 *
 * @param o - anything.
 * @example
 * ```ts
 * import { succeed } from '@deferkit/deferred';
 * import { ensureAwaitable } from '@deferkit/interop';
 *
 * const pipeline = { processItem: (item: { id: number }) => succeed({ ...item, checked: true }) };
 * const item = await ensureAwaitable(pipeline.processItem({ id: 1 })); // sync, Deferred or async
 * console.log(item);
 * // prints: { id: 1, checked: true }
 * ```
 */
export function ensureAwaitable<T>(o: Deferred<T> | PromiseLike<T> | T): PromiseLike<T> {
  if (isDeferred(o)) return maybeDeferredToFuture(o as Deferred<T>);
  if (isThenable(o)) return o as PromiseLike<T>;
  return Promise.resolve(o as T);
}
