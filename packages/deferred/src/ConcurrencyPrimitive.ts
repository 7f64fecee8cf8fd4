// What DeferredLock and DeferredSemaphore share: run() and async disposal.

import { Deferred } from './Deferred.js';
import type { Unwrap } from './interfaces.js';
import { describeValue } from './errors.js';
import { maybeDeferred } from './constructors.js';
import { Fifo } from './internal/Fifo.js';

/**
 * The common part of DeferredLock and DeferredSemaphore: `run()`, `waiting` and async disposal.
 *
 * Mirrors Twisted's `twisted.internet.defer._ConcurrencyPrimitive`.
 */
export abstract class ConcurrencyPrimitive {
  /** Deferreds of acquire() calls waiting their turn, first come first served. @internal */
  readonly _waiting = new Fifo<Deferred<this>>();

  /** Acquire; the Deferred fires with this object once acquired. */
  abstract acquire(): Deferred<this>;
  /** Release what one acquire() got. */
  abstract release(): void;

  /** The acquire() calls still waiting (a snapshot). Twisted's `waiting`. */
  get waiting(): ReadonlyArray<Deferred<this>> {
    return this._waiting.toArray();
  }

  /** @internal */
  protected _cancelAcquire = (d: Deferred<this>): void => {
    this._waiting.remove(d);
  };

  /**
   * Acquire, call `f(...args)`, and release once its result (or its Deferred's, or its
   * promise's) is in — also when it fails. The returned Deferred carries `f`'s outcome.
   *
   * Mirrors Twisted's `DeferredLock.run` / `DeferredSemaphore.run`.
   *
   * @param f - the work to do while holding this.
   * @param args - its arguments.
   * @throws TypeError when `f` is not a function.
   */
  run<R, A extends unknown[]>(f: (...args: A) => R, ...args: A): Deferred<Unwrap<R>> {
    if (typeof f !== 'function') {
      throw new TypeError(
        `${this.constructor.name}.run(f, ...args): f must be the function to run while holding it, got ${describeValue(f)}.`,
      );
    }
    return this.acquire().addCallback(() =>
      maybeDeferred(f, ...args).addBoth((r: unknown) => {
        this.release();
        return r;
      }),
    ) as never;
  }

  /**
   * Release, so that `await using held = await lock.acquire()` releases at the end of the
   * block (Twisted's `async with lock:`).
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}
