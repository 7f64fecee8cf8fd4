// inlineCallbacks and ensureDeferred: generators that wait on Deferreds (rules IC, E).

import { Deferred } from './Deferred.js';
import { NotACoroutineError, describeValue } from './errors.js';
import { Failure, isFailure } from './Failure.js';
import { isDeferred, isGenerator } from './guards.js';
import { resolveInto, toDeferredOrNull } from './internal/adopt.js';
import { Pair } from './internal/chainEntry.js';
import { clearFailure } from './internal/unhandled.js';

/**
 * Turn a generator function into a function returning a Deferred. Inside, `yield d` waits for
 * a Deferred (or promise) and evaluates to its result — `const x = yield* d` does the same,
 * typed ([J5](../../../docs/rules.md#j5)). A failure is thrown in at the `yield`. `return v` fires the Deferred with `v`; an
 * uncaught error fails it. The generator runs synchronously until it waits on something that
 * has no result yet; already-fired Deferreds resume it at once, without growing the stack.
 * Cancelling the returned Deferred cancels what the generator waits on and throws
 * `CancelledError` in at the `yield`.
 *
 * Mirrors Twisted's `twisted.internet.defer.inlineCallbacks` (no `returnValue`: use `return`, [J11](../../../docs/rules.md#j11)).
 *
 * @param fn - a generator function (`function*`).
 * @returns a function with the same parameters returning `Deferred<R>`.
 * @throws TypeError when `fn` is not a function; the returned function throws TypeError when
 *   `fn` does not produce a generator.
 * @example
 * ```ts
 * import { Deferred, inlineCallbacks, succeed } from '@deferkit/deferred';
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
  fn: (this: This, ...args: A) => Generator<unknown, R, unknown>,
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
    return driveCoroutine(gen as Generator<unknown, R, unknown>);
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
 * import { ensureDeferred } from '@deferkit/deferred';
 * ensureDeferred((async () => 'foo')()).addCallback(console.log);
 * // prints (after a microtask): foo
 * ```
 */
export function ensureDeferred<T>(coroutineOrDeferred: Deferred<T> | Generator<unknown, T, unknown> | PromiseLike<T>): Deferred<T> {
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

// ---------------------------------------------------------------------------------------------
// The coroutine driver (inlineCallbacks / fromCoroutine): rules [IC2](../../../docs/rules.md#ic2)-[IC9](../../../docs/rules.md#ic9), [T3](../../../docs/rules.md#t3)
// ---------------------------------------------------------------------------------------------

/** Thrown into the result Deferred's chain to mark "cancelled while waiting" (Twisted's _InternalInlineCallbacksCancelledError). */
class InternalInlineCallbacksCancelledError extends Error {
  override name = 'InternalInlineCallbacksCancelledError';
}

interface DriverStatus {
  /** The Deferred the generator's outcome goes to (swapped by cancellation). */
  deferred: Deferred<unknown>;
  /** The Deferred the generator is waiting on, if any. */
  waitingOn: Deferred<unknown> | null;
}

/** Drive `gen` as a cancellable inlineCallbacks coroutine. @internal */
export function driveCoroutine<T>(gen: Generator<unknown, T, unknown>): Deferred<T> {
  const status: DriverStatus = { deferred: null as never, waitingOn: null };
  const d = new Deferred<unknown>((it) => addCancelCallbackToDeferred(it, status));
  status.deferred = d;
  runGenerator(undefined, gen as Generator<unknown, unknown, unknown>, status);
  return d as Deferred<T>;
}

function addCancelCallbackToDeferred(it: Deferred<unknown>, status: DriverStatus): void {
  // Put an errback in front of every pair already on `it`, then errback `it` with the internal
  // marker: that errback swaps in a fresh Deferred (so the application's callbacks wait for the
  // generator's real outcome) and cancels what the generator waits on ([IC8](../../../docs/rules.md#ic8)).
  const first = new Pair(null, handleCancelInlineCallbacks, null, [status]);
  // `it` has not fired (a canceller runs only then), so its queue is whole, starting at 0.
  if (it._first !== null) {
    const q = it._cbs ?? [];
    q.unshift(it._first);
    it._cbs = q;
  }
  it._first = first;
  it.errback(new InternalInlineCallbacksCancelledError('inlineCallbacks cancelled'));
}

function handleCancelInlineCallbacks(failure: Failure, status: DriverStatus): Deferred<unknown> {
  failure.trap(InternalInlineCallbacksCancelledError);
  status.deferred = new Deferred<unknown>((it) => addCancelCallbackToDeferred(it, status));
  const awaited = status.waitingOn;
  if (awaited !== null) awaited.cancel();
  return status.deferred;
}

function runGenerator(result: unknown, gen: Generator<unknown, unknown, unknown>, status: DriverStatus): void {
  // Already-fired yields loop here instead of recursing (T3): `waiting` tells whether the
  // yielded Deferred delivered synchronously.
  for (;;) {
    let step: IteratorResult<unknown, unknown>;
    try {
      if (isFailure(result)) {
        result._observed = true;
        step = gen.throw(result.value);
      } else {
        step = gen.next(result);
      }
    } catch (e) {
      status.deferred.errback(e);
      return;
    }
    if (step.done) {
      const target = status.deferred;
      // Someone else fired the result Deferred meanwhile: the return is a second firing, and
      // its AlreadyCalledError goes to whoever resumed the generator (Twisted's callback()).
      if (target._called) {
        target._firedAgain();
        return;
      }
      // Returning a Deferred or promise from the generator resolves to its result, as an
      // async function's `return somePromise` does ([J2](../../../docs/rules.md#j2) forbids firing with a Deferred).
      resolveInto(target, step.value);
      return;
    }

    let yielded = step.value;
    if (yielded !== null && typeof yielded === 'object') {
      if (isGenerator(yielded)) yielded = driveCoroutine(yielded);
      else if (!(yielded instanceof Deferred)) yielded = toDeferredOrNull(yielded) ?? yielded;
    }
    if (!(yielded instanceof Deferred)) {
      // Any other value is sent straight back ([IC3](../../../docs/rules.md#ic3)).
      result = yielded;
      continue;
    }

    if (yielded._isIdle()) {
      // Fired and idle: take the result now, exactly as the resume callback below would (the
      // yielded Deferred is left holding undefined, [IC7](../../../docs/rules.md#ic7)), without allocating it. A Deferred
      // still running its callbacks (the generator was resumed from inside its chain) is not
      // idle: Twisted's addBoth queues behind the callbacks still to run, and so do we.
      result = yielded._result;
      yielded._result = undefined;
      yielded._chainedTo = null;
      if (yielded._debugInfo !== null) clearFailure(yielded._debugInfo);
      continue;
    }
    // Not fired yet (or paused): wait for it. If it fires while we are still here (a callback
    // already queued on it fires it synchronously), the waiter says so and we loop instead of
    // recursing (T3).
    const waiter = new Waiter(gen, status, yielded);
    yielded._add(waiter.resume, waiter.resume, null, null);
    if (waiter.waiting) {
      waiter.waiting = false;
      status.waitingOn = yielded;
      return;
    }
    result = waiter.syncResult;
  }
}

/**
 * Resumes a generator when the Deferred it yielded fires. A class rather than a closure made in
 * the driver loop: one allocation, one hidden class, and no per-iteration function object.
 */
class Waiter {
  waiting = true;
  syncResult: unknown = undefined;
  readonly #gen: Generator<unknown, unknown, unknown>;
  readonly #status: DriverStatus;
  readonly #awaited: Deferred<unknown>;
  constructor(gen: Generator<unknown, unknown, unknown>, status: DriverStatus, awaited: Deferred<unknown>) {
    this.#gen = gen;
    this.#status = status;
    this.#awaited = awaited;
  }
  resume = (r: unknown): undefined => {
    if (this.waiting) {
      this.waiting = false;
      this.syncResult = r;
    } else {
      if (this.#status.waitingOn === this.#awaited) this.#status.waitingOn = null;
      runGenerator(r, this.#gen, this.#status);
    }
    // The yield consumed the result (IC7): nothing is left to report as unhandled.
    return undefined;
  };
}
