// deferredToFuture / maybeDeferredToFuture: Scrapy's bridges from a Deferred to an awaitable
// that works under the reactor in use.

import type { Deferred, Future } from '@deferkit/deferred';
import { isPromiseReactorInstalled } from '@deferkit/reactor';

/**
 * `deferredToFuture()` was called while the promise reactor is not installed.
 *
 * Mirrors Scrapy's `RuntimeError("deferred_to_future() requires an installed asyncio reactor or a running asyncio event loop.")` (≥2.14).
 *
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * import { deferredToFuture } from '@deferkit/interop';
 * import { installReactor } from '@deferkit/reactor';
 *
 * installReactor('callback');
 * try { deferredToFuture(new Deferred()); } catch (e) { console.log((e as Error).name); }
 * // prints: PromiseReactorRequiredError
 * ```
 */
export class PromiseReactorRequiredError extends Error {
  override name = 'PromiseReactorRequiredError';
}

/**
 * A `Future` on the promise reactor's loop that settles like `d`: awaiting it is what a
 * coroutine driven by the promise reactor must do instead of awaiting `d`. Cancelling the
 * Future cancels `d`; a cancelled `d` rejects the Future with `CancelledError`. `d` keeps its
 * result ([J4](../../../docs/rules.md#j4)).
 *
 * Mirrors Scrapy's `scrapy.utils.defer.deferred_to_future` (≥2.14: it refuses to work without
 * the asyncio reactor).
 *
 * @param d - the Deferred.
 * @throws PromiseReactorRequiredError when the promise reactor is not installed — use
 *   `maybeDeferredToFuture()` to support both reactors.
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * import { deferredToFuture } from '@deferkit/interop';
 * import { installReactor } from '@deferkit/reactor';
 *
 * installReactor('promise');
 * const download = new Deferred<string>();
 * setTimeout(() => download.callback('<html>…</html>'), 10);
 * const response = await deferredToFuture(download);
 * console.log(response);
 * // prints: <html>…</html>
 * ```
 */
export function deferredToFuture<T>(d: Deferred<T>): Future<T> {
  if (!isPromiseReactorInstalled()) {
    throw new PromiseReactorRequiredError(
      "deferredToFuture() requires the promise reactor (installReactor('promise'), or REACTOR = 'promise'); " +
        'use maybeDeferredToFuture() to support both reactors.',
    );
  }
  if (d === null || typeof d !== 'object' || typeof (d as Deferred<T>).asFuture !== 'function') {
    throw new TypeError('deferredToFuture(d): d must be a Deferred.');
  }
  return d.asFuture();
}

/**
 * Something a coroutine can await under whichever reactor is installed: `d` itself under the
 * callback reactor (the Twisted driver awaits Deferreds), `deferredToFuture(d)` under the
 * promise reactor.
 *
 * Mirrors Scrapy's `scrapy.utils.defer.maybe_deferred_to_future`.
 *
 * @param d - the Deferred.
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * import { maybeDeferredToFuture } from '@deferkit/interop';
 *
 * // Under either reactor (a Future under the promise one, the Deferred itself otherwise):
 * const download = new Deferred<string[]>();
 * setTimeout(() => download.callback(['/page/2']), 10);
 * const more = await maybeDeferredToFuture(download);
 * console.log(more);
 * // prints: [ '/page/2' ]
 * ```
 */
export function maybeDeferredToFuture<T>(d: Deferred<T>): Deferred<T> | Future<T> {
  if (!isPromiseReactorInstalled()) return d;
  return deferredToFuture(d);
}
