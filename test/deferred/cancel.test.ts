// cancel(): rules X1-X7 of the Twisted reference (docs/rules.md) §2.7 with deviation J9 (docs/design.md)
// replacing X5, and Twisted's DeferredCancellerTests (§3.6 items 100-113; their tearDown checks
// that a canceller ran at most once, which the tests here assert directly).

import { describe, expect, it } from 'vitest';
import { AlreadyCalledError, CancelledError, Deferred, Failure, isFailure } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, expectNoUnhandledErrorsInEachTest, fakeCallbackCanceller } from './helpers.js';
import { nextTurnPromise } from '../support.js';

expectNoUnhandledErrorsInEachTest();

/** A Deferred with a callback and an errback that record what they got. */
function recorded<T>(canceller?: (d: Deferred<T>) => void) {
  const callbackResults: unknown[] = [];
  const errbackResults: Failure[] = [];
  let cancellerCalls = 0;
  const d = new Deferred<T>(
    canceller === undefined
      ? undefined
      : (it) => {
          cancellerCalls++;
          canceller(it);
        },
  );
  d.addCallbacks(
    (r) => {
      callbackResults.push(r);
      return r;
    },
    (f) => {
      errbackResults.push(f);
      return f;
    },
  );
  return { d, callbackResults, errbackResults, cancellerCalls: () => cancellerCalls };
}

describe('cancelling an unfired Deferred (X1, X2)', () => {
  it('X2 test_noCanceller: cancel() without a canceller errbacks with CancelledError', () => {
    const { d, callbackResults, errbackResults } = recorded<string>();
    d.cancel();
    expect(callbackResults).toEqual([]);
    expect(errbackResults).toHaveLength(1);
    expect(errbackResults[0]!.value).toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
  });

  it('X1 test_simpleCanceller: a canceller that does not fire leads to CancelledError; later fires throw', () => {
    const { d, errbackResults, cancellerCalls } = recorded<string>(() => {});
    d.cancel();
    expect(cancellerCalls()).toBe(1);
    expect(errbackResults).toHaveLength(1);
    expect(errbackResults[0]!.check(CancelledError)).toBe(CancelledError);
    expect(() => d.callback('late')).toThrow(AlreadyCalledError);
    expect(() => d.errback(new GenericError('late'))).toThrow(AlreadyCalledError);
    failureResultOf(d, CancelledError);
  });

  it('X1 test_cancellerArg: the canceller receives the Deferred itself', () => {
    const args: unknown[] = [];
    const d = new Deferred<string>((it) => {
      args.push(it);
    });
    d.cancel();
    expect(args).toHaveLength(1);
    expect(args[0]).toBe(d);
    failureResultOf(d, CancelledError);
  });

  it("X1 test_cancellerThatCallbacks: a canceller's callback() result stands", () => {
    const { d, callbackResults, errbackResults, cancellerCalls } = recorded<string>((it) => it.callback('hello!'));
    d.cancel();
    expect(cancellerCalls()).toBe(1);
    expect(callbackResults).toEqual(['hello!']);
    expect(errbackResults).toEqual([]);
    expect(successResultOf(d)).toBe('hello!');
  });

  it("X1 test_cancellerThatErrbacks: a canceller's errback() failure stands instead of CancelledError", () => {
    const { d, callbackResults, errbackResults, cancellerCalls } = recorded<string>((it) =>
      it.errback(new GenericError('from canceller')),
    );
    d.cancel();
    expect(cancellerCalls()).toBe(1);
    expect(callbackResults).toEqual([]);
    expect(errbackResults).toHaveLength(1);
    expect(errbackResults[0]!.value).toBeInstanceOf(GenericError);
    expect(failureResultOf(d).check(CancelledError)).toBeNull();
  });

  it('X1 the fakeCallbackCanceller helper fires with "Callback Result"', () => {
    const d = new Deferred<string>(fakeCallbackCanceller);
    d.cancel();
    expect(successResultOf(d)).toBe('Callback Result');
  });
});

describe('the one-shot swallow after cancel() without canceller (A4 in DeferredCancellerTests)', () => {
  it('A4 test_raisesAfterCancelAndCallback: one callback() is swallowed, the next callback()/errback() throws', () => {
    const { d, callbackResults, errbackResults } = recorded<string>();
    d.cancel();
    d.callback('swallowed');
    expect(() => d.callback('again')).toThrow(AlreadyCalledError);
    expect(() => d.errback(new GenericError('again'))).toThrow(AlreadyCalledError);
    expect(callbackResults).toEqual([]);
    expect(errbackResults).toHaveLength(1);
    failureResultOf(d, CancelledError);
  });

  it('A4 test_raisesAfterCancelAndErrback: one errback() is swallowed, the next callback()/errback() throws', () => {
    const { d, callbackResults, errbackResults } = recorded<string>();
    d.cancel();
    d.errback(new GenericError('swallowed'));
    expect(() => d.callback('again')).toThrow(AlreadyCalledError);
    expect(() => d.errback(new GenericError('again'))).toThrow(AlreadyCalledError);
    expect(callbackResults).toEqual([]);
    expect(errbackResults).toHaveLength(1);
    expect(errbackResults[0]!.value).toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
  });

  it('X3 test_noCancellerMultipleCancelsAfterCancelAndCallback: cancel, swallowed callback, cancel leaves the same failure', () => {
    const { d, errbackResults } = recorded<string>();
    d.cancel();
    const currentFailure = (d as any)._result;
    expect(isFailure(currentFailure)).toBe(true);
    d.callback('swallowed');
    d.cancel();
    expect((d as any)._result).toBe(currentFailure);
    expect(errbackResults).toHaveLength(1);
    failureResultOf(d, CancelledError);
  });

  it('X3 test_noCancellerMultipleCancelsAfterCancelAndErrback: a swallowed errback does not replace CancelledError', () => {
    const { d, errbackResults } = recorded<string>();
    d.cancel();
    const currentFailure = (d as any)._result;
    d.errback(new GenericError('swallowed'));
    expect((d as any)._result).toBe(currentFailure);
    d.cancel();
    expect((d as any)._result).toBe(currentFailure);
    expect(errbackResults).toHaveLength(1);
    expect(errbackResults[0]!.value).toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
  });
});

describe('cancelling a fired Deferred (X3)', () => {
  it('X3 test_noCancellerMultipleCancel: a second cancel() is a no-op', () => {
    const { d, errbackResults } = recorded<string>();
    d.cancel();
    const currentFailure = (d as any)._result;
    d.cancel();
    expect((d as any)._result).toBe(currentFailure);
    expect(errbackResults).toHaveLength(1);
    failureResultOf(d, CancelledError);
  });

  it('X3 test_cancellerMultipleCancel: the canceller runs once however often cancel() is called', () => {
    const { d, errbackResults, cancellerCalls } = recorded<string>(() => {});
    d.cancel();
    const currentFailure = (d as any)._result;
    d.cancel();
    d.cancel();
    expect(cancellerCalls()).toBe(1);
    expect((d as any)._result).toBe(currentFailure);
    expect(errbackResults).toHaveLength(1);
    failureResultOf(d, CancelledError);
  });

  it('X3 test_cancelAfterCallback: cancel() after callback() calls no canceller and keeps the result', () => {
    const { d, callbackResults, errbackResults, cancellerCalls } = recorded<string>(() => {});
    d.callback('biff!');
    d.cancel();
    expect(cancellerCalls()).toBe(0);
    expect(callbackResults).toEqual(['biff!']);
    expect(errbackResults).toEqual([]);
    expect(successResultOf(d)).toBe('biff!');
  });

  it('X3 test_cancelAfterErrback: cancel() after errback() calls no canceller and keeps the error', () => {
    const { d, callbackResults, errbackResults, cancellerCalls } = recorded<string>(() => {});
    d.errback(new GenericError('before cancel'));
    d.cancel();
    expect(cancellerCalls()).toBe(0);
    expect(callbackResults).toEqual([]);
    expect(errbackResults).toHaveLength(1);
    expect(failureResultOf(d, GenericError).value).toBeInstanceOf(GenericError);
  });
});

describe('cancelling a Deferred waiting on another (X4)', () => {
  it("X4 test_cancelNestedDeferred: cancel() goes to the inner Deferred's canceller, not the outer's", () => {
    let outerCancels = 0;
    let innerCancels = 0;
    const errors: Failure[] = [];
    const inner = new Deferred<string>(() => {
      innerCancels++;
    });
    const outer = new Deferred<undefined>(() => {
      outerCancels++;
    });
    outer.callback(undefined);
    outer.addCallback(() => inner);
    outer.addErrback((f) => {
      errors.push(f);
    });
    assertNoResult(outer);
    outer.cancel();
    expect(innerCancels).toBe(1);
    expect(outerCancels).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.value).toBeInstanceOf(CancelledError);
    expect(successResultOf(inner)).toBeUndefined();
  });

  it("X4 an inner canceller's value becomes the outer chain's result", () => {
    const inner = new Deferred<string>((it) => it.callback('inner cancelled'));
    const outer = new Deferred<undefined>();
    outer.addCallback(() => inner);
    outer.callback(undefined);
    outer.cancel();
    expect(successResultOf(outer)).toBe('inner cancelled');
  });
});

describe('a canceller that throws (J9 replaces X5)', () => {
  it('J9 a throwing canceller fails the Deferred with its error and cancel() does not throw', () => {
    const err = new GenericError('canceller blew up');
    const d = new Deferred<string>(() => {
      throw err;
    });
    expect(() => d.cancel()).not.toThrow();
    expect(d.called).toBe(true);
    expect(failureResultOf(d).value).toBe(err);
  });

  it("J9 the canceller's thrown value reaches the errbacks, and a second cancel() does not call it again", () => {
    const { d, errbackResults, cancellerCalls } = recorded<string>(() => {
      throw 'not an Error';
    });
    d.cancel();
    d.cancel();
    expect(cancellerCalls()).toBe(1);
    expect(errbackResults.map((f) => f.value)).toEqual(['not an Error']);
    expect(failureResultOf(d).value).toBe('not an Error');
  });
});

describe('canceller references and the CancelledError class (X6, X7)', () => {
  /**
   * A Deferred whose canceller is reachable only through the Deferred; `fire` fires it.
   * Returns the Deferred and a weak reference to the canceller.
   */
  function withWeakCanceller(fire: (d: Deferred<string>) => void) {
    const payload = { big: new Array(1000).fill(0) };
    const canceller = (): void => {
      void payload;
    };
    const d = new Deferred<string>(canceller);
    const ref = new WeakRef(canceller);
    fire(d);
    return { d, ref };
  }

  it('X6 test_canceller_circular_reference_callback: the canceller is dropped when callback() fires', async () => {
    const { d, ref } = withWeakCanceller((it) => it.callback('done'));
    expect((d as any)._canceller).toBeNull();
    await collectGarbage();
    expect(ref.deref()).toBeUndefined();
    expect(successResultOf(d)).toBe('done');
  });

  it('X6 test_canceller_circular_reference_errback: the canceller is dropped when errback() fires', async () => {
    const { d, ref } = withWeakCanceller((it) => it.errback(new GenericError('failed')));
    expect((d as any)._canceller).toBeNull();
    failureResultOf(d, GenericError);
    await collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });

  it('X6 test_canceller_circular_reference_non_final: dropped even while waiting on a Deferred a callback returned', async () => {
    const inner = new Deferred<string>();
    const { d, ref } = withWeakCanceller((it) => {
      it.addCallback(() => inner);
      it.callback('start');
    });
    assertNoResult(d);
    expect((d as any)._canceller).toBeNull();
    await collectGarbage();
    expect(ref.deref()).toBeUndefined();
    inner.callback('end');
    expect(successResultOf(d)).toBe('end');
  });

  it('X6 control: an unfired Deferred keeps its canceller alive', async () => {
    const { d, ref } = withWeakCanceller(() => {});
    await collectGarbage();
    expect(ref.deref()).toBeDefined();
    expect(d.called).toBe(false);
  });

  it('X7 cancel() delivers the exported CancelledError, also for Deferred.fromFuture', async () => {
    const d = new Deferred<string>();
    d.cancel();
    const f = failureResultOf(d, CancelledError);
    expect(f.value).toBeInstanceOf(CancelledError);
    expect((f.value as Error).name).toBe('CancelledError');

    const fromPromise = Deferred.fromFuture(new Promise<string>(() => {}));
    fromPromise.cancel();
    await nextTurnPromise();
    expect(failureResultOf(fromPromise).value).toBeInstanceOf(CancelledError);
  });
});
