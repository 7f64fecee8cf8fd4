// The lab's custom event loop: the runtime's loop, counting the tasks it runs — the
// `promise+loop` column (Scrapy's ASYNCIO_EVENT_LOOP with a non-default loop class).

import { HostEventLoop } from '@deferkit/reactor';

/**
 * A custom EventLoop for the promise reactor: a HostEventLoop that counts the callbacks it
 * schedules. Installing it is what `PROMISE_EVENT_LOOP` does (Scrapy: `ASYNCIO_EVENT_LOOP =
 * "uvloop.Loop"` and the like).
 */
export class TracingEventLoop extends HostEventLoop {
  /** Callbacks scheduled with callSoon / callLater / callAt. */
  scheduled = 0;

  override callSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A) {
    this.scheduled++;
    return super.callSoon(fn, ...args);
  }

  override callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A) {
    this.scheduled++;
    return super.callLater(delay, fn, ...args);
  }

  override callAt<A extends unknown[]>(when: number, fn: (...args: A) => unknown, ...args: A) {
    this.scheduled++;
    return super.callAt(when, fn, ...args);
  }
}
