// CallbackLoopReactor: Twisted's own kind of reactor, driven by the host or by a Clock.

import { logError, type IReactorTime } from '@deferkit/deferred';
import { monotonic } from './HostEventLoop.js';
import { ReactorBase } from './Reactor.js';
import { DelegatingTickDriver, HostTickDriver, Scheduler } from './internal/Scheduler.js';

/** Options of {@link CallbackLoopReactor}. */
export interface CallbackLoopReactorOptions {
  /**
   * Run on this clock's time instead of the host's: due calls run as the clock advances
   * (`clock.advance(s)`), for deterministic runs. A `Clock`, or any `IReactorTime`.
   */
  clock?: IReactorTime;
}

/**
 * Twisted's default kind of reactor: it owns a heap of timed calls and a queue of soon calls,
 * and each `iterate()` runs what is due — soon calls first (FIFO), then timed calls in (time,
 * insertion) order. The host drives it with one macrotask per turn (`setImmediate` or a
 * `MessageChannel`; never `setTimeout(0)`, which clamps to 1 ms) plus one host timer for the
 * next deadline. Given `{ clock }` it runs on that clock's virtual time instead. An error
 * thrown by a call is reported (`logError`) and the loop goes on.
 *
 * Coroutines run under it are driven by `Deferred.fromCoroutine` (the Twisted driver), so they
 * may await pending Deferreds.
 *
 * Mirrors Twisted's default reactor (`twisted.internet.reactor` with `ReactorBase`).
 *
 * @example
 * ```ts
 * import { CallbackLoopReactor } from '@deferkit/reactor';
 *
 * const reactor = new CallbackLoopReactor();
 * reactor.callLater(0.01, () => reactor.stop());
 * reactor.callWhenRunning(() => console.log('running'));
 * await reactor.run();
 * console.log('stopped');
 * // prints: running
 * //         stopped
 * ```
 */
export class CallbackLoopReactor extends ReactorBase {
  readonly kind = 'callback' as const;
  readonly name = 'CallbackLoopReactor';
  /** @internal */
  protected readonly _scheduler: Scheduler;
  readonly #virtual: boolean;

  /** @param options - `{ clock }` for virtual time. */
  constructor(options: CallbackLoopReactorOptions = {}) {
    super();
    const clock = options.clock;
    if (clock !== undefined && (clock === null || typeof clock.callLater !== 'function' || typeof clock.seconds !== 'function')) {
      throw new TypeError('new CallbackLoopReactor({ clock }): clock must provide seconds() and callLater() (a Clock).');
    }
    this.#virtual = clock !== undefined;
    if (clock === undefined) {
      this._scheduler = new Scheduler(monotonic, logError);
      this._scheduler.setDriver(new HostTickDriver(this._scheduler.tick, monotonic));
    } else {
      this._scheduler = new Scheduler(() => clock.seconds(), logError);
      this._scheduler.setDriver(
        new DelegatingTickDriver(
          this._scheduler.tick,
          (fn) => clock.callLater(0, fn),
          (when, fn) => clock.callLater(Math.max(0, when - clock.seconds()), fn),
        ),
      );
    }
  }

  /** @internal */
  protected override _keepsProcessAlive(): boolean {
    return !this.#virtual;
  }

  /**
   * Run one turn now: the soon calls queued so far, then the timed calls that are due.
   * Twisted's `reactor.iterate()`.
   */
  iterate(): void {
    this._scheduler.runOnce();
  }
}
