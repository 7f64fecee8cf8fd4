// Deferred.fromCoroutine / ensureDeferred: rules E1-E4 of the Twisted reference (docs/rules.md) §2.17 with
// deviation J6 (generator objects are driven synchronously; promises from async functions are
// observed), and catalogue §3.12 items 151-154, 156-157 (plus §3.2 items 75-76).

import { describe, expect, it } from 'vitest';
import * as deferredModule from '@deferkit/deferred';
import {
  CancelledError,
  Deferred,
  Future,
  NotACoroutineError,
  ensureDeferred,
  fail,
  succeed,
} from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, collectUnhandled } from './helpers.js';
import { nextTurn, onUnhandledRejection } from '../support.js';

/** Let pending promise reactions and one macrotask run. */
function flush(): Promise<void> {
  return new Promise((resolve) => nextTurn(resolve));
}

describe('Deferred.fromCoroutine (E1, E3, J6)', () => {
  it('E1 test_fromCoroutine: a generator object is run and its return value becomes the result (1)', () => {
    function* returnsInt(): Generator<unknown, number, any> {
      yield* succeed('ignored');
      return 1;
    }
    const d = Deferred.fromCoroutine(returnsInt());
    expect(successResultOf(d)).toBe(1);
  });

  it('E1 a generator object is driven synchronously until it waits on an unfired Deferred', () => {
    const log: string[] = [];
    const w = new Deferred<number>();
    const d = Deferred.fromCoroutine(
      (function* () {
        log.push('start');
        const a = yield* succeed(1);
        log.push('middle');
        const b = yield* w;
        log.push('end');
        return a + b;
      })(),
    );
    expect(log).toEqual(['start', 'middle']);
    assertNoResult(d);
    w.callback(2);
    expect(log).toEqual(['start', 'middle', 'end']);
    expect(successResultOf(d)).toBe(3);
  });

  it('E1 a generator driven by fromCoroutine is cancellable like inlineCallbacks (the wait is cancelled)', () => {
    let cancels = 0;
    const w = new Deferred<number>(() => {
      cancels++;
    });
    const d = Deferred.fromCoroutine(
      (function* () {
        return yield* w;
      })(),
    );
    d.cancel();
    expect(cancels).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('E1 (J6) a promise from an async function is observed: the result arrives asynchronously', async () => {
    const run = async (): Promise<string> => {
      const v = await succeed('fo');
      return `${v}o`;
    };
    const d = Deferred.fromCoroutine(run());
    assertNoResult(d);
    await flush();
    expect(successResultOf(d)).toBe('foo');
  });

  it('E1 test_fromCoroutineRequiresCoroutine: anything else is refused with NotACoroutineError (a TypeError)', () => {
    class Thing {
      method(): number {
        return 1;
      }
    }
    const thing = new Thing();
    function* genFn(): Generator<unknown, number, any> {
      return 1;
    }
    const values: unknown[] = [
      () => 1, // a lambda
      1,
      true,
      thing.method.bind(thing), // a bound method
      null,
      undefined,
      deferredModule, // a module
      succeed(1), // a Deferred
      genFn, // a generator function that was not called
      'something',
      { next: 1 },
    ];
    for (const [i, value] of values.entries()) {
      let caught: unknown;
      try {
        Deferred.fromCoroutine(value as never);
      } catch (e) {
        caught = e;
      }
      expect(caught, `values[${i}]`).toBeInstanceOf(NotACoroutineError);
      expect(caught).toBeInstanceOf(TypeError);
      expect((caught as Error).message).toMatch(/is not a coroutine/);
    }
  });

  it('E3 a generator\'s exception becomes a Failure carrying that exception', () => {
    const err = new GenericError('gen failed');
    const d = Deferred.fromCoroutine(
      (function* (): Generator<unknown, number, any> {
        yield* succeed(1);
        throw err;
      })(),
    );
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it('E3 (J6) an async function\'s rejection becomes a Failure carrying the rejection value', async () => {
    const err = new GenericError('async failed');
    const run = async (): Promise<number> => {
      await null;
      throw err;
    };
    const d = Deferred.fromCoroutine(run());
    assertNoResult(d);
    await flush();
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it('E3 AwaitTests.test_exception / YieldFromTests.test_exception: a thrown error after a wait fails the Deferred', async () => {
    const viaYield = Deferred.fromCoroutine(
      (function* (): Generator<unknown, number, any> {
        yield* succeed(1);
        throw new RangeError('oh no (yield)');
      })(),
    );
    const viaAwait = ensureDeferred(
      (async (): Promise<number> => {
        await succeed(1);
        throw new RangeError('oh no (await)');
      })(),
    );
    expect((failureResultOf(viaYield, RangeError).value as Error).message).toBe('oh no (yield)');
    await flush();
    expect((failureResultOf(viaAwait, RangeError).value as Error).message).toBe('oh no (await)');
  });

  it('E3 test_coroutineNoCircularReference: after completion nothing keeps the coroutine\'s objects alive', async () => {
    let objRef!: WeakRef<object>;
    let dRef!: WeakRef<object>;
    let result: unknown;
    (() => {
      const obj = { payload: new Array(100).fill('x') };
      objRef = new WeakRef(obj);
      function* func(o: object): Generator<unknown, number, any> {
        yield* succeed(o);
        return 1;
      }
      const d = Deferred.fromCoroutine(func(obj));
      dRef = new WeakRef(d);
      result = successResultOf(d);
    })();
    expect(result).toBe(1);
    await collectGarbage();
    expect(objRef.deref()).toBeUndefined();
    expect(dRef.deref()).toBeUndefined();
  });

  it('E3 an unfinished coroutine keeps what it waits on reachable only through the awaited Deferred', async () => {
    // Control for the test above: while the awaited Deferred is alive and unfired, the object
    // the generator holds stays alive (so the WeakRef checks can fail).
    let objRef!: WeakRef<object>;
    const w = new Deferred<void>();
    (() => {
      const obj = { payload: 1 };
      objRef = new WeakRef(obj);
      Deferred.fromCoroutine(
        (function* () {
          yield* w;
          return obj;
        })(),
      );
    })();
    await collectGarbage();
    expect(objRef.deref()).toBeDefined();
    w.callback(undefined);
  });

  it('E4 (J6 deviation) a promise or Future yielded inside a fromCoroutine generator is awaited, not refused', async () => {
    const future = new Future<number>();
    const d = Deferred.fromCoroutine(
      (function* () {
        const a: number = yield future;
        const b: number = yield Promise.resolve(10);
        return a + b;
      })(),
    );
    assertNoResult(d);
    future.setResult(5);
    await flush();
    expect(successResultOf(d)).toBe(15);
  });

  it('J6 cancelling an async-function Deferred fails it at once with CancelledError and ignores the later result', async () => {
    let finish!: (v: string) => void;
    let finished = false;
    const run = async (): Promise<string> => {
      const v = await new Promise<string>((r) => {
        finish = r;
      });
      finished = true;
      return v;
    };
    const d = Deferred.fromCoroutine(run());
    d.cancel();
    failureResultOf(d, CancelledError);
    finish('late');
    await flush();
    expect(finished).toBe(true); // the async function ran to completion anyway (JS cannot stop it)
    expect(successResultOf(d)).toBeUndefined(); // failureResultOf left undefined; 'late' was ignored
  });

  it('J6 the later rejection of a cancelled async-function Deferred is ignored and not reported', async () => {
    const collector = collectUnhandled();
    const unhandledRejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      unhandledRejections.push(reason);
    };
    const stopListening = onUnhandledRejection(onRejection);
    try {
      let reject!: (e: unknown) => void;
      const run = async (): Promise<string> => {
        return await new Promise<string>((_, r) => {
          reject = r;
        });
      };
      const d = Deferred.fromCoroutine(run());
      d.cancel();
      const cancelled = failureResultOf(d, CancelledError);
      expect(cancelled.value).toBeInstanceOf(CancelledError);
      reject(new GenericError('late failure'));
      await flush();
      await collectGarbage();
      expect(successResultOf(d)).toBeUndefined();
      expect(collector.reports).toEqual([]);
      expect(unhandledRejections).toEqual([]);
    } finally {
      stopListening();
      collector.stop();
    }
  });

  it('J6 cancelling an async-function Deferred after it settled is a no-op', async () => {
    const d = Deferred.fromCoroutine((async () => 'value')());
    await flush();
    d.cancel();
    expect(successResultOf(d)).toBe('value');
  });
});

describe('ensureDeferred (E2, EnsureDeferredTests)', () => {
  it('E2 test_passesThroughDeferreds: a Deferred is returned unchanged', () => {
    const d = new Deferred<number>();
    expect(ensureDeferred(d)).toBe(d);
    const fired = fail(new GenericError('kept'));
    expect(ensureDeferred(fired)).toBe(fired);
    failureResultOf(fired, GenericError);
  });

  it('E2 a Deferred subclass is passed through unchanged too', () => {
    class MyDeferred<T> extends Deferred<T> {}
    const d = new MyDeferred<string>();
    expect(ensureDeferred(d)).toBe(d);
  });

  it('E2 test_willNotAllowNonDeferredOrCoroutine: ensureDeferred("something") throws NotACoroutineError', () => {
    let caught: unknown;
    try {
      ensureDeferred('something' as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NotACoroutineError);
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as Error).message).toContain('not a coroutine or a Deferred');
  });

  it('E2 ensureDeferred refuses other non-coroutines the same way', () => {
    for (const value of [1, null, undefined, () => 1, {}]) {
      expect(() => ensureDeferred(value as never)).toThrow(/not a coroutine or a Deferred/);
    }
  });

  it('E2 test_ensureDeferredCoroutine: an async function awaiting succeed("foo") gives "foo"', async () => {
    const run = async (): Promise<string> => {
      return await succeed('foo');
    };
    const d = ensureDeferred(run());
    expect(d).toBeInstanceOf(Deferred);
    await flush();
    expect(successResultOf(d)).toBe('foo');
  });

  it('E2 test_ensureDeferredGenerator: a generator using yield* succeed("foo") gives "foo" synchronously', () => {
    function* run(): Generator<unknown, string, any> {
      return yield* succeed('foo');
    }
    const d = ensureDeferred(run());
    expect(d).toBeInstanceOf(Deferred);
    expect(successResultOf(d)).toBe('foo');
  });
});
