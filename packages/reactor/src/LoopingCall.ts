// LoopingCall: call a function every `interval` seconds (rules [LC1](../../../docs/rules.md#lc1)-[LC6](../../../docs/rules.md#lc6)).

import { Deferred, maybeDeferred, type Failure, type IDelayedCall, type IReactorTime } from '@deferkit/deferred';
import { checkDelay, checkFunction } from './internal/validate.js';
import { getReactor } from './install.js';

/**
 * Call `fn(...args)` every `interval` seconds on `clock`. Missed intervals are skipped (the next
 * call lands on the next multiple of `interval` after the start); while a call's Deferred or
 * promise is pending, nothing else is scheduled. `start()` returns a Deferred that fires with
 * the LoopingCall when `stop()` is called, or fails when `fn` throws or its result fails (the
 * loop stops then).
 *
 * `clock` defaults to the installed reactor (`getReactor()`), read when first needed; set it
 * to a `Clock` in tests, as in Twisted.
 *
 * Mirrors Twisted's `twisted.internet.task.LoopingCall`.
 *
 * @example
 * ```ts
 * import { Clock, LoopingCall } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * const lc = new LoopingCall(() => console.log('tick at', clock.seconds()));
 * lc.clock = clock;
 * lc.start(1);          // prints: tick at 0
 * clock.advance(1);     // prints: tick at 1
 * lc.stop();
 * ```
 */
export class LoopingCall<A extends unknown[] = []> {
  /** The function called each interval. */
  readonly f: (...args: A) => unknown;
  /** Its arguments. */
  readonly args: A;
  /** Whether the loop is running. */
  running = false;
  /** The interval in seconds (after `start`). */
  interval: number | undefined = undefined;
  /** When `start` (or the last `reset`) happened, on `clock`. */
  starttime: number | undefined = undefined;
  /** The scheduled next call, if any. */
  call: IDelayedCall | null = null;
  #clock: IReactorTime | undefined;
  #deferred: Deferred<LoopingCall<A>> | null = null;
  #runAtStart = false;

  /**
   * @param fn - the function to call.
   * @param args - its arguments.
   * @throws TypeError when `fn` is not a function.
   */
  constructor(fn: (...args: A) => unknown, ...args: A) {
    checkFunction('new LoopingCall(fn, ...args)', fn);
    this.f = fn;
    this.args = args;
  }

  /** The clock it schedules on: the installed reactor unless set. */
  get clock(): IReactorTime {
    return (this.#clock ??= getReactor());
  }
  set clock(clock: IReactorTime) {
    this.#clock = clock;
  }

  /**
   * A LoopingCall whose function gets the number of intervals that elapsed since its last call
   * (more than 1 when calls were missed; always 1 for interval 0).
   *
   * Mirrors Twisted's `LoopingCall.withCount`.
   *
   * @param countCallable - `(count) => …`.
   * @example
   * ```ts
   * import { Clock, LoopingCall } from '@deferkit/reactor';
   *
   * const clock = new Clock();
   * const lc = LoopingCall.withCount((n) => console.log('elapsed intervals:', n));
   * lc.clock = clock;
   * lc.start(1, false);
   * clock.advance(1);
   * clock.advance(3); // three intervals passed at once: one call
   * lc.stop();
   * // prints: elapsed intervals: 1
   * //         elapsed intervals: 3
   * ```
   */
  static withCount(countCallable: (count: number) => unknown): LoopingCall<[]> {
    checkFunction('LoopingCall.withCount(fn)', countCallable);
    let lastTime: number | undefined;
    const lc: LoopingCall<[]> = new LoopingCall(() => {
      const now = lc.clock.seconds();
      const interval = lc.interval!;
      if (interval === 0) {
        lastTime = now;
        return countCallable(1);
      }
      let last = lastTime;
      if (last === undefined) {
        last = lc.starttime!;
        if (lc.#runAtStart) last -= interval;
      }
      const count = lc.#intervalOf(now) - lc.#intervalOf(last);
      if (count > 0) {
        lastTime = now;
        return countCallable(count);
      }
      return undefined;
    });
    return lc;
  }

  #intervalOf(t: number): number {
    return Math.trunc((t - this.starttime!) / this.interval!);
  }

  /**
   * Start calling every `interval` seconds; with `now` (the default) the first call happens
   * synchronously inside `start`.
   *
   * @param interval - seconds, >= 0.
   * @param now - call at once (true) or after the first interval.
   * @returns a Deferred firing with this LoopingCall after `stop()`, or failing with `fn`'s error.
   * @throws Error when already running; RangeError for a negative or NaN interval.
   */
  start(interval: number, now = true): Deferred<this> {
    if (this.running) {
      throw new Error('LoopingCall.start(): tried to start an already running LoopingCall; stop() it first.');
    }
    checkDelay('LoopingCall.start(interval)', interval);
    this.running = true;
    const deferred = new Deferred<this>();
    this.#deferred = deferred as Deferred<LoopingCall<A>>;
    this.starttime = this.clock.seconds();
    this.interval = interval;
    this.#runAtStart = now;
    if (now) this.#run();
    else this.#scheduleFrom(this.starttime);
    return deferred;
  }

  /**
   * Stop: cancel the next call; the start Deferred fires with this LoopingCall (at once, or when
   * the pending result of the current call arrives).
   *
   * @throws Error when not running.
   */
  stop(): void {
    if (!this.running) {
      throw new Error('LoopingCall.stop(): tried to stop a LoopingCall that was not running; check running first.');
    }
    this.running = false;
    if (this.call !== null) {
      this.call.cancel();
      this.call = null;
      this.#fire();
    }
  }

  /**
   * Restart the interval from now (the next call is a full interval away).
   *
   * @throws Error when not running.
   */
  reset(): void {
    if (!this.running) {
      throw new Error('LoopingCall.reset(): tried to reset a LoopingCall that was not running; start() it first.');
    }
    if (this.call !== null) {
      this.call.cancel();
      this.call = null;
      this.starttime = this.clock.seconds();
      this.#scheduleFrom(this.starttime);
    }
  }

  #fire(): void {
    const d = this.#deferred;
    this.#deferred = null;
    d?.callback(this);
  }

  #run = (): void => {
    this.call = null;
    maybeDeferred(this.f, ...this.args).addCallbacks(
      () => {
        if (this.running) this.#scheduleFrom(this.clock.seconds());
        else this.#fire();
      },
      (failure: Failure) => {
        this.running = false;
        const d = this.#deferred;
        this.#deferred = null;
        d?.errback(failure);
      },
    );
  };

  #scheduleFrom(when: number): void {
    const interval = this.interval!;
    const howLong = (): number => {
      if (interval === 0) return 0;
      const runningFor = when - this.starttime!;
      const untilNextInterval = interval - (runningFor % interval);
      // So small next to `when` that adding it changes nothing: the interval is over; wait a whole one.
      if (when === when + untilNextInterval) return interval;
      return untilNextInterval;
    };
    this.call = this.clock.callLater(howLong(), this.#run);
  }

  /** `LoopingCall<interval>(fnName, ...args)`, like Twisted's repr. */
  toString(): string {
    return `LoopingCall<${this.interval ?? 'None'}>(${this.f.name || 'anonymous'}, ${JSON.stringify(this.args)})`;
  }
}
