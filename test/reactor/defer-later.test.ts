// deferLater: rules DL1-DL3 of the Twisted reference (docs/rules.md) §4.3, with the DeferLaterTests of
// Twisted's test_task.py.

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, type Failure } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { CallbackLoopReactor, Clock, deferLater } from '@deferkit/reactor';
import { awaited, thrownBy } from '../support.js';

class TestException extends Error {
  override name = 'TestException';
}


describe('deferLater', () => {
  it('DL1 fires after the delay with what the function returns (test_callback)', () => {
    const results: Array<[string, string]> = [];
    const flag = { flag: true };
    const clock = new Clock();
    const d = deferLater(
      clock,
      3,
      (foo: string, bar: string) => {
        results.push([foo, bar]);
        return flag;
      },
      'foo',
      'bar',
    );
    clock.advance(2);
    expect(results).toEqual([]);
    assertNoResult(d);
    clock.advance(1);
    expect(results).toEqual([['foo', 'bar']]);
    expect(successResultOf(d)).toBe(flag);
  });

  it('DL1 fires with undefined when no function is given (test_noCallback)', () => {
    const clock = new Clock();
    const d = deferLater(clock, 2.0);
    assertNoResult(d);
    expect(clock.getDelayedCalls()).toHaveLength(1);
    expect(clock.getDelayedCalls()[0]!.getTime()).toBe(2);
    clock.advance(2.0);
    expect(successResultOf(d)).toBeUndefined();
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('DL1 calls the function from the Deferred chain, not inside deferLater', () => {
    const clock = new Clock();
    let calls = 0;
    const d = deferLater(clock, 0, () => ++calls);
    expect(calls).toBe(0);
    clock.advance(0);
    expect(calls).toBe(1);
    expect(successResultOf(d)).toBe(1);
  });

  it('DL2 fails with the error the function throws (test_errback)', () => {
    const clock = new Clock();
    const error = new TestException('nope');
    const d = deferLater(clock, 1, () => {
      throw error;
    });
    clock.advance(1);
    const f: Failure = failureResultOf(d, TestException);
    expect(f.value).toBe(error);
  });

  it('DL2 chains on a Deferred the function returns', () => {
    const clock = new Clock();
    const inner = new Deferred<string>();
    const d = deferLater(clock, 1, () => inner);
    clock.advance(1);
    assertNoResult(d);
    inner.callback('inner result');
    expect(successResultOf(d)).toBe('inner result');
  });

  it('DL2 chains on a promise the function returns', async () => {
    const clock = new Clock();
    const d = deferLater(clock, 1, () => Promise.resolve(42));
    clock.advance(1);
    await expect(awaited(d)).resolves.toBe(42);
  });

  it('DL3 cancel() before the delay cancels the timed call; the function never runs (test_cancel)', () => {
    const called: unknown[] = [];
    const clock = new Clock();
    const d = deferLater(clock, 1, (x: null) => called.push(x), null);
    const [call] = clock.getDelayedCalls();
    d.cancel();
    expect(clock.getDelayedCalls()).toEqual([]);
    expect(call!.cancelled).toBe(true);
    expect(called).toEqual([]);
    failureResultOf(d, CancelledError);
    clock.advance(5);
    expect(called).toEqual([]);
  });

  it('DL3 cancel() after it fired changes nothing', () => {
    const clock = new Clock();
    const d = deferLater(clock, 1, () => 'done');
    clock.advance(1);
    d.cancel();
    expect(successResultOf(d)).toBe('done');
  });

  it('DL1 works on a reactor as its clock', () => {
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    void reactor.run();
    const d = deferLater(reactor, 2, (n: number) => n * 2, 21);
    clock.advance(1);
    assertNoResult(d);
    clock.advance(1);
    expect(successResultOf(d)).toBe(42);
    reactor.stop();
    clock.advance(0);
    expect(reactor.running).toBe(false);
  });

  it('rejects a bad clock, delay or function with errors naming the fix', () => {
    const clock = new Clock();
    const badClock = thrownBy(() => deferLater({} as Clock, 1));
    expect(badClock).toBeInstanceOf(TypeError);
    expect(badClock.message).toMatch(/callLater\(\)/);
    const badDelay = thrownBy(() => deferLater(clock, Number.NaN));
    expect(badDelay).toBeInstanceOf(RangeError);
    expect(badDelay.message).toMatch(/finite/);
    const badFn = thrownBy(() => deferLater(clock, 1, 'f' as unknown as () => void));
    expect(badFn).toBeInstanceOf(TypeError);
    expect(badFn.message).toMatch(/fn must be a function/);
    expect(clock.getDelayedCalls()).toEqual([]);
  });
});
