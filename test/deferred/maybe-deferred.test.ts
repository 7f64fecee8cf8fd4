// maybeDeferred and execute: rules MD1-MD2 of the spec (with deferkit's JS meaning and deviation
// J2) and Twisted's DeferredTests items 66-74.

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, Failure, execute, maybeDeferred } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { nextTurnPromise } from '../support.js';

expectNoUnhandledErrorsInEachTest();

class SomeException extends Error {
  override name = 'SomeException';
}

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

describe('maybeDeferred (MD1)', () => {
  it('MD1 test_maybeDeferredSync: a returned value is the result (same object)', () => {
    const value = { some: 'value' };
    const d = maybeDeferred(() => value);
    expect(successResultOf(d)).toBe(value);
  });

  it('MD1 test_maybeDeferredSyncWithArgs: f is called at once with the given arguments', () => {
    const calls: number[] = [];
    const plusFive = (x: number): number => {
      calls.push(x);
      return x + 5;
    };
    const results: number[] = [];
    const d = maybeDeferred(plusFive, 10);
    expect(calls).toEqual([10]);
    d.addCallback((r) => {
      results.push(r);
    });
    expect(results).toEqual([15]);
  });

  it('MD1 test_maybeDeferredSyncException: a thrown error becomes the failure', () => {
    const thrown = new TypeError('not a number');
    const d = maybeDeferred(() => {
      throw thrown;
    });
    const f = failureResultOf(d, TypeError);
    expect(f.value).toBe(thrown);
    expect(f.getErrorMessage()).toBe('not a number');
  });

  it('MD1 test_maybeDeferredSyncFailure: a returned Failure is delivered as the same object', () => {
    const expected = new Failure(new RuntimeError('failed'));
    const d = maybeDeferred(() => expected);
    const seen: Failure[] = [];
    d.addErrback((f) => {
      seen.push(f);
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(expected);
  });

  it('MD1 test_maybeDeferredAsync: a returned Deferred is returned itself and followed', () => {
    const d1 = new Deferred<string>();
    const d = maybeDeferred(() => d1);
    expect(d).toBe(d1);
    assertNoResult(d);
    d1.callback('Success');
    expect(successResultOf(d)).toBe('Success');
  });

  it('MD1 test_maybeDeferredAsyncError: a returned Deferred that fails fails the result at once', () => {
    const d1 = new Deferred<string>();
    const d = maybeDeferred(() => d1);
    const err = new RuntimeError('async error');
    d1.errback(err);
    expect(failureResultOf(d, RuntimeError).value).toBe(err);
  });

  it('MD1 test_maybeDeferredCoroutineSuccess: an async function is followed like a coroutine', async () => {
    const f = async (): Promise<number> => 7;
    const d = maybeDeferred(f);
    // A promise settles in a later job, so the result is not there synchronously.
    assertNoResult(d);
    await nextTurnPromise();
    expect(successResultOf(d)).toBe(7);
  });

  it('MD1 test_maybeDeferredCoroutineSuccessIndirect: a plain function returning a promise is followed', async () => {
    const f = async (): Promise<number> => 7;
    const g = (): Promise<number> => f();
    const d = maybeDeferred(g).addCallback((x) => x + 1);
    await nextTurnPromise();
    expect(successResultOf(d)).toBe(8);
  });

  it('MD1 test_maybeDeferredCoroutineFailure: an async function that throws gives its error as the failure', async () => {
    const f = async (): Promise<number> => {
      throw new SomeException('from coroutine');
    };
    const d = maybeDeferred(f);
    await nextTurnPromise();
    const failure = failureResultOf(d, SomeException);
    expect(failure.type).toBe(SomeException);
    expect(failure.getErrorMessage()).toBe('from coroutine');
  });

  it('MD1 like a coroutine (J6): cancelling fails at once with CancelledError and ignores the later outcome', async () => {
    let finish!: (v: number) => void;
    const f = (): Promise<number> =>
      new Promise<number>((resolve) => {
        finish = resolve;
      });
    const d = maybeDeferred(f);
    assertNoResult(d);
    d.cancel();
    failureResultOf(d, CancelledError);
    finish(1);
    await nextTurnPromise();
    expect(successResultOf(d)).toBeUndefined();
  });

  it('MD1 a returned non-promise thenable is followed too', async () => {
    const thenable: PromiseLike<string> = {
      then(onFulfilled) {
        return Promise.resolve(onFulfilled?.('from thenable')) as never;
      },
    };
    const d = maybeDeferred(() => thenable);
    await nextTurnPromise();
    expect(successResultOf(d)).toBe('from thenable');
  });

  it('MD1 a returned generator object is a plain value, not driven', () => {
    const steps: string[] = [];
    function* gen(): Generator<number, string, unknown> {
      steps.push('started');
      yield 1;
      return 'done';
    }
    const g = gen();
    const d = maybeDeferred(() => g);
    expect(successResultOf(d)).toBe(g);
    expect(steps).toEqual([]);
    expect(g.next()).toEqual({ value: 1, done: false });
  });
});

describe('execute (MD2)', () => {
  it('MD2 execute calls f at once with its arguments and succeeds with its return value', () => {
    const calls: Array<[number, string]> = [];
    const d = execute(
      (n: number, s: string) => {
        calls.push([n, s]);
        return `${s}${n}`;
      },
      3,
      'x',
    );
    expect(calls).toEqual([[3, 'x']]);
    expect(successResultOf(d)).toBe('x3');
  });

  it('MD2 execute fails with what f threw', () => {
    const thrown = new RangeError('nope');
    const d = execute(() => {
      throw thrown;
    });
    expect(failureResultOf(d, RangeError).value).toBe(thrown);
  });

  it('MD2 execute does not follow a returned promise: it is the plain result value', async () => {
    const p = Promise.resolve(5);
    const d = execute(() => p);
    expect(successResultOf(d)).toBe(p);
    await nextTurnPromise();
    expect(successResultOf(d)).toBe(p);
  });

  it('MD2 execute of a function returning a Deferred fails with a TypeError naming maybeDeferred (J2)', () => {
    const inner = new Deferred<number>();
    const d = execute(() => inner);
    const f = failureResultOf(d, TypeError);
    expect(f.getErrorMessage()).toMatch(/maybeDeferred/);
    // The returned Deferred itself is left alone.
    assertNoResult(inner);
    inner.callback(1);
    expect(successResultOf(inner)).toBe(1);
  });
});
