// gatherResults: rules G1-G4 of the spec and Twisted's DeferredTests items 62-65.

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, DeferredList, FirstError, fail, gatherResults, succeed } from '@deferkit/deferred';
import type { Failure } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest, fakeCallbackCanceller } from './helpers.js';

expectNoUnhandledErrorsInEachTest();

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

describe('gatherResults (G rules)', () => {
  it('G1 test_gatherResults: the values in input order; one failing input → one errback', () => {
    const results: number[][] = [];
    gatherResults([succeed(1), succeed(2)]).addCallback((r) => {
      results.push(r);
    });
    expect(results).toEqual([[1, 2]]);

    const bad = fail(new RangeError('bad'));
    const errors: Failure[] = [];
    let callbacks = 0;
    gatherResults([succeed(1), bad]).addCallbacks(
      () => {
        callbacks++;
      },
      (f) => {
        errors.push(f);
      },
    );
    expect(errors).toHaveLength(1);
    expect(callbacks).toBe(0);
    // Without consumeErrors the input keeps its own failure.
    expect(failureResultOf(bad, RangeError).getErrorMessage()).toBe('bad');
  });

  it('G1 the values are in input order, not in firing order', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const c = new Deferred<string>();
    const g = gatherResults([a, b, c]);
    c.callback('c');
    b.callback('b');
    assertNoResult(g);
    a.callback('a');
    expect(successResultOf(g)).toEqual(['a', 'b', 'c']);
  });

  it('G1 the first failure errbacks with FirstError(subFailure, index); the sub-failure is not unwrapped', () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    const c = new Deferred<number>();
    const g = gatherResults([a, b, c]);
    a.callback(1);
    const err = new RuntimeError('second');
    b.errback(err);
    const f = failureResultOf(g, FirstError);
    expect(f.check(RuntimeError)).toBeNull();
    const fe = f.value as FirstError;
    expect(fe.index).toBe(1);
    expect(fe.subFailure.value).toBe(err);
    // The input keeps its failure; later inputs firing change nothing.
    expect(failureResultOf(b).value).toBe(err);
    expect(() => c.callback(3)).not.toThrow();
    expect(successResultOf(c)).toBe(3);
  });

  it('G1 test_gatherResultsWithConsumeErrors: the failing input is consumed; the error arrives wrapped in FirstError', () => {
    const dgood = succeed(1);
    const dbad = fail(new RuntimeError('oh noes'));
    const g = gatherResults([dgood, dbad], { consumeErrors: true });
    const unconsumed: Failure[] = [];
    dbad.addErrback((f) => {
      unconsumed.push(f);
    });
    expect(unconsumed).toEqual([]);
    expect(successResultOf(dbad)).toBeUndefined();
    const fe = failureResultOf(g, FirstError).value as FirstError;
    expect(fe.subFailure.check(RuntimeError)).toBe(RuntimeError);
    expect(fe.subFailure.getErrorMessage()).toBe('oh noes');
    expect(fe.index).toBe(1);
  });

  it('G2 an empty list gives [] at once', () => {
    expect(successResultOf(gatherResults([]))).toEqual([]);
  });

  it('G3 the result is the DeferredList itself', () => {
    const input = new Deferred<number>();
    const g = gatherResults([input]);
    expect(g).toBeInstanceOf(DeferredList);
    expect((g as unknown as DeferredList<unknown>).resultList).toEqual([undefined]);
    input.callback(1);
    expect((g as unknown as DeferredList<unknown>).resultList).toEqual([[true, 1]]);
    expect(successResultOf(g)).toEqual([1]);
  });

  it('G3 test_cancelGatherResults: cancel() cancels every input → FirstError(CancelledError) from index 0', () => {
    const d1 = new Deferred<string>();
    const d2 = new Deferred<string>();
    const g = gatherResults([d1, d2]);
    g.cancel();
    failureResultOf(d1, CancelledError);
    failureResultOf(d2, CancelledError);
    const fe = failureResultOf(g, FirstError).value as FirstError;
    expect(fe.subFailure.check(CancelledError)).toBe(CancelledError);
    expect(fe.index).toBe(0);
  });

  it('G3 test_cancelGatherResultsWithAllDeferredsCallback: cancellers that callback give the values', () => {
    const d1 = new Deferred<string>(fakeCallbackCanceller);
    const d2 = new Deferred<string>(fakeCallbackCanceller);
    const g = gatherResults([d1, d2]);
    g.cancel();
    expect(successResultOf(g)).toEqual(['Callback Result', 'Callback Result']);
  });

  it('G4 when one input fails the others are not cancelled', () => {
    let cancels = 0;
    const a = new Deferred<number>();
    const b = new Deferred<number>(() => {
      cancels++;
    });
    const g = gatherResults([a, b]);
    a.errback(new GenericError('first'));
    failureResultOf(g, FirstError);
    expect(cancels).toBe(0);
    assertNoResult(b);
    b.callback(2);
    expect(successResultOf(b)).toBe(2);
    failureResultOf(a, GenericError);
  });
});
