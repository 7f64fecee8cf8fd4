// DeferredLock: a mutex for Deferred-based code (rules [LK1](../../../docs/rules.md#lk1)-[LK4](../../../docs/rules.md#lk4)).

import { Deferred } from './Deferred.js';
import { ConcurrencyPrimitive } from './ConcurrencyPrimitive.js';

/**
 * A lock for Deferred-based code: `acquire()` fires with the lock once it is yours (at once if
 * free, else in FIFO order); `release()` hands it to the next waiter. Cancelling a waiting
 * acquire removes it from the queue. `run(f)` holds the lock while `f`'s result is pending.
 *
 * Mirrors Twisted's `twisted.internet.defer.DeferredLock`.
 *
 * @example
 * ```ts
 * import { Deferred, DeferredLock } from '@deferkit/deferred';
 *
 * const lock = new DeferredLock();
 * const first = new Deferred<string>();
 * lock.run(() => first); // holds the lock until `first` fires
 * lock.run(() => 'second, after first released').addCallback(console.log);
 * console.log('locked:', lock.locked);
 * first.callback('first');
 * // prints: locked: true
 * //         second, after first released
 * ```
 */
export class DeferredLock extends ConcurrencyPrimitive {
  /** Whether someone holds the lock. */
  locked = false;

  /**
   * Acquire the lock.
   *
   * @returns a Deferred that fires with this lock when it is yours; cancel it to stop waiting.
   */
  acquire(): Deferred<this> {
    const d = new Deferred<this>(this._cancelAcquire);
    if (this.locked) this._waiting.push(d);
    else {
      this.locked = true;
      d.callback(this);
    }
    return d;
  }

  /**
   * Release the lock; the next waiter (if any) gets it at once.
   *
   * @throws Error when the lock is not held.
   */
  release(): void {
    if (!this.locked) {
      throw new Error(
        'DeferredLock.release(): tried to release an unlocked lock. Call release() once per acquire() that fired, or use run().',
      );
    }
    this.locked = false;
    const next = this._waiting.shift();
    if (next !== undefined) {
      this.locked = true;
      next.callback(this);
    }
  }
}
