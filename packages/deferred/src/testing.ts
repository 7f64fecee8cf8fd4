// @deferkit/deferred/testing: Twisted trial's helpers for synchronous assertions on Deferreds.

import { Deferred, peekResult } from './Deferred.js';
import { Failure, isFailure, type FailureMatcher } from './Failure.js';
import { describeValue } from './errors.js';

function asDeferred<T>(d: Deferred<T>, fn: string): Deferred<T> {
  if (!(d instanceof Deferred)) {
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
