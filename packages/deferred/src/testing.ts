// @deferkit/deferred/testing: Twisted trial's helpers for synchronous assertions on Deferreds.

import { peekResult, type Deferred } from './Deferred.js';
import { isDeferred } from './guards.js';
import { Failure, isFailure, type FailureMatcher } from './Failure.js';
import { describeValue } from './errors.js';

function asDeferred<T>(d: Deferred<T>, fn: string): Deferred<T> {
  // isDeferred, not instanceof: a Deferred from the package's other (CJS/ESM) copy is one too.
  if (!isDeferred(d)) {
    throw new TypeError(`${fn}(d): d must be a Deferred, got ${describeValue(d)}.`);
  }
  return d;
}

/**
 * The success result `d` has right now.
 *
 * Mirrors trial's `SynchronousTestCase.successResultOf`.
 *
 * @param d - a Deferred expected to have succeeded already.
 * @throws Error when it has no result yet, or failed.
 * @example
 * ```ts
 * import { succeed } from '@deferkit/deferred';
 * import { successResultOf } from '@deferkit/deferred/testing';
 *
 * console.log(successResultOf(succeed(3)));
 * // prints: 3
 * ```
 */
export function successResultOf<T>(d: Deferred<T>): T {
  asDeferred(d, 'successResultOf');
  const { has, value } = peekResult(d as Deferred<unknown>);
  if (!has) throw new Error(`Success result expected on ${d.toString()}, found no result instead.`);
  if (isFailure(value)) {
    throw new Error(`Success result expected on ${d.toString()}, found failure result instead:\n${value.getTraceback()}`);
  }
  return value as T;
}

/**
 * The failure `d` has right now (optionally of one of `types`). Takes the failure off `d`, so
 * it is not reported as unhandled; `d` then carries `undefined`.
 *
 * Mirrors trial's `SynchronousTestCase.failureResultOf`.
 *
 * @param d - a Deferred expected to have failed already.
 * @param types - accepted error classes or class names; any, if none are given.
 * @throws Error when it has no result, succeeded, or failed with another type.
 * @example
 * ```ts
 * import { fail } from '@deferkit/deferred';
 * import { failureResultOf } from '@deferkit/deferred/testing';
 *
 * const f = failureResultOf(fail(new RangeError('x')), RangeError);
 * console.log(f.getErrorMessage());
 * // prints: x
 * ```
 */
export function failureResultOf(d: Deferred<unknown>, ...types: FailureMatcher[]): Failure {
  asDeferred(d, 'failureResultOf');
  const { has, value } = peekResult(d);
  if (!has) throw new Error(`Failure result expected on ${d.toString()}, found no result instead.`);
  if (!isFailure(value)) {
    throw new Error(`Failure result expected on ${d.toString()}, found success result (${describeValue(value)}) instead.`);
  }
  d.addErrback(() => undefined);
  if (types.length > 0 && value.check(...types) === null) {
    const names = types.map((t) => (typeof t === 'string' ? t : t.name)).join(' or ');
    throw new Error(`Failure of type (${names}) expected on ${d.toString()}, found type ${value.type?.name ?? String(value.value)} instead:\n${value.getTraceback()}`);
  }
  return value;
}

/**
 * Assert that `d` has no result yet (unfired, paused, or waiting on another Deferred).
 *
 * Mirrors trial's `SynchronousTestCase.assertNoResult`.
 *
 * @param d - the Deferred.
 * @throws Error when it has a result (a failure found this way is handled, so it is not reported twice).
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * import { assertNoResult } from '@deferkit/deferred/testing';
 *
 * assertNoResult(new Deferred()); // passes
 * ```
 */
export function assertNoResult(d: Deferred<unknown>): void {
  asDeferred(d, 'assertNoResult');
  const { has, value } = peekResult(d);
  if (!has) return;
  if (isFailure(value)) {
    d.addErrback(() => undefined);
    throw new Error(`No result expected on ${d.toString()}, found failure result instead:\n${value.getTraceback()}`);
  }
  throw new Error(`No result expected on ${d.toString()}, found ${describeValue(value)} instead.`);
}

export { Failure };

/** A Deferred's state as plain data: see {@link deferredState}. */
export type DeferredState<T = unknown> =
  | { state: 'pending' }
  | { state: 'paused'; result: unknown }
  | { state: 'succeeded'; result: T }
  | { state: 'failed'; result: Failure };

/**
 * A plain-data snapshot of `d`, safe for deep equality (`expect(...).toEqual(...)`, `assert.deepEqual`):
 * `{ state: 'pending' }` before a result; `{ state: 'paused', result }` while a result is held
 * back (paused, or waiting on another Deferred); `{ state: 'succeeded', result }`;
 * `{ state: 'failed', result: failure }`. It does not take the failure off `d`.
 *
 * Why: a Deferred is iterable (for `yield*`), so generic deep equality iterates it, and
 * iterating a failed Deferred throws its error from inside the matcher (and marks it handled);
 * comparing two Deferreds with `toEqual` compares nothing useful either. Compare snapshots.
 *
 * @param d - any Deferred, from either copy (CJS/ESM) of the package.
 * @example
 * ```ts
 * import { Deferred, fail, succeed } from '@deferkit/deferred';
 * import { deferredState } from '@deferkit/deferred/testing';
 *
 * console.log(deferredState(succeed(1)), deferredState(new Deferred()));
 * const failed = fail(new Error('boom'));
 * const s = deferredState(failed);
 * console.log(s.state, s.state === 'failed' && s.result.getErrorMessage());
 * failed.addErrback(() => null);
 * // prints: { state: 'succeeded', result: 1 } { state: 'pending' }
 * //         failed boom
 * ```
 */
export function deferredState<T>(d: Deferred<T>): DeferredState<T> {
  asDeferred(d, 'deferredState');
  const { has, value } = peekResult(d as Deferred<unknown>);
  if (has) return isFailure(value) ? { state: 'failed', result: value } : { state: 'succeeded', result: value as T };
  if (!d.called) return { state: 'pending' };
  // Called but held back: paused, or its result is a Deferred it waits on.
  return { state: 'paused', result: (d as unknown as { _result: unknown })._result };
}
