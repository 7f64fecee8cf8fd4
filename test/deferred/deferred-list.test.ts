// DeferredList: rules L1-L9 of the spec, Twisted's DeferredTests items 45-61, FirstErrorTests
// and DeferredListEmptyTests.

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, DeferredList, Failure, FirstError, fail, succeed } from '@deferkit/deferred';
import type { DeferredListEntry } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectUnhandled, expectNoUnhandledErrorsInEachTest, fakeCallbackCanceller } from './helpers.js';

const takeReports = expectNoUnhandledErrorsInEachTest();

/** Mark a failed input as handled, so it is not reported as unhandled. */
function handled(d: Deferred<unknown>): void {
  d.addErrback(() => undefined);
}

/** The Failure of a `[false, failure]` entry (fails the test for a success entry). */
function failureOf(entry: DeferredListEntry<unknown> | undefined): Failure {
  expect(entry?.[0]).toBe(false);
  return entry![1] as Failure;
}

/** A Deferred whose canceller counts its calls and does not fire it. */
function counted<T>(): { d: Deferred<T>; calls: () => number } {
  let n = 0;
  const d = new Deferred<T>(() => {
    n++;
  });
  return { d, calls: () => n };
}

describe('DeferredList (L rules)', () => {
  it('L1 already-fired inputs are processed during construction (testDeferredListWithAlreadyFiredDeferreds)', () => {
    const d1 = fail(new GenericError('Bang'));
    const d2 = succeed(2);
    const dl = new DeferredList<unknown>([d1, d2]);
    const entries = successResultOf(dl);
    expect(entries).toHaveLength(2);
    expect(failureOf(entries[0]).value).toBeInstanceOf(GenericError);
    expect(entries[1]).toEqual([true, 2]);
    handled(d1);
  });

  it('L1 callbacks are added in input order, so the first already-fired input is seen first', () => {
    const dl = new DeferredList([succeed('a'), succeed('b')], { fireOnOneCallback: true });
    expect(successResultOf(dl)).toEqual(['a', 0]);
  });

  it('L1 the inputs may be any iterable; it is copied into a list at construction', () => {
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    function* inputs(): Generator<Deferred<number>> {
      yield d1;
      yield d2;
    }
    const dl = new DeferredList(inputs());
    d2.callback(2);
    assertNoResult(dl);
    d1.callback(1);
    expect(successResultOf(dl)).toEqual([
      [true, 1],
      [true, 2],
    ]);
  });

  it('L2 testDeferredList fires [success, result] entries once every input fired', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const d3 = new Deferred<string>();
    const dl = new DeferredList([d1, d2, d3]);
    const results: Array<DeferredListEntry<string>[]> = [];
    let errbacks = 0;
    dl.addCallbacks(
      (r) => {
        results.push(r);
      },
      () => {
        errbacks++;
      },
    );
    d1.callback('1');
    expect(results).toEqual([]);
    d2.errback(new GenericError('2'));
    expect(results).toEqual([]);
    d3.callback('3');
    expect(results).toHaveLength(1);
    const entries = results[0]!;
    expect(entries).toHaveLength(3);
    expect(entries[0]).toEqual([true, '1']);
    const f = failureOf(entries[1]);
    expect(f).toBeInstanceOf(Failure);
    expect(f.check(GenericError)).toBe(GenericError);
    expect(f.getErrorMessage()).toBe('2');
    expect(entries[2]).toEqual([true, '3']);
    expect(errbacks).toBe(0);
    handled(d2);
  });

  it('L2 the entries are in input order, not in firing order', () => {
    const ds = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
    const dl = new DeferredList(ds);
    ds[2]!.callback('c');
    ds[0]!.callback('a');
    ds[1]!.callback('b');
    expect(successResultOf(dl)).toEqual([
      [true, 'a'],
      [true, 'b'],
      [true, 'c'],
    ]);
  });

  it('L2 never errbacks by default, even when every input fails; the result is dl.resultList', () => {
    const e1 = new GenericError('one');
    const e2 = new GenericError('two');
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    const dl = new DeferredList([d1, d2]);
    d1.errback(e1);
    d2.errback(e2);
    const entries = successResultOf(dl);
    expect(entries).toBe(dl.resultList);
    expect(failureOf(entries[0]).value).toBe(e1);
    expect(failureOf(entries[1]).value).toBe(e2);
    handled(d1);
    handled(d2);
  });

  it('L3 testEmptyDeferredList: [] fires [] at once; with fireOnOneCallback it never fires', () => {
    const seen: unknown[] = [];
    new DeferredList([]).addCallback((r) => {
      seen.push(r);
    });
    expect(seen).toEqual([[]]);
    const never = new DeferredList([], { fireOnOneCallback: true });
    assertNoResult(never);
  });

  it('L3 an empty list with fireOnOneErrback fires [] at once', () => {
    const dl = new DeferredList([], { fireOnOneErrback: true });
    expect(successResultOf(dl)).toEqual([]);
  });

  it('L4 fireOnOneCallback fires with [result, index] on the first success', () => {
    const ds = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
    const dl = new DeferredList(ds, { fireOnOneCallback: true });
    assertNoResult(dl);
    ds[1]!.callback('first');
    expect(successResultOf(dl)).toEqual(['first', 1]);
    // Later results do not change it, and firing them raises nothing.
    ds[0]!.callback('second');
    ds[2]!.callback('third');
    expect(successResultOf(dl)).toEqual(['first', 1]);
  });

  it('L4 fireOnOneCallback: a failure before the first success does not fire the list', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
    d1.errback(new GenericError('nope'));
    assertNoResult(dl);
    d2.callback('yes');
    expect(successResultOf(dl)).toEqual(['yes', 1]);
    handled(d1);
  });

  it('L4 fireOnOneCallback: when every input fails it still callbacks, with the full entry list', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
    d1.errback(new GenericError('a'));
    d2.errback(new GenericError('b'));
    const result = successResultOf(dl) as DeferredListEntry<string>[];
    expect(Array.isArray(result[0])).toBe(true);
    expect(failureOf(result[0]).getErrorMessage()).toBe('a');
    expect(failureOf(result[1]).getErrorMessage()).toBe('b');
    handled(d1);
    handled(d2);
  });

  it('L5 testDeferredListFireOnOneError errbacks once with FirstError(failure, index)', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const d3 = new Deferred<string>();
    const dl = new DeferredList([d1, d2, d3], { fireOnOneErrback: true });
    const failures: Failure[] = [];
    let callbacks = 0;
    dl.addCallbacks(
      () => {
        callbacks++;
      },
      (f) => {
        failures.push(f);
      },
    );
    d1.callback('1');
    expect(failures).toEqual([]);
    const sub = new GenericError('from def2');
    d2.errback(sub);
    expect(failures).toHaveLength(1);
    const first = failures[0]!.value;
    expect(first).toBeInstanceOf(FirstError);
    const fe = first as FirstError;
    expect(fe.subFailure.check(GenericError)).toBe(GenericError);
    expect(fe.subFailure.value).toBe(sub);
    expect(fe.subFailure.getErrorMessage()).toBe('from def2');
    expect(fe.index).toBe(1);
    // A later success of the third input does not fire the list again.
    d3.callback('3');
    expect(failures).toHaveLength(1);
    expect(callbacks).toBe(0);
    handled(d2);
  });

  it('L5 testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds errbacks during construction', () => {
    const d1 = fail(new GenericError('Bang'));
    const d2 = new Deferred<number>();
    const dl = new DeferredList<unknown>([d1, d2], { fireOnOneErrback: true });
    const fe = failureResultOf(dl, FirstError).value as FirstError;
    expect(fe.index).toBe(0);
    expect(fe.subFailure.getErrorMessage()).toBe('Bang');
    assertNoResult(d2);
    handled(d1);
  });

  it('L6 testDeferredListDontConsumeErrors: the failing input keeps its failure', () => {
    const d1 = new Deferred<string>();
    const dl = new DeferredList([d1]);
    const seen: string[] = [];
    d1.addErrback((f) => {
      seen.push(f.getErrorMessage());
    });
    d1.errback(new GenericError('Bang'));
    expect(seen).toEqual(['Bang']);
    const entries = successResultOf(dl);
    expect(failureOf(entries[0]).getErrorMessage()).toBe('Bang');
  });

  it('L6 testDeferredListConsumeErrors: consumeErrors turns the input result into undefined', () => {
    const d1 = new Deferred<string>();
    const dl = new DeferredList([d1], { consumeErrors: true });
    const seen: string[] = [];
    d1.addErrback((f) => {
      seen.push(f.getErrorMessage());
    });
    d1.errback(new GenericError('Bang'));
    expect(seen).toEqual([]);
    expect(successResultOf(d1)).toBeUndefined();
    const entries = successResultOf(dl);
    expect(failureOf(entries[0]).getErrorMessage()).toBe('Bang');
  });

  it('L6 an input keeps its success result; callbacks added before the list change what it sees', () => {
    const before = new Deferred<number>();
    before.addCallback((n) => n * 10);
    const after = new Deferred<number>();
    const dl = new DeferredList([before, after]);
    const seenAfter: number[] = [];
    after.addCallback((n) => {
      seenAfter.push(n);
      return n;
    });
    before.callback(1);
    after.callback(2);
    expect(successResultOf(dl)).toEqual([
      [true, 10],
      [true, 2],
    ]);
    expect(seenAfter).toEqual([2]);
    expect(successResultOf(before)).toBe(10);
    expect(successResultOf(after)).toBe(2);
  });

  it('L7 the same Deferred listed twice gives two entries', () => {
    const d = new Deferred<number>();
    const dl = new DeferredList([d, d]);
    d.callback(5);
    expect(successResultOf(dl)).toEqual([
      [true, 5],
      [true, 5],
    ]);
  });

  it('L8 test_cancelDeferredList: cancel() cancels every unfired input', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2]);
    dl.cancel();
    failureResultOf(d1, CancelledError);
    failureResultOf(d2, CancelledError);
    const entries = successResultOf(dl);
    expect(failureOf(entries[0]).check(CancelledError)).toBe(CancelledError);
    expect(failureOf(entries[1]).check(CancelledError)).toBe(CancelledError);
  });

  it('L8 test_cancelDeferredListCallback: the list result follows what the cancellers did', () => {
    const d1 = new Deferred<string>(fakeCallbackCanceller);
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2]);
    dl.cancel();
    const entries = successResultOf(dl);
    expect(entries[0]).toEqual([true, 'Callback Result']);
    expect(failureOf(entries[1]).check(CancelledError)).toBe(CancelledError);
    failureResultOf(d2, CancelledError);
  });

  it('L8 test_cancelDeferredListWithFireOnOneCallback: cancel() cancels both inputs', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
    dl.cancel();
    failureResultOf(d1, CancelledError);
    failureResultOf(d2, CancelledError);
    // Every input failed, so the fireOnOneCallback list callbacks with the entries (L4).
    const result = successResultOf(dl) as DeferredListEntry<string>[];
    expect(result).toHaveLength(2);
    expect(failureOf(result[0]).check(CancelledError)).toBe(CancelledError);
  });

  it('L8 test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback → ["Callback Result", 0]', () => {
    const d1 = new Deferred<string>(fakeCallbackCanceller);
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
    dl.cancel();
    expect(successResultOf(dl)).toEqual(['Callback Result', 0]);
    // The loop started before the list fired, so the second input is cancelled too.
    failureResultOf(d2, CancelledError);
  });

  it('L8 test_cancelDeferredListWithFireOnOneErrback → FirstError wrapping CancelledError', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneErrback: true });
    dl.cancel();
    failureResultOf(d1, CancelledError);
    failureResultOf(d2, CancelledError);
    const fe = failureResultOf(dl, FirstError).value as FirstError;
    expect(fe.subFailure.check(CancelledError)).toBe(CancelledError);
    expect(fe.index).toBe(0);
  });

  it('L8 test_cancelDeferredListWithFireOnOneErrbackAllDeferredsCallback → the success list', () => {
    const d1 = new Deferred<string>(fakeCallbackCanceller);
    const d2 = new Deferred<string>(fakeCallbackCanceller);
    const dl = new DeferredList([d1, d2], { fireOnOneErrback: true });
    dl.cancel();
    expect(successResultOf(dl)).toEqual([
      [true, 'Callback Result'],
      [true, 'Callback Result'],
    ]);
  });

  it('L8 test_cancelDeferredListWithOriginalDeferreds: only the inputs given at construction are cancelled', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const ds = [d1, d2];
    const dl = new DeferredList(ds);
    const d3 = new Deferred<string>();
    ds.push(d3);
    dl.cancel();
    failureResultOf(d1, CancelledError);
    failureResultOf(d2, CancelledError);
    assertNoResult(d3);
    expect(successResultOf(dl)).toHaveLength(2);
  });

  it('L8 test_cancelDeferredListWithException: a throwing canceller fails its own input (J9); the others are still cancelled', () => {
    const boom = new Error('test');
    const d1 = new Deferred<string>(() => {
      throw boom;
    });
    const d2 = new Deferred<string>();
    const dl = new DeferredList([d1, d2]);
    const collector = collectUnhandled();
    try {
      expect(() => dl.cancel()).not.toThrow();
      // Nothing is logged: the error is d1's result instead.
      expect(collector.reports).toEqual([]);
    } finally {
      collector.stop();
    }
    failureResultOf(d2, CancelledError);
    expect(failureResultOf(d1).value).toBe(boom);
    const entries = successResultOf(dl);
    expect(failureOf(entries[0]).value).toBe(boom);
    expect(failureOf(entries[1]).check(CancelledError)).toBe(CancelledError);
  });

  it("L8 an exception thrown out of an input's cancel() (another copy's Deferred) is logged once and the loop continues", () => {
    const err = new Error('foreign cancel failed');
    // A Deferred of another loaded copy of the package, whose cancel() throws (Twisted X5).
    const foreign = {
      [Symbol.for('deferkit.Deferred')]: true,
      addCallbacks() {
        return this;
      },
      cancel(): never {
        throw err;
      },
    };
    const d2 = new Deferred<string>();
    const dl = new DeferredList([foreign as unknown as Deferred<string>, d2]);
    expect(() => dl.cancel()).not.toThrow();
    failureResultOf(d2, CancelledError);
    const reports = takeReports();
    expect(reports.map((f) => f.value)).toEqual([err]);
    assertNoResult(dl);
  });

  it('L8 test_cancelFiredOnOneCallbackDeferredList: cancel() after the list fired does nothing', () => {
    const d1 = new Deferred<string>();
    const { d: d2, calls } = counted<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneCallback: true });
    d1.callback('test');
    dl.cancel();
    expect(calls()).toBe(0);
    assertNoResult(d2);
    expect(successResultOf(dl)).toEqual(['test', 0]);
  });

  it('L8 test_cancelFiredOnOneErrbackDeferredList: cancel() after the list errbacked does nothing', () => {
    const d1 = new Deferred<string>();
    const { d: d2, calls } = counted<string>();
    const dl = new DeferredList([d1, d2], { fireOnOneErrback: true });
    d1.errback(new GenericError('test'));
    dl.cancel();
    expect(calls()).toBe(0);
    assertNoResult(d2);
    const fe = failureResultOf(dl, FirstError).value as FirstError;
    expect(fe.subFailure.check(GenericError)).toBe(GenericError);
    expect(fe.index).toBe(0);
    handled(d1);
  });

  it('L8 a fired list waiting on a Deferred returned by its own callback does not forward cancel() (issue #7856)', () => {
    const d1 = new Deferred<string>();
    const dl = new DeferredList([d1]);
    const { d: inner, calls } = counted<string>();
    dl.addCallback(() => inner);
    d1.callback('x');
    dl.cancel();
    expect(calls()).toBe(0);
    assertNoResult(dl);
    inner.callback('inner result');
    expect(successResultOf(dl as Deferred<unknown>)).toBe('inner result');
  });
});

describe('FirstError (L9, FirstErrorTests)', () => {
  it('L9 test_repr: toString() is FirstError[#index, repr of the error]', () => {
    const f = new Failure(new TypeError('some text'));
    expect(new FirstError(f, 3).toString()).toBe("FirstError[#3, TypeError('some text')]");
  });

  it('L9 test_str: the message is FirstError[#index, str(subFailure)]', () => {
    const f = new Failure(new TypeError('other text'));
    const fe = new FirstError(f, 5);
    expect(fe.message).toBe(`FirstError[#5, ${String(f)}]`);
    expect(fe.subFailure).toBe(f);
    expect(fe.index).toBe(5);
    expect(fe).toBeInstanceOf(Error);
  });

  it('L9 test_comparison: equal iff same index and same sub-failure; never equal to a non-FirstError', () => {
    const firstFailure = new Failure(new RangeError('division by zero'));
    const one = new FirstError(firstFailure, 13);
    const anotherOne = new FirstError(firstFailure, 13);
    const secondFailure = new Failure(new TypeError('bar'));
    const another = new FirstError(secondFailure, 9);
    expect(one.equals(anotherOne)).toBe(true);
    expect(anotherOne.equals(one)).toBe(true);
    expect(one.equals(another)).toBe(false);
    expect(one.equals(new FirstError(firstFailure, 9))).toBe(false);
    expect(one.equals(new FirstError(secondFailure, 13))).toBe(false);
    expect(one.equals(10)).toBe(false);
    expect(one.equals(firstFailure)).toBe(false);
  });

  it('L9 FirstErrors whose distinct sub-failures wrap the same error (and index) are equal', () => {
    const err = new RangeError('same');
    expect(new FirstError(new Failure(err), 2).equals(new FirstError(new Failure(err), 2))).toBe(true);
    expect(new FirstError(new Failure(err), 2).equals(new FirstError(new Failure(new RangeError('same')), 2))).toBe(false);
  });
});

describe('DeferredListEmptyTests', () => {
  it('L3 testDeferredListEmpty: a callback on DeferredList([]) runs with []', () => {
    const calls: unknown[] = [];
    const dl = new DeferredList([]);
    dl.addCallback((r) => {
      calls.push(r);
    });
    expect(calls).toEqual([[]]);
  });
});
