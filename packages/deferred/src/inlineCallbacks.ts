// inlineCallbacks and ensureDeferred: generators that wait on Deferreds (rules IC, E).

import { Deferred, driveCoroutine, isDeferred, isGenerator } from './Deferred.js';
import { NotACoroutineError, describeValue } from './errors.js';

/**
 * Turn a generator function into a function returning a Deferred. Inside, `yield d` waits for
 * a Deferred (or promise) and evaluates to its result — `const x = yield* d` does the same,
 * typed (J5). A failure is thrown in at the `yield`. `return v` fires the Deferred with `v`; an
 * uncaught error fails it. The generator runs synchronously until it waits on something that
 * has no result yet; already-fired Deferreds resume it at once, without growing the stack.
 * Cancelling the returned Deferred cancels what the generator waits on and throws
 * `CancelledError` in at the `yield`.
 *
 * Mirrors Twisted's `twisted.internet.defer.inlineCallbacks` (no `returnValue`: use `return`, J11).
 *
 * @param fn - a generator function (`function*`).
 * @returns a function with the same parameters returning `Deferred<R>`.
 * @throws TypeError when `fn` is not a function; the returned function throws TypeError when
 *   `fn` does not produce a generator.
 * @example
 * ```ts
 * const getAnswer = inlineCallbacks(function* (base: number) {
 *   const a = yield* succeed(base);
 *   const b = yield* Deferred.fromFuture(Promise.resolve(2));
 *   return a * b;
 * });
 * getAnswer(21).addCallback(console.log);
 * // prints (after a microtask): 42
 * ```
 */
export function inlineCallbacks<This, A extends unknown[], R>(
  fn: (this: This, ...args: A) => Generator<unknown, R, any>,
): (this: This, ...args: A) => Deferred<R> {
  if (typeof fn !== 'function') {
    throw new TypeError(`inlineCallbacks(fn): fn must be a generator function (function*), got ${describeValue(fn)}.`);
  }
  const wrapped = function (this: This, ...args: A): Deferred<R> {
    const gen: unknown = fn.apply(this, args);
    if (!isGenerator(gen)) {
      throw new TypeError(
        `inlineCallbacks requires ${fn.name || 'the function'} to produce a generator; instead got ${describeValue(gen)}. ` +
          'Declare it with function* and wait on Deferreds with yield (or yield*).',
      );
    }
    return driveCoroutine(gen as Generator<unknown, R, any>);
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped;
}

/**
 * A Deferred for `coroutineOrDeferred`: a Deferred is returned unchanged; a generator object or
 * a promise goes through `Deferred.fromCoroutine`.
 *
 * Mirrors Twisted's `twisted.internet.defer.ensureDeferred`.
 *
 * @param coroutineOrDeferred - a Deferred, generator object or promise.
 * @throws NotACoroutineError for anything else.
 * @example
 * ```ts
 * ensureDeferred((async () => 'foo')()).addCallback(console.log);
 * // prints (after a microtask): foo
 * ```
 */
export function ensureDeferred<T>(coroutineOrDeferred: Deferred<T> | Generator<unknown, T, any> | PromiseLike<T>): Deferred<T> {
  if (isDeferred(coroutineOrDeferred)) return coroutineOrDeferred as Deferred<T>;
  try {
    return Deferred.fromCoroutine(coroutineOrDeferred);
  } catch (e) {
    if (e instanceof NotACoroutineError) {
      throw new NotACoroutineError(
        `${describeValue(coroutineOrDeferred)} is not a coroutine or a Deferred: ensureDeferred() takes a Deferred, ` +
          'a generator object (call your function* first) or a promise (call your async function first).',
      );
    }
    throw e;
  }
}
