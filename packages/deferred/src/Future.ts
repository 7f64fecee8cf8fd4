// Future: a cancellable promise with asyncio.Future's shape.

import { CancelledError } from './errors.js';
import { Failure } from './Failure.js';
import { isThenable } from './guards.js';
import { reportUnhandledFailure } from './internal/unhandled.js';

/**
 * `Future#result()` / `exception()` before the future is done, or `setResult()` /
 * `setException()` on a future that is already done.
 *
 * Mirrors asyncio's `InvalidStateError`.
 *
 * @example
 * ```ts
 * import { Future } from '@deferkit/deferred';
 *
 * try { new Future().result(); } catch (e) { console.log((e as Error).name); }
 * // prints: InvalidStateError
 * ```
 */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const CANCELLED = 3;

const noop = (): void => {};

/**
 * A promise you can cancel and inspect: asyncio's `Future` shape on a native `Promise`.
 * `await future` works as for any promise; `cancel()` rejects it with `CancelledError`.
 *
 * Done callbacks run synchronously, in registration order, when the future completes (asyncio
 * schedules them on its loop instead). A cancelled future that nobody awaits is not reported as
 * an unhandled rejection; a future failed with `setException()` is, like any rejected promise,
 * unless its exception was retrieved with `result()` or `exception()` (as asyncio stops logging
 * "exception was never retrieved" once you have asked for it).
 * `then()` returns a plain `Promise`.
 *
 * Mirrors asyncio's `asyncio.Future` (Scrapy's `deferred_to_future` returns one).
 *
 * @typeParam T - the result type.
 * @example
 * ```ts
 * import { Future } from '@deferkit/deferred';
 *
 * const f = new Future<number>();
 * f.addDoneCallback((x) => console.log('done, cancelled =', x.cancelled()));
 * f.cancel();
 * // prints: done, cancelled = true
 * ```
 */
export class Future<T = unknown> extends Promise<T> {
  /** `then()` and friends build plain Promises, not Futures. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #state: number = PENDING;
  #value: unknown = undefined;
  #resolve: (value: any) => void = noop;
  #reject: (reason: unknown) => void = noop;
  #callbacks: Array<(future: Future<any>) => void> | null = null;

  /**
   * @param executor - optional, as for `new Promise(executor)`; most code creates an empty
   *   Future and settles it with `setResult` / `setException`.
   */
  constructor(executor?: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void) {
    let res!: (value: T) => void;
    let rej!: (reason: unknown) => void;
    super((a, b) => {
      res = a;
      rej = b;
    });
    this.#resolve = res;
    this.#reject = rej;
    if (executor !== undefined) {
      try {
        executor(
          (value) => {
            if (this.#state !== PENDING) return;
            if (isThenable(value)) {
              (value as PromiseLike<T>).then(
                (v) => this.#settle(FULFILLED, v),
                (e) => this.#settle(REJECTED, e),
              );
            } else {
              this.#settle(FULFILLED, value);
            }
          },
          (reason) => this.#settle(REJECTED, reason),
        );
      } catch (e) {
        this.#settle(REJECTED, e);
      }
    }
  }

  /** asyncio: once result() or exception() has handed the exception out, it is not reported as never retrieved. */
  #retrieved(): void {
    Promise.prototype.then.call(this, undefined, noop);
  }

  #settle(state: number, value: unknown): boolean {
    if (this.#state !== PENDING) return false;
    this.#state = state;
    this.#value = value;
    if (state === FULFILLED) this.#resolve(value as T);
    else {
      if (state === CANCELLED) {
        // Nobody has to await a cancelled future: mark the rejection handled.
        Promise.prototype.then.call(this, undefined, noop);
      }
      this.#reject(value);
    }
    const callbacks = this.#callbacks;
    this.#callbacks = null;
    if (callbacks !== null) for (const cb of callbacks) runDoneCallback(cb, this);
    return true;
  }

  /**
   * Cancel: if still pending, reject with `CancelledError` and run the done callbacks.
   *
   * @param message - optional message for the `CancelledError`.
   * @returns `true` if it was cancelled now, `false` if it was already done.
   */
  cancel(message?: string): boolean {
    return this.#settle(CANCELLED, new CancelledError(message));
  }

  /** Whether it was cancelled. */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /** Whether it has a result, an exception, or was cancelled. */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /**
   * The result.
   *
   * @throws CancelledError if cancelled; the exception if it failed; InvalidStateError if pending.
   */
  result(): T {
    switch (this.#state) {
      case FULFILLED:
        return this.#value as T;
      case PENDING:
        throw new InvalidStateError('Future.result(): the future is not done yet; await it, or add a done callback.');
      default:
        this.#retrieved();
        throw this.#value;
    }
  }

  /**
   * The exception it failed with, or `undefined` if it succeeded.
   *
   * @throws CancelledError if cancelled; InvalidStateError if pending.
   */
  exception(): unknown {
    switch (this.#state) {
      case FULFILLED:
        return undefined;
      case REJECTED:
        this.#retrieved();
        return this.#value;
      case CANCELLED:
        throw this.#value;
      default:
        throw new InvalidStateError('Future.exception(): the future is not done yet; await it, or add a done callback.');
    }
  }

  /**
   * Call `fn(future)` when it is done (now, if it already is).
   *
   * @param fn - the callback.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') {
      throw new TypeError('Future.addDoneCallback(fn): fn must be a function called with the future when it is done.');
    }
    if (this.#state !== PENDING) runDoneCallback(fn, this);
    else (this.#callbacks ??= []).push(fn);
  }

  /**
   * Remove every registration of `fn`.
   *
   * @returns how many were removed.
   */
  removeDoneCallback(fn: (future: Future<T>) => void): number {
    const cbs = this.#callbacks;
    if (cbs === null) return 0;
    const kept = cbs.filter((c) => c !== fn);
    this.#callbacks = kept;
    return cbs.length - kept.length;
  }

  /**
   * Complete with `value`.
   *
   * @throws InvalidStateError if already done.
   */
  setResult(value: T): void {
    if (!this.#settle(FULFILLED, value)) {
      throw new InvalidStateError('Future.setResult(): the future is already done; a future completes once.');
    }
  }

  /**
   * Fail with `exception`.
   *
   * @throws InvalidStateError if already done.
   */
  setException(exception: unknown): void {
    if (!this.#settle(REJECTED, exception)) {
      throw new InvalidStateError('Future.setException(): the future is already done; a future completes once.');
    }
  }
}

function runDoneCallback<T>(fn: (future: Future<T>) => void, future: Future<T>): void {
  try {
    fn(future);
  } catch (e) {
    // A failing done callback must not stop the others, nor vanish, nor crash the process.
    reportUnhandledFailure(new Failure(e), undefined, 'macrotask');
  }
}
