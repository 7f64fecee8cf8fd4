// VirtualTimeEventLoop: an EventLoop whose time moves only when asked.

import { Scheduler, scheduleMacrotask, type TickDriver } from './internal/Scheduler.js';
import { SchedulerEventLoop, reportLoopError } from './EventLoop.js';
import { checkDelay } from './internal/validate.js';

/** Let every queued microtask (and the ones they queue) run: one host macrotask later they have. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => scheduleMacrotask(resolve));
}

/** The virtual loop drives itself in advance(); its driver just notes that work exists. */
const passiveDriver: TickDriver = { soon() {}, at() {}, idle() {}, dispose() {} };

/**
 * An EventLoop on virtual time, for deterministic tests and teaching: nothing runs until you
 * call `advance(seconds)` (or `runUntilIdle()`), which runs due calls one turn at a time and lets
 * every pending microtask (promise continuation) run between turns, so `await` chains progress
 * exactly as they would on a real loop — only without waiting.
 *
 * @example
 * ```ts
 * import { VirtualTimeEventLoop } from '@deferkit/reactor';
 *
 * const loop = new VirtualTimeEventLoop();
 * const slept = loop.sleep(10).then(() => console.log('woke at', loop.time()));
 * await loop.advance(10);
 * await slept;
 * // prints: woke at 10
 * ```
 */
export class VirtualTimeEventLoop extends SchedulerEventLoop {
  /** @internal */
  protected readonly _scheduler: Scheduler;
  /** @internal */
  protected readonly _name = 'VirtualTimeEventLoop';
  #now: number;
  #advancing = false;

  /** @param start - the initial time, in seconds (default 0). */
  constructor(start = 0) {
    super();
    this.#now = start;
    this._scheduler = new Scheduler(() => this.#now, reportLoopError);
    this._scheduler.setDriver(passiveDriver);
    this._scheduler.start();
  }

  /**
   * Move time forward by `seconds`, running every call that becomes due on the way, in time
   * order, with microtasks drained between turns. Resolves when time has reached the target and
   * nothing due is left.
   *
   * @param seconds - how far, >= 0.
   * @throws Error when called while another `advance` is in progress.
   */
  async advance(seconds: number): Promise<void> {
    checkDelay('VirtualTimeEventLoop.advance(seconds)', seconds);
    if (this.#advancing) {
      throw new Error('VirtualTimeEventLoop.advance(): another advance() is still running; await it first.');
    }
    this.#advancing = true;
    try {
      const target = this.#now + seconds;
      for (;;) {
        await drainMicrotasks();
        if (this._scheduler.hasReady()) {
          this._scheduler.runOnce();
          continue;
        }
        const next = this._scheduler.nextDeadline();
        if (next !== undefined && next <= target) {
          if (next > this.#now) this.#now = next;
          this._scheduler.runOnce();
          continue;
        }
        break;
      }
      this.#now = target;
    } finally {
      this.#advancing = false;
    }
  }

  /** Run everything that is due now (ready calls and their follow-ups) without moving time. */
  runUntilIdle(): Promise<void> {
    return this.advance(0);
  }
}
