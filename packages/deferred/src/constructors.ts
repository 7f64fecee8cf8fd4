// Constructors: Deferreds that already have a result, and calling a function into a Deferred.

import { Deferred, setFired } from './Deferred.js';
import { isDeferred, isThenable } from './guards.js';
import type { Unwrap } from './interfaces.js';
import { isFailure } from './Failure.js';
import { describeValue } from './errors.js';

/**
 * A Deferred that already succeeded with `undefined`.
 *
 * Mirrors Twisted's `twisted.internet.defer.succeed()` (`succeed(None)`).
 *
 * @example
 * ```ts
 * import { succeed } from '@deferkit/deferred';
 * succeed().addCallback((v) => console.log(v));
 * // prints: undefined
 * ```
 */
export function succeed(): Deferred<undefined>;
/**
 * A Deferred that already succeeded with `result`: callbacks added to it run at once.
 *
 * Mirrors Twisted's `twisted.internet.defer.succeed`.
 *
 * @param result - the result.
 * @throws TypeError when `result` is a Deferred ([J2](../../../docs/rules.md#j2)).
 * @example
 * ```ts
 * import { succeed } from '@deferkit/deferred';
 * succeed('success').addCallback(console.log);
 * // prints: success
 * ```
 */
export function succeed<T>(result: T): Deferred<T>;
export function succeed<T>(result?: T): Deferred<T | undefined> {
  if (result !== null && typeof result === 'object' && isDeferred(result)) {
    throw new TypeError(
      'succeed() was given a Deferred; a Deferred cannot be the result of another one. Use the Deferred itself.',
    );
  }
  const d = new Deferred<T | undefined>();
  // Set the fields directly (as Twisted does): there are no callbacks to run yet.
  setFired(d as Deferred<unknown>, result);
  return d;
}

/**
 * A Deferred that already failed with `reason` (wrapped in a Failure unless it is one, [J1](../../../docs/rules.md#j1)).
 * Add an errback, or it is reported as unhandled.
 *
 * Mirrors Twisted's `twisted.internet.defer.fail`.
 *
 * @param reason - the error.
 * @example
 * ```ts
 * import { fail } from '@deferkit/deferred';
 * fail(new Error('fail')).addErrback((f) => console.log(f.getErrorMessage()));
 * // prints: fail
 * ```
 */
export function fail<T = never>(reason?: unknown): Deferred<T> {
  const d = new Deferred<T>();
  d.errback(reason);
  return d;
}

/**
 * Call `f(...args)` now and return a Deferred for whatever happens: a thrown error becomes a
 * failed Deferred, a returned Deferred is returned as is, a returned promise (an `async`
 * function's) is followed, a returned Failure fails, anything else succeeds.
 *
 * Mirrors Twisted's `twisted.internet.defer.maybeDeferred`.
 *
 * @param f - the function.
 * @param args - its arguments.
 * @example
 * ```ts
 * import { maybeDeferred } from '@deferkit/deferred';
 * maybeDeferred((x: number) => x + 5, 10).addCallback(console.log);
 * // prints: 15
 * ```
 */
export function maybeDeferred<R, A extends unknown[]>(f: (...args: A) => R, ...args: A): Deferred<Unwrap<R>> {
  if (typeof f !== 'function') {
    throw new TypeError(`maybeDeferred(f, ...args): f must be a function, got ${describeValue(f)}.`);
  }
  let r: unknown;
  try {
    r = f(...args);
  } catch (e) {
    return fail(e);
  }
  if (r !== null && (typeof r === 'object' || typeof r === 'function')) {
    if (isDeferred(r)) return r as never;
    if (isFailure(r)) return fail(r);
    if (isThenable(r)) return Deferred.fromFuture(r as PromiseLike<never>);
  }
  return succeed(r) as never;
}

/**
 * Call `f(...args)` now: `succeed(returnValue)`, or `fail(error)` if it threw. No special
 * cases, except that a returned Deferred fails with a TypeError (J2; use `maybeDeferred` to
 * follow it).
 *
 * Mirrors Twisted's `twisted.internet.defer.execute`.
 *
 * @param f - the function.
 * @param args - its arguments.
 * @example
 * ```ts
 * import { execute } from '@deferkit/deferred';
 * execute(() => { throw new Error('nope'); }).addErrback((f) => console.log(f.getErrorMessage()));
 * // prints: nope
 * ```
 */
export function execute<R, A extends unknown[]>(f: (...args: A) => R, ...args: A): Deferred<R> {
  if (typeof f !== 'function') {
    throw new TypeError(`execute(f, ...args): f must be a function, got ${describeValue(f)}.`);
  }
  let r: R;
  try {
    r = f(...args);
  } catch (e) {
    return fail(e);
  }
  if (r !== null && typeof r === 'object' && isDeferred(r)) {
    return fail(
      new TypeError('execute(): the function returned a Deferred, which cannot be a result value; use maybeDeferred() to wait for it.'),
    );
  }
  return succeed(r);
}
