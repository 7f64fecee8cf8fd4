// chainDeferred: rules CD1 and CD3 of the Twisted reference (docs/rules.md) §2.4, and deviation J8
// (docs/design.md), which replaces CD2: chainDeferred does not recurse, so long chains work.

import { describe, expect, it } from 'vitest';
import { AlreadyCalledError, CancelledError, Deferred, Failure } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { thrownBy } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('chainDeferred (CD1)', () => {
  it('CD1 a.chainDeferred(b) returns a and fires b with the result; a then carries undefined', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    expect(a.chainDeferred(b)).toBe(a);
    const bGot: unknown[] = [];
    b.addCallback((r) => bGot.push(r));
    assertNoResult(b);
    a.callback('value');
    expect(bGot).toEqual(['value']);
    expect(successResultOf(a)).toBeUndefined();
  });

  it("CD1 a's failure goes to b's errback as the same Failure; a recovers to undefined", () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    a.chainDeferred(b);
    const f = new Failure(new GenericError('chained'));
    a.errback(f);
    expect(failureResultOf(b)).toBe(f);
    expect(successResultOf(a)).toBeUndefined();
  });

  it("CD1 callbacks added to a before chainDeferred transform what b gets; those after see undefined", () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    const after: unknown[] = [];
    a.addCallback((n) => n * 10);
    a.chainDeferred(b);
    a.addCallback((r) => after.push(r));
    a.callback(4);
    expect(successResultOf(b)).toBe(40);
    expect(after).toEqual([undefined]);
  });

  it('CD1 firing b does not affect a', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const aGot: unknown[] = [];
    a.chainDeferred(b);
    a.addCallback((r) => aGot.push(r));
    b.callback('b only');
    expect(aGot).toEqual([]);
    expect(a.called).toBe(false);
    assertNoResult(a);
    expect(successResultOf(b)).toBe('b only');
    // a fires later: b.callback raises AlreadyCalledError inside a's chain (CD3).
    a.callback('late');
    expect(failureResultOf(a, AlreadyCalledError).value).toBeInstanceOf(AlreadyCalledError);
    expect(aGot).toEqual([]);
  });

  it('CD1 chainDeferred with a non-Deferred throws TypeError naming chainDeferred', () => {
    const a = new Deferred<string>();
    const e = thrownBy(() => a.chainDeferred({ callback() {} } as never));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toContain('chainDeferred');
    expect((e as Error).message).toMatch(/must be a Deferred/);
  });
});

describe('chainDeferred and cancel (CD3)', () => {
  it("CD3 b.cancel() calls only b's canceller; when a fires later its result is Failure(AlreadyCalledError)", () => {
    let aCancels = 0;
    let bCancels = 0;
    const a = new Deferred<string>(() => {
      aCancels++;
    });
    const b = new Deferred<string>(() => {
      bCancels++;
    });
    a.chainDeferred(b);
    b.cancel();
    expect(bCancels).toBe(1);
    expect(aCancels).toBe(0);
    expect(a.called).toBe(false);
    failureResultOf(b, CancelledError);
    a.callback('late');
    expect(failureResultOf(a, AlreadyCalledError).value).toBeInstanceOf(AlreadyCalledError);
  });

  it('CD3 if b had no canceller, the one late call from a is swallowed and a carries undefined', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    a.chainDeferred(b);
    b.cancel();
    expect(a.called).toBe(false);
    expect(failureResultOf(b, CancelledError).value).toBeInstanceOf(CancelledError);
    a.callback('late');
    expect(successResultOf(a)).toBeUndefined();
  });

  it('CD3 with no canceller only one late call is swallowed: a second chained source fails', () => {
    const a1 = new Deferred<string>();
    const a2 = new Deferred<string>();
    const b = new Deferred<string>();
    a1.chainDeferred(b);
    a2.chainDeferred(b);
    b.cancel();
    a1.callback('first late');
    expect(successResultOf(a1)).toBeUndefined();
    a2.callback('second late');
    expect(failureResultOf(a2, AlreadyCalledError).value).toBeInstanceOf(AlreadyCalledError);
    failureResultOf(b, CancelledError);
  });
});

describe('long chainDeferred chains (J8 replaces CD2)', () => {
  it('J8 100,000 chainDeferred links all fire', () => {
    const n = 100_000;
    const ds = Array.from({ length: n }, () => new Deferred<string>());
    for (let i = 0; i < n - 1; i++) ds[i]!.chainDeferred(ds[i + 1]!);
    const got: unknown[] = [];
    ds[n - 1]!.addCallback((r) => got.push(r));
    ds[0]!.callback('through');
    expect(got).toEqual(['through']);
    expect(successResultOf(ds[0]!)).toBeUndefined();
    expect(successResultOf(ds[n >> 1]!)).toBeUndefined();
  });

  it('J8 100,000 chainDeferred links carry a failure to the end', () => {
    const n = 100_000;
    const ds = Array.from({ length: n }, () => new Deferred<string>());
    for (let i = 0; i < n - 1; i++) ds[i]!.chainDeferred(ds[i + 1]!);
    const err = new GenericError('deep');
    ds[0]!.errback(err);
    expect(failureResultOf(ds[n - 1]!).value).toBe(err);
    expect(successResultOf(ds[1]!)).toBeUndefined();
  });

  it('J8 a paused link holds the rest of the chain until unpaused', () => {
    const ds = Array.from({ length: 5 }, () => new Deferred<string>());
    for (let i = 0; i < 4; i++) ds[i]!.chainDeferred(ds[i + 1]!);
    ds[2]!.pause();
    ds[0]!.callback('v');
    expect(ds[2]!.called).toBe(true);
    assertNoResult(ds[2]!);
    assertNoResult(ds[4]!);
    ds[2]!.unpause();
    expect(successResultOf(ds[4]!)).toBe('v');
  });
});
