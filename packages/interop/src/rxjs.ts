// @deferkit/interop/rxjs: Deferred <-> Observable. Uses rxjs, an optional peer dependency,
// loaded only by this subpath.

import { Deferred, type Failure } from '@deferkit/deferred';
import { EmptyError, Observable, take, type Subscription } from 'rxjs';

/**
 * An Observable that emits `d`'s result once and completes, or errors with the failure's value.
 * Unsubscribing before the result arrives cancels `d`. Each subscription observes `d` without
 * consuming its result ([J4](../../../docs/rules.md#j4)).
 *
 * Like rxjs's `from(promise)`, with cancellation (rxjs's `from(d)` also works and cancels,
 * through `Deferred`'s interop observable).
 *
 * @param d - the Deferred.
 * @example
 * ```ts
 * import { succeed } from '@deferkit/deferred';
 * import { fromDeferred } from '@deferkit/interop/rxjs';
 *
 * fromDeferred(succeed(42)).subscribe((v) => console.log(v));
 * // prints: 42
 * ```
 */
export function fromDeferred<T>(d: Deferred<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let settled = false;
    d.addCallbacks(
      (value: T) => {
        settled = true;
        if (!subscriber.closed) {
          subscriber.next(value);
          subscriber.complete();
        }
        return value;
      },
      (failure: Failure) => {
        settled = true;
        failure._observed = true;
        if (!subscriber.closed) subscriber.error(failure.value);
        return failure;
      },
    );
    return () => {
      if (!settled) d.cancel();
    };
  });
}

/** Options of {@link toDeferred}. */
export interface ToDeferredOptions<D> {
  /** Fire with the last value at completion instead of the first value. */
  last?: boolean;
  /** The result when the observable completes without a value (else `EmptyError`). */
  defaultValue?: D;
}

/**
 * A Deferred for an Observable: by default it fires with the first value (and unsubscribes);
 * with `{ last: true }`, with the last value when the observable completes. An observable that
 * completes empty gives `defaultValue`, or fails with rxjs's `EmptyError`. An error fails the
 * Deferred. Cancelling the Deferred unsubscribes (and fails it with `CancelledError`).
 *
 * Like rxjs's `firstValueFrom` / `lastValueFrom`, as a cancellable Deferred.
 *
 * @param source - the Observable.
 * @param options - `{ last, defaultValue }`.
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { toDeferred } from '@deferkit/interop/rxjs';
 *
 * toDeferred(of(1, 2, 3), { last: true }).addCallback(console.log);
 * // prints: 3
 * ```
 */
export function toDeferred<T, D = T>(source: Observable<T>, options: ToDeferredOptions<D> = {}): Deferred<T | D> {
  const hasDefault = 'defaultValue' in options;
  const last = options.last === true;
  let subscription: Subscription | undefined;
  let done = false;
  const d = new Deferred<T | D>(() => {
    done = true;
    subscription?.unsubscribe();
  });
  let lastValue: T | undefined;
  let seen = false;
  // For the first value, take(1) closes the source from inside next(), even while subscribe()
  // is still running (a synchronous source): our own Subscription does not exist before
  // subscribe() returns, so without it a synchronous infinite source would never stop.
  subscription = (last ? source : source.pipe(take(1))).subscribe({
    next(value) {
      if (done) return;
      lastValue = value;
      seen = true;
      if (last) return;
      done = true;
      d.callback(value);
    },
    error(err: unknown) {
      if (done) return;
      done = true;
      d.errback(err);
    },
    complete() {
      if (done) return;
      done = true;
      if (seen) d.callback(lastValue as T);
      else if (hasDefault) d.callback(options.defaultValue as D);
      else d.errback(new EmptyError());
    },
  });
  return d;
}
