// The interop observable of a Deferred (`Symbol.observable` / '@@observable'), what rxjs's
// from(d) subscribes to: it emits the result once and completes, or errors with the failure's
// value; unsubscribing before the result arrives cancels the Deferred.

import type { Deferred } from '../Deferred.js';
import type { Failure } from '../Failure.js';
import type { DeferredObservable } from '../interfaces.js';

/** The key observable consumers look for: `Symbol.observable` where it exists, else '@@observable'. */
export const OBSERVABLE_KEY: string | symbol =
  (typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable';

/** The observable for `source`, answering to the interop keys itself. */
export function deferredObservable<T>(
  source: Deferred<T>,
): DeferredObservable<T> & { '@@observable'(): DeferredObservable<T> } {
  const observable = {
    subscribe(
      observer?:
        | Partial<{ next: (value: T) => void; error: (err: unknown) => void; complete: () => void }>
        | ((value: T) => void),
    ) {
      const o = typeof observer === 'function' ? { next: observer } : (observer ?? {});
      let closed = false;
      let delivered = false;
      const subscription = {
        get closed() {
          return closed;
        },
        unsubscribe() {
          if (closed) return;
          closed = true;
          if (!delivered) source.cancel();
        },
      };
      source._add(
        (value: T) => {
          delivered = true;
          if (!closed) {
            closed = true;
            o.next?.(value);
            o.complete?.();
          }
          return value;
        },
        (failure: Failure) => {
          delivered = true;
          failure._observed = true;
          if (!closed) {
            closed = true;
            o.error?.(failure.value);
          }
          return failure;
        },
        null,
        null,
      );
      return subscription;
    },
    '@@observable'() {
      return observable;
    },
  };
  if (typeof OBSERVABLE_KEY === 'symbol') (observable as Record<symbol, unknown>)[OBSERVABLE_KEY] = () => observable;
  return observable;
}
