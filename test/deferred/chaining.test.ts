// Returning a Deferred from a callback (implicit chaining, rules C1-C12 with J10 for C12),
// the trampoline (T1, T2), and Twisted's DeferredTests catalogue items 18-44 (§3.2):
// "Chaining" and "_chainedTo / repr / circularity". Items 25-27 (re-entrancy, R13/R14) are in
// callbacks.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { Deferred, Failure, fail, gatherResults, onUnhandledError, setDebugging, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { nextTurnPromise, thrownBy } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('implicit chaining (C1-C8)', () => {
  it('C1 test_callbackReturnsDeferred: the outer chain waits for the returned Deferred, paused or not', () => {
    const got: unknown[] = [];
    const d1 = new Deferred<number>();
    const d2 = new Deferred<number>();
    d2.pause();
    d1.addCallback(() => d2);
    d1.addCallback((r) => got.push(r));
    d1.callback(1);
    d2.callback(2);
    expect(got).toEqual([]);
    assertNoResult(d1);
    d2.unpause();
    expect(got).toEqual([2]);
  });

  it('C1 test_errbackReturnsDeferred: an errback returning an unfired Deferred makes the chain wait for it', () => {
    const got: unknown[] = [];
    const d = new Deferred<string>();
    const d2 = new Deferred<string>();
    d.addErrback(() => d2);
    d.addCallback((r) => got.push(r));
    d.errback(new GenericError('x'));
    assertNoResult(d);
    expect(got).toEqual([]);
    d2.callback('result');
    expect(got).toEqual(['result']);
  });

  it('C2 test_synchronousImplicitChain: an already-fired inner hands its result over synchronously and keeps undefined', () => {
    const obj = { an: 'object' };
    const first = succeed(obj);
    const second = new Deferred<undefined>();
    second.addCallback(() => first);
    second.callback(undefined);
    const firstResults: unknown[] = [];
    const secondResults: unknown[] = [];
    first.addCallback((r) => firstResults.push(r));
    second.addCallback((r) => secondResults.push(r));
    expect(firstResults).toEqual([undefined]);
    expect(secondResults).toEqual([obj]);
    expect(secondResults[0]).toBe(obj);
  });

  it('C3 test_asynchronousImplicitChain: an unfired inner hands its result over when it fires', () => {
    const obj = { an: 'object' };
    const first = new Deferred<typeof obj>();
    const second = new Deferred<undefined>();
    second.addCallback(() => first);
    second.callback(undefined);
    const firstResults: unknown[] = [];
    const secondResults: unknown[] = [];
    first.addCallback((r) => firstResults.push(r));
    second.addCallback((r) => secondResults.push(r));
    expect(firstResults).toEqual([]);
    expect(secondResults).toEqual([]);
    first.callback(obj);
    expect(firstResults).toEqual([undefined]);
    expect(secondResults).toEqual([obj]);
  });

  it('C3 while waiting the outer Deferred is called, paused once, has no result, and then resumes unpaused', () => {
    const inner = new Deferred<string>();
    const outer = new Deferred<undefined>();
    outer.addCallback(() => inner);
    outer.callback(undefined);
    expect(outer.called).toBe(true);
    expect(outer.paused).toBe(1);
    expect((outer as any)._result).toBe(inner);
    assertNoResult(outer);
    inner.callback('done');
    expect(outer.paused).toBe(0);
    expect(successResultOf(outer)).toBe('done');
  });

  it('C4 callbacks added to the inner Deferred after it was returned run after the hand-off and see undefined', () => {
    const seen: unknown[] = [];
    const inner = new Deferred<string>();
    const outer = new Deferred<undefined>();
    outer.addCallback(() => inner);
    outer.callback(undefined);
    inner.addCallback((r) => {
      seen.push(['inner-after', r]);
    });
    outer.addCallback((r) => {
      seen.push(['outer', r]);
    });
    inner.callback('value');
    expect(seen).toEqual([
      ['outer', 'value'],
      ['inner-after', undefined],
    ]);
  });

  it('C4 test_nestedAsynchronousChainedDeferredsWithExtraCallbacks: inner callbacks added before the return transform what the outer gets', () => {
    const results: unknown[] = [];
    const failures: Failure[] = [];
    const inner = new Deferred<string>();
    const outer = succeed('outer');
    outer.addCallback((r) => {
      results.push(['start-of-cb', r]);
      const d = succeed('inner');
      d.addCallback((r2) => {
        results.push(['firstCallback', r2]);
        return inner.addCallback((x) => [x]);
      });
      d.addCallback((r3) => {
        results.push(['secondCallback', r3]);
        return [...r3, ...r3];
      });
      return d;
    });
    outer.addCallback((r) => {
      results.push(r);
    });
    outer.addErrback((f) => {
      failures.push(f);
    });
    expect(results).toEqual([
      ['start-of-cb', 'outer'],
      ['firstCallback', 'inner'],
    ]);
    inner.callback('withers');
    expect(failures).toEqual([]);
    expect(results).toEqual([
      ['start-of-cb', 'outer'],
      ['firstCallback', 'inner'],
      ['secondCallback', ['withers']],
      ['withers', 'withers'],
    ]);
  });

  it('C5 test_synchronousImplicitErrorChain: a failed inner hands its Failure over and is left with undefined', () => {
    const first = fail(new RangeError('first'));
    const second = new Deferred<undefined>();
    second.addCallback(() => first);
    second.callback(undefined);
    const firstResults: unknown[] = [];
    first.addCallback((r) => firstResults.push(r));
    expect(firstResults).toEqual([undefined]);
    const f = failureResultOf(second, RangeError);
    expect((f.value as Error).message).toBe('first');
  });

  it('C5 test_asynchronousImplicitErrorChain: a failure of the inner reaches the outer errback; the inner goes on with undefined', () => {
    const first = new Deferred<undefined>();
    const second = new Deferred<undefined>();
    second.addCallback(() => first);
    const secondErrors: Failure[] = [];
    second.addErrback((f) => {
      secondErrors.push(f);
    });
    second.callback(undefined);
    const firstResults: unknown[] = [];
    first.addCallback((r) => firstResults.push(r));
    const secondResults: unknown[] = [];
    second.addCallback((r) => secondResults.push(r));
    expect(firstResults).toEqual([]);
    expect(secondResults).toEqual([]);
    first.errback(new RangeError('async'));
    expect(secondErrors).toHaveLength(1);
    expect(secondErrors[0]!.check(RangeError)).toBe(RangeError);
    expect(firstResults).toEqual([undefined]);
    expect(secondResults).toEqual([undefined]);
  });

  it('C5 a failure moved to the outer chain and handled there is not reported for the inner (test_chainedErrorCleanup)', async () => {
    const reports: Failure[] = [];
    const stop = onUnhandledError((f) => reports.push(f));
    setDebugging(true); // debug mode reports failures still unhandled at the end of the macrotask
    try {
      const handled: unknown[] = [];
      const inner = fail(new RangeError('moved'));
      const outer = new Deferred<undefined>();
      outer.addCallback(() => inner);
      outer.addErrback((f) => {
        handled.push(f.value);
      });
      outer.callback(undefined);
      await nextTurnPromise();
      await nextTurnPromise();
      expect(handled).toHaveLength(1);
      expect(reports).toEqual([]);
      // The inner Deferred no longer holds the Failure it handed over.
      expect((inner as any)._debugInfo?.failResult ?? null).toBeNull();
      expect(successResultOf(inner)).toBeUndefined();
    } finally {
      setDebugging(false);
      stop();
    }
  });

  it('C6 test_doubleAsynchronousImplicitChaining: A waits on B which waits on C; firing C fires A', () => {
    const a = new Deferred<undefined>();
    const b = new Deferred<undefined>();
    const c = new Deferred<string>();
    a.addCallback(() => b);
    b.addCallback(() => c);
    a.callback(undefined);
    b.callback(undefined);
    assertNoResult(a);
    assertNoResult(b);
    const got: unknown[] = [];
    a.addCallback((r) => got.push(r));
    c.callback('from C');
    expect(got).toEqual(['from C']);
  });

  it("C6 test_innerCallbacksPreserved: the middle Deferred's own later callbacks run in between", () => {
    const results: unknown[] = [];
    const failures: Failure[] = [];
    const inner = new Deferred<string>();
    const outer = succeed('outer');
    outer.addCallback((r) => {
      results.push(['start-of-cb', r]);
      const d = succeed('inner');
      d.addCallback((r2) => {
        results.push(['firstCallback', r2]);
        return inner;
      });
      d.addCallback((r3) => {
        results.push(['secondCallback', r3]);
        return r3 + r3;
      });
      return d;
    });
    outer.addCallback((r) => {
      results.push(r);
    });
    outer.addErrback((f) => {
      failures.push(f);
    });
    inner.callback('orange');
    expect(failures).toEqual([]);
    expect(results).toEqual([
      ['start-of-cb', 'outer'],
      ['firstCallback', 'inner'],
      ['secondCallback', 'orange'],
      'orangeorange',
    ]);
  });

  it('C6 test_nestedAsynchronousChainedDeferreds: before the innermost fires only the first steps ran', () => {
    const results: unknown[] = [];
    const inner = new Deferred<string>();
    const outer = succeed('outer');
    outer.addCallback((r) => {
      results.push(['start-of-cb', r]);
      const d = succeed('inner');
      d.addCallback((r2) => {
        results.push(['firstCallback', r2]);
        return inner;
      });
      d.addCallback((r3) => {
        results.push(['secondCallback', r3]);
        return r3 + r3;
      });
      return d;
    });
    outer.addCallback((r) => {
      results.push(r);
    });
    expect(results).toEqual([
      ['start-of-cb', 'outer'],
      ['firstCallback', 'inner'],
    ]);
    assertNoResult(outer);
    inner.callback('orange');
    expect(results).toEqual([
      ['start-of-cb', 'outer'],
      ['firstCallback', 'inner'],
      ['secondCallback', 'orange'],
      'orangeorange',
    ]);
  });

  it('C7 test_continueCallbackNotFirst: the hand-off marker need not be the first pair of the inner Deferred', () => {
    const results: unknown[] = [];
    const failures: Failure[] = [];
    const a = new Deferred<string>();
    const outer = succeed('outer');
    outer.addCallback((r) => {
      results.push(['cb', r]);
      const d = succeed<unknown>(undefined);
      d.addCallback((r2) => {
        results.push(['firstCallback', r2]);
        return gatherResults([a]);
      });
      d.addCallback((r3) => {
        results.push(['secondCallback', r3]);
      });
      return d;
    });
    outer.addErrback((f) => {
      failures.push(f);
    });
    a.callback('withers');
    expect(failures).toEqual([]);
    expect(results).toEqual([
      ['cb', 'outer'],
      ['firstCallback', undefined],
      ['secondCallback', ['withers']],
    ]);
  });

  it("C7 test_callbackOrderPreserved: the outer's later callbacks run after the inner's", () => {
    const results: unknown[] = [];
    const failures: Failure[] = [];
    const a = new Deferred<string>();
    const outer = succeed('outer');
    outer.addCallback((r) => {
      results.push(['cb', r]);
      const d = succeed<unknown>(undefined);
      d.addCallback((r2) => {
        results.push(['firstCallback', r2]);
        return gatherResults([a]);
      });
      d.addCallback((r3) => {
        results.push(['secondCallback', r3]);
      });
      return d;
    });
    outer.addCallback((r) => {
      results.push(['final', r]);
    });
    outer.addErrback((f) => {
      failures.push(f);
    });
    a.callback('withers');
    expect(failures).toEqual([]);
    expect(results).toEqual([
      ['cb', 'outer'],
      ['firstCallback', undefined],
      ['secondCallback', ['withers']],
      ['final', undefined],
    ]);
  });

  it('C8 test_chainedPausedDeferredWithResult: a paused inner with a result holds the outer until unpaused', () => {
    const expected = 'result';
    const paused = new Deferred<string>();
    paused.callback(expected);
    paused.pause();
    const chained = new Deferred<undefined>();
    chained.addCallback(() => paused);
    chained.callback(undefined);
    const results: unknown[] = [];
    chained.addCallback((r) => results.push(r));
    expect(results).toEqual([]);
    assertNoResult(chained);
    paused.unpause();
    expect(results).toEqual([expected]);
  });

  it("C8 test_pausedDeferredChained: pausing the outer does not block the inner's own later callbacks", () => {
    const first = new Deferred<undefined>();
    const second = new Deferred<undefined>();
    first.addCallback(() => second);
    first.callback(undefined);
    first.pause();
    second.callback(undefined);
    const results: unknown[] = [];
    second.addCallback((r) => results.push(r));
    expect(results).toEqual([undefined]);
    assertNoResult(first);
    first.unpause();
    expect(successResultOf(first)).toBeUndefined();
  });
});

describe('_chainedTo, circular chains, unpause while waiting (C9-C12)', () => {
  it('C9 test_chainDeferredRecordsExplicitChain: b.chainDeferred(a) records a._chainedTo = b', () => {
    const a = new Deferred<unknown>();
    const b = new Deferred<unknown>();
    expect((a as any)._chainedTo).toBeNull();
    b.chainDeferred(a);
    expect((a as any)._chainedTo).toBe(b);
  });

  it('C9 test_explicitChainClearedWhenResolved: _chainedTo is cleared once b fires a', () => {
    const a = new Deferred<unknown>();
    const b = new Deferred<unknown>();
    b.chainDeferred(a);
    expect((a as any)._chainedTo).toBe(b);
    b.callback(undefined);
    expect((a as any)._chainedTo).toBeNull();
    expect(successResultOf(a)).toBeUndefined();
  });

  it('C9 test_chainDeferredRecordsImplicitChain: returning b from a callback records a._chainedTo = b, cleared when b fires', () => {
    const a = new Deferred<undefined>();
    const b = new Deferred<string>();
    a.addCallback(() => b);
    a.callback(undefined);
    expect((a as any)._chainedTo).toBe(b);
    b.callback('x');
    expect((a as any)._chainedTo).toBeNull();
    expect(successResultOf(a)).toBe('x');
  });

  it('C10 test_circularChainException: a callback returning its own Deferred fails it with a TypeError', () => {
    const d = new Deferred<undefined>();
    let later = 0;
    d.addCallback(() => d);
    d.addCallback(() => {
      later++;
    });
    d.callback(undefined);
    expect(later).toBe(0);
    expect(d.paused).toBe(0);
    const f = failureResultOf(d, TypeError);
    expect(f.value).toBeInstanceOf(TypeError);
    expect((f.value as Error).message).toContain('Callback returned the Deferred it was attached to');
  });

  it('C10 test_circularChainWarning: the circular return produces exactly one failure and the chain goes on', () => {
    const failures: Failure[] = [];
    const d = new Deferred<undefined>();
    d.addCallback(() => d);
    d.addErrback((f) => {
      failures.push(f);
      return 'recovered';
    });
    d.callback(undefined);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.getErrorMessage()).toMatch(/^Callback returned the Deferred it was attached to/);
    expect(successResultOf(d)).toBe('recovered');
  });

  it('C12 (J10) unpause() of a Deferred waiting on an inner one throws and leaves it waiting', () => {
    const inner = new Deferred<string>();
    const outer = new Deferred<undefined>();
    outer.addCallback(() => inner);
    outer.callback(undefined);
    const e = thrownBy(() => outer.unpause());
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain('pause()');
    expect(outer.paused).toBe(1);
    assertNoResult(outer);
    inner.callback('inner value');
    expect(outer.paused).toBe(0);
    expect(successResultOf(outer)).toBe('inner value');
  });

  it('C12 (J10) a user pause() on a waiting Deferred can be undone without releasing the wait', () => {
    const inner = new Deferred<string>();
    const outer = new Deferred<undefined>();
    outer.addCallback(() => inner);
    outer.callback(undefined);
    outer.pause();
    expect(outer.paused).toBe(2);
    outer.unpause();
    expect(outer.paused).toBe(1);
    assertNoResult(outer);
    inner.callback('v');
    expect(successResultOf(outer)).toBe('v');
  });
});

describe('the trampoline (T1, T2)', () => {
  const savedLimit = Error.stackTraceLimit;
  afterEach(() => {
    Error.stackTraceLimit = savedLimit;
  });

  /** Fire a chain of `howMany` inner Deferreds and return the stack depth of the final callback. */
  function stackDepthWithInners(howMany: number): number {
    const depths: number[] = [];
    const top = new Deferred<undefined>();
    const inners = Array.from({ length: howMany }, () => new Deferred<undefined>());
    const last = new Deferred<undefined>();
    top.addCallback(() => inners[0]!);
    top.addCallback(() => {
      depths.push(new Error().stack!.split('\n').length);
    });
    inners.forEach((inner, i) => {
      inner.addCallback(() => (i + 1 < inners.length ? inners[i + 1]! : last));
    });
    top.callback(undefined);
    for (const inner of inners) inner.callback(undefined);
    expect(depths).toEqual([]);
    last.callback(undefined);
    expect(depths).toHaveLength(1);
    return depths[0]!;
  }

  it('T1 test_boundedStackDepth: the final callback runs at the same stack depth for 1 and 2 chained inners', () => {
    Error.stackTraceLimit = Infinity;
    const one = stackDepthWithInners(1);
    const two = stackDepthWithInners(2);
    expect(one).toBeGreaterThan(2);
    expect(two).toBe(one);
  });

  it('T1 100,000 Deferreds each waiting on the next resolve with one callback()', () => {
    const n = 100_000;
    const ds = Array.from({ length: n }, () => new Deferred<unknown>());
    for (let i = 0; i < n - 1; i++) {
      const next = ds[i + 1]!;
      ds[i]!.addCallback(() => next);
    }
    // Each fired Deferred now waits on the next, unfired one.
    for (let i = 0; i < n - 1; i++) ds[i]!.callback(undefined);
    assertNoResult(ds[0]!);
    ds[n - 1]!.callback('bottom');
    expect(successResultOf(ds[0]!)).toBe('bottom');
    expect(ds[0]!.paused).toBe(0);
  });

  it('T1 100,000 callbacks each returning an already-fired Deferred run without growing the stack', () => {
    const n = 100_000;
    const d = succeed(0);
    for (let i = 0; i < n; i++) d.addCallback((r) => succeed(r + 1));
    expect(successResultOf(d)).toBe(n);
  });

  it('T2 test_resultOfDeferredResultOfDeferredOfFiredDeferredCalled: a callback added to the middle one afterwards runs', () => {
    const first = new Deferred<undefined>();
    const second = new Deferred<undefined>();
    const third = new Deferred<undefined>();
    first.addCallback(() => second);
    second.addCallback(() => third);
    second.callback(undefined);
    first.callback(undefined);
    third.callback(undefined);
    const results: unknown[] = [];
    second.addCallback((r) => results.push(r));
    expect(results).toEqual([undefined]);
    expect(successResultOf(first)).toBeUndefined();
  });
});

describe('repr (R18, §3.2 items 42-44)', () => {
  it("R18 test_repr: an unfired Deferred's repr is <Deferred at 0x..>", () => {
    const d = new Deferred();
    expect(d.toString()).toMatch(/^<Deferred at 0x[0-9a-f]+>$/);
    expect(String(d)).toBe(d.toString());
  });

  it('R18 test_reprWithResult: a fired Deferred shows its current result', () => {
    const d = new Deferred<string>();
    d.callback('orange');
    expect(d.toString()).toMatch(/^<Deferred at 0x[0-9a-f]+ current result: 'orange'>$/);
  });

  it('R18 test_reprWithChaining: a chained Deferred shows the id of the one it waits on', () => {
    const a = new Deferred<unknown>();
    const b = new Deferred<unknown>();
    b.chainDeferred(a);
    const ra = /^<Deferred at (0x[0-9a-f]+) waiting on Deferred at (0x[0-9a-f]+)>$/.exec(a.toString());
    const rb = /^<Deferred at (0x[0-9a-f]+)>$/.exec(b.toString());
    expect(ra).not.toBeNull();
    expect(rb).not.toBeNull();
    expect(ra![2]).toBe(rb![1]);
    expect(ra![1]).not.toBe(rb![1]);
  });

  it('R18 ids are stable per Deferred and distinct between Deferreds', () => {
    const a = new Deferred<string>();
    const b = new Deferred<string>();
    const idOf = (d: Deferred<string>) => /^<Deferred at (0x[0-9a-f]+)/.exec(d.toString())![1];
    const idA = idOf(a);
    a.callback('x');
    expect(idOf(a)).toBe(idA);
    expect(idOf(b)).not.toBe(idA);
  });
});
