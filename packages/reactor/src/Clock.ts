// Clock: deterministic time for tests (rules [K1](../../../docs/rules.md#k1)-[K6](../../../docs/rules.md#k6)).

import type { IReactorTime } from '@deferkit/deferred';
import { DelayedCall } from './DelayedCall.js';
import { checkDelay, checkFunction } from './internal/validate.js';

/**
 * A clock that only moves when told to: `callLater()` schedules, `advance(seconds)` moves time
 * and runs every call that became due — in time order, same-time calls in the order they were
 * scheduled, and calls scheduled during `advance` run in the same `advance` when due. Errors
 * thrown by a call propagate out of `advance()`; the remaining due calls stay queued.
 *
 * Mirrors Twisted's `twisted.internet.task.Clock`.
 *
 * @example
 * ```ts
 * import { Clock } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * clock.callLater(2, () => console.log('two'));
 * clock.callLater(1, () => console.log('one'));
 * clock.advance(2);
 * // prints: one
 * //         two
 * ```
 */
export class Clock implements IReactorTime {
  /** The current time. Twisted's `rightNow`. */
  rightNow = 0;
  /** Pending calls, kept sorted by time (stable, as Twisted's). Twisted's `calls`. */
  readonly calls: DelayedCall[] = [];
  #seq = 0;

  /** The current time in seconds (0 at creation). */
  seconds(): number {
    return this.rightNow;
  }

  /**
   * Schedule `fn(...args)` `delay` seconds from now. Nothing runs inside `callLater`, even with
   * delay 0; negative delays are allowed (they run at the next `advance`), as in Twisted.
   *
   * @param delay - seconds from now.
   * @param fn - the function.
   * @param args - its arguments.
   * @throws RangeError for NaN or infinite delays; TypeError when `fn` is not a function.
   */
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): DelayedCall {
    checkDelay('Clock.callLater(delay, fn)', delay, true);
    checkFunction('Clock.callLater(delay, fn)', fn);
    const call = new DelayedCall(
      this.seconds() + delay,
      fn as (...a: unknown[]) => unknown,
      args,
      (c) => {
        const i = this.calls.indexOf(c);
        if (i !== -1) this.calls.splice(i, 1);
      },
      () => {},
      () => this.seconds(),
      this.#seq++,
    );
    this.calls.push(call);
    this.#sort();
    return call;
  }

  /** The pending calls (the live list, as Twisted's). */
  getDelayedCalls(): DelayedCall[] {
    return this.calls;
  }

  /**
   * Move time forward by `amount` seconds and run what is due.
   *
   * @param amount - seconds, >= 0 in practice (not checked, as in Twisted).
   * @throws whatever a due call throws (the rest stay queued for the next advance).
   */
  advance(amount: number): void {
    this.rightNow += amount;
    this.#sort();
    while (this.calls.length > 0 && this.calls[0]!.getTime() <= this.seconds()) {
      const call = this.calls.shift()!;
      call.called = true;
      const fn = call.func!;
      const args = call.args!;
      fn(...args);
      this.#sort();
    }
  }

  /**
   * `advance(t)` for each `t` in order.
   *
   * @param timings - the steps.
   */
  pump(timings: Iterable<number>): void {
    for (const t of timings) this.advance(t);
  }

  #sort(): void {
    // Array.prototype.sort is stable: equal times keep their list order, as in Twisted.
    this.calls.sort((a, b) => a.getTime() - b.getTime());
  }
}
