// inlineCallbacks: rules IC1-IC9 of the Twisted reference (docs/rules.md) §2.16 and catalogue §3.15
// items 169-172 (test_inlinecb BasicTests, StackedInlineCallbacksTests, CancellationTests).
// IC5/IC12 (returnValue, deferredGenerator) do not exist here (J11); IC10 (contextvars) and
// IC11 (traceback elision) are not applicable.

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, Failure, fail, inlineCallbacks, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, collectUnhandled } from './helpers.js';
import { nextTurn } from '../support.js';

class TranslatedError extends Error {
  override name = 'TranslatedError';
}
class UntranslatedError extends Error {
  override name = 'UntranslatedError';
}

/** Let pending promise reactions and one macrotask run. */
function flush(): Promise<void> {
  return new Promise((resolve) => nextTurn(resolve));
}

/** A Deferred with a canceller that counts its calls (and optionally does something). */
function cancellable<T>(onCancel?: (d: Deferred<T>) => void): { d: Deferred<T>; calls: () => number } {
  let n = 0;
  const d = new Deferred<T>((self) => {
    n++;
    onCancel?.(self);
  });
  return { d, calls: () => n };
}

describe('inlineCallbacks: calling (IC1, IC2)', () => {
  it('IC1 inlineCallbacks(nonFunction) throws TypeError', () => {
    expect(() => inlineCallbacks(42 as never)).toThrow(TypeError);
    expect(() => inlineCallbacks(null as never)).toThrow(TypeError);
    expect(() => inlineCallbacks('function*' as never)).toThrow(TypeError);
  });

  it('IC1 test_nonGeneratorReturn: a wrapped function that returns no generator throws TypeError', () => {
    let ran = 0;
    const notAGenerator = function () {
      ran++;
      return 3;
    };
    const wrapped = inlineCallbacks(notAGenerator as never) as () => Deferred<unknown>;
    let caught: unknown;
    try {
      wrapped();
    } catch (e) {
      caught = e;
    }
    expect(ran).toBe(1); // the function itself was called (IC1: "calls f(...)")
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as Error).message).toContain('inlineCallbacks requires');
    expect((caught as Error).message).toContain('function*');
  });

  it('IC1 a wrapped async function (a promise, not a generator) is refused too', () => {
    const wrapped = inlineCallbacks((async () => 1) as never) as () => Deferred<unknown>;
    expect(() => wrapped()).toThrow(/inlineCallbacks requires/);
  });

  it('IC1 the wrapper passes its arguments and this to the generator function', () => {
    const obj = {
      base: 10,
      add: inlineCallbacks(function* (this: { base: number }, a: number, b: string) {
        const x = yield* succeed(a);
        return `${this.base + x}${b}`;
      }),
    };
    expect(successResultOf(obj.add(5, '!'))).toBe('15!');
  });

  it('IC2 the generator runs synchronously until it yields an unfired Deferred, then returns an unfired Deferred', () => {
    const log: string[] = [];
    const w = new Deferred<number>();
    const f = inlineCallbacks(function* () {
      log.push('start');
      const a = yield* succeed(1);
      log.push(`a=${a}`);
      const b = (yield w) as number;
      log.push(`b=${b}`);
      return a + b;
    });
    const d = f();
    expect(log).toEqual(['start', 'a=1']);
    assertNoResult(d);
    expect(d.called).toBe(false);
    w.callback(41);
    expect(log).toEqual(['start', 'a=1', 'b=41']);
    expect(successResultOf(d)).toBe(42);
  });
});

describe('inlineCallbacks: what can be yielded (IC3)', () => {
  it('IC3 a yielded Deferred\'s success value is sent in', () => {
    const w = new Deferred<string>();
    const got: unknown[] = [];
    const d = inlineCallbacks(function* () {
      got.push(yield w);
      return 'done';
    })();
    w.callback('value');
    expect(got).toEqual(['value']);
    expect(successResultOf(d)).toBe('done');
  });

  it('IC3 a yielded Deferred\'s failure is thrown in at the yield (its value, not the Failure)', () => {
    const err = new GenericError('thrown in');
    const w = new Deferred<string>();
    let caught: unknown;
    const d = inlineCallbacks(function* () {
      try {
        yield w;
        return 'not reached';
      } catch (e) {
        caught = e;
        return 'caught';
      }
    })();
    w.errback(err);
    expect(caught).toBe(err);
    expect(caught).not.toBeInstanceOf(Failure);
    expect(successResultOf(d)).toBe('caught');
  });

  it('IC3 a yielded generator object is driven as a nested inlineCallbacks and its result sent in', () => {
    const inner = new Deferred<number>();
    const log: string[] = [];
    function* child(n: number): Generator<unknown, number, any> {
      log.push('child enter');
      const x = (yield inner) as number;
      log.push('child exit');
      return x * n;
    }
    const d = inlineCallbacks(function* () {
      const r = (yield child(3)) as number;
      log.push(`parent got ${r}`);
      return r;
    })();
    expect(log).toEqual(['child enter']);
    assertNoResult(d);
    inner.callback(7);
    expect(log).toEqual(['child enter', 'child exit', 'parent got 21']);
    expect(successResultOf(d)).toBe(21);
  });

  it('IC3 a failure in a yielded generator object is thrown in at the parent\'s yield', () => {
    const err = new GenericError('from child');
    function* child(): Generator<unknown, number, any> {
      yield succeed(1);
      throw err;
    }
    let caught: unknown;
    const d = inlineCallbacks(function* () {
      try {
        yield child();
      } catch (e) {
        caught = e;
      }
      return 'recovered';
    })();
    expect(caught).toBe(err);
    expect(successResultOf(d)).toBe('recovered');
  });

  it('IC3 (J6) a yielded promise resumes the generator when it settles, asynchronously', async () => {
    const log: string[] = [];
    const d = inlineCallbacks(function* () {
      log.push('before');
      const v = (yield Promise.resolve(5)) as number;
      log.push(`after ${v}`);
      return v * 2;
    })();
    expect(log).toEqual(['before']); // even an already-resolved promise is not synchronous
    assertNoResult(d);
    await flush();
    expect(log).toEqual(['before', 'after 5']);
    expect(successResultOf(d)).toBe(10);
  });

  it('IC3 (J6) a yielded async function\'s rejection is thrown in at the yield', async () => {
    const err = new GenericError('async boom');
    const failing = async (): Promise<number> => {
      await null;
      throw err;
    };
    let caught: unknown;
    const d = inlineCallbacks(function* () {
      try {
        yield failing();
      } catch (e) {
        caught = e;
      }
      return 'ok';
    })();
    assertNoResult(d);
    await flush();
    expect(caught).toBe(err);
    expect(successResultOf(d)).toBe('ok');
  });

  it('IC3 testYieldNonDeferred: yielding a plain value sends it straight back', () => {
    const plain = { not: 'a deferred' };
    const seen: unknown[] = [];
    const d = inlineCallbacks(function* () {
      seen.push(yield 5);
      seen.push(yield 'text');
      seen.push(yield undefined);
      seen.push(yield null);
      seen.push(yield plain);
      return seen[0];
    })();
    expect(seen).toEqual([5, 'text', undefined, null, plain]);
    expect(seen[4]).toBe(plain);
    expect(successResultOf(d)).toBe(5);
  });
});

describe('inlineCallbacks: completion (IC4)', () => {
  it('IC4 test_returnWithValue: return v fires the Deferred with v', () => {
    const w = new Deferred<string>();
    const d = inlineCallbacks(function* () {
      const x = yield* w;
      return x.toUpperCase();
    })();
    w.callback('abc');
    expect(successResultOf(d)).toBe('ABC');
  });

  it('IC4 testNothing / testReturnNoValue: no return value gives undefined', () => {
    const d1 = inlineCallbacks(function* () {
      yield succeed('ignored');
    })();
    expect(d1.called).toBe(true);
    expect(successResultOf(d1)).toBeUndefined();
    const d2 = inlineCallbacks(function* () {
      yield 1;
      return;
    })();
    expect(d2.called).toBe(true);
    expect(successResultOf(d2)).toBeUndefined();
  });

  it('IC4 testProducesException: an uncaught exception fails the Deferred', () => {
    const d = inlineCallbacks(function* () {
      yield succeed(0);
      throw new RangeError('division by zero');
    })();
    const f = failureResultOf(d, RangeError);
    expect((f.value as Error).message).toBe('division by zero');
  });

  it('IC4 an exception thrown before the first yield fails the Deferred (not the call)', () => {
    const err = new GenericError('early');
    const f = inlineCallbacks(function* (): Generator<unknown, number, any> {
      throw err;
    });
    let d: Deferred<number> | undefined;
    expect(() => {
      d = f();
    }).not.toThrow();
    expect(failureResultOf(d!).value).toBe(err);
  });

  it('IC4 testHandledTerminalFailure: a failure caught inside does not fail the Deferred', () => {
    let caught: unknown;
    const d = inlineCallbacks(function* () {
      try {
        yield fail(new TypeError('terminal'));
      } catch (e) {
        caught = e;
      }
    })();
    expect((caught as Error).message).toBe('terminal');
    expect(successResultOf(d)).toBeUndefined();
  });

  it('IC4 testHandledTerminalAsyncFailure: an asynchronous failure caught inside does not fail the Deferred', () => {
    const w = new Deferred<void>();
    let caught: unknown;
    const d = inlineCallbacks(function* () {
      try {
        yield w;
      } catch (e) {
        caught = e;
      }
    })();
    assertNoResult(d);
    w.errback(new TypeError('later'));
    expect((caught as Error).message).toBe('later');
    expect(successResultOf(d)).toBeUndefined();
  });

  it('IC4 testHandledCoroAsyncFailure: a nested coroutine\'s async failure caught by the parent does not fail it', () => {
    const w = new Deferred<void>();
    function* child(): Generator<unknown, void, any> {
      yield w;
    }
    let caught: unknown;
    const d = inlineCallbacks(function* () {
      try {
        yield child();
      } catch (e) {
        caught = e;
      }
    })();
    assertNoResult(d);
    w.errback(new TypeError('coro later'));
    expect((caught as Error).message).toBe('coro later');
    expect(successResultOf(d)).toBeUndefined();
  });

  it('IC4 the result Deferred is fired outside the generator: its callbacks\' errors are not thrown into it', () => {
    const w = new Deferred<number>();
    const caught: unknown[] = [];
    const boom = new GenericError('from a callback on D');
    const d = inlineCallbacks(function* () {
      try {
        const x = (yield w) as number;
        return x;
      } catch (e) {
        caught.push(e);
        return -1;
      }
    })();
    d.addCallback(() => {
      throw boom;
    });
    w.callback(3);
    expect(caught).toEqual([]);
    expect(failureResultOf(d).value).toBe(boom);
  });
});

describe('inlineCallbacks: synchronous resumption and consumed results (IC6, IC7)', () => {
  it('IC6 resumes synchronously after an already-fired yield; the whole call completes before returning', () => {
    const log: string[] = [];
    const f = inlineCallbacks(function* () {
      log.push('1');
      const a = (yield succeed(1)) as number;
      log.push('2');
      const b = yield* succeed(2);
      log.push('3');
      const c = (yield fail(new GenericError('x')).addErrback(() => 3)) as number;
      log.push('4');
      return a + b + c;
    });
    const d = f();
    log.push('returned');
    expect(log).toEqual(['1', '2', '3', '4', 'returned']);
    expect(successResultOf(d)).toBe(6);
  });

  it('IC6 resuming after a fired yield does not grow the call stack (T3)', () => {
    const depths: number[] = [];
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      const d = inlineCallbacks(function* () {
        for (let i = 0; i < 50; i++) {
          yield succeed(i);
          depths.push((new Error().stack ?? '').split('\n').length);
        }
        return depths.length;
      })();
      expect(successResultOf(d)).toBe(50);
    } finally {
      Error.stackTraceLimit = saved;
    }
    expect(depths[0]).toBeGreaterThan(1);
    expect(new Set(depths).size).toBe(1);
  });

  it('IC6 a Deferred fired later resumes the generator inside its callback()', () => {
    const w = new Deferred<string>();
    const log: string[] = [];
    inlineCallbacks(function* () {
      log.push(`got ${yield* w}`);
    })();
    log.push('before callback');
    w.callback('x');
    log.push('after callback');
    expect(log).toEqual(['before callback', 'got x', 'after callback']);
  });

  it('IC7 a yielded Deferred\'s own result becomes undefined once consumed', () => {
    const unfired = new Deferred<string>();
    const fired = succeed('already');
    const got: unknown[] = [];
    const d = inlineCallbacks(function* () {
      got.push(yield fired);
      got.push(yield unfired);
      return got;
    })();
    unfired.callback('later');
    expect(successResultOf(d)).toEqual(['already', 'later']);
    expect(successResultOf(fired)).toBeUndefined();
    expect(successResultOf(unfired)).toBeUndefined();
  });

  it('IC7 a failure consumed by yield is not reported as unhandled', async () => {
    const collector = collectUnhandled();
    try {
      let caught = 0;
      (() => {
        const w = new Deferred<void>();
        inlineCallbacks(function* () {
          try {
            yield fail(new GenericError('sync consumed'));
          } catch {
            caught++;
          }
          try {
            yield w;
          } catch {
            caught++;
          }
        })();
        w.errback(new GenericError('async consumed'));
      })();
      // Control: a failure nobody consumes is reported, so the check below can fail.
      (() => {
        fail(new GenericError('control'));
      })();
      await collectGarbage();
      expect(caught).toBe(2);
      const messages = collector.reports.map((f) => f.getErrorMessage());
      expect(messages).toEqual(['control']);
    } finally {
      collector.stop();
    }
  });
});

describe('inlineCallbacks: cancellation (IC8, CancellationTests)', () => {
  it('IC8 test_CascadeCancellingOnCancel: cancelling the result cancels the awaited Deferred', () => {
    const w = cancellable<number>();
    const d = inlineCallbacks(function* () {
      return (yield* w.d) + 1;
    })();
    assertNoResult(d);
    d.cancel();
    expect(w.calls()).toBe(1);
    // w failed with CancelledError, which the generator consumed (IC7): w is left with undefined.
    expect(successResultOf(w.d)).toBeUndefined();
    failureResultOf(d, CancelledError);
  });

  it('IC8 cascade cancel on the second yield cancels the second awaited Deferred only', () => {
    const first = cancellable<number>();
    const second = cancellable<number>();
    const d = inlineCallbacks(function* () {
      const a = yield* first.d;
      const b = yield* second.d;
      return a + b;
    })();
    first.d.callback(1);
    assertNoResult(d);
    d.cancel();
    expect(first.calls()).toBe(0);
    expect(second.calls()).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('IC8 cascade cancel through stacked inlineCallbacks reaches the innermost awaited Deferred', () => {
    const w = cancellable<number>();
    const innerLog: string[] = [];
    const inner = inlineCallbacks(function* () {
      try {
        return yield* w.d;
      } catch (e) {
        innerLog.push((e as Error).name);
        throw e;
      }
    });
    const outer = inlineCallbacks(function* () {
      return (yield* inner()) * 2;
    });
    const d = outer();
    d.cancel();
    expect(w.calls()).toBe(1);
    expect(innerLog).toEqual(['CancelledError']);
    failureResultOf(d, CancelledError);
  });

  it('IC8 cascade cancel through a yielded generator object (nested coroutine)', () => {
    const w = cancellable<number>();
    function* child(): Generator<unknown, number, any> {
      return yield* w.d;
    }
    const d = inlineCallbacks(function* () {
      const r = (yield child()) as number;
      return r;
    })();
    d.cancel();
    expect(w.calls()).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('IC8 cascade cancel through Deferred.fromCoroutine', () => {
    const w = cancellable<number>();
    const d = Deferred.fromCoroutine(
      (function* () {
        return (yield* w.d) + 1;
      })(),
    );
    d.cancel();
    expect(w.calls()).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('IC8 test_ErrbackCancelledErrorOnCancel: CancelledError is thrown in at the yield and, uncaught, fails the result', () => {
    const thrownIn: unknown[] = [];
    const w = new Deferred<number>();
    const d = inlineCallbacks(function* () {
      try {
        return yield* w;
      } catch (e) {
        thrownIn.push(e);
        throw e;
      }
    })();
    d.cancel();
    expect(thrownIn).toHaveLength(1);
    expect(thrownIn[0]).toBeInstanceOf(CancelledError);
    expect(failureResultOf(d, CancelledError).value).toBe(thrownIn[0]);
  });

  it('IC8 test_ErrorToErrorTranslation: the generator may translate the cancellation error into another error', () => {
    // The awaited Deferred's canceller fails it with its own error; the generator translates it.
    const w = cancellable<number>((self) => self.errback(new UntranslatedError('raw')));
    const d = inlineCallbacks(function* () {
      try {
        return yield* w.d;
      } catch (e) {
        if (e instanceof UntranslatedError) throw new TranslatedError(`translated ${e.message}`);
        throw e;
      }
    })();
    d.cancel();
    expect(w.calls()).toBe(1);
    const f = failureResultOf(d, TranslatedError);
    expect((f.value as Error).message).toBe('translated raw');
  });

  it('IC8 test_ErrorToErrorTranslation (stacked): the translated error reaches the outer generator', () => {
    const w = cancellable<number>((self) => self.errback(new UntranslatedError('raw')));
    const inner = inlineCallbacks(function* () {
      try {
        return yield* w.d;
      } catch {
        throw new TranslatedError('inner translated');
      }
    });
    const seenByOuter: string[] = [];
    const d = inlineCallbacks(function* () {
      try {
        return yield* inner();
      } catch (e) {
        seenByOuter.push((e as Error).name);
        throw e;
      }
    })();
    d.cancel();
    expect(seenByOuter).toEqual(['TranslatedError']);
    failureResultOf(d, TranslatedError);
  });

  it('IC8 test_ErrorToSuccessTranslation: the generator may turn the cancellation into a value (4320)', () => {
    const w = cancellable<number>();
    const d = inlineCallbacks(function* () {
      try {
        return (yield* w.d) + 1;
      } catch (e) {
        if (e instanceof CancelledError) return 4320;
        throw e;
      }
    })();
    d.cancel();
    expect(w.calls()).toBe(1);
    expect(successResultOf(d)).toBe(4320);
  });

  it('IC8 test_ErrorToSuccessTranslation on the second yield (4320)', () => {
    const first = new Deferred<number>();
    const second = cancellable<number>();
    const d = inlineCallbacks(function* () {
      const a = yield* first;
      try {
        return a + (yield* second.d);
      } catch (e) {
        if (e instanceof CancelledError) return 4320;
        throw e;
      }
    })();
    first.callback(10);
    d.cancel();
    expect(second.calls()).toBe(1);
    expect(successResultOf(d)).toBe(4320);
  });

  it('IC8 test_AsynchronousCancellation: the result has no result until the awaited cancellation completes (6544)', () => {
    const more = new Deferred<number>();
    // Cancelling w does not finish it: an errback on w, ahead of the generator's wait, turns
    // its CancelledError into a wait on `more`.
    const w = new Deferred<number>().addErrback((f) => {
      f.trap(CancelledError);
      return more;
    });
    const appLog: unknown[] = [];
    const d = inlineCallbacks(function* () {
      return (yield* w) + 1;
    })();
    d.addBoth((r) => {
      appLog.push(r);
      return r;
    });
    d.cancel();
    assertNoResult(d);
    expect(appLog).toEqual([]); // application callbacks on D wait too
    more.callback(6543);
    expect(appLog).toEqual([6544]);
    expect(successResultOf(d)).toBe(6544);
  });

  it('IC8 test_AsynchronousCancellation (stacked): the outer result waits as well (6544)', () => {
    const more = new Deferred<number>();
    const w = new Deferred<number>().addErrback((f) => {
      f.trap(CancelledError);
      return more;
    });
    const inner = inlineCallbacks(function* () {
      return (yield* w) + 1;
    });
    const d = inlineCallbacks(function* () {
      return yield* inner();
    })();
    d.cancel();
    assertNoResult(d);
    more.callback(6543);
    expect(successResultOf(d)).toBe(6544);
  });

  it('IC8 test_inlineCallbacksCancelCaptured: a caught cancel leaves D pending; a second cancel cancels the next wait and fails D', () => {
    const first = cancellable<number>();
    const second = cancellable<number>();
    const caught: string[] = [];
    const d = inlineCallbacks(function* () {
      try {
        yield first.d;
      } catch (e) {
        caught.push((e as Error).name);
      }
      return yield* second.d;
    })();
    d.cancel();
    expect(first.calls()).toBe(1);
    expect(caught).toEqual(['CancelledError']);
    assertNoResult(d);
    d.cancel();
    expect(second.calls()).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('IC8 a caught cancel lets the generator go on to succeed later', () => {
    const first = cancellable<number>();
    const second = new Deferred<number>();
    const d = inlineCallbacks(function* () {
      try {
        yield first.d;
      } catch {
        /* ignore the cancellation */
      }
      return (yield* second) * 2;
    })();
    d.cancel();
    assertNoResult(d);
    second.callback(21);
    expect(successResultOf(d)).toBe(42);
  });

  it('IC8 a canceller that fires the awaited Deferred with a value lets the generator continue with it', () => {
    const w = cancellable<string>((self) => self.callback('from canceller'));
    const log: string[] = [];
    const d = inlineCallbacks(function* () {
      const v = yield* w.d;
      log.push(v);
      return `${v}!`;
    })();
    d.cancel();
    expect(w.calls()).toBe(1);
    expect(log).toEqual(['from canceller']);
    expect(successResultOf(d)).toBe('from canceller!');
  });

  it('IC8 cancel after completion is a no-op', () => {
    const w = cancellable<number>();
    const d = inlineCallbacks(function* () {
      return (yield* w.d) + 1;
    })();
    w.d.callback(1);
    d.cancel();
    d.cancel();
    expect(w.calls()).toBe(0);
    expect(successResultOf(d)).toBe(2);

    const failed = inlineCallbacks(function* () {
      yield succeed(0);
      throw new GenericError('done failing');
    })();
    failed.cancel();
    expect((failureResultOf(failed, GenericError).value as Error).message).toBe('done failing');
  });

  it('IC8 (J6) cancelling while waiting on a yielded promise throws CancelledError in at once', async () => {
    let resolveLater!: (v: number) => void;
    const p = new Promise<number>((r) => {
      resolveLater = r;
    });
    const caught: string[] = [];
    const d = inlineCallbacks(function* () {
      try {
        return (yield p) as number;
      } catch (e) {
        caught.push((e as Error).name);
        return -1;
      }
    })();
    d.cancel();
    expect(caught).toEqual(['CancelledError']);
    expect(successResultOf(d)).toBe(-1);
    resolveLater(5); // the late outcome is ignored
    await flush();
    expect(successResultOf(d)).toBe(-1);
  });
});

describe('inlineCallbacks: stacked generators (IC9, StackedInlineCallbacksTests)', () => {
  function stack(bottom: Deferred<number>, log: string[]) {
    const f1 = inlineCallbacks(function* () {
      log.push('f1 enter');
      const x = yield* bottom;
      log.push('f1 exit');
      return x + 1;
    });
    const f2 = inlineCallbacks(function* () {
      log.push('f2 enter');
      const x = yield* f1();
      log.push('f2 exit');
      return x + 1;
    });
    const f3 = inlineCallbacks(function* () {
      log.push('f3 enter');
      const x = yield* f2();
      log.push('f3 exit');
      return x + 1;
    });
    return { f1, f2, f3 };
  }

  it('IC9 test_nonCalledDeferredSingleYield: stacked generators resume innermost-first, synchronously (8)', () => {
    const log: string[] = [];
    const bottom = new Deferred<number>();
    const d = stack(bottom, log).f3();
    expect(log).toEqual(['f3 enter', 'f2 enter', 'f1 enter']);
    assertNoResult(d);
    bottom.callback(5);
    expect(log).toEqual(['f3 enter', 'f2 enter', 'f1 enter', 'f1 exit', 'f2 exit', 'f3 exit']);
    expect(successResultOf(d)).toBe(8);
  });

  it('IC9 stacked generator objects (coroutine mix) resume in the same order (8)', () => {
    const log: string[] = [];
    const bottom = new Deferred<number>();
    function* g1(): Generator<unknown, number, any> {
      log.push('f1 enter');
      const x = yield* bottom;
      log.push('f1 exit');
      return x + 1;
    }
    const f2 = inlineCallbacks(function* () {
      log.push('f2 enter');
      const x = (yield g1()) as number;
      log.push('f2 exit');
      return x + 1;
    });
    const d = Deferred.fromCoroutine(
      (function* () {
        log.push('f3 enter');
        const x = yield* f2();
        log.push('f3 exit');
        return x + 1;
      })(),
    );
    bottom.callback(5);
    expect(log).toEqual(['f3 enter', 'f2 enter', 'f1 enter', 'f1 exit', 'f2 exit', 'f3 exit']);
    expect(successResultOf(d)).toBe(8);
  });

  it('IC9 multiple yields in stacked generators: each level resumes when its own wait completes', () => {
    const log: string[] = [];
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    const f1 = inlineCallbacks(function* () {
      log.push('f1 enter');
      const x = yield* a;
      log.push('f1 middle');
      const y = yield* b;
      log.push('f1 exit');
      return x + y;
    });
    const f2 = inlineCallbacks(function* () {
      log.push('f2 enter');
      const x = yield* f1();
      log.push('f2 exit');
      return x + 1;
    });
    const d = f2();
    a.callback(3);
    expect(log).toEqual(['f2 enter', 'f1 enter', 'f1 middle']);
    assertNoResult(d);
    b.callback(4);
    expect(log).toEqual(['f2 enter', 'f1 enter', 'f1 middle', 'f1 exit', 'f2 exit']);
    expect(successResultOf(d)).toBe(8);
  });

  it('IC9 an intermediate addCallback on an inner result runs before the outer resumes', () => {
    const log: string[] = [];
    const bottom = new Deferred<number>();
    const f1 = inlineCallbacks(function* () {
      log.push('f1 enter');
      const x = yield* bottom;
      log.push('f1 exit');
      return x + 1;
    });
    const f2 = inlineCallbacks(function* (x: number) {
      log.push('f2 enter');
      const y = yield* succeed(x + 1);
      log.push('f2 exit');
      return y;
    });
    const f3 = inlineCallbacks(function* () {
      log.push('f3 enter');
      const inner = f1().addCallback((x) => f2(x));
      const x = yield* inner;
      log.push('f3 exit');
      return x + 1;
    });
    const d = f3();
    expect(log).toEqual(['f3 enter', 'f1 enter']);
    bottom.callback(5);
    expect(log).toEqual(['f3 enter', 'f1 enter', 'f1 exit', 'f2 enter', 'f2 exit', 'f3 exit']);
    expect(successResultOf(d)).toBe(8);
  });

  it('IC9 a failure of the bottom Deferred reaches the nearest enclosing catch', () => {
    const log: string[] = [];
    const bottom = new Deferred<number>();
    const f1 = inlineCallbacks(function* () {
      log.push('f1 enter');
      const x = yield* bottom; // no catch here
      log.push('f1 exit (not reached)');
      return x;
    });
    const f2 = inlineCallbacks(function* () {
      try {
        return yield* f1();
      } catch (e) {
        log.push(`f2 caught ${(e as Error).message}`);
        return 100;
      }
    });
    const f3 = inlineCallbacks(function* () {
      try {
        const x = yield* f2();
        log.push('f3 got value');
        return x + 1;
      } catch {
        log.push('f3 caught (not reached)');
        return -1;
      }
    });
    const d = f3();
    bottom.errback(new GenericError('bottom failed'));
    expect(log).toEqual(['f1 enter', 'f2 caught bottom failed', 'f3 got value']);
    expect(successResultOf(d)).toBe(101);
  });
});

describe('inlineCallbacks: test_inlinecb BasicTests (§3.15 item 169)', () => {
  it('testBasics: "hi" from a Deferred, an error caught, returns "WOOSH"', () => {
    const pending: Array<() => void> = [];
    const getThing = (): Deferred<string> => {
      const d = new Deferred<string>();
      pending.push(() => d.callback('hi'));
      return d;
    };
    const getOwie = (): Deferred<string> => {
      const d = new Deferred<string>();
      pending.push(() => d.errback(new RangeError('OMG')));
      return d;
    };
    const seen: unknown[] = [];
    const d = inlineCallbacks(function* () {
      seen.push(yield* getThing());
      try {
        yield* getOwie();
        seen.push('no error (wrong)');
      } catch (e) {
        seen.push(e instanceof RangeError ? `caught ${e.message}` : e);
      }
      return 'WOOSH';
    })();
    pending.shift()!();
    assertNoResult(d);
    pending.shift()!();
    expect(seen).toEqual(['hi', 'caught OMG']);
    expect(successResultOf(d)).toBe('WOOSH');
  });

  it('testBasicsAsync: the same with async functions and generator objects', async () => {
    const getThing = async (): Promise<string> => {
      await null;
      return 'hi';
    };
    function* getOwie(): Generator<unknown, string, any> {
      const d = new Deferred<string>();
      nextTurn(() => d.errback(new RangeError('OMG')));
      return yield* d;
    }
    const seen: unknown[] = [];
    const d = inlineCallbacks(function* () {
      seen.push(yield getThing());
      try {
        yield getOwie();
        seen.push('no error (wrong)');
      } catch (e) {
        seen.push(e instanceof RangeError ? `caught ${e.message}` : e);
      }
      return 'WOOSH';
    })();
    assertNoResult(d);
    await flush();
    await flush();
    expect(seen).toEqual(['hi', 'caught OMG']);
    expect(successResultOf(d)).toBe('WOOSH');
  });

  it('testStackUsage: 5000 yields of succeed(1) complete (→ 0)', () => {
    const d = inlineCallbacks(function* () {
      let n = 5000;
      for (let i = 0; i < 5000; i++) n -= (yield succeed(1)) as number;
      return n;
    })();
    expect(successResultOf(d)).toBe(0);
  });

  it('testStackUsage2: 5000 yields of a plain 1 complete (→ 0)', () => {
    const d = inlineCallbacks(function* () {
      let n = 5000;
      for (let i = 0; i < 5000; i++) n -= (yield 1) as number;
      return n;
    })();
    expect(successResultOf(d)).toBe(0);
  });
});
