// LoopingCall: rules LC1-LC5 of the Twisted reference (docs/rules.md) §4.4, with the LoopTests and
// ReactorLoopTests of Twisted's test_task.py (run on a Clock instead of the global reactor).
// LC6 (the deprecated `.deferred` attribute and Python's repr) is not part of deferkit.

import { afterEach, describe, expect, it } from 'vitest';
import { Deferred, type Failure } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { Clock, LoopingCall, getReactor, installReactor, isReactorInstalled, uninstallReactor } from '@deferkit/reactor';
import { nextTurn, thrownBy } from '../support.js';

class TestException extends Error {
  override name = 'TestException';
}


/** Twisted's TestableLoopingCall: a LoopingCall on the given clock. */
function testable<A extends unknown[]>(clock: Clock, fn: (...args: A) => unknown, ...args: A): LoopingCall<A> {
  const lc = new LoopingCall(fn, ...args);
  lc.clock = clock;
  return lc;
}

afterEach(() => {
  uninstallReactor();
});

describe('LoopingCall', () => {
  it('LC1 defaults its clock to the installed reactor, read lazily, and the clock is settable (test_defaultClock)', () => {
    const lc = new LoopingCall(() => undefined);
    expect(isReactorInstalled()).toBe(false);
    const reactor = installReactor('callback');
    expect(lc.clock).toBe(reactor);
    expect(lc.clock).toBe(getReactor());
    const clock = new Clock();
    lc.clock = clock;
    expect(lc.clock).toBe(clock);
  });

  it('LC1 calls f synchronously inside start() when now is true', () => {
    const clock = new Clock();
    const log: number[] = [];
    const lc = testable(clock, () => log.push(clock.seconds()));
    lc.start(1);
    expect(log).toEqual([0]);
    expect(lc.running).toBe(true);
    expect(lc.interval).toBe(1);
    expect(lc.starttime).toBe(0);
    lc.stop();
  });

  it('LC1 refuses a negative or NaN interval (testBadDelay)', () => {
    const lc = new LoopingCall(() => undefined);
    lc.clock = new Clock();
    const e = thrownBy(() => lc.start(-1));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toMatch(/>= 0/);
    expect(thrownBy(() => lc.start(Number.NaN))).toBeInstanceOf(RangeError);
    expect(lc.running).toBe(false);
  });

  it('LC1 refuses to start twice, and rejects a non-function', () => {
    const clock = new Clock();
    const lc = testable(clock, () => undefined);
    lc.start(1);
    const e = thrownBy(() => lc.start(1));
    expect(e.message).toMatch(/already running/);
    expect(e.message).toMatch(/stop\(\)/);
    lc.stop();
    const notFn = thrownBy(() => new LoopingCall(42 as unknown as () => void));
    expect(notFn).toBeInstanceOf(TypeError);
    expect(notFn.message).toMatch(/must be a function/);
  });

  it('LC2 calls f with its arguments every interval; stop() fires the start Deferred with the LoopingCall (testBasicFunction)', () => {
    const clock = new Clock();
    const L: Array<[string, string, string | undefined, string]> = [];
    const lc = testable(clock, (a: string, b: string, c: string | undefined, d: string) => L.push([a, b, c, d]), 'a', 'b', undefined, 'd');
    const D = lc.start(0.1);
    const theResult: unknown[] = [];
    D.addCallback((result) => {
      theResult.push(result);
    });
    clock.pump([0.05, 0.1, 0.1]);
    expect(L).toHaveLength(3);
    for (const entry of L) expect(entry).toEqual(['a', 'b', undefined, 'd']);
    expect(theResult).toEqual([]);
    lc.stop();
    expect(theResult[0]).toBe(lc);
    expect(clock.calls).toEqual([]);
  });

  it('LC2 with now = false waits one interval before the first call (testDelayedStart)', () => {
    const clock = new Clock();
    const L: null[] = [];
    const lc = testable(clock, (x: null) => L.push(x), null);
    const d = lc.start(0.1, false);
    expect(L).toEqual([]);
    const theResult: unknown[] = [];
    d.addCallback((result) => {
      theResult.push(result);
    });
    clock.pump([0.05, 0.1, 0.1]);
    expect(L).toHaveLength(2);
    lc.stop();
    expect(theResult[0]).toBe(lc);
    expect(clock.calls).toEqual([]);
  });

  it('LC2 skips intervals that passed while f ran (test_callbackTimeSkips)', () => {
    const times: number[] = [];
    let callDuration = 0;
    const clock = new Clock();
    const lc = testable(clock, () => {
      times.push(clock.seconds());
      clock.advance(callDuration);
    });
    callDuration = 2;
    lc.start(0.5);
    expect(times).toEqual([0]);
    expect(clock.seconds()).toBe(callDuration);
    // An iteration was due at 2, but 2 is the present, not the future: skipped.
    clock.advance(0);
    expect(times).toEqual([0]);
    callDuration = 1;
    clock.advance(0.5);
    expect(times).toEqual([0, 2.5]);
    expect(clock.seconds()).toBe(3.5);
    clock.advance(0);
    expect(times).toEqual([0, 2.5]);
    callDuration = 0;
    clock.advance(0.5);
    expect(times).toEqual([0, 2.5, 4]);
    expect(clock.seconds()).toBe(4);
    lc.stop();
  });

  it('LC2 skips intervals that passed before the clock got round to the call (test_reactorTimeSkips)', () => {
    const times: number[] = [];
    const clock = new Clock();
    const lc = testable(clock, () => times.push(clock.seconds()));
    lc.start(0.5);
    expect(times).toEqual([0]);
    clock.advance(2);
    expect(times).toEqual([0, 2]);
    clock.advance(1);
    expect(times).toEqual([0, 2, 3]);
    clock.advance(0);
    expect(times).toEqual([0, 2, 3]);
    lc.stop();
  });

  it('LC2 schedules the next call on the next multiple of the interval after the start', () => {
    const clock = new Clock();
    const lc = testable(clock, () => undefined);
    lc.start(1);
    clock.advance(3.5);
    expect(lc.call!.getTime()).toBe(4);
    lc.stop();
  });

  it('LC3 does not reschedule while the Deferred returned by f is pending (testWaitDeferred)', () => {
    const clock = new Clock();
    let calls = 0;
    const lc = testable(clock, () => {
      calls++;
      const d = new Deferred<undefined>();
      d.addCallback(() => lc.stop());
      clock.callLater(1, () => d.callback(undefined));
      return d;
    });
    const started = lc.start(0.2);
    clock.pump([0.2, 0.8]);
    expect(calls).toBe(1);
    expect(clock.calls).toEqual([]);
    expect(successResultOf(started)).toBe(lc);
  });

  it('LC3 waits for a promise returned by f', async () => {
    const clock = new Clock();
    let resolve!: () => void;
    let calls = 0;
    const lc = testable(clock, () => {
      calls++;
      return new Promise<void>((r) => {
        resolve = r;
      });
    });
    lc.start(1);
    clock.advance(5);
    expect(calls).toBe(1);
    expect(clock.calls).toEqual([]);
    resolve();
    await new Promise((r) => nextTurn(r));
    expect(clock.calls).toHaveLength(1);
    clock.advance(1);
    expect(calls).toBe(2);
    lc.stop();
  });

  it('LC3 stops and fails the start Deferred when f throws (testFailure)', () => {
    const clock = new Clock();
    const lc = testable(clock, (x: string) => {
      throw new TestException(x);
    }, 'bar');
    const d = lc.start(0.1);
    expect(lc.running).toBe(false);
    const f: Failure = failureResultOf(d, TestException);
    expect((f.value as Error).message).toBe('bar');
    expect(clock.calls).toEqual([]);
  });

  it('LC3 reports the error when f stops the loop and then throws (testFailAndStop)', () => {
    const clock = new Clock();
    const lc: LoopingCall<[string]> = testable(clock, (x: string) => {
      lc.stop();
      throw new TestException(x);
    }, 'bar');
    const d = lc.start(0.1);
    failureResultOf(d, TestException);
    expect(lc.running).toBe(false);
  });

  it('LC3 stops and fails the start Deferred when the Deferred from f fails (testFailurePropagation)', () => {
    const clock = new Clock();
    const lc = testable(clock, () => {
      const d = new Deferred<never>();
      clock.callLater(0.3, () => d.errback(new TestException()));
      return d;
    });
    const d = lc.start(1);
    assertNoResult(d);
    clock.pump([0.3]);
    expect(clock.calls).toEqual([]);
    expect(lc.running).toBe(false);
    failureResultOf(d, TestException);
  });

  it('LC3 with interval 0 calls f once per clock turn until stopped (testEveryIteration)', () => {
    const clock = new Clock();
    const ran: null[] = [];
    const lc: LoopingCall = testable(clock, () => {
      ran.push(null);
      if (ran.length > 5) lc.stop();
    });
    const d = lc.start(0);
    expect(ran).toHaveLength(1);
    clock.advance(0);
    expect(ran).toHaveLength(6);
    expect(successResultOf(d)).toBe(lc);
    expect(clock.calls).toEqual([]);
  });

  it('LC4 stop() before the first delayed call means f never runs (testStopAtOnce)', () => {
    const ran: null[] = [];
    const clock = new Clock();
    const lc = testable(clock, () => ran.push(null));
    const d = lc.start(0, false);
    lc.stop();
    expect(ran).toEqual([]);
    expect(clock.calls).toEqual([]);
    expect(successResultOf(d)).toBe(lc);
    clock.advance(1);
    expect(ran).toEqual([]);
  });

  it('LC4 stop() before a long delayed start means f never runs (testStoppingBeforeDelayedStart)', () => {
    const ran: null[] = [];
    const clock = new Clock();
    const lc = testable(clock, () => ran.push(null));
    lc.start(10, false);
    lc.stop();
    expect(ran).toEqual([]);
    expect(clock.calls).toEqual([]);
    clock.advance(20);
    expect(ran).toEqual([]);
  });

  it('LC4 stop() while the Deferred from f is pending fires the start Deferred when it arrives', () => {
    const clock = new Clock();
    const pending = new Deferred<undefined>();
    const lc = testable(clock, () => pending);
    const d = lc.start(1);
    lc.stop();
    assertNoResult(d);
    pending.callback(undefined);
    expect(successResultOf(d)).toBe(lc);
    expect(clock.calls).toEqual([]);
  });

  it('LC4 stop() and reset() refuse a LoopingCall that is not running', () => {
    const lc = new LoopingCall(() => undefined);
    const stop = thrownBy(() => lc.stop());
    expect(stop.message).toMatch(/not running/);
    const reset = thrownBy(() => lc.reset());
    expect(reset.message).toMatch(/not running/);
    expect(reset.message).toMatch(/start\(\)/);
    expect(isReactorInstalled()).toBe(false);
  });

  it('LC4 reset() restarts the interval from now (test_reset)', () => {
    const ran: null[] = [];
    const c = new Clock();
    const lc = testable(c, () => ran.push(null));
    lc.start(2, false);
    c.advance(1);
    lc.reset();
    c.advance(1);
    expect(ran).toEqual([]);
    c.advance(1);
    expect(ran).toEqual([null]);
    lc.stop();
  });

  it('LC5 withCount passes the number of intervals that elapsed (test_reactorTimeCountSkips)', () => {
    const times: Array<[number, number]> = [];
    const clock = new Clock();
    const lc = LoopingCall.withCount((numCalls) => times.push([clock.seconds(), numCalls]));
    lc.clock = clock;
    const INTERVAL = 0.5;
    const REALISTIC_DELAY = 0.01;
    lc.start(INTERVAL);
    expect(times).toEqual([[0, 1]]);
    clock.advance(INTERVAL + REALISTIC_DELAY);
    expect(times).toEqual([
      [0, 1],
      [INTERVAL + REALISTIC_DELAY, 1],
    ]);
    clock.advance(3 * INTERVAL + REALISTIC_DELAY);
    const expected: Array<[number, number]> = [
      [0, 1],
      [INTERVAL + REALISTIC_DELAY, 1],
      [4 * INTERVAL + 2 * REALISTIC_DELAY, 3],
    ];
    expect(times).toEqual(expected);
    clock.advance(0);
    expect(times).toEqual(expected);
    lc.stop();
  });

  it('LC5 withCount counts only whole intervals missed (test_countLengthyIntervalCounts)', () => {
    const times: Array<[number, number]> = [];
    const clock = new Clock();
    const lc = LoopingCall.withCount((count) => times.push([clock.seconds(), count]));
    lc.clock = clock;
    const INTERVAL = 0.5;
    const REALISTIC_DELAY = 0.01;
    lc.start(INTERVAL);
    expect(times.pop()).toEqual([0, 1]);
    clock.advance(INTERVAL + REALISTIC_DELAY);
    expect(times.pop()).toEqual([INTERVAL + REALISTIC_DELAY, 1]);
    clock.advance(INTERVAL * 1.75);
    expect(times.pop()).toEqual([2.75 * INTERVAL + REALISTIC_DELAY, 1]);
    clock.advance(INTERVAL * 0.25);
    expect(times.pop()).toEqual([3.0 * INTERVAL + REALISTIC_DELAY, 1]);
    lc.stop();
  });

  it('LC5 withCount never passes 0 and its counts add up at a floating-point boundary (test_withCountFloatingPointBoundary)', () => {
    const clock = new Clock();
    const accumulator: number[] = [];
    const lc = LoopingCall.withCount((n) => accumulator.push(n));
    lc.clock = clock;
    const count = 10;
    const timespan = 1.0;
    const interval = timespan / count;
    lc.start(interval, false);
    for (let x = 0; x < count; x++) clock.advance(interval);
    const epsilon = timespan - Array.from({ length: count }, () => interval).reduce((a, b) => a + b, 0);
    clock.advance(epsilon);
    expect(Math.abs(epsilon)).toBeGreaterThan(0);
    expect(clock.seconds()).toBeGreaterThanOrEqual(timespan);
    expect(accumulator.reduce((a, b) => a + b, 0)).toBe(count);
    expect(accumulator).not.toContain(0);
    lc.stop();
  });

  it('LC5 withCount with interval 0 always passes 1 (test_withCountIntervalZero)', () => {
    const clock = new Clock();
    const accumulator: number[] = [];
    const loop: LoopingCall = LoopingCall.withCount((cnt) => {
      accumulator.push(cnt);
      if (accumulator.length > 4) loop.stop();
    });
    loop.clock = clock;
    const deferred = loop.start(0, false);
    clock.advance(0);
    expect(successResultOf(deferred)).toBe(loop);
    expect(accumulator).toEqual([1, 1, 1, 1, 1]);
  });

  it('LC5 withCount with interval 0 still passes 1 after waiting on a Deferred (test_withCountIntervalZeroDelay)', () => {
    const clock = new Clock();
    const deferred = new Deferred<undefined>();
    const accumulator: number[] = [];
    const loop: LoopingCall = LoopingCall.withCount((cnt) => {
      accumulator.push(cnt);
      if (accumulator.length === 2) return deferred;
      if (accumulator.length > 4) loop.stop();
      return undefined;
    });
    loop.clock = clock;
    loop.start(0, false);
    clock.advance(0);
    expect(accumulator).toEqual([1, 1]);
    clock.advance(2);
    expect(accumulator).toEqual([1, 1]);
    deferred.callback(undefined);
    clock.advance(0);
    expect(accumulator).toEqual([1, 1, 1, 1, 1]);
  });

  it('LC5 withCount counts from the last call when the interval changes from 0 (test_withCountIntervalZeroDelayThenNonZeroInterval)', () => {
    const clock = new Clock();
    const deferred = new Deferred<undefined>();
    const accumulator: number[] = [];
    const loop = LoopingCall.withCount((cnt) => {
      accumulator.push(cnt);
      return accumulator.length === 2 ? deferred : undefined;
    });
    loop.clock = clock;
    loop.start(0, false);
    clock.advance(10);
    expect(accumulator).toEqual([1, 1]);
    loop.interval = 2;
    deferred.callback(undefined);
    clock.advance(7);
    expect(accumulator).toEqual([1, 1, 3]);
    clock.advance(2);
    expect(accumulator).toEqual([1, 1, 3, 1]);
    clock.advance(4);
    expect(accumulator).toEqual([1, 1, 3, 1, 2]);
    loop.stop();
  });

  it('LC5 withCount passes the intervals missed while a Deferred was pending (test_deferredWithCount)', () => {
    const testClock = new Clock();
    const d = new Deferred<undefined>();
    const deferredCounts: number[] = [];
    const lc = LoopingCall.withCount((possibleCount) => {
      deferredCounts.push(possibleCount);
      return deferredCounts.length === 1 ? d : undefined;
    });
    lc.clock = testClock;
    lc.start(0.2, false);
    expect(deferredCounts).toEqual([]);
    testClock.pump([0.2, 0.4]);
    expect(deferredCounts).toHaveLength(1);
    d.callback(undefined);
    testClock.pump([0.2]);
    expect(deferredCounts).toHaveLength(2);
    expect(deferredCounts).toEqual([1, 3]);
    lc.stop();
  });
});
