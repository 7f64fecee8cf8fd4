// asFuture / fromFuture: rules FU1-FU4 of the Twisted reference (docs/rules.md) §2.19 with deviation J4
// (asFuture() observes without consuming: the Deferred keeps its result), catalogue §3.13 items
// 158-164 (DeferredFutureAdapterTests), and the Future class (asyncio.Future's shape).

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, Future, InvalidStateError, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, collectUnhandled } from './helpers.js';
import { thrownBy } from '../support.js';
import { isBun, nextTurn, nodeModule, onUnhandledRejection } from '../support.js';

/** Let pending promise reactions and one macrotask run (asyncio's "flush the loop"). */
function flush(): Promise<void> {
  return new Promise((resolve) => nextTurn(resolve));
}

/** Record process-level unhandled promise rejections while `fn` runs (and a flush after). */
async function unhandledRejectionsDuring(fn: () => Promise<void> | void): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  const stopListening = onUnhandledRejection(listener);
  try {
    await fn();
    await flush();
    await flush();
  } finally {
    stopListening();
  }
  return seen;
}

describe('Deferred#asFuture (FU1, FU2, J4)', () => {
  it('FU1 test_asFuture: the future is not done before the callback; then it has the result (13); the Deferred keeps 13 (J4)', async () => {
    const d = new Deferred<number>();
    const future = d.asFuture();
    expect(future).toBeInstanceOf(Future);
    expect(future.done()).toBe(false);
    d.callback(13);
    await flush();
    expect(future.done()).toBe(true);
    expect(future.result()).toBe(13);
    expect(await future).toBe(13);
    expect(successResultOf(d)).toBe(13);
  });

  it('FU1 asFuture() of an already-fired Deferred is done at once', async () => {
    const d = succeed('ready');
    const future = d.asFuture();
    expect(future.done()).toBe(true);
    expect(future.result()).toBe('ready');
    expect(await future).toBe('ready');
    expect(successResultOf(d)).toBe('ready');
  });

  it('J4 asFuture() does not consume: later callbacks on the Deferred see the result', () => {
    const d = new Deferred<number>();
    const future = d.asFuture();
    const seen: number[] = [];
    d.callback(5);
    d.addCallback((v) => {
      seen.push(v);
      return v * 2;
    });
    expect(seen).toEqual([5]);
    expect(future.result()).toBe(5);
    expect(successResultOf(d)).toBe(10);
  });

  it('FU1 test_asFutureFailure: a failed Deferred fails the future with the failure\'s value', async () => {
    const err = new RangeError('division by zero');
    const d = new Deferred<number>();
    const future = d.asFuture();
    d.errback(err);
    expect(future.exception()).toBe(err);
    expect(() => future.result()).toThrow(err);
    await expect(future).rejects.toBe(err);
    // J4: the failure stays on the Deferred.
    expect(failureResultOf(d, RangeError).value).toBe(err);
  });

  it('J4 a failure observed through asFuture() is not reported as unhandled', async () => {
    const collector = collectUnhandled();
    try {
      let rejected: unknown;
      await (async () => {
        const d = new Deferred<number>();
        const future = d.asFuture();
        d.errback(new GenericError('observed by future'));
        try {
          await future;
        } catch (e) {
          rejected = e;
        }
      })();
      (() => {
        const control = new Deferred<number>();
        control.errback(new GenericError('control'));
      })();
      await collectGarbage();
      expect((rejected as Error).message).toBe('observed by future');
      expect(collector.reports.map((f) => f.getErrorMessage())).toEqual(['control']);
    } finally {
      collector.stop();
    }
  });

  it('FU2 test_asFutureCancelFuture: cancelling the future cancels the Deferred; the future raises CancelledError', async () => {
    let cancellerCalls = 0;
    const d = new Deferred<number>(() => {
      cancellerCalls++;
    });
    const future = d.asFuture();
    expect(future.cancel()).toBe(true);
    await flush();
    expect(cancellerCalls).toBe(1);
    expect(future.cancelled()).toBe(true);
    expect(() => future.result()).toThrow(CancelledError);
    // J4: the Deferred keeps its CancelledError (Twisted leaves None).
    failureResultOf(d, CancelledError);
  });

  it('FU2 test_asFutureSuccessCancel: a canceller that fires success is ignored by the cancelled future', async () => {
    const d = new Deferred<number>((self) => self.callback(9));
    const future = d.asFuture();
    future.cancel();
    await flush();
    expect(future.cancelled()).toBe(true);
    expect(() => future.result()).toThrow(CancelledError);
    expect(successResultOf(d)).toBe(9);
  });

  it('FU2 cancelling the future after the Deferred fired changes nothing', () => {
    let cancellerCalls = 0;
    const d = new Deferred<number>(() => {
      cancellerCalls++;
    });
    const future = d.asFuture();
    d.callback(1);
    expect(future.cancel()).toBe(false);
    expect(future.cancelled()).toBe(false);
    expect(cancellerCalls).toBe(0);
    expect(successResultOf(d)).toBe(1);
  });

  it('FU2 a cancelled asFuture() future that nobody awaits causes no unhandled rejection or report', async () => {
    const collector = collectUnhandled();
    try {
      const rejections = await unhandledRejectionsDuring(() => {
        const d = new Deferred<number>();
        d.asFuture().cancel();
        failureResultOf(d, CancelledError);
      });
      await collectGarbage();
      expect(rejections).toEqual([]);
      expect(collector.reports).toEqual([]);
    } finally {
      collector.stop();
    }
  });
});

describe('Deferred.fromFuture (FU3, FU4)', () => {
  it('FU3 test_fromFuture: the result arrives only after the loop runs (7)', async () => {
    const future = new Future<number>();
    const d = Deferred.fromFuture(future);
    future.setResult(7);
    assertNoResult(d);
    await flush();
    expect(successResultOf(d)).toBe(7);
  });

  it('FU3 even a future completed before fromFuture() delivers asynchronously', async () => {
    const future = new Future<string>();
    future.setResult('early');
    const d = Deferred.fromFuture(future);
    assertNoResult(d);
    await flush();
    expect(successResultOf(d)).toBe('early');
  });

  it('FU3 a failed future gives a Failure carrying the exception', async () => {
    const err = new GenericError('future failed');
    const future = new Future<number>();
    const d = Deferred.fromFuture(future);
    future.setException(err);
    await flush();
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it('FU3 test_fromFutureFutureCancelled: a cancelled future gives Failure(CancelledError)', async () => {
    const future = new Future<number>();
    const d = Deferred.fromFuture(future);
    future.cancel();
    await flush();
    failureResultOf(d, CancelledError);
  });

  it('FU4 test_fromFutureDeferredCancelled: cancelling the Deferred cancels the future; it fails once the loop runs', async () => {
    const future = new Future<number>();
    const d = Deferred.fromFuture(future);
    const seen: unknown[] = [];
    d.addBoth((r) => {
      seen.push(r);
      return r;
    });
    d.cancel();
    expect(future.cancelled()).toBe(true);
    assertNoResult(d); // chained to a placeholder until the future's outcome is delivered
    expect(seen).toEqual([]);
    await flush();
    expect(seen).toHaveLength(1);
    failureResultOf(d, CancelledError);
  });

  it('FU3 fromFuture() of a plain promise resolves with its value', async () => {
    const d = Deferred.fromFuture(Promise.resolve('plain'));
    assertNoResult(d);
    await flush();
    expect(successResultOf(d)).toBe('plain');
  });

  it('FU4 (J6) cancelling a Deferred from a plain promise fails it at once and ignores the later outcome', async () => {
    let resolve!: (v: number) => void;
    const d = Deferred.fromFuture(
      new Promise<number>((r) => {
        resolve = r;
      }),
    );
    d.cancel();
    failureResultOf(d, CancelledError);
    resolve(3);
    await flush();
    expect(successResultOf(d)).toBeUndefined();
  });

  it('FU3 fromFuture() refuses non-thenables and Deferreds with TypeError', () => {
    expect(() => Deferred.fromFuture(5 as never)).toThrow(TypeError);
    expect(() => Deferred.fromFuture(null as never)).toThrow(TypeError);
    expect(() => Deferred.fromFuture(succeed(1))).toThrow(TypeError);
  });
});

describe('Future (asyncio.Future shape)', () => {
  it('Future is a Promise and then() builds plain Promises', async () => {
    const f = new Future<number>();
    expect(f).toBeInstanceOf(Promise);
    const p = f.then((v) => v + 1);
    expect(p).toBeInstanceOf(Promise);
    expect(p).not.toBeInstanceOf(Future);
    f.setResult(1);
    expect(await p).toBe(2);
  });

  it('a pending future: not done, not cancelled, result()/exception() raise InvalidStateError', () => {
    const f = new Future<number>();
    expect(f.done()).toBe(false);
    expect(f.cancelled()).toBe(false);
    expect(() => f.result()).toThrow(InvalidStateError);
    expect(() => f.exception()).toThrow(InvalidStateError);
    let caught: unknown;
    try {
      f.result();
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).name).toBe('InvalidStateError');
  });

  it('setResult(): done, result() returns it, exception() is undefined, await gives it', async () => {
    const f = new Future<string>();
    f.setResult('value');
    expect(f.done()).toBe(true);
    expect(f.cancelled()).toBe(false);
    expect(f.result()).toBe('value');
    expect(f.exception()).toBeUndefined();
    expect(await f).toBe('value');
  });

  it('setException(): result() throws it, exception() returns it, await rejects with it', async () => {
    const err = new GenericError('set');
    const f = new Future<string>();
    f.setException(err);
    expect(f.done()).toBe(true);
    expect(f.cancelled()).toBe(false);
    // thrownBy, not expect(fn).toThrow: Bun's matcher checks for unhandled rejections before
    // calling fn, and nothing has retrieved the exception yet.
    expect(thrownBy(() => f.result())).toBe(err);
    expect(f.exception()).toBe(err);
    await expect(f).rejects.toBe(err);
  });

  it('cancel(): true once; cancelled and done; result()/exception() raise CancelledError; await rejects', async () => {
    const f = new Future<number>();
    expect(f.cancel('stop it')).toBe(true);
    expect(f.cancel()).toBe(false);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(CancelledError);
    expect(() => f.exception()).toThrow(CancelledError);
    let caught: unknown;
    try {
      await f;
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CancelledError);
    expect((caught as Error).message).toBe('stop it');
  });

  it('cancel() of a done future returns false and changes nothing', () => {
    const f = new Future<number>();
    f.setResult(1);
    expect(f.cancel()).toBe(false);
    expect(f.cancelled()).toBe(false);
    expect(f.result()).toBe(1);
  });

  it('setResult()/setException() on a done or cancelled future raise InvalidStateError and change nothing', async () => {
    const done = new Future<number>();
    done.setResult(1);
    expect(() => done.setResult(2)).toThrow(InvalidStateError);
    expect(() => done.setException(new GenericError('late'))).toThrow(InvalidStateError);
    expect(done.result()).toBe(1);

    const cancelled = new Future<number>();
    cancelled.cancel();
    expect(() => cancelled.setResult(2)).toThrow(InvalidStateError);
    expect(() => cancelled.setException(new GenericError('late'))).toThrow(InvalidStateError);
    expect(cancelled.cancelled()).toBe(true);

    const failed = new Future<number>();
    const err = new GenericError('first');
    failed.setException(err);
    expect(failed.exception()).toBe(err);
    expect(() => failed.setResult(3)).toThrow(InvalidStateError);
    await expect(failed).rejects.toBe(err);
  });

  it('addDoneCallback(): callbacks run synchronously on completion, in order, with the future', () => {
    const f = new Future<number>();
    const log: unknown[] = [];
    f.addDoneCallback((x) => log.push(['a', x === f, x.result()]));
    f.addDoneCallback((x) => log.push(['b', x.result()]));
    expect(log).toEqual([]);
    f.setResult(4);
    expect(log).toEqual([
      ['a', true, 4],
      ['b', 4],
    ]);
  });

  it('addDoneCallback() on a done future runs the callback at once; a non-function is a TypeError', () => {
    const f = new Future<number>();
    f.cancel();
    const log: boolean[] = [];
    f.addDoneCallback((x) => log.push(x.cancelled()));
    expect(log).toEqual([true]);
    expect(() => f.addDoneCallback(42 as never)).toThrow(TypeError);
  });

  it('removeDoneCallback() removes every registration and says how many', () => {
    const f = new Future<number>();
    const log: string[] = [];
    const cb = (): void => {
      log.push('removed one ran');
    };
    f.addDoneCallback(cb);
    f.addDoneCallback(() => log.push('kept'));
    f.addDoneCallback(cb);
    expect(f.removeDoneCallback(cb)).toBe(2);
    expect(f.removeDoneCallback(cb)).toBe(0);
    f.setResult(1);
    expect(log).toEqual(['kept']);
  });

  it('a throwing done callback does not stop the others and is reported as unhandled', () => {
    const collector = collectUnhandled();
    try {
      const f = new Future<number>();
      const log: string[] = [];
      f.addDoneCallback(() => {
        throw new GenericError('bad done callback');
      });
      f.addDoneCallback(() => log.push('second ran'));
      f.setResult(1);
      expect(log).toEqual(['second ran']);
      expect(collector.reports.map((r) => r.getErrorMessage())).toEqual(['bad done callback']);
    } finally {
      collector.stop();
    }
  });

  it('a cancelled Future that nobody awaits does not cause an unhandled rejection', async () => {
    let f!: Future<number>;
    const rejections = await unhandledRejectionsDuring(() => {
      f = new Future<number>();
      f.cancel();
    });
    expect(rejections).toEqual([]);
    expect(f.cancelled()).toBe(true);
    // It is still a rejected promise for whoever awaits it later.
    await expect(f).rejects.toBeInstanceOf(CancelledError);
  });

  it('a failed Future whose exception nobody retrieves is an unhandled rejection', async () => {
    if (isBun) {
      // Bun's runner fails any test that leaves an unhandled rejection, listener or not: look
      // in a fresh Bun process instead.
      const { execFileSync } = await nodeModule<typeof import('node:child_process')>('child_process');
      const script =
        "const { Future } = await import('@deferkit/deferred'); const seen = [];" +
        "process.on('unhandledRejection', (r) => seen.push(r.message));" +
        "new Future().setException(new Error('never retrieved'));" +
        'setTimeout(() => console.log(JSON.stringify(seen)), 20);';
      const out = execFileSync(process.execPath, ['--conditions=@deferkit/source', '-e', script], { encoding: 'utf8' });
      expect(JSON.parse(out.trim())).toEqual(['never retrieved']);
      return;
    }
    const err = new GenericError('never retrieved');
    const rejections = await unhandledRejectionsDuring(() => {
      new Future<number>().setException(err);
    });
    expect(rejections).toEqual([err]);
  });

  it('result() or exception() retrieves the exception: no unhandled rejection (asyncio stops logging it)', async () => {
    const viaResult = new Future<number>();
    const viaException = new Future<number>();
    const rejections = await unhandledRejectionsDuring(() => {
      viaResult.setException(new GenericError('asked for by result()'));
      expect(thrownBy(() => viaResult.result())).toHaveProperty('message', 'asked for by result()');
      viaException.setException(new GenericError('asked for by exception()'));
      expect(viaException.exception()).toBeInstanceOf(GenericError);
    });
    expect(rejections).toEqual([]);
    // Still rejected for whoever awaits later.
    await expect(viaResult).rejects.toThrow('asked for by result()');
  });

  it('new Future(executor) settles like new Promise(executor)', async () => {
    const ok = new Future<number>((resolve) => resolve(5));
    expect(ok.result()).toBe(5);
    const err = new GenericError('executor');
    const bad = new Future<number>((_, reject) => reject(err));
    expect(bad.exception()).toBe(err);
    await expect(bad).rejects.toBe(err);
    const threw = new Future<number>(() => {
      throw err;
    });
    expect(threw.exception()).toBe(err);
    await expect(threw).rejects.toBe(err);
    const adopted = new Future<number>((resolve) => resolve(Promise.resolve(8)));
    expect(adopted.done()).toBe(false);
    expect(await adopted).toBe(8);
    expect(adopted.result()).toBe(8);
  });
});
