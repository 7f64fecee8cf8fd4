// deferredToFuture, maybeDeferredToFuture, deferredFromCoro, deferredFFromCoroF and
// ensureAwaitable: Scrapy's scrapy.utils.defer helpers (the Scrapy reference (docs/rules.md) §2.1) with the
// edges of docs/design.md's @deferkit/interop table.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, Deferred, Future, fail, isDeferred, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import {
  VirtualTimeEventLoop,
  getRunningLoop,
  installReactor,
  isReactorInstalled,
  uninstallReactor,
  type EventLoop,
} from '@deferkit/reactor';
import {
  PromiseReactorRequiredError,
  deferredFFromCoroF,
  deferredFromCoro,
  deferredToFuture,
  ensureAwaitable,
  maybeDeferredToFuture,
} from '@deferkit/interop';
import { macrotask, outcomeOf, recordUnhandled } from './helpers.js';
import { thrownBy } from '../support.js';

class ValueError extends Error {
  override name = 'ValueError';
}

afterEach(() => {
  uninstallReactor();
});

/** What `fn` throws; fails the test when it returns normally. */

/** The settled state of a promise, looked at after a macrotask. */
async function settledState(p: PromiseLike<unknown>): Promise<{ status: 'fulfilled' | 'rejected' | 'pending'; value?: unknown }> {
  let state: { status: 'fulfilled' | 'rejected' | 'pending'; value?: unknown } = { status: 'pending' };
  p.then(
    (value) => {
      state = { status: 'fulfilled', value };
    },
    (value: unknown) => {
      state = { status: 'rejected', value };
    },
  );
  await macrotask();
  return state;
}

// ---------------------------------------------------------------------------------------------
// deferredToFuture
// ---------------------------------------------------------------------------------------------

describe('deferredToFuture', () => {
  it('throws PromiseReactorRequiredError at call time under the callback reactor, naming maybeDeferredToFuture()', () => {
    installReactor('callback');
    const d = new Deferred<number>();
    const e = thrownBy(() => deferredToFuture(d));
    expect(e).toBeInstanceOf(PromiseReactorRequiredError);
    expect((e as Error).name).toBe('PromiseReactorRequiredError');
    expect((e as Error).message).toMatch(/^deferredToFuture\(\) requires the promise reactor/);
    expect((e as Error).message).toContain('maybeDeferredToFuture()');
    // The Deferred is left alone: not cancelled, nothing added.
    assertNoResult(d);
    d.callback(1);
    expect(successResultOf(d)).toBe(1);
  });

  it('throws PromiseReactorRequiredError when no reactor is installed, and installs none', () => {
    expect(isReactorInstalled()).toBe(false);
    expect(() => deferredToFuture(succeed(1))).toThrow(PromiseReactorRequiredError);
    expect(isReactorInstalled()).toBe(false);
  });

  it('returns a pending Future under the promise reactor that resolves with the result', async () => {
    installReactor('promise');
    const d = new Deferred<string>();
    const future = deferredToFuture(d);
    expect(future).toBeInstanceOf(Future);
    expect(future.done()).toBe(false);
    d.callback('result');
    expect(future.done()).toBe(true);
    expect(future.result()).toBe('result');
    await expect(future).resolves.toBe('result');
  });

  it('is done at once for an already-fired Deferred', async () => {
    installReactor('promise');
    const future = deferredToFuture(succeed(7));
    expect(future.done()).toBe(true);
    await expect(future).resolves.toBe(7);
  });

  it("rejects the Future with the failure's value", async () => {
    installReactor('promise');
    const d = new Deferred<string>();
    const future = deferredToFuture(d);
    const error = new ValueError('boom');
    d.errback(error);
    await expect(future).rejects.toBe(error);
    expect(future.exception()).toBe(error);
  });

  it('the Deferred keeps its result after the Future settles (J4)', async () => {
    installReactor('promise');
    const d = new Deferred<number>();
    const future = deferredToFuture(d);
    d.callback(13);
    await expect(future).resolves.toBe(13);
    expect(successResultOf(d)).toBe(13);
    const later: number[] = [];
    d.addCallback((v) => {
      later.push(v);
      return v;
    });
    expect(later).toEqual([13]);
  });

  it('the Deferred keeps its failure after the Future rejects, and it counts as handled', async () => {
    installReactor('promise');
    const rec = recordUnhandled();
    try {
      const d = new Deferred<number>();
      const future = deferredToFuture(d);
      d.errback(new ValueError('kept'));
      await expect(future).rejects.toBeInstanceOf(ValueError);
      const f = failureResultOf(d, ValueError);
      expect(f.getErrorMessage()).toBe('kept');
      await macrotask();
      expect(rec.reports).toEqual([]);
    } finally {
      rec.stop();
    }
  });

  it('cancelling the Future cancels the Deferred', async () => {
    installReactor('promise');
    const rec = recordUnhandled();
    try {
      const cancelled: Deferred<string>[] = [];
      const d = new Deferred<string>((self) => cancelled.push(self));
      const future = deferredToFuture(d);
      expect(future.cancel()).toBe(true);
      // (toBe, not toEqual: toEqual iterates iterables, and iterating a failed Deferred rethrows, J5.)
      expect(cancelled.length).toBe(1);
      expect(cancelled[0]).toBe(d);
      expect(future.cancelled()).toBe(true);
      await expect(future).rejects.toBeInstanceOf(CancelledError);
      // The Deferred failed with CancelledError; the future already delivered the cancellation,
      // so the Deferred's failure is not reported as unhandled.
      expect(failureResultOf(d, CancelledError).value).toBeInstanceOf(CancelledError);
      await macrotask();
      expect(rec.reports).toEqual([]);
    } finally {
      rec.stop();
    }
  });

  it("a Deferred's canceller that fires it with a value still leaves the Future cancelled", async () => {
    installReactor('promise');
    const d = new Deferred<string>((self) => self.callback('fired by canceller'));
    const future = deferredToFuture(d);
    future.cancel();
    expect(future.cancelled()).toBe(true);
    expect(successResultOf(d)).toBe('fired by canceller');
  });

  it('a cancelled Deferred rejects the Future with CancelledError', async () => {
    installReactor('promise');
    const d = new Deferred<string>();
    const future = deferredToFuture(d);
    d.cancel();
    const state = await settledState(future);
    expect(state.status).toBe('rejected');
    expect(state.value).toBeInstanceOf(CancelledError);
    expect(future.exception()).toBeInstanceOf(CancelledError);
    expect(failureResultOf(d, CancelledError).value).toBe(state.value);
  });

  it('refuses what is not a Deferred with a TypeError', () => {
    installReactor('promise');
    expect(() => deferredToFuture(Promise.resolve(1) as unknown as Deferred<number>)).toThrow(TypeError);
    expect(() => deferredToFuture(null as unknown as Deferred<number>)).toThrow(/d must be a Deferred/);
  });

  it('awaiting the Future works on a virtual-time loop when the Deferred fires from a loop call', async () => {
    const loop = new VirtualTimeEventLoop();
    installReactor('promise', { eventLoop: loop });
    const d = new Deferred<string>();
    loop.callLater(3, () => d.callback('at 3'));
    const box = outcomeOf(Deferred.fromFuture(deferredToFuture(d)));
    await loop.advance(2);
    expect(box.current).toBeUndefined();
    await loop.advance(1);
    expect(box.current).toEqual({ ok: true, value: 'at 3' });
  });
});

// ---------------------------------------------------------------------------------------------
// maybeDeferredToFuture
// ---------------------------------------------------------------------------------------------

describe('maybeDeferredToFuture', () => {
  it('returns the Deferred itself under the callback reactor', () => {
    installReactor('callback');
    const d = new Deferred<number>();
    expect(maybeDeferredToFuture(d)).toBe(d);
  });

  it('returns the Deferred itself when no reactor is installed, and installs none', () => {
    const d = succeed('x');
    expect(maybeDeferredToFuture(d)).toBe(d);
    expect(isReactorInstalled()).toBe(false);
  });

  it('returns a Future under the promise reactor that settles like the Deferred', async () => {
    installReactor('promise');
    const d = new Deferred<number>();
    const awaitable = maybeDeferredToFuture(d);
    expect(awaitable).toBeInstanceOf(Future);
    expect(isDeferred(awaitable)).toBe(false);
    d.callback(5);
    await expect(awaitable).resolves.toBe(5);
    expect(successResultOf(d)).toBe(5);
  });

  it('under the promise reactor, cancelling the returned Future cancels the Deferred', () => {
    installReactor('promise');
    let cancelled = 0;
    const d = new Deferred<number>(() => cancelled++);
    const awaitable = maybeDeferredToFuture(d) as Future<number>;
    awaitable.cancel();
    expect(cancelled).toBe(1);
    failureResultOf(d, CancelledError);
  });
});

// ---------------------------------------------------------------------------------------------
// deferredFromCoro
// ---------------------------------------------------------------------------------------------

describe('deferredFromCoro', () => {
  const reactors = ['none', 'callback', 'promise'] as const;
  const install = (kind: (typeof reactors)[number]): void => {
    if (kind !== 'none') installReactor(kind);
  };

  for (const kind of reactors) {
    it(`passes a Deferred through by identity (reactor: ${kind})`, () => {
      install(kind);
      const pending = new Deferred<number>();
      const fired = succeed(1);
      expect(deferredFromCoro(pending)).toBe(pending);
      expect(deferredFromCoro(fired)).toBe(fired);
      assertNoResult(pending);
    });

    it(`passes non-coroutines through unchanged: 123, 'x', null, undefined, objects, functions (reactor: ${kind})`, () => {
      install(kind);
      const obj = { a: 1 };
      const fn = (): number => 1;
      const arr = [1, 2];
      async function* agen(): AsyncGenerator<number> {
        yield 1;
      }
      const asyncGenerator = agen();
      expect(deferredFromCoro(123)).toBe(123);
      expect(deferredFromCoro('x')).toBe('x');
      expect(deferredFromCoro(null)).toBe(null);
      expect(deferredFromCoro(undefined)).toBe(undefined);
      expect(deferredFromCoro(obj)).toBe(obj);
      expect(deferredFromCoro(fn)).toBe(fn);
      expect(deferredFromCoro(arr)).toBe(arr);
      // An async generator is not awaitable (Scrapy passes it through too).
      expect(deferredFromCoro(asyncGenerator)).toBe(asyncGenerator);
    });

    it(`drives a generator object synchronously (reactor: ${kind})`, () => {
      install(kind);
      const steps: string[] = [];
      const gen = (function* (): Generator<unknown, number, any> {
        steps.push('start');
        const a = (yield succeed(20)) as number;
        const b = yield* succeed(1);
        steps.push('end');
        return a + b;
      })();
      const d = deferredFromCoro(gen);
      expect(isDeferred(d)).toBe(true);
      expect(steps).toEqual(['start', 'end']);
      expect(successResultOf(d)).toBe(21);
    });

    it(`turns a promise into a Deferred with its value, or its rejection as a failure (reactor: ${kind})`, async () => {
      install(kind);
      const good = deferredFromCoro((async () => 'value')());
      const bad = deferredFromCoro(
        (async () => {
          throw new ValueError('rejected');
        })(),
      );
      expect(isDeferred(good)).toBe(true);
      expect(isDeferred(bad)).toBe(true);
      const goodBox = outcomeOf(good);
      const badBox = outcomeOf(bad);
      expect(goodBox.current).toBeUndefined();
      await macrotask();
      expect(goodBox.current).toEqual({ ok: true, value: 'value' });
      expect(badBox.current?.ok).toBe(false);
      expect((badBox.current as { error: unknown }).error).toBeInstanceOf(ValueError);
    });
  }

  it('under the promise reactor, wraps a promise with the running loop: Deferred.fromFuture(loop.ensureFuture(p))', async () => {
    installReactor('promise');
    const loop: EventLoop = getRunningLoop();
    const spy = vi.spyOn(loop, 'ensureFuture');
    const p = Promise.resolve('on the loop');
    const d = deferredFromCoro(p);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toBe(p);
    const future = spy.mock.results[0]!.value as Future<string>;
    expect(future).toBeInstanceOf(Future);
    await macrotask();
    expect(successResultOf(d)).toBe('on the loop');
  });

  it("under the promise reactor, cancelling the Deferred cancels the loop's Future", () => {
    installReactor('promise');
    const loop: EventLoop = getRunningLoop();
    const spy = vi.spyOn(loop, 'ensureFuture');
    const d = deferredFromCoro(new Promise<string>(() => {}));
    const future = spy.mock.results[0]!.value as Future<string>;
    d.cancel();
    expect(future.cancelled()).toBe(true);
    // FU4: the Deferred fails with CancelledError once the future has settled.
    return macrotask().then(() => {
      failureResultOf(d, CancelledError);
    });
  });

  it('under the callback reactor, does not touch any event loop (Deferred.fromCoroutine)', async () => {
    installReactor('callback');
    expect(() => getRunningLoop()).toThrow(/no running event loop/);
    const d = deferredFromCoro(Promise.resolve(3));
    await macrotask();
    expect(successResultOf(d)).toBe(3);
  });

  it('under the callback reactor, cancelling the Deferred of a promise fails it with CancelledError at once (J6)', async () => {
    installReactor('callback');
    let finish!: (v: string) => void;
    const d = deferredFromCoro(new Promise<string>((resolve) => (finish = resolve)));
    d.cancel();
    failureResultOf(d, CancelledError);
    finish('too late');
    await macrotask();
    // The later outcome is ignored (no AlreadyCalledError, the Deferred keeps its new result).
    expect(successResultOf(d)).toBe(undefined);
  });

  it('does not install a reactor', () => {
    deferredFromCoro(Promise.resolve(1));
    expect(isReactorInstalled()).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// deferredFFromCoroF
// ---------------------------------------------------------------------------------------------

describe('deferredFFromCoroF', () => {
  it('calls the function at call time with the arguments and returns deferredFromCoro(result)', async () => {
    installReactor('callback');
    const calls: unknown[][] = [];
    const f = deferredFFromCoroF(async (a: number, b: string) => {
      calls.push([a, b]);
      return `${b}${a}`;
    });
    expect(calls).toEqual([]);
    const d = f(1, 'x');
    expect(calls).toEqual([[1, 'x']]);
    expect(isDeferred(d)).toBe(true);
    await macrotask();
    expect(successResultOf(d)).toBe('x1');
  });

  it('works under the promise reactor too', async () => {
    installReactor('promise');
    const f = deferredFFromCoroF(async (n: number) => n * 2);
    const d = f(21);
    await macrotask();
    expect(successResultOf(d)).toBe(42);
  });

  it('passes non-coroutine results and Deferreds through unchanged', () => {
    const d = succeed('same');
    expect(deferredFFromCoroF(() => 123)()).toBe(123);
    expect(deferredFFromCoroF(() => d)()).toBe(d);
  });

  it('drives generator functions synchronously', () => {
    const f = deferredFFromCoroF(function* (n: number): Generator<unknown, number, any> {
      return (yield* succeed(n)) + 1;
    });
    expect(successResultOf(f(1))).toBe(2);
  });

  it("keeps the function's name and refuses a non-function with a TypeError", () => {
    async function processItem(): Promise<void> {}
    expect(deferredFFromCoroF(processItem).name).toBe('processItem');
    expect(() => deferredFFromCoroF(42 as unknown as () => void)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// ensureAwaitable
// ---------------------------------------------------------------------------------------------

describe('ensureAwaitable', () => {
  it('returns a Deferred itself under the callback reactor', () => {
    installReactor('callback');
    const d = new Deferred<number>();
    expect(ensureAwaitable(d)).toBe(d);
  });

  it('returns a Future for a Deferred under the promise reactor', async () => {
    installReactor('promise');
    const d = new Deferred<number>();
    const awaitable = ensureAwaitable(d);
    expect(awaitable).toBeInstanceOf(Future);
    d.callback(8);
    await expect(awaitable).resolves.toBe(8);
    expect(successResultOf(d)).toBe(8);
  });

  it('returns a promise unchanged, under every reactor', () => {
    const p = Promise.resolve(1);
    expect(ensureAwaitable(p)).toBe(p);
    installReactor('promise');
    expect(ensureAwaitable(p)).toBe(p);
    const thenable = { then: (r: (v: number) => void) => r(2) } as unknown as PromiseLike<number>;
    expect(ensureAwaitable(thenable)).toBe(thenable);
  });

  it('turns a plain value into a promise resolved with it', async () => {
    for (const value of [5, 'x', null, undefined, { k: 1 }]) {
      const awaitable = ensureAwaitable(value);
      expect(awaitable).toBeInstanceOf(Promise);
      await expect(awaitable).resolves.toBe(value);
    }
  });

  it('turns a failed Deferred under the promise reactor into a rejected Future', async () => {
    installReactor('promise');
    const error = new ValueError('no');
    const d = fail<number>(error);
    await expect(ensureAwaitable(d)).rejects.toBe(error);
    failureResultOf(d, ValueError);
  });
});
