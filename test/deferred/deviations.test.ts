// Deviations J1-J3 of docs/design.md ("@deferkit/deferred"), where deferkit differs from Twisted on
// purpose: errback takes any value (J1), callback(aDeferred) is refused (J2, replaces C11), and
// a callback returning a promise or other thenable chains on it asynchronously (J3).

import { describe, expect, it } from 'vitest';
import { Deferred, Failure, fail, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { nextTurnPromise, thrownBy } from '../support.js';
import { awaited, nextTurn } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('J1 errback(reason) takes any value', () => {
  it('J1 errback(undefined) and errback() fail with a Failure whose value is undefined', () => {
    const explicit = new Deferred<string>();
    explicit.errback(undefined);
    const implicit = new Deferred<string>();
    implicit.errback();
    for (const d of [explicit, implicit]) {
      expect(d.called).toBe(true);
      const f = failureResultOf(d);
      expect(f).toBeInstanceOf(Failure);
      expect(f.value).toBeUndefined();
    }
  });

  it('J1 fail() with no argument fails with undefined instead of throwing', () => {
    const d = fail();
    expect(failureResultOf(d).value).toBeUndefined();
  });

  it('J1 errback(value) keeps null, numbers, strings and objects as the Failure value', () => {
    const obj = { code: 'E42' };
    const values: unknown[] = [null, 0, 'text', obj, false];
    const got = values.map((v) => {
      const d = new Deferred<string>();
      let seen: unknown = 'errback not called';
      d.addErrback((f) => {
        seen = f.value;
      });
      d.errback(v);
      return seen;
    });
    expect(got).toEqual(values);
    expect(got[3]).toBe(obj);
  });

  it('J1 a falsy reason still takes the error path', () => {
    const log: string[] = [];
    const d = new Deferred<string>();
    d.addCallbacks(
      () => log.push('callback'),
      () => {
        log.push('errback');
      },
    );
    d.errback(0);
    expect(log).toEqual(['errback']);
  });
});

describe('J2 a Deferred is never a result (replaces C11)', () => {
  it('J2 callback(aDeferred) throws TypeError synchronously and leaves both Deferreds unfired', () => {
    const d = new Deferred<unknown>();
    const other = new Deferred<string>();
    const ran: unknown[] = [];
    d.addCallback((r) => ran.push(r));
    const e = thrownBy(() => d.callback(other));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toContain('Deferred.callback()');
    expect((e as Error).message).toContain('was given a Deferred');
    expect((e as Error).message).toContain('chainDeferred');
    expect(d.called).toBe(false);
    expect(other.called).toBe(false);
    expect(ran).toEqual([]);
    assertNoResult(d);
    d.callback('a plain value');
    expect(ran).toEqual(['a plain value']);
  });

  it('J2 callback(aFiredDeferred) is refused too', () => {
    const d = new Deferred<unknown>();
    expect(() => d.callback(succeed(1))).toThrow(TypeError);
    expect(d.called).toBe(false);
  });

  it('J2 succeed(aDeferred) throws TypeError', () => {
    const e = thrownBy(() => succeed(new Deferred<string>()));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toContain('succeed()');
    expect((e as Error).message).toContain('Deferred');
  });
});

describe('J3 a callback returning a thenable chains on it asynchronously', () => {
  it('J3 a returned native Promise is waited for; its value reaches the next callback later', async () => {
    const got: unknown[] = [];
    const d = new Deferred<number>();
    d.addCallback((n) => Promise.resolve(n * 2));
    d.addCallback((n) => {
      got.push(n);
      return n;
    });
    d.callback(21);
    expect(got).toEqual([]);
    assertNoResult(d);
    await nextTurnPromise();
    expect(got).toEqual([42]);
    expect(successResultOf(d)).toBe(42);
  });

  it("J3 a returned Promise that rejects sends the rejection reason down the error path", async () => {
    const reason = new GenericError('rejected');
    const d = new Deferred<number>();
    const seen: unknown[] = [];
    d.addCallback(() => Promise.reject(reason));
    d.addCallbacks(
      () => seen.push('callback'),
      (f) => {
        seen.push(f.value);
        return 'recovered';
      },
    );
    d.callback(1);
    expect(seen).toEqual([]);
    await nextTurnPromise();
    expect(seen).toEqual([reason]);
    expect(successResultOf(d)).toBe('recovered');
  });

  it('J3 a returned custom thenable is followed like a Promise', async () => {
    const thenable = {
      then(onFulfilled: (v: string) => void) {
        nextTurn(() => onFulfilled('from thenable'));
      },
    };
    const d = new Deferred<undefined>();
    d.addCallback(() => thenable as unknown as PromiseLike<string>);
    d.callback(undefined);
    assertNoResult(d);
    await nextTurnPromise();
    await nextTurnPromise();
    expect(successResultOf(d)).toBe('from thenable');
  });

  it('J3 an errback returning a Promise recovers once it settles', async () => {
    const d = new Deferred<string>();
    d.addErrback(() => Promise.resolve('async recovery'));
    d.errback(new GenericError('x'));
    assertNoResult(d);
    await nextTurnPromise();
    expect(successResultOf(d)).toBe('async recovery');
  });

  it('J3 awaiting the chain gives the value the returned promise settled with', async () => {
    const d = new Deferred<number>();
    d.addCallback(async (n) => {
      await new Promise((r) => nextTurn(r));
      return n + 1;
    });
    nextTurn(() => d.callback(1));
    await expect(awaited(d)).resolves.toBe(2);
  });
});
