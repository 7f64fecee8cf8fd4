// HostEventLoop: an EventLoop on the runtime's own loop (Node, Deno, Bun, browsers).

import { HostTickDriver, Scheduler } from './internal/Scheduler.js';
import { SchedulerEventLoop, reportLoopError } from './EventLoop.js';

const perf = (globalThis as unknown as { performance?: { now(): number } }).performance;
/** Monotonic seconds. */
const monotonic: () => number =
  perf !== undefined && typeof perf.now === 'function' ? () => perf.now() / 1000 : () => Date.now() / 1000;

/**
 * The default EventLoop: runs on the host runtime's own event loop, adapting by itself —
 * `setImmediate` where the runtime has it (Node, Bun), a `MessageChannel` otherwise (browsers,
 * Deno), one host timer for the next deadline (never `setTimeout(0)`'s 1 ms clamp for soon calls).
 * It is always running, as JavaScript's own loop is. `time()` is monotonic.
 *
 * Mirrors asyncio's default event loop (Scrapy picks the platform's loop by itself).
 *
 * @example
 * ```ts
 * import { HostEventLoop } from '@deferkit/reactor';
 *
 * const loop = new HostEventLoop();
 * loop.callLater(0.01, () => console.log('later'));
 * loop.callSoon(() => console.log('soon'));
 * // prints: soon
 * //         later
 * ```
 */
export class HostEventLoop extends SchedulerEventLoop {
  /** @internal */
  protected readonly _scheduler: Scheduler;
  /** @internal */
  protected readonly _name = 'HostEventLoop';

  constructor() {
    super();
    this._scheduler = new Scheduler(monotonic, reportLoopError);
    this._scheduler.setDriver(new HostTickDriver(this._scheduler.tick, monotonic));
    this._scheduler.start();
  }
}

/** @internal */
export { monotonic };
