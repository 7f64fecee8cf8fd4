// Clock and DelayedCall: rules K1-K6 and DC1-DC5 of the Twisted reference (docs/rules.md) §4.1-4.2,
// with the ClockTests of Twisted's test_task.py.

import { describe, expect, it } from 'vitest';
import { Deferred, type IReactorTime } from '@deferkit/deferred';
import { AlreadyCalled, AlreadyCancelled, Clock, DelayedCall } from '@deferkit/reactor';
import { thrownBy } from '../support.js';

/** What `fn` throws; fails the test when it returns normally. */

describe('Clock', () => {
  it('K1 starts at 0 seconds (testSeconds)', () => {
    const clock = new Clock();
    expect(clock.seconds()).toBe(0);
    clock.advance(2.5);
    expect(clock.seconds()).toBe(2.5);
  });

  it('K2 callLater returns an active DelayedCall at now + delay (testCallLater)', () => {
    const clock = new Clock();
    clock.advance(0.5);
    const call = clock.callLater(1, (a: number, b: number) => a + b, 1, 2);
    expect(call).toBeInstanceOf(DelayedCall);
    expect(call.getTime()).toBe(1.5);
    expect(call.active()).toBe(true);
  });

  it('K2 returns a new DelayedCall for every call (test_callLaterOrdering)', () => {
    const clock = new Clock();
    const call1 = clock.callLater(10, () => undefined);
    const call2 = clock.callLater(1, () => undefined);
    expect(call1).not.toBe(call2);
    expect(clock.getDelayedCalls()).toEqual([call2, call1]);
  });

  it('K2 runs nothing inside callLater, even for delay 0', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(0, () => log.push('zero'));
    expect(log).toEqual([]);
    clock.advance(0);
    expect(log).toEqual(['zero']);
  });

  it('K2 runs same-time calls in insertion order and earlier calls first', () => {
    const clock = new Clock();
    const log: string[] = [];
    const push = (s: string) => log.push(s);
    clock.callLater(1, push, 'a');
    clock.callLater(1, push, 'b');
    clock.callLater(1, push, 'c');
    clock.callLater(0.5, push, 'half');
    clock.advance(1);
    expect(log).toEqual(['half', 'a', 'b', 'c']);
  });

  it('K2 accepts negative delays, which run at the next advance(0)', () => {
    const clock = new Clock();
    const log: string[] = [];
    const call = clock.callLater(-1, () => log.push('neg'));
    expect(call.getTime()).toBe(-1);
    expect(log).toEqual([]);
    clock.advance(0);
    expect(log).toEqual(['neg']);
  });

  it('K2 rejects NaN and infinite delays and non-function calls with errors naming the fix', () => {
    const clock = new Clock();
    const nan = thrownBy(() => clock.callLater(Number.NaN, () => undefined));
    expect(nan).toBeInstanceOf(RangeError);
    expect(nan.message).toMatch(/finite number of seconds/);
    expect(nan.message).toMatch(/NaN/);
    expect(thrownBy(() => clock.callLater(Number.POSITIVE_INFINITY, () => undefined))).toBeInstanceOf(RangeError);
    const notFn = thrownBy(() => clock.callLater(1, 'soon' as unknown as () => void));
    expect(notFn).toBeInstanceOf(TypeError);
    expect(notFn.message).toMatch(/must be a function/);
    expect(notFn.message).toMatch(/'soon'/);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('K3 runs a call only once its time is reached, then it is inactive (testAdvance)', () => {
    const clock = new Clock();
    const events: null[] = [];
    const call = clock.callLater(2, () => events.push(null));
    clock.advance(1);
    expect(events).toEqual([]);
    expect(call.active()).toBe(true);
    clock.advance(1);
    expect(events).toEqual([null]);
    expect(call.active()).toBe(false);
    expect(call.called).toBe(true);
  });

  it('K3 runs calls with seconds() equal to the new time, not their scheduled time', () => {
    const clock = new Clock();
    const seen: number[] = [];
    clock.callLater(1.5, () => seen.push(clock.seconds()));
    clock.pump([1, 1, 1]);
    expect(seen).toEqual([2]);
  });

  it('K3 runs calls scheduled during advance() in the same advance, after due calls of equal time', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(1, () => {
      log.push('first');
      clock.callLater(0, () => log.push('zero-delay-inside'));
    });
    clock.callLater(1, () => log.push('second'));
    clock.callLater(1.5, () => log.push('later'));
    clock.advance(1);
    expect(log).toEqual(['first', 'second', 'zero-delay-inside']);
    expect(clock.getDelayedCalls()).toHaveLength(1);
  });

  it('K3 runs a call scheduled during advance() for an earlier-than-now time in that advance', () => {
    const clock = new Clock();
    const log: number[] = [];
    clock.callLater(2, () => {
      clock.callLater(-1, () => log.push(clock.seconds()));
    });
    clock.advance(3);
    expect(log).toEqual([3]);
  });

  it('K3 re-sorts after each call: when a call postpones the next one past now, the call after it still runs', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(1, () => {
      log.push('a');
      b.delay(2);
    });
    const b = clock.callLater(2, () => log.push('b'));
    clock.callLater(2.5, () => log.push('c'));
    clock.advance(3);
    expect(log).toEqual(['a', 'c']);
    expect(b.getTime()).toBe(4);
    clock.advance(1);
    expect(log).toEqual(['a', 'c', 'b']);
  });

  it('K3 marks a call as called before running it, so cancelling itself raises AlreadyCalled (testAdvanceCancel)', () => {
    const clock = new Clock();
    const errors: unknown[] = [];
    const call = clock.callLater(1, () => {
      errors.push(thrownBy(() => call.cancel()));
    });
    clock.advance(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(AlreadyCalled);
  });

  it('K3 lets a running call cancel another due call, which then does not run', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(1, () => {
      log.push('a');
      b.cancel();
    });
    const b = clock.callLater(1, () => log.push('b'));
    clock.advance(1);
    expect(log).toEqual(['a']);
    expect(b.cancelled).toBe(true);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('K4 lets an error from a call propagate out of advance(), leaving the other due calls queued', () => {
    const clock = new Clock();
    const log: string[] = [];
    const boom = new Error('boom');
    clock.callLater(1, () => {
      log.push('a');
      throw boom;
    });
    const b = clock.callLater(1, () => log.push('b'));
    expect(thrownBy(() => clock.advance(1))).toBe(boom);
    expect(log).toEqual(['a']);
    expect(b.active()).toBe(true);
    expect(clock.getDelayedCalls()).toEqual([b]);
    clock.advance(0);
    expect(log).toEqual(['a', 'b']);
  });

  it('K5 pump() advances by each step in order', () => {
    const clock = new Clock();
    const seen: number[] = [];
    clock.callLater(0.5, () => seen.push(clock.seconds()));
    clock.callLater(1.5, () => seen.push(clock.seconds()));
    clock.callLater(3, () => seen.push(clock.seconds()));
    clock.pump([1, 1, 0.5]);
    expect(seen).toEqual([1, 2]);
    expect(clock.seconds()).toBe(2.5);
    clock.pump([]);
    expect(clock.seconds()).toBe(2.5);
  });

  it('K5 keeps calls ordered when a call is reset and another is added after (test_callLaterKeepsCallsOrdered)', () => {
    const result: Array<[string, number]> = [];
    const clock = new Clock();
    const logtime = (n: string) => result.push([n, clock.seconds()]);
    const callA = clock.callLater(1.0, logtime, 'a');
    callA.reset(3.0);
    clock.callLater(2.0, logtime, 'b');
    clock.pump([1, 1, 1]);
    expect(result).toEqual([
      ['b', 2.0],
      ['a', 3.0],
    ]);
  });

  it('K5 keeps calls ordered when an earlier call is reset past a later one (test_callLaterResetKeepsCallsOrdered)', () => {
    const result: Array<[string, number]> = [];
    const clock = new Clock();
    const logtime = (n: string) => result.push([n, clock.seconds()]);
    const callA = clock.callLater(1.0, logtime, 'a');
    clock.callLater(2.0, logtime, 'b');
    callA.reset(3.0);
    clock.pump([1, 1, 1]);
    expect(result).toEqual([
      ['b', 2.0],
      ['a', 3.0],
    ]);
  });

  it('K5 keeps calls ordered when reset() happens inside a call (test_callLaterResetInsideCallKeepsCallsOrdered)', () => {
    const result: Array<[string, number]> = [];
    const clock = new Clock();
    const logtime = (n: string) => result.push([n, clock.seconds()]);
    const callB = clock.callLater(2.0, logtime, 'b');
    clock.callLater(1.0, () => callB.reset(3.0));
    clock.callLater(3.0, logtime, 'c');
    clock.pump(Array.from({ length: 10 }, () => 0.5));
    expect(result).toEqual([
      ['c', 3.0],
      ['b', 4.0],
    ]);
  });

  it('K6 getDelayedCalls() returns the pending calls (test_getDelayedCalls)', () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => undefined);
    const call2 = clock.callLater(2, () => undefined);
    expect(new Set(clock.getDelayedCalls())).toEqual(new Set([call, call2]));
  });

  it('K6 getDelayedCalls() is empty on a new Clock (test_getDelayedCallsEmpty)', () => {
    expect(new Clock().getDelayedCalls()).toEqual([]);
  });

  it('K6 getDelayedCalls() is the live list: it shrinks as calls run and are cancelled', () => {
    const clock = new Clock();
    const live = clock.getDelayedCalls();
    const a = clock.callLater(1, () => undefined);
    const b = clock.callLater(2, () => undefined);
    expect(live).toEqual([a, b]);
    clock.advance(1);
    expect(live).toEqual([b]);
    b.cancel();
    expect(live).toEqual([]);
    expect(clock.getDelayedCalls()).toBe(live);
  });

  it('K6 provides IReactorTime: Deferred#addTimeout runs on it (test_providesIReactorTime)', () => {
    const clock = new Clock();
    const time: IReactorTime = clock;
    const d = new Deferred<string>();
    d.addTimeout(5, time);
    const errors: unknown[] = [];
    d.addErrback((f) => {
      errors.push(f.value);
    });
    clock.advance(4.9);
    expect(errors).toEqual([]);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    clock.advance(0.1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).name).toBe('TimeoutError');
    expect(clock.getDelayedCalls()).toEqual([]);
  });
});

describe('DelayedCall', () => {
  it('DC1 getTime() is the scheduled time plus any pending delay; active() until run or cancelled', () => {
    const clock = new Clock();
    const call = clock.callLater(3, () => undefined);
    expect(call.time).toBe(3);
    expect(call.delayedTime).toBe(0);
    call.delay(2);
    expect(call.time).toBe(3);
    expect(call.delayedTime).toBe(2);
    expect(call.getTime()).toBe(5);
    expect(call.active()).toBe(true);
    call.cancel();
    expect(call.active()).toBe(false);
  });

  it('DC2 cancel() makes it inactive, removes it from the clock and drops func/args (testCallLaterCancelled)', () => {
    const clock = new Clock();
    const log: number[] = [];
    const call = clock.callLater(1, (a: number, b: number) => log.push(a, b), 1, 2);
    call.cancel();
    expect(call.active()).toBe(false);
    expect(call.cancelled).toBe(true);
    expect(call.func).toBeNull();
    expect(call.args).toBeNull();
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(2);
    expect(log).toEqual([]);
  });

  it('DC2 cancel() twice raises AlreadyCancelled, naming active() as the check', () => {
    const call = new Clock().callLater(1, () => undefined);
    call.cancel();
    const e = thrownBy(() => call.cancel());
    expect(e).toBeInstanceOf(AlreadyCancelled);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('AlreadyCancelled');
    expect(e.message).toMatch(/cancelled/);
    expect(e.message).toMatch(/active\(\)/);
  });

  it('DC3 reset() to a later time moves the call there (testCallLaterResetLater)', () => {
    const events: Array<[number, number]> = [];
    const clock = new Clock();
    const call = clock.callLater(2, (a: number, b: number) => events.push([a, b]), 1, 2);
    clock.advance(1);
    call.reset(3);
    expect(call.getTime()).toBe(4);
    clock.advance(2);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([[1, 2]]);
  });

  it('DC3 reset() to an earlier time moves the call there (testCallLaterResetSooner)', () => {
    const events: Array<[number, number]> = [];
    const clock = new Clock();
    const call = clock.callLater(4, (a: number, b: number) => events.push([a, b]), 1, 2);
    call.reset(3);
    expect(call.getTime()).toBe(3);
    expect(call.delayedTime).toBe(0);
    clock.advance(3);
    expect(events).toEqual([[1, 2]]);
  });

  it('DC3 reset() later keeps time and records the difference as delayed time', () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => undefined);
    call.reset(5);
    expect(call.time).toBe(1);
    expect(call.delayedTime).toBe(4);
    expect(call.getTime()).toBe(5);
  });

  it('DC4 delay() postpones the call (testCallLaterDelayed)', () => {
    const events: Array<[number, number]> = [];
    const clock = new Clock();
    const call = clock.callLater(1, (a: number, b: number) => events.push([a, b]), 1, 2);
    call.delay(1);
    expect(call.getTime()).toBe(2);
    clock.advance(1.5);
    expect(events).toEqual([]);
    clock.advance(1.0);
    expect(events).toEqual([[1, 2]]);
  });

  it('DC4 a negative delay() folds into the time (delay(-10) on 5 gives -5)', () => {
    const clock = new Clock();
    const log: string[] = [];
    const call = clock.callLater(5, () => log.push('ran'));
    call.delay(-10);
    expect(call.getTime()).toBe(-5);
    expect(call.time).toBe(-5);
    expect(call.delayedTime).toBe(0);
    clock.advance(0);
    expect(log).toEqual(['ran']);
  });

  it('DC5 cancel/reset/delay raise AlreadyCalled after the call ran', () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => undefined);
    clock.advance(1);
    for (const op of [() => call.cancel(), () => call.reset(1), () => call.delay(1)]) {
      const e = thrownBy(op);
      expect(e).toBeInstanceOf(AlreadyCalled);
      expect(e.name).toBe('AlreadyCalled');
      expect(e.message).toMatch(/already run/);
      expect(e.message).toMatch(/active\(\)/);
    }
  });

  it('DC5 cancel/reset/delay raise AlreadyCancelled after cancel()', () => {
    const clock = new Clock();
    const call = clock.callLater(1, () => undefined);
    call.cancel();
    const names = [() => call.cancel(), () => call.reset(1), () => call.delay(1)].map((op) => {
      const e = thrownBy(op);
      expect(e).toBeInstanceOf(AlreadyCancelled);
      return e.message;
    });
    expect(names[0]).toMatch(/cancel\(\)/);
    expect(names[1]).toMatch(/reset\(\)/);
    expect(names[2]).toMatch(/delay\(\)/);
    expect(call.getTime()).toBe(1);
  });
});
