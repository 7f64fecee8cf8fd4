// DelayedCall: a call scheduled on a clock or reactor (rules [DC1](../../../docs/rules.md#dc1)-[DC5](../../../docs/rules.md#dc5)).

import type { IDelayedCall } from '@deferkit/deferred';
import { AlreadyCalled, AlreadyCancelled } from './errors.js';

/**
 * What a DelayedCall needs from the Clock or scheduler that owns it. One owner serves all of its
 * calls, so a call carries one reference instead of closures of its own. `Clock` and the
 * reactors are the owners; the type is exported for the constructor's signature only.
 */
export interface TimerOwner {
  /** The owner's current time. */
  _now(): number;
  /** `call` was cancelled: drop it. */
  _cancelCall(call: DelayedCall): void;
  /** `call.getTime()` changed (reset or delay) from `oldTime`: re-file it. */
  _moveCall(call: DelayedCall, oldTime: number): void;
}

/** The `args` of every call scheduled without arguments (frozen, like Twisted's empty tuple). */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** `_slot` of a call that was cancelled / that ran (a filed call's is its heap slot, >= 0). */
const CANCELLED = -2;
const CALLED = -3;

/**
 * A call scheduled to run at a time, returned by `callLater()` of `Clock` and of the reactors.
 * `reset()` and `delay()` move it; `cancel()` stops it; all three throw `AlreadyCalled` once it
 * ran and `AlreadyCancelled` once it was cancelled. Its owner keeps it in a timer heap, so
 * scheduling and moving it cost O(log n) in the number of pending calls and cancelling it O(1)
 * (amortised: the heap drops cancelled calls lazily, as Twisted's reactor does).
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
  /** The function, until the call runs or is cancelled. */
  func: ((...args: any[]) => unknown) | null;
  /** Its arguments (a frozen empty array when there are none). */
  args: unknown[] | null;
  /** The tie-break its owner filed it under: its place among calls of the same time. @internal */
  _tie = 0;
  /**
   * Its slot in the owner's heap (which entry is its live one) while pending; -1 before it is
   * filed, then CANCELLED or CALLED. It is also where `called` and `cancelled` are read from:
   * one small-integer field instead of two more per pending call. @internal
   */
  _slot = -1;
  readonly #owner: TimerOwner;

  /**
   * Created by `callLater()`; not meant to be constructed directly.
   *
   * @param time - when to run, in the owner's seconds.
   * @param func - the function.
   * @param args - its arguments.
   * @param owner - the Clock or scheduler that files it.
   */
  constructor(time: number, func: (...args: any[]) => unknown, args: unknown[], owner: TimerOwner) {
    this.time = time;
    this.func = func;
    this.args = args.length === 0 ? (NO_ARGS as unknown[]) : args;
    this.#owner = owner;
  }

  /** Whether it has run (true from just before the function is called). */
  get called(): boolean {
    return this._slot === CALLED;
  }

  /** Whether it was cancelled. */
  get cancelled(): boolean {
    return this._slot === CANCELLED;
  }

  /** Its owner took it out of the heap to run it: from now on `called` is true. @internal */
  _setCalled(): void {
    this._slot = CALLED;
  }

  /** When it will run. */
  getTime(): number {
    return this.time + this.delayedTime;
  }

  /** Whether it has neither run nor been cancelled. */
  active(): boolean {
    return this._slot > CANCELLED;
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
    this.#owner._cancelCall(this);
    this._slot = CANCELLED;
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
    const oldTime = this.getTime();
    const newTime = this.#owner._now() + seconds;
    if (newTime < this.time) {
      this.delayedTime = 0;
      this.time = newTime;
    } else {
      this.delayedTime = newTime - this.time;
    }
    this.#owner._moveCall(this, oldTime);
  }

  /**
   * Postpone it by `seconds` (negative brings it forward).
   *
   * @param seconds - how much later.
   * @throws AlreadyCancelled / AlreadyCalled.
   */
  delay(seconds: number): void {
    this.#check('delay');
    const oldTime = this.getTime();
    this.delayedTime += seconds;
    if (this.delayedTime < 0) {
      this.time += this.delayedTime;
      this.delayedTime = 0;
    }
    this.#owner._moveCall(this, oldTime);
  }

  /** `<DelayedCall 0.5s fn>`-style description. */
  toString(): string {
    const state = this.cancelled ? 'cancelled' : this.called ? 'called' : `at ${this.getTime()}`;
    return `<DelayedCall ${state} ${this.func?.name || ''}>`.replace(' >', '>');
  }
}
