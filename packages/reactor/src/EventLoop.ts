// EventLoop: the subset of asyncio's loop that the promise reactor and user code rely on.

import { Future, isDeferred, logError } from '@deferkit/deferred';
import type { DelayedCall } from './DelayedCall.js';
import type { ReadyCall, Scheduler } from './internal/Scheduler.js';
import { checkDelay, checkFunction } from './internal/validate.js';

/**
 * A call queued on an EventLoop. `cancel()` may be called any number of times.
 *
 * Mirrors asyncio's `Handle`.
 */
export interface Handle {
  /** Stop the call from running (no effect once it ran). */
  cancel(): void;
  /** Whether `cancel()` was called. */
  cancelled(): boolean;
}

/**
 * A timed call queued on an EventLoop.
 *
 * Mirrors asyncio's `TimerHandle`.
 */
export interface TimerHandle extends Handle {
  /** When it runs, in the loop's `time()`. */
  when(): number;
}

/**
 * The asyncio-loop subset deferkit's promise reactor runs on (Scrapy's `ASYNCIO_EVENT_LOOP`).
 * Implement it to plug in your own loop; `HostEventLoop` (the runtime's own loop) and
 * `VirtualTimeEventLoop` (time moves only when asked) are provided.
 *
 * Mirrors asyncio's `AbstractEventLoop` (the part used here).
 */
export interface EventLoop {
  /** The loop's clock, in seconds. */
  time(): number;
  /** Run `fn(...args)` on a later turn, in FIFO order with other `callSoon` calls. */
  callSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Handle;
  /** Run `fn(...args)` `delay` seconds from now. */
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): TimerHandle;
  /** Run `fn(...args)` at loop time `when`. */
  callAt<A extends unknown[]>(when: number, fn: (...args: A) => unknown, ...args: A): TimerHandle;
  /** A new pending `Future`. */
  createFuture<T>(): Future<T>;
  /** A `Future` for a promise (or the same future when given a `Future`). */
  ensureFuture<T>(awaitable: PromiseLike<T>): Future<T>;
  /** A `Future` that resolves `seconds` from now; cancelling it cancels the timer. asyncio's `sleep`. */
  sleep(seconds: number): Future<void>;
}

// ---------------------------------------------------------------------------------------------
// The part HostEventLoop and VirtualTimeEventLoop share
// ---------------------------------------------------------------------------------------------

class ReadyHandle implements Handle {
  readonly #call: ReadyCall;
  constructor(call: ReadyCall) {
    this.#call = call;
  }
  cancel(): void {
    this.#call.cancel();
  }
  cancelled(): boolean {
    return this.#call.cancelled();
  }
}

class TimedHandle implements TimerHandle {
  readonly #call: DelayedCall;
  #cancelled = false;
  constructor(call: DelayedCall) {
    this.#call = call;
  }
  cancel(): void {
    this.#cancelled = true;
    if (this.#call.active()) this.#call.cancel();
  }
  cancelled(): boolean {
    return this.#cancelled;
  }
  when(): number {
    return this.#call.getTime();
  }
}

/**
 * An EventLoop built on deferkit's scheduler; subclasses provide the clock and the driver.
 * Exported because `HostEventLoop` and `VirtualTimeEventLoop` extend it (their declarations
 * need it); to plug in your own loop, implement the `EventLoop` interface.
 */
export abstract class SchedulerEventLoop implements EventLoop {
  /** @internal */
  protected abstract readonly _scheduler: Scheduler;
  /** @internal The loop's name in messages. */
  protected abstract readonly _name: string;

  time(): number {
    return this._scheduler.now();
  }

  callSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Handle {
    checkFunction('callSoon(fn)', fn, this._name);
    return new ReadyHandle(this._scheduler.callSoon(fn as (...a: unknown[]) => unknown, args));
  }

  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDelay('callLater(delay, fn)', delay, false, this._name);
    checkFunction('callLater(delay, fn)', fn, this._name);
    return new TimedHandle(this._scheduler.callLater(delay, fn as (...a: unknown[]) => unknown, args));
  }

  callAt<A extends unknown[]>(when: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDelay('callAt(when, fn)', when, true, this._name);
    checkFunction('callAt(when, fn)', fn, this._name);
    return new TimedHandle(this._scheduler.callAt(when, fn as (...a: unknown[]) => unknown, args));
  }

  createFuture<T>(): Future<T> {
    return new Future<T>();
  }

  ensureFuture<T>(awaitable: PromiseLike<T>): Future<T> {
    if (awaitable instanceof Future) return awaitable as Future<T>;
    if (awaitable === null || typeof awaitable !== 'object' || typeof (awaitable as PromiseLike<T>).then !== 'function') {
      throw new TypeError(`${this._name}.ensureFuture(awaitable): expected a promise, Future or Deferred.`);
    }
    const future = new Future<T>();
    if (isDeferred(awaitable)) {
      // Cancelling the future cancels the Deferred, as asyncio cancels the awaited thing.
      future.addDoneCallback((f) => {
        if (f.cancelled()) (awaitable as unknown as { cancel(): void }).cancel();
      });
    }
    // The task runs on this loop: its outcome is delivered on a loop turn, as asyncio's Task.
    awaitable.then(
      (value) => {
        if (!future.done()) future.setResult(value);
      },
      (error: unknown) => {
        if (!future.done()) future.setException(error);
      },
    );
    return future;
  }

  sleep(seconds: number): Future<void> {
    checkDelay('sleep(seconds)', seconds, false, this._name);
    const future = new Future<void>();
    const handle = this.callLater(seconds, () => {
      if (!future.done()) future.setResult(undefined);
    });
    future.addDoneCallback((f) => {
      if (f.cancelled()) handle.cancel();
    });
    return future;
  }
}

/** Errors thrown by loop callbacks are reported, never thrown into the host. @internal */
export function reportLoopError(error: unknown): void {
  logError(error);
}
