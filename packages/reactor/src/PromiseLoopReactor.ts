// PromiseLoopReactor: the asyncio-style reactor, delegating to a pluggable EventLoop.

import { logError } from '@deferkit/deferred';
import type { EventLoop } from './EventLoop.js';
import { HostEventLoop } from './HostEventLoop.js';
import { ReactorBase } from './Reactor.js';
import { VirtualTimeEventLoop } from './VirtualTimeEventLoop.js';
import { DelegatingTickDriver, Scheduler } from './internal/Scheduler.js';

/** Options of {@link PromiseLoopReactor}. */
export interface PromiseLoopReactorOptions {
  /** The loop to run on (default: a new `HostEventLoop`). Scrapy's `ASYNCIO_EVENT_LOOP`. */
  eventLoop?: EventLoop;
}

function isEventLoop(value: unknown): value is EventLoop {
  const v = value as Partial<EventLoop> | null;
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof v.time === 'function' &&
    typeof v.callSoon === 'function' &&
    typeof v.callAt === 'function' &&
    typeof v.createFuture === 'function' &&
    typeof v.ensureFuture === 'function'
  );
}

/**
 * The asyncio-style reactor: every reactor turn is a task on an `EventLoop` (by default
 * `HostEventLoop`, the runtime's own loop; `VirtualTimeEventLoop` for tests; or your own).
 * `seconds()` is the loop's `time()`. Coroutines run under it become `Future`s on the loop
 * (`loop.ensureFuture`), so — as with Scrapy's asyncio reactor — they cannot await a pending
 * Deferred directly (see `installReactor`'s `awaitDeferreds` policy) but can use
 * `getRunningLoop()`, `sleep()` and Futures.
 *
 * Mirrors Twisted's `AsyncioSelectorReactor`.
 *
 * @example
 * ```ts
 * import { PromiseLoopReactor } from '@deferkit/reactor';
 *
 * const reactor = new PromiseLoopReactor();
 * reactor.callLater(0.01, () => reactor.stop());
 * await reactor.run();
 * console.log('stopped at loop time', reactor.eventLoop.time() > 0);
 * // prints: stopped at loop time true
 * ```
 */
export class PromiseLoopReactor extends ReactorBase {
  readonly kind = 'promise' as const;
  readonly name = 'PromiseLoopReactor';
  /** The loop it runs on. */
  readonly eventLoop: EventLoop;
  /** @internal */
  protected readonly _scheduler: Scheduler;

  /**
   * @param options - `{ eventLoop }`.
   * @throws TypeError when `eventLoop` does not look like an EventLoop.
   */
  constructor(options: PromiseLoopReactorOptions = {}) {
    super();
    const loop = options.eventLoop ?? new HostEventLoop();
    if (!isEventLoop(loop)) {
      throw new TypeError(
        'new PromiseLoopReactor({ eventLoop }): eventLoop must implement EventLoop (time, callSoon, callAt, createFuture, ensureFuture); ' +
          'extend HostEventLoop or VirtualTimeEventLoop, or pass one of them.',
      );
    }
    this.eventLoop = loop;
    this._scheduler = new Scheduler(() => loop.time(), logError);
    this._scheduler.setDriver(
      new DelegatingTickDriver(
        this._scheduler.tick,
        (fn) => loop.callSoon(fn),
        (when, fn) => loop.callAt(when, fn),
      ),
    );
  }

  /** @internal */
  protected override _keepsProcessAlive(): boolean {
    return !(this.eventLoop instanceof VirtualTimeEventLoop);
  }
}

/** @internal */
export { isEventLoop };
