// The machinery every loop here shares: a FIFO of ready calls, a heap of timed calls, and a
// driver that gets tick() called when there is work. The callback reactor, the promise
// reactor, HostEventLoop and VirtualTimeEventLoop differ only in their clock and driver.

import { DelayedCall, type TimerOwner } from '../DelayedCall.js';
import { TimerHeap } from './TimerHeap.js';

/** Who calls Scheduler#tick(): the host (setImmediate + one timer), a Clock, or an EventLoop. @internal */
export interface TickDriver {
  /** Call tick() as soon as possible (once, however often this is asked). */
  soon(): void;
  /** Call tick() at `when` (the scheduler's seconds), replacing an earlier timed request. */
  at(when: number): void;
  /** No timed work: drop the timed request. */
  idle(): void;
  /** Stop for good: drop every request. */
  dispose(): void;
}

/** A call queued with callSoon(); `cancel()` is idempotent, as asyncio's Handle.cancel(). @internal */
export class ReadyCall {
  fn: ((...args: any[]) => unknown) | null;
  args: unknown[];
  #cancelled = false;
  constructor(fn: (...args: any[]) => unknown, args: unknown[]) {
    this.fn = fn;
    this.args = args;
  }
  cancel(): void {
    this.#cancelled = true;
    this.fn = null;
  }
  cancelled(): boolean {
    return this.#cancelled;
  }
}

/**
 * Ready calls in a FIFO, timed calls in a TimerHeap keyed by (deadline, scheduling order). It is
 * the owner of its DelayedCalls (TimerOwner), so a call costs one object and one heap slot.
 * @internal
 */
export class Scheduler implements TimerOwner {
  readonly now: () => number;
  readonly #heap = new TimerHeap();
  #ready: ReadyCall[] = [];
  #seq = 0;
  #active = false;
  #driver: TickDriver | null = null;
  readonly #onError: (error: unknown) => void;

  constructor(now: () => number, onError: (error: unknown) => void) {
    this.now = now;
    this.#onError = onError;
  }

  /** Set who calls tick(). */
  setDriver(driver: TickDriver): void {
    this.#driver?.dispose();
    this.#driver = driver;
    this.#poke();
  }

  get active(): boolean {
    return this.#active;
  }

  /** Start asking the driver for ticks. */
  start(): void {
    this.#active = true;
    this.#poke();
  }

  /** Stop asking; queued work stays queued. */
  stop(): void {
    this.#active = false;
    this.#driver?.dispose();
  }

  callSoon(fn: (...args: any[]) => unknown, args: unknown[]): ReadyCall {
    const call = new ReadyCall(fn, args);
    this.#ready.push(call);
    if (this.#ready.length === 1) this.#poke();
    return call;
  }

  /** A call at `when` (the scheduler's seconds). */
  callAt(when: number, fn: (...args: any[]) => unknown, args: unknown[]): DelayedCall {
    return this.#schedule(when, when <= this.now(), fn, args);
  }

  /** A call `delay` seconds from now; one clock read. */
  callLater(delay: number, fn: (...args: any[]) => unknown, args: unknown[]): DelayedCall {
    return this.#schedule(this.now() + delay, delay <= 0, fn, args);
  }

  /** `due`: `when` is not after the current time, so the call goes into the heap's due lane. */
  #schedule(when: number, due: boolean, fn: (...args: any[]) => unknown, args: unknown[]): DelayedCall {
    const call = new DelayedCall(when, fn, args, this);
    const heap = this.#heap;
    if (due) heap.pushDue(call, when, this.#seq++);
    else heap.push(call, when, this.#seq++);
    // Only a new earliest call concerns the driver; for the lane that is its first call.
    if (heap.peek() === call) this.#poke();
    return call;
  }

  /** @internal TimerOwner: the scheduler's clock. */
  _now(): number {
    return this.now();
  }

  /** @internal TimerOwner: a call was cancelled. */
  _cancelCall(call: DelayedCall): void {
    const wasFirst = this.#heap.peek() === call;
    this.#heap.remove(call);
    if (wasFirst) this.#poke();
  }

  /** @internal TimerOwner: a call's time changed; it keeps its place among equal times. */
  _moveCall(call: DelayedCall, oldTime: number): void {
    const heap = this.#heap;
    // Filed under its old time until now; an unchanged time needs no new entry.
    if (!heap.has(call) || call.getTime() === oldTime) return;
    const wasFirst = heap.peek() === call;
    heap.update(call, call.getTime(), heap.tieBreakOf(call));
    // Only the earliest deadline concerns the driver.
    if (wasFirst || heap.peek() === call) this.#poke();
  }

  /** The pending timed calls (a snapshot, in no particular order). */
  delayedCalls(): DelayedCall[] {
    return this.#heap.toArray();
  }

  hasReady(): boolean {
    return this.#ready.length > 0;
  }

  nextDeadline(): number | undefined {
    return this.#heap.size > 0 ? this.#heap.peekTime() : undefined;
  }

  /**
   * One turn: the ready calls queued before it, then the timed calls that are due and were
   * scheduled before it, in (time, insertion) order. Work added during the turn waits for the
   * next one, so a call that reschedules itself cannot starve the loop.
   */
  runOnce(): void {
    const ready = this.#ready;
    if (ready.length > 0) {
      this.#ready = [];
      for (const call of ready) {
        const fn = call.fn;
        if (fn === null) continue;
        call.fn = null;
        this.#invoke(fn, call.args);
      }
    }
    const limit = this.#seq;
    const now = this.now();
    const heap = this.#heap;
    for (let top = heap.popIfDue(now, limit); top !== undefined; top = heap.popIfDue(now, limit)) {
      top._setCalled();
      const fn = top.func!;
      const args = top.args!;
      top.func = null;
      top.args = null;
      this.#invoke(fn, args);
    }
  }

  /** runOnce(), then ask the driver for the next tick. */
  tick = (): void => {
    this.runOnce();
    this.#poke();
  };

  #invoke(fn: (...args: any[]) => unknown, args: unknown[]): void {
    try {
      if (args.length === 0) fn();
      else fn(...args);
    } catch (e) {
      // An error in one call is reported and does not stop the loop.
      this.#onError(e);
    }
  }

  #poke(): void {
    const driver = this.#driver;
    if (!this.#active || driver === null) return;
    if (this.#ready.length > 0) {
      driver.soon();
      return;
    }
    const heap = this.#heap;
    if (heap.size === 0) driver.idle();
    else if (heap.peekTime() <= this.now()) driver.soon();
    else driver.at(heap.peekTime());
  }
}

// ---------------------------------------------------------------------------------------------
// Drivers
// ---------------------------------------------------------------------------------------------

interface HostTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate?: (fn: () => void) => unknown;
  clearImmediate?: (handle: unknown) => void;
  MessageChannel?: new () => { port1: { onmessage: (() => void) | null; close?(): void }; port2: { postMessage(v: unknown): void } };
}

const host = globalThis as unknown as HostTimers;

/**
 * Queue `fn` as a host macrotask without the 1 ms clamp of setTimeout(0): setImmediate where
 * the runtime has it (Node, Bun), else a MessageChannel (browsers, Deno), else setTimeout.
 * @internal
 */
export function scheduleMacrotask(fn: () => void): void {
  if (typeof host.setImmediate === 'function') {
    host.setImmediate(fn);
    return;
  }
  if (typeof host.MessageChannel === 'function') {
    const channel = new host.MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close?.();
      fn();
    };
    channel.port2.postMessage(null);
    return;
  }
  host.setTimeout(fn, 0);
}

/** Drives a Scheduler from the host: one macrotask per turn, one host timer for the next deadline. @internal */
export class HostTickDriver implements TickDriver {
  #soonPending = false;
  #timer: unknown = null;
  #timerWhen = Number.POSITIVE_INFINITY;
  #disposed = false;
  readonly #tick: () => void;
  readonly #now: () => number;

  constructor(tick: () => void, now: () => number) {
    this.#tick = tick;
    this.#now = now;
  }

  soon(): void {
    if (this.#soonPending) return;
    this.#soonPending = true;
    this.#disposed = false;
    scheduleMacrotask(() => {
      this.#soonPending = false;
      if (!this.#disposed) this.#tick();
    });
  }

  at(when: number): void {
    this.#disposed = false;
    if (this.#timer !== null && this.#timerWhen === when) return;
    this.idle();
    this.#timerWhen = when;
    const ms = Math.max(0, Math.ceil((when - this.#now()) * 1000));
    this.#timer = host.setTimeout(() => {
      this.#timer = null;
      this.#timerWhen = Number.POSITIVE_INFINITY;
      if (!this.#disposed) this.#tick();
    }, ms);
  }

  idle(): void {
    if (this.#timer !== null) {
      host.clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerWhen = Number.POSITIVE_INFINITY;
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.idle();
  }
}

interface Cancellable {
  cancel(): void;
}

/**
 * Drives a Scheduler from something else that schedules: a Clock (virtual time) or an
 * EventLoop (the promise reactor). @internal
 */
export class DelegatingTickDriver implements TickDriver {
  #soonHandle: Cancellable | null = null;
  #atHandle: Cancellable | null = null;
  #atWhen = Number.NaN;
  readonly #tick: () => void;
  readonly #soon: (fn: () => void) => Cancellable;
  readonly #at: (when: number, fn: () => void) => Cancellable;

  constructor(tick: () => void, soon: (fn: () => void) => Cancellable, at: (when: number, fn: () => void) => Cancellable) {
    this.#tick = tick;
    this.#soon = soon;
    this.#at = at;
  }

  soon(): void {
    if (this.#soonHandle !== null) return;
    this.#soonHandle = this.#soon(() => {
      this.#soonHandle = null;
      this.#tick();
    });
  }

  at(when: number): void {
    if (this.#atHandle !== null && this.#atWhen === when) return;
    this.idle();
    this.#atWhen = when;
    this.#atHandle = this.#at(when, () => {
      this.#atHandle = null;
      this.#atWhen = Number.NaN;
      this.#tick();
    });
  }

  idle(): void {
    if (this.#atHandle !== null) {
      const h = this.#atHandle;
      this.#atHandle = null;
      this.#atWhen = Number.NaN;
      h.cancel();
    }
  }

  dispose(): void {
    this.idle();
    if (this.#soonHandle !== null) {
      const h = this.#soonHandle;
      this.#soonHandle = null;
      h.cancel();
    }
  }
}

/** Keeps a Node process alive while a reactor runs (Twisted's run() blocks until stop()). @internal */
export class KeepAlive {
  #handle: unknown = null;
  hold(): void {
    if (this.#handle === null) this.#handle = (globalThis as unknown as { setInterval(fn: () => void, ms: number): unknown }).setInterval(() => {}, 1 << 30);
  }
  release(): void {
    if (this.#handle !== null) {
      (globalThis as unknown as { clearInterval(h: unknown): void }).clearInterval(this.#handle);
      this.#handle = null;
    }
  }
}
