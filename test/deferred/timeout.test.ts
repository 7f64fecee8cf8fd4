// Deferred#addTimeout: rules M1-M8 of reference §2.11 and catalogue §3.11 (items 136-150).
// M9 (the deprecated module function `timeout(d)`) is not part of deferkit and is not tested.

import { describe, expect, it, vi } from 'vitest';
import { CancelledError, Deferred, Failure, TimeoutError, type IReactorTime } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { AlreadyCalled, AlreadyCancelled, Clock } from '@deferkit/reactor';
import { GenericError } from './helpers.js';

class ValueError extends Error {
  override name = 'ValueError';
}

/** A Deferred whose canceller counts its calls (and does not fire the Deferred). */
function countingDeferred<T>(): { d: Deferred<T>; cancels: () => number } {
  let n = 0;
  const d = new Deferred<T>(() => {
    n++;
  });
  return { d, cancels: () => n };
}

describe('Clock as IReactorTime for addTimeout (reference §4 K1-K4, DC1-DC2)', () => {
  it('K1 starts at 0 and K2 runs nothing inside callLater, even for delay 0', () => {
    const clock = new Clock();
    const log: string[] = [];
    const call = clock.callLater(0, () => log.push('ran'));
    expect(clock.seconds()).toBe(0);
    expect(log).toEqual([]);
    expect(call.getTime()).toBe(0);
    expect(call.active()).toBe(true);
    clock.advance(0);
    expect(log).toEqual(['ran']);
    expect(call.active()).toBe(false);
  });

  it('K2 orders calls by time, keeping insertion order for equal times', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(1, (s: string) => log.push(s), 'a');
    clock.callLater(1, (s: string) => log.push(s), 'b');
    clock.callLater(0.5, (s: string) => log.push(s), 'first');
    clock.callLater(1, (s: string) => log.push(s), 'c');
    clock.advance(1);
    expect(log).toEqual(['first', 'a', 'b', 'c']);
  });

  it('K3 runs calls made due during advance() in the same advance, after the due ones', () => {
    const clock = new Clock();
    const log: Array<[string, number]> = [];
    clock.callLater(1, () => {
      log.push(['first', clock.seconds()]);
      clock.callLater(0, () => log.push(['inside', clock.seconds()]));
    });
    clock.callLater(1.5, () => log.push(['second', clock.seconds()]));
    clock.advance(2);
    expect(log).toEqual([
      ['first', 2],
      ['second', 2],
      ['inside', 2],
    ]);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('K4 lets an exception out of advance() and keeps the remaining due calls', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(1, () => {
      throw new GenericError('boom');
    });
    clock.callLater(1, () => log.push('later'));
    expect(() => clock.advance(1)).toThrow(GenericError);
    expect(log).toEqual([]);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    clock.advance(0);
    expect(log).toEqual(['later']);
  });

  it('DC1/DC2 cancel() removes the call and cannot be repeated; a call that ran cannot be cancelled', () => {
    const clock = new Clock();
    const log: string[] = [];
    const a = clock.callLater(1, () => log.push('a'));
    const b = clock.callLater(2, () => log.push('b'));
    expect(clock.getDelayedCalls()).toEqual([a, b]);
    a.cancel();
    expect(a.active()).toBe(false);
    expect(clock.getDelayedCalls()).toEqual([b]);
    expect(() => a.cancel()).toThrow(AlreadyCancelled);
    clock.advance(2);
    expect(log).toEqual(['b']);
    expect(() => b.cancel()).toThrow(AlreadyCalled);
  });
});

describe('Deferred#addTimeout (M rules, §3.11)', () => {
  it('M1 test_timeoutChainable: addTimeout returns the Deferred and the chain continues ("done")', () => {
    const clock = new Clock();
    const d = new Deferred<null>();
    const same = d.addTimeout(5, clock);
    expect(same).toBe(d);
    d.addCallback(() => 'done');
    d.callback(null);
    expect(successResultOf(d)).toBe('done');
  });

  it('M1 schedules the expiry on the clock at once, `timeout` seconds from now', () => {
    const clock = new Clock();
    clock.advance(3);
    const d = new Deferred<number>();
    expect(clock.getDelayedCalls()).toHaveLength(0);
    d.addTimeout(5, clock);
    const calls = clock.getDelayedCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.getTime()).toBe(8);
    d.callback(1);
  });

  it('M1 accepts any IReactorTime (only seconds() and callLater() are used)', () => {
    const scheduled: Array<{ delay: number; run: () => void; cancelled: boolean }> = [];
    const reactor: IReactorTime = {
      seconds: () => 0,
      callLater(delay, fn, ...args) {
        const entry = { delay, run: () => void fn(...args), cancelled: false };
        scheduled.push(entry);
        return {
          getTime: () => delay,
          cancel: () => {
            entry.cancelled = true;
          },
          reset: () => undefined,
          delay: () => undefined,
          active: () => !entry.cancelled,
        };
      },
    };
    const d = new Deferred<string>().addTimeout(2.5, reactor);
    expect(scheduled.map((s) => s.delay)).toEqual([2.5]);
    scheduled[0]!.run();
    const f = failureResultOf(d, TimeoutError);
    expect((f.value as TimeoutError).timeout).toBe(2.5);
  });

  it('M2 callbacks added before addTimeout see CancelledError; those added after see TimeoutError', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    const seen: string[] = [];
    d.addErrback((f) => {
      seen.push(`before:${f.value instanceof Error ? f.value.name : '?'}`);
      return f;
    });
    d.addTimeout(1, clock);
    d.addErrback((f) => {
      seen.push(`after:${f.value instanceof Error ? f.value.name : '?'}`);
      return f;
    });
    clock.advance(1);
    expect(seen).toEqual(['before:CancelledError', 'after:TimeoutError']);
    failureResultOf(d, TimeoutError);
  });

  it('M3 test_timedOut: no result before expiry, then TimeoutError(5, "Deferred")', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    d.addTimeout(5, clock);
    clock.advance(4.9);
    assertNoResult(d);
    clock.advance(0.1);
    const f = failureResultOf(d, TimeoutError);
    const e = f.value as TimeoutError;
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.name).toBe('TimeoutError');
    expect(e.timeout).toBe(5);
    expect(e.what).toBe('Deferred');
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('M3 test_timedOut (catalogue 140): a 10 s timeout has no result at 10 s minus a little, TimeoutError after advance(15)', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    d.addTimeout(10, clock);
    clock.advance(9.999);
    assertNoResult(d);
    clock.advance(15 - 9.999);
    const f = failureResultOf(d, TimeoutError);
    expect((f.value as TimeoutError).timeout).toBe(10);
  });

  it('M3 the expiry uses normal cancel(): the canceller is called exactly once', () => {
    const clock = new Clock();
    const { d, cancels } = countingDeferred<string>();
    d.addTimeout(5, clock);
    expect(cancels()).toBe(0);
    clock.advance(5);
    expect(cancels()).toBe(1);
    failureResultOf(d, TimeoutError);
    clock.advance(100);
    expect(cancels()).toBe(1);
  });

  it('M3 the expiry forwards cancel() to the Deferred a callback returned (X4)', () => {
    const clock = new Clock();
    const { d: inner, cancels: innerCancels } = countingDeferred<string>();
    let outerCancels = 0;
    const outerWithCanceller = new Deferred<null>(() => {
      outerCancels++;
    });
    outerWithCanceller.callback(null);
    outerWithCanceller.addCallback(() => inner);
    outerWithCanceller.addTimeout(5, clock);
    clock.advance(5);
    expect(innerCancels()).toBe(1);
    expect(outerCancels).toBe(0);
    failureResultOf(outerWithCanceller, TimeoutError);
    // The inner Deferred's own result was handed over, so nothing is left on it.
    expect(successResultOf(inner)).toBeUndefined();
  });

  it('M3 the default conversion lets other failures through unchanged', () => {
    const clock = new Clock();
    const err = new GenericError('not a cancellation');
    const d = new Deferred<string>((self) => self.errback(err));
    d.addTimeout(5, clock);
    clock.advance(5);
    const f = failureResultOf(d);
    expect(f.value).toBe(err);
  });

  it('M3 the default conversion lets a success through unchanged', () => {
    const clock = new Clock();
    const d = new Deferred<string>((self) => self.callback('fine'));
    d.addTimeout(5, clock);
    clock.advance(5);
    expect(successResultOf(d)).toBe('fine');
  });

  it('M3 a zero timeout expires at the next advance(0)', () => {
    const clock = new Clock();
    const d = new Deferred<string>().addTimeout(0, clock);
    assertNoResult(d);
    clock.advance(0);
    const f = failureResultOf(d, TimeoutError);
    expect((f.value as TimeoutError).timeout).toBe(0);
  });

  it('M4 test_successResultBeforeTimeout: the callback gets "results"; a later advance cancels nothing', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    d.addTimeout(10, clock);
    const { d: innerDeferred, cancels } = countingDeferred<string>();
    let dCallbacked: string | undefined;
    d.addCallback((results) => {
      dCallbacked = results;
      return innerDeferred;
    });
    d.callback('results');
    expect(dCallbacked).toBe('results');
    // The pending expiry was cancelled (reference: the clock has 0 calls).
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(15);
    assertNoResult(d);
    expect(cancels()).toBe(0);
    innerDeferred.callback('inner');
    expect(successResultOf(d)).toBe('inner');
  });

  it('M4 test_successResultBeforeTimeoutCustom: same with onTimeoutCancel, which is never called', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    const onTimeoutCancel = vi.fn(() => 'OVERRIDDEN');
    d.addTimeout(10, clock, onTimeoutCancel);
    const { d: innerDeferred, cancels } = countingDeferred<string>();
    let dCallbacked: string | undefined;
    d.addCallback((results) => {
      dCallbacked = results;
      return innerDeferred;
    });
    d.callback('results');
    expect(dCallbacked).toBe('results');
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(15);
    assertNoResult(d);
    expect(cancels()).toBe(0);
    expect(onTimeoutCancel).not.toHaveBeenCalled();
    innerDeferred.callback('inner');
    expect(successResultOf(d)).toBe('inner');
  });

  it('M4 test_failureBeforeTimeout: the errback gets the same ValueError; a later advance cancels nothing', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    d.addTimeout(10, clock);
    const { d: innerDeferred, cancels } = countingDeferred<string>();
    let dErrbacked: Failure | undefined;
    d.addErrback((f) => {
      dErrbacked = f;
      return innerDeferred;
    });
    const error = new ValueError('fail');
    d.errback(error);
    expect(dErrbacked?.value).toBe(error);
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(15);
    assertNoResult(d);
    expect(cancels()).toBe(0);
    innerDeferred.callback('inner');
    expect(successResultOf(d)).toBe('inner');
  });

  it('M4 test_failureBeforeTimeoutCustom: same with onTimeoutCancel, which is never called', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    const onTimeoutCancel = vi.fn(() => 'OVERRIDDEN');
    d.addTimeout(10, clock, onTimeoutCancel);
    const { d: innerDeferred, cancels } = countingDeferred<string>();
    let dErrbacked: Failure | undefined;
    d.addErrback((f) => {
      dErrbacked = f;
      return innerDeferred;
    });
    const error = new ValueError('fail');
    d.errback(error);
    expect(dErrbacked?.value).toBe(error);
    clock.advance(15);
    assertNoResult(d);
    expect(cancels()).toBe(0);
    expect(onTimeoutCancel).not.toHaveBeenCalled();
    innerDeferred.callback('inner');
    expect(successResultOf(d)).toBe('inner');
  });

  it('M5 test_cancelBeforeTimeout: a manual cancel() keeps CancelledError, cancels the timer, and nothing is cancelled later', () => {
    const clock = new Clock();
    const { d, cancels } = countingDeferred<string>();
    d.addTimeout(10, clock);
    const { d: innerDeferred, cancels: innerCancels } = countingDeferred<string>();
    let dCanceled: Failure | undefined;
    d.addErrback((f) => {
      dCanceled = f;
      return innerDeferred;
    });
    d.cancel();
    expect(dCanceled?.check(CancelledError)).toBe(CancelledError);
    expect(dCanceled?.check(TimeoutError)).toBeNull();
    expect(cancels()).toBe(1);
    expect(clock.getDelayedCalls()).toEqual([]);
    clock.advance(15);
    assertNoResult(d);
    expect(innerCancels()).toBe(0);
    expect(cancels()).toBe(1);
    innerDeferred.callback('inner');
    expect(successResultOf(d)).toBe('inner');
  });

  it('M5 test_cancelBeforeTimeoutCustom: the custom function is not called on a manual cancel()', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    const onTimeoutCancel = vi.fn(() => 'OVERRIDDEN');
    d.addTimeout(10, clock, onTimeoutCancel);
    const { d: innerDeferred, cancels: innerCancels } = countingDeferred<string>();
    let dCanceled: Failure | undefined;
    d.addErrback((f) => {
      dCanceled = f;
      return innerDeferred;
    });
    d.cancel();
    expect(dCanceled?.check(CancelledError)).toBe(CancelledError);
    clock.advance(15);
    assertNoResult(d);
    expect(innerCancels()).toBe(0);
    expect(onTimeoutCancel).not.toHaveBeenCalled();
    innerDeferred.callback('inner');
    expect(successResultOf(d)).toBe('inner');
  });

  it('M6 test_timedOutCustom: onTimeoutCancel returning "OVERRIDDEN" makes that the success result', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    const onTimeoutCancel = vi.fn((_result: string | Failure, _timeout: number) => 'OVERRIDDEN');
    d.addTimeout(10, clock, onTimeoutCancel);
    clock.advance(9);
    assertNoResult(d);
    clock.advance(6);
    expect(successResultOf(d)).toBe('OVERRIDDEN');
    expect(onTimeoutCancel).toHaveBeenCalledTimes(1);
  });

  it('M6 onTimeoutCancel is called with (the CancelledError failure produced by cancel(), timeout)', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    const calls: Array<[unknown, number]> = [];
    d.addTimeout(5, clock, (result, timeout) => {
      calls.push([result, timeout]);
      return 'OVERRIDDEN';
    });
    clock.advance(5);
    expect(calls).toHaveLength(1);
    const [result, timeout] = calls[0]!;
    expect(timeout).toBe(5);
    expect(result).toBeInstanceOf(Failure);
    expect((result as Failure).check(CancelledError)).toBe(CancelledError);
    expect(successResultOf(d)).toBe('OVERRIDDEN');
  });

  it('M6 a failure thrown by onTimeoutCancel becomes the result', () => {
    const clock = new Clock();
    const err = new GenericError('custom');
    const d = new Deferred<string>().addTimeout(5, clock, () => {
      throw err;
    });
    clock.advance(5);
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it('M6 test_providedCancelCalledBeforeTimeoutCustom: canceller errbacks ValueError, custom function → "OVERRIDDEN"', () => {
    const clock = new Clock();
    const seen: unknown[] = [];
    const d = new Deferred<string>((self) => self.errback(new ValueError('canceller failed')));
    d.addTimeout(10, clock, (result) => {
      seen.push(result);
      return 'OVERRIDDEN';
    });
    clock.advance(15);
    expect(successResultOf(d)).toBe('OVERRIDDEN');
    expect(seen).toHaveLength(1);
    expect((seen[0] as Failure).check(ValueError)).toBe(ValueError);
  });

  it('M7 test_timedOutProvidedCancelSuccess: a canceller that succeeds keeps its success', () => {
    const clock = new Clock();
    const d = new Deferred<string>((self) => self.callback('I was cancelled!'));
    d.addTimeout(10, clock);
    clock.advance(15);
    expect(successResultOf(d)).toBe('I was cancelled!');
  });

  it('M7 test_timedOutProvidedCancelFailure: a canceller that errbacks ValueError keeps that same error', () => {
    const clock = new Clock();
    const error = new ValueError('what!');
    const d = new Deferred<string>((self) => self.errback(error));
    d.addTimeout(10, clock);
    clock.advance(15);
    const f = failureResultOf(d, ValueError);
    expect(f.value).toBe(error);
  });

  it('M7 test_callbackAddedToCancelerBeforeTimeout: the earlier callback sees the canceller\'s value, which stays the result', () => {
    const clock = new Clock();
    const success = { text: 'success' };
    const d = new Deferred<{ text: string }>((self) => self.callback(success));
    let dCallbacked: unknown;
    d.addCallback((results) => {
      dCallbacked = results;
      return results;
    });
    d.addTimeout(10, clock);
    clock.advance(15);
    expect(dCallbacked).toBe(success);
    expect(successResultOf(d)).toBe(success);
  });

  it('M6 test_callbackAddedToCancelerBeforeTimeoutCustom: the earlier callback sees the canceller\'s value; final "OVERRIDDEN"', () => {
    const clock = new Clock();
    const success = { text: 'success' };
    const d = new Deferred<{ text: string }>((self) => self.callback(success));
    let dCallbacked: unknown;
    d.addCallback((results) => {
      dCallbacked = results;
      return results;
    });
    const customSeen: unknown[] = [];
    d.addTimeout(10, clock, (result) => {
      customSeen.push(result);
      return 'OVERRIDDEN';
    });
    clock.advance(15);
    expect(dCallbacked).toBe(success);
    expect(customSeen).toEqual([success]);
    expect(successResultOf(d)).toBe('OVERRIDDEN');
  });

  it('M8 test_errbackAddedBeforeTimeout: the earlier errback gets CancelledError and returns it → TimeoutError', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    let dErrbacked: Failure | undefined;
    d.addErrback((f) => {
      dErrbacked = f;
      return f;
    });
    d.addTimeout(10, clock);
    clock.advance(15);
    expect(dErrbacked?.check(CancelledError)).toBe(CancelledError);
    failureResultOf(d, TimeoutError);
  });

  it('M8 test_errbackAddedBeforeTimeoutSuppressesCancellation: the earlier errback traps CancelledError → success', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    let dErrbacked: Failure | undefined;
    d.addErrback((f) => {
      dErrbacked = f;
      f.trap(CancelledError);
      return undefined;
    });
    d.addTimeout(10, clock);
    clock.advance(15);
    expect(dErrbacked?.check(CancelledError)).toBe(CancelledError);
    expect(successResultOf(d)).toBeUndefined();
  });

  it('M8 test_errbackAddedBeforeTimeoutCustom: the earlier errback returns CancelledError; the custom function → "OVERRIDDEN"', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    let dErrbacked: Failure | undefined;
    d.addErrback((f) => {
      dErrbacked = f;
      return f;
    });
    d.addTimeout(10, clock, () => 'OVERRIDDEN');
    clock.advance(15);
    expect(dErrbacked?.check(CancelledError)).toBe(CancelledError);
    expect(successResultOf(d)).toBe('OVERRIDDEN');
  });

  it('M8 test_errbackAddedBeforeTimeoutSuppressesCancellationCustom: the earlier errback swallows it; the custom function still runs → "OVERRIDDEN"', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    let dErrbacked: Failure | undefined;
    d.addErrback((f) => {
      dErrbacked = f;
      return undefined;
    });
    const customSeen: unknown[] = [];
    d.addTimeout(10, clock, (result) => {
      customSeen.push(result);
      return 'OVERRIDDEN';
    });
    clock.advance(15);
    expect(dErrbacked?.check(CancelledError)).toBe(CancelledError);
    expect(customSeen).toEqual([undefined]);
    expect(successResultOf(d)).toBe('OVERRIDDEN');
  });

  it('M8 errbacks added after addTimeout see TimeoutError, not CancelledError', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    d.addTimeout(10, clock);
    const seen: Array<Function | null> = [];
    d.addErrback((f) => {
      seen.push(f.check(CancelledError), f.check(TimeoutError));
      return 'handled';
    });
    clock.advance(15);
    expect(seen).toEqual([null, TimeoutError]);
    expect(successResultOf(d)).toBe('handled');
  });

  it('M3 TimeoutError is deferkit\'s own class, distinct from any global TimeoutError', () => {
    const e = new TimeoutError(5, 'Deferred');
    expect(e).toBeInstanceOf(Error);
    expect(e.timeout).toBe(5);
    expect(e.what).toBe('Deferred');
    expect(e.message).toContain('5');
    const globalTimeoutError = (globalThis as { TimeoutError?: unknown }).TimeoutError;
    expect(globalTimeoutError === TimeoutError).toBe(false);
  });
});

describe('Deferred#addTimeout argument checks', () => {
  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('rejects a %s timeout with a RangeError naming timeout, scheduling nothing', (_label, timeout) => {
    const clock = new Clock();
    const d = new Deferred<string>();
    expect(() => d.addTimeout(timeout, clock)).toThrow(RangeError);
    expect(() => d.addTimeout(timeout, clock)).toThrow(/timeout/);
    expect(clock.getDelayedCalls()).toEqual([]);
    d.callback('still usable');
    expect(successResultOf(d)).toBe('still usable');
  });

  it('rejects a non-number timeout with a RangeError', () => {
    const d = new Deferred<string>();
    expect(() => d.addTimeout('5' as unknown as number, new Clock())).toThrow(RangeError);
  });

  it.each([
    ['an object without callLater', { seconds: () => 0 }],
    ['null', null],
    ['undefined', undefined],
    ['a number', 5],
  ])('rejects %s as the clock with a TypeError naming callLater', (_label, clock) => {
    const d = new Deferred<string>();
    expect(() => d.addTimeout(5, clock as unknown as IReactorTime)).toThrow(TypeError);
    expect(() => d.addTimeout(5, clock as unknown as IReactorTime)).toThrow(/callLater/);
    d.callback('still usable');
    expect(successResultOf(d)).toBe('still usable');
  });

  it('rejects a non-function onTimeoutCancel with a TypeError before scheduling', () => {
    const clock = new Clock();
    const d = new Deferred<string>();
    expect(() => d.addTimeout(5, clock, 'nope' as never)).toThrow(TypeError);
    expect(clock.getDelayedCalls()).toEqual([]);
  });
});
