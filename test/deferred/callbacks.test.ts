// The callback chain: rules R1-R18 of the Twisted reference (docs/rules.md) §2.1 and the "Basics /
// arguments" part of Twisted's DeferredTests (§3.2 items 4-17). Cases already in
// basics.test.ts (R1 fields, R2 synchronous run, testCallbackWithArgs, testImmediateSuccess,
// testCallbackErrors, errback(failure) identity) are not repeated here.

import { describe, expect, it } from 'vitest';
import { AlreadyCalledError, Deferred, Failure, fail, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { thrownBy } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('firing and adding (R1-R6)', () => {
  it('R1 a new Deferred runs nothing added to it and has no result', () => {
    const d = new Deferred<number>();
    const log: string[] = [];
    d.addCallbacks(
      () => log.push('callback'),
      () => log.push('errback'),
    );
    d.addBoth(() => log.push('both'));
    expect(log).toEqual([]);
    expect(d.called).toBe(false);
    expect(() => assertNoResult(d)).not.toThrow();
  });

  it('R2 callback() returns undefined and drops the canceller', () => {
    let cancellerCalls = 0;
    const d = new Deferred<number>(() => {
      cancellerCalls++;
    });
    const returned: unknown = d.callback(1);
    expect(returned).toBeUndefined();
    expect((d as any)._canceller).toBeNull();
    d.cancel();
    expect(cancellerCalls).toBe(0);
    expect(successResultOf(d)).toBe(1);
  });

  it('R3 testCallbackWithoutArgs: a callback gets only the result, and no errback runs', () => {
    const calls: unknown[][] = [];
    const errbacks: Failure[] = [];
    const d = new Deferred<string>();
    d.addCallback(function (this: unknown, ...args: unknown[]) {
      calls.push(args);
    });
    d.addErrback((f) => errbacks.push(f));
    d.callback('hello');
    expect(calls).toEqual([['hello']]);
    expect(errbacks).toEqual([]);
  });

  it('R3 testCallbackWithKwArgs (J11: keyword arguments become one positional options object)', () => {
    const calls: unknown[][] = [];
    const d = new Deferred<string>();
    d.addCallback((r, kw: { world: string }) => calls.push([r, kw]), { world: 'world' });
    d.callback('hello');
    expect(calls).toEqual([['hello', { world: 'world' }]]);
  });

  it('R3 extra arguments follow the failure in addErrback and the result in addCallbacks options', () => {
    const seen: unknown[][] = [];
    const err = new GenericError('boom');
    const d1 = new Deferred<number>();
    d1.addErrback((f, a: string, b: number) => seen.push([f.value, a, b]), 'x', 2);
    d1.errback(err);

    const d2 = new Deferred<number>();
    d2.addCallbacks(
      (r, a: string) => seen.push([r, a]),
      (f, b: string) => seen.push([f.value, b]),
      { callbackArgs: ['cb-arg'], errbackArgs: ['eb-arg'] },
    );
    d2.callback(5);

    const d3 = new Deferred<number>();
    d3.addCallbacks(
      (r, a: string) => seen.push([r, a]),
      (f, b: string) => seen.push([f.value, b]),
      { callbackArgs: ['cb-arg'], errbackArgs: ['eb-arg'] },
    );
    d3.errback(err);
    expect(seen).toEqual([
      [err, 'x', 2],
      [5, 'cb-arg'],
      [err, 'eb-arg'],
    ]);
  });

  it('R4 testImmediateFailure: an errback added to a failed Deferred runs at once', () => {
    const l: Failure[] = [];
    fail(new GenericError('fail')).addErrback((f) => {
      l.push(f);
    });
    expect(l).toHaveLength(1);
    expect((l[0]!.value as Error).message).toBe('fail');
  });

  it('R5 addCallback, addErrback, addBoth and addCallbacks return the same Deferred', () => {
    const d = new Deferred<number>();
    expect(d.addCallback((r) => r)).toBe(d);
    expect(d.addErrback((f) => f)).toBe(d);
    expect(d.addBoth((r) => r)).toBe(d);
    expect(d.addCallbacks((r) => r, (f) => f)).toBe(d);
    expect(d.addCallbacks((r) => r)).toBe(d);
    d.callback(3);
    expect(successResultOf(d)).toBe(3);
  });

  it('R6 addCallback passes failures by, addErrback passes successes by, addBoth gets both', () => {
    const log: string[] = [];
    const ok = new Deferred<string>();
    ok.addErrback(() => log.push('ok:errback'));
    ok.addBoth((r) => {
      log.push(`ok:both(${String(r)})`);
      return r;
    });
    ok.addCallback((r) => log.push(`ok:callback(${r})`));
    ok.callback('v');

    const bad = new Deferred<string>();
    bad.addCallback(() => log.push('bad:callback'));
    bad.addBoth((r) => {
      log.push(`bad:both(${r instanceof Failure ? 'Failure' : 'value'})`);
      return r;
    });
    bad.addErrback(() => {
      log.push('bad:errback');
    });
    bad.errback(new GenericError('x'));
    expect(log).toEqual(['ok:both(v)', 'ok:callback(v)', 'bad:both(Failure)', 'bad:errback']);
  });

  it('R6 test_addCallbacksNoneErrback: a null errback passes the failure to the next pair', () => {
    const err = new GenericError('e');
    const callbacks: unknown[] = [];
    const failures: Failure[] = [];
    const d = new Deferred<number>();
    d.addCallbacks((r) => callbacks.push(r), null);
    d.addErrback((f) => {
      failures.push(f);
    });
    d.errback(err);
    expect(callbacks).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.value).toBe(err);
  });

  it('R6 test_addCallbacksNoneCallbackArgs: null callbackArgs means no extra arguments', () => {
    const calls: unknown[][] = [];
    const d = new Deferred<string>();
    d.addCallbacks((...args: unknown[]) => calls.push(args), null, { callbackArgs: null, errbackArgs: null });
    d.callback('hello');
    expect(calls).toEqual([['hello']]);
  });

  it('R6 test_addCallbacksNoneErrbackArgs: null errbackArgs means no extra arguments', () => {
    const calls: unknown[][] = [];
    const err = new GenericError('e');
    const d = new Deferred<string>();
    d.addCallbacks(
      () => calls.push(['callback']),
      (...args: unknown[]) => {
        calls.push(args.map((a) => (a instanceof Failure ? a.value : a)));
      },
      { callbackArgs: null, errbackArgs: null },
    );
    d.errback(err);
    expect(calls).toEqual([[err]]);
  });
});

describe('running the chain (R7-R12)', () => {
  it('R7 pairs run first-in first-out and are not replayed', () => {
    const log: string[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => {
      log.push(`a:${r}`);
      return 'from-a';
    });
    d.addCallback((r) => {
      log.push(`b:${r}`);
      return 'from-b';
    });
    d.callback('start');
    d.addCallback((r) => {
      log.push(`c:${r}`);
      return 'from-c';
    });
    expect(log).toEqual(['a:start', 'b:from-a', 'c:from-b']);
    expect(successResultOf(d)).toBe('from-c');
  });

  it('R7 testTwoCallbacks: a callback returning its argument hands it to the next', () => {
    const got: string[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => {
      got.push(`first:${r}`);
      return r;
    });
    d.addCallback((r) => {
      got.push(`second:${r}`);
    });
    d.callback('hello');
    expect(got).toEqual(['first:hello', 'second:hello']);
  });

  it('R8 a thrown non-Error value becomes the Failure value', () => {
    const values: unknown[] = [];
    for (const thrown of ['a string', 42, undefined, null, { code: 7 }]) {
      const d = new Deferred<number>();
      d.addCallback(() => {
        throw thrown;
      });
      d.addErrback((f) => {
        values.push(f.value);
      });
      d.callback(1);
    }
    expect(values).toEqual(['a string', 42, undefined, null, { code: 7 }]);
  });

  it('R8 test_callbackMaybeReturnsFailure: a returned Failure skips the following callbacks', () => {
    const d = new Deferred<number>();
    d.callback(6);
    expect(successResultOf(d.addCallback((r) => r + 1))).toBe(7);
    const rte = new RangeError('rte');
    let secondCalls = 0;
    d.addCallback(() => new Failure(rte));
    d.addCallback(() => {
      secondCalls++;
      return new Failure(rte);
    });
    expect(secondCalls).toBe(0);
    expect(failureResultOf(d).value).toBe(rte);
  });

  it("R9 a raising callback's own errback is skipped; the next pair's errback gets the failure", () => {
    const log: unknown[] = [];
    const d = new Deferred<number>();
    d.addCallbacks(
      () => {
        throw new RangeError('zero');
      },
      () => log.push('eb1'),
    );
    d.addCallbacks(
      () => log.push('cb2'),
      (f) => {
        log.push(['eb2', f.check(RangeError) === RangeError, (f.value as Error).message]);
        return 'recovered';
      },
    );
    d.addCallback((r) => log.push(['cb3', r]));
    d.callback(1);
    expect(log).toEqual([
      ['eb2', true, 'zero'],
      ['cb3', 'recovered'],
    ]);
  });

  it('R10 an errback returning any non-Failure value, undefined included, recovers', () => {
    const got: unknown[] = [];
    const d = new Deferred<number>();
    d.addErrback(() => undefined);
    d.addCallbacks(
      (r) => got.push(['callback', r]),
      () => got.push('errback'),
    );
    d.errback(new GenericError('x'));
    expect(got).toEqual([['callback', undefined]]);
  });

  it('R10 re-throwing or returning the Failure stays on the error path', () => {
    const err = new GenericError('stay');
    const log: unknown[] = [];
    const d = new Deferred<number>();
    d.addErrback((f) => {
      log.push('rethrow');
      throw f.value;
    });
    d.addCallback(() => log.push('callback-1'));
    d.addErrback((f) => {
      log.push('return-failure');
      return f;
    });
    d.addCallback(() => log.push('callback-2'));
    d.errback(err);
    expect(log).toEqual(['rethrow', 'return-failure']);
    expect(failureResultOf(d).value).toBe(err);
  });

  it('R11 callback(aFailure) takes the error path exactly like errback(aFailure)', () => {
    const f = new Failure(new GenericError('via callback'));
    const log: unknown[] = [];
    const d = new Deferred<unknown>();
    d.addCallbacks(
      () => log.push('callback'),
      (g) => {
        log.push(g);
      },
    );
    d.callback(f);
    expect(log).toEqual([f]);
    expect(log[0]).toBe(f);
  });

  it('R12 errback(error) wraps the error: value is it and type is its class', () => {
    const err = new GenericError('wrapped');
    const d = new Deferred<number>();
    d.errback(err);
    const f = failureResultOf(d);
    expect(f).toBeInstanceOf(Failure);
    expect(f.value).toBe(err);
    expect(f.type).toBe(GenericError);
  });

  it('R12 errback("a string") wraps the string with type String (24.7+ behaviour)', () => {
    const d = new Deferred<number>();
    d.errback('just a string');
    const f = failureResultOf(d);
    expect(f.value).toBe('just a string');
    expect(f.type).toBe(String);
  });
});

describe('re-entrancy (R13-R15)', () => {
  it('R13 test_reentrantRunCallbacks: a callback added from a callback runs after queued ones', () => {
    const order: number[] = [];
    const d = new Deferred<undefined>();
    d.addCallback(() => {
      order.push(1);
      d.addCallback(() => {
        order.push(3);
      });
    });
    d.addCallback(() => {
      order.push(2);
    });
    d.callback(undefined);
    expect(order).toEqual([1, 2, 3]);
  });

  it('R13 test_nonReentrantCallbacks: a callback added from a callback has not run when addCallback returns', () => {
    const order: number[] = [];
    const d = new Deferred<undefined>();
    d.addCallback(() => {
      order.push(1);
      d.addCallback(() => {
        order.push(2);
      });
      expect(order).toEqual([1]);
      order.push(1.5);
    });
    d.callback(undefined);
    expect(order).toEqual([1, 1.5, 2]);
  });

  it('R14 test_reentrantRunCallbacksWithFailure: an error in a re-entrantly added callback reaches the next errback', () => {
    const message = 'callback raised exception';
    const got: unknown[] = [];
    const d = new Deferred<undefined>();
    d.addCallback(() => {
      d.addCallback(() => {
        throw new GenericError(message);
      });
      d.addErrback((f) => {
        got.push(f.value);
      });
    });
    d.callback(undefined);
    expect(got).toHaveLength(1);
    expect(got[0]).toBeInstanceOf(GenericError);
    expect((got[0] as Error).message).toBe(message);
  });

  it('R15 callback() on a Deferred from inside its own callback fails the chain with AlreadyCalledError', () => {
    const d = new Deferred<string>();
    d.addCallback(() => d.callback('again'));
    d.callback('first');
    const f = failureResultOf(d, AlreadyCalledError);
    expect(f.value).toBeInstanceOf(AlreadyCalledError);

    const e = new Deferred<string>();
    e.addCallback(() => e.errback(new GenericError('again')));
    e.callback('first');
    expect(failureResultOf(e).value).toBeInstanceOf(AlreadyCalledError);
  });
});

describe('bad callbacks (R16 deviation: checked at registration)', () => {
  it('R16 addCallback with a non-function throws TypeError naming addCallback and adds nothing', () => {
    const d = new Deferred<number>();
    const e = thrownBy(() => d.addCallback(42 as never));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/addCallback\(\)/);
    expect((e as Error).message).toMatch(/must be a function/);
    expect((e as Error).message).toContain('42');
    d.callback(1);
    expect(successResultOf(d)).toBe(1);
  });

  it('R16 addErrback, addBoth and addCallbacks with non-functions throw TypeError naming the method', () => {
    const d = new Deferred<number>();
    const cases: [string, () => unknown][] = [
      ['addErrback', () => d.addErrback('nope' as never)],
      ['addBoth', () => d.addBoth(null as never)],
      ['addCallbacks', () => d.addCallbacks(undefined as never)],
      ['addCallbacks', () => d.addCallbacks((r) => r, {} as never)],
    ];
    for (const [method, call] of cases) {
      const e = thrownBy(call);
      expect(e, method).toBeInstanceOf(TypeError);
      expect((e as Error).message, method).toContain(`Deferred.${method}()`);
      expect((e as Error).message, method).toMatch(/must be a function/);
    }
    d.callback(1);
    expect(successResultOf(d)).toBe(1);
  });
});

describe('succeed, fail, repr (R17, R18)', () => {
  it('R17 test_succeedMatchesManualSuccess: succeed(x) has the same state as callback(x) on a new Deferred', () => {
    const value = { some: 'object' };
    const viaSucceed = succeed(value);
    const manual = new Deferred<typeof value>();
    manual.callback(value);
    // Compare the fields (a Deferred is iterable, so compare entries rather than the objects).
    expect(Object.entries(viaSucceed)).toStrictEqual(Object.entries(manual));
    expect(successResultOf(viaSucceed)).toBe(value);
    expect(successResultOf(manual)).toBe(value);
  });

  it('R17 fail(e) has the same state as errback(e) on a new Deferred', () => {
    const err = new GenericError('same');
    const viaFail = fail(err);
    const manual = new Deferred<never>();
    manual.errback(err);
    expect(viaFail.called).toBe(true);
    expect(Object.entries(viaFail)).toStrictEqual(Object.entries(manual));
    expect(failureResultOf(viaFail).value).toBe(err);
    expect(failureResultOf(manual).value).toBe(err);
  });

  it('R18 the repr uses the class name of a subclass', () => {
    class MyDeferred<T> extends Deferred<T> {}
    const d = new MyDeferred<string>();
    expect(d.toString()).toMatch(/^<MyDeferred at 0x[0-9a-f]+>$/);
    d.callback('x');
    expect(d.toString()).toMatch(/^<MyDeferred at 0x[0-9a-f]+ current result: 'x'>$/);
  });
});

describe('pause in the basics catalogue (§3.2 items 14, 16)', () => {
  it('P1 testPausedFailure: an errback added to a paused failed Deferred waits for unpause()', () => {
    const l: Failure[] = [];
    const d = fail(new GenericError('paused'));
    d.pause();
    d.addErrback((f) => {
      l.push(f);
    });
    expect(l).toEqual([]);
    d.unpause();
    expect(l).toHaveLength(1);
    expect((l[0]!.value as Error).message).toBe('paused');
  });

  it('P3 testUnpauseBeforeCallback: pause, addCallback, unpause on an unfired Deferred runs nothing', () => {
    const l: unknown[] = [];
    const d = new Deferred<string>();
    d.pause();
    d.addCallback((r) => l.push(r));
    expect(() => d.unpause()).not.toThrow();
    expect(l).toEqual([]);
    expect(d.paused).toBe(0);
    d.callback('later');
    expect(l).toEqual(['later']);
  });
});
