// A small stand-in for twisted.internet.task.Clock (reference §4, rules K1-K4, DC1-DC2), used
// until @deferkit/reactor's Clock exists. It provides IReactorTime, which is all addTimeout needs.

import type { IDelayedCall, IReactorTime } from '@deferkit/deferred';

/** `cancel()` on a call that already ran (Twisted's `twisted.internet.error.AlreadyCalled`). */
export class AlreadyCalled extends Error {
  override name = 'AlreadyCalled';
}

/** `cancel()` on a call that was already cancelled (Twisted's `AlreadyCancelled`). */
export class AlreadyCancelled extends Error {
  override name = 'AlreadyCancelled';
}

/** One scheduled call of a {@link FakeClock} (DC1, DC2; `reset`/`delay` as DC3/DC4). */
export class FakeDelayedCall implements IDelayedCall {
  called = false;
  cancelled = false;
  private delayedTime = 0;

  constructor(
    private readonly clock: FakeClock,
    private time: number,
    public func: ((...args: unknown[]) => unknown) | null,
    public args: unknown[] | null,
  ) {}

  /** DC1: the scheduled time plus any delay. */
  getTime(): number {
    return this.time + this.delayedTime;
  }

  /** DC1: neither called nor cancelled. */
  active(): boolean {
    return !(this.cancelled || this.called);
  }

  /** DC2: errors if cancelled or called; otherwise leaves the clock and drops func/args. */
  cancel(): void {
    this.check();
    this.cancelled = true;
    this.func = null;
    this.args = null;
    this.clock._remove(this);
  }

  /** DC3. */
  reset(seconds: number): void {
    this.check();
    const newTime = this.clock.seconds() + seconds;
    if (newTime < this.time) {
      this.time = newTime;
      this.delayedTime = 0;
    } else {
      this.delayedTime = newTime - this.time;
    }
    this.clock._sort();
  }

  /** DC4. */
  delay(seconds: number): void {
    this.check();
    this.delayedTime += seconds;
    if (this.delayedTime < 0) {
      this.time += this.delayedTime;
      this.delayedTime = 0;
    }
    this.clock._sort();
  }

  private check(): void {
    if (this.cancelled) throw new AlreadyCancelled('this call was already cancelled');
    if (this.called) throw new AlreadyCalled('this call has already run');
  }
}

/** Virtual time: nothing runs until `advance()` (K1-K4). */
export class FakeClock implements IReactorTime {
  private now = 0;
  private calls: FakeDelayedCall[] = [];

  /** K1: starts at 0. */
  seconds(): number {
    return this.now;
  }

  /** K2: schedule at now + delay; calls with equal times keep insertion order; nothing runs here. */
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): FakeDelayedCall {
    const call = new FakeDelayedCall(this, this.now + delay, fn as (...args: unknown[]) => unknown, args);
    this.calls.push(call);
    this._sort();
    return call;
  }

  /** K3/K4: move time on and run every due call, including calls made due during the advance. */
  advance(amount: number): void {
    this.now += amount;
    this._sort();
    while (this.calls.length > 0 && this.calls[0]!.getTime() <= this.now) {
      const call = this.calls.shift()!;
      call.called = true;
      const { func, args } = call;
      // An exception propagates out of advance(); the remaining calls stay queued (K4).
      func!(...args!);
      this._sort();
    }
  }

  /** K5: advance by each amount in turn. */
  pump(timings: number[]): void {
    for (const t of timings) this.advance(t);
  }

  /** K6: the pending calls. */
  getDelayedCalls(): FakeDelayedCall[] {
    return this.calls.slice();
  }

  /** @internal */
  _remove(call: FakeDelayedCall): void {
    const i = this.calls.indexOf(call);
    if (i !== -1) this.calls.splice(i, 1);
  }

  /** @internal Array.prototype.sort is stable, so equal times keep their order (K2). */
  _sort(): void {
    this.calls.sort((a, b) => a.getTime() - b.getTime());
  }
}
