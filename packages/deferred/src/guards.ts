// The checks every package uses to tell what a value is: a Deferred (of any loaded copy), a
// thenable, a generator object. One definition each, exported, so that no two packages decide
// differently.

import { DEFERRED_BRAND } from './internal/shared.js';
import type { Deferred } from './Deferred.js';

/**
 * True for a Deferred made by any loaded copy of this package (the ESM and the CJS build, or
 * two versions in one bundle): it checks the brand every Deferred carries, not `instanceof`.
 *
 * Mirrors Twisted's `isinstance(x, Deferred)`.
 *
 * @param value - anything.
 * @example
 * ```ts
 * import { isDeferred, succeed } from '@deferkit/deferred';
 * console.log(isDeferred(succeed(1)), isDeferred(Promise.resolve(1)));
 * // prints: true false
 * ```
 */
export function isDeferred(value: unknown): value is Deferred<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (value as Record<symbol, unknown>)[DEFERRED_BRAND] === true
  );
}

/**
 * True for anything with a callable `then` (Promises/A+ "thenable"): a promise, a Deferred, a
 * `Future`. Reads `then` once; a `then` getter that throws makes it false.
 *
 * @param value - anything.
 * @example
 * ```ts
 * import { isThenable } from '@deferkit/deferred';
 * console.log(isThenable(Promise.resolve(1)), isThenable({ then: 1 }));
 * // prints: true false
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/**
 * True for a generator object (what calling a `function*` returns): the thing `inlineCallbacks`
 * and `Deferred.fromCoroutine` drive. It needs `next`, `throw` and `return` (the methods a
 * driver may call) and `Symbol.iterator`: a bare iterator is not a generator, and neither is an
 * async generator (its `next()` returns promises; Scrapy passes those through too).
 *
 * Mirrors Python's `isinstance(x, types.GeneratorType)`.
 *
 * @param value - anything.
 * @example
 * ```ts
 * import { isGenerator } from '@deferkit/deferred';
 * console.log(isGenerator((function* () {})()), isGenerator([1, 2][Symbol.iterator]()));
 * // prints: true false
 * ```
 */
export function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function' &&
    typeof (value as Generator).return === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}
