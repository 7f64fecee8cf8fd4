// DelayedCall: a call scheduled on a clock or reactor (rules [DC1](../../../docs/rules.md#dc1)-[DC5](../../../docs/rules.md#dc5)).

import type { IDelayedCall } from '@deferkit/deferred';
import { AlreadyCalled, AlreadyCancelled } from './errors.js';

/**
 * A call scheduled to run at a time, returned by `callLater()` of `Clock` and of the reactors.
 * `reset()` and `delay()` move it; `cancel()` stops it; all three throw `AlreadyCalled` once it
 * ran and `AlreadyCancelled` once it was cancelled.
 *
 * Mirrors Twisted's `twisted.internet.base.DelayedCall`.
 *
 * @example
 * ```ts
 * import { Clock } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * const call = clock.callLater(1, () => console.log('ran at', clock.seconds()));
 * call.delay(1);
 * clock.advance(2);
 * // prints: ran at 2
 * ```
 */
export class DelayedCall implements IDelayedCall {
  /** The scheduled time, not counting a pending `delay()`. Twisted's `time`. */
  time: number;
  /** A postponement not yet folded into `time` (Twisted's `delayed_time`). */
  delayedTime = 0;
  /** Whether it has run (set just before the function is called). */
  called = false;
  /** Whether it was cancelled. */
  cancelled = false;
  /** The function, until the call runs or is cancelled. */
  func: ((...args: any[]) => unknown) | null;
  /** Its arguments. */
  args: unknown[] | null;
  /** Insertion order, for ties between equal times. @internal */
  readonly _seq: number;
  /** Position in the owner's heap. @internal */
  _heapIndex = -1;
  readonly #seconds: () => number;
  readonly #canceller: (call: DelayedCall) => void;
  readonly #resetter: (call: DelayedCall) => void;

  /**
   * @param time - when to run, in the owner's seconds.
   * @param func - the function.
   * @param args - its arguments.
   * @param canceller - the owner's removal hook.
   * @param resetter - the owner's "time changed" hook.
   * @param seconds - the owner's clock.
   * @param seq - insertion order.
   */
  constructor(
    time: number,
    func: (...args: any[]) => unknown,
    args: unknown[],
    canceller: (call: DelayedCall) => void,
    resetter: (call: DelayedCall) => void,
    seconds: () => number,
    seq: number,
  ) {
    this.time = time;
    this.func = func;
    this.args = args;
    this.#canceller = canceller;
    this.#resetter = resetter;
    this.#seconds = seconds;
    this._seq = seq;
  }

  /** When it will run. */
  getTime(): number {
    return this.time + this.delayedTime;
  }

  /** Whether it has neither run nor been cancelled. */
  active(): boolean {
    return !(this.cancelled || this.called);
  }

  #check(what: string): void {
    if (this.cancelled) throw new AlreadyCancelled(`DelayedCall.${what}(): this call was cancelled; check active() first.`);
    if (this.called) throw new AlreadyCalled(`DelayedCall.${what}(): this call has already run; check active() first.`);
  }

  /**
   * Stop it from running.
   *
   * @throws AlreadyCancelled / AlreadyCalled.
   */
  cancel(): void {
    this.#check('cancel');
    this.#canceller(this);
    this.cancelled = true;
    this.func = null;
    this.args = null;
  }

  /**
   * Run it `seconds` from now instead.
   *
   * @param seconds - the new delay from the current time.
   * @throws AlreadyCancelled / AlreadyCalled.
   */
  reset(seconds: number): void {
    this.#check('reset');
    const newTime = this.#seconds() + seconds;
    if (newTime < this.time) {
      this.delayedTime = 0;
      this.time = newTime;
    } else {
      this.delayedTime = newTime - this.time;
    }
    this.#resetter(this);
  }

  /**
   * Postpone it by `seconds` (negative brings it forward).
   *
   * @param seconds - how much later.
   * @throws AlreadyCancelled / AlreadyCalled.
   */
  delay(seconds: number): void {
    this.#check('delay');
    this.delayedTime += seconds;
    if (this.delayedTime < 0) {
      this.time += this.delayedTime;
      this.delayedTime = 0;
    }
    this.#resetter(this);
  }

  /** `<DelayedCall 0.5s fn>`-style description. */
  toString(): string {
    const state = this.cancelled ? 'cancelled' : this.called ? 'called' : `at ${this.getTime()}`;
    return `<DelayedCall ${state} ${this.func?.name || ''}>`.replace(' >', '>');
  }
}
