// DeferredLock, DeferredSemaphore, DeferredQueue: rules LK1-LK4, SM1, Q1-Q2 of the spec and
// Twisted's OtherPrimitivesTests (plus the async-with tests, as `await using`).

import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Deferred,
  DeferredLock,
  DeferredQueue,
  DeferredSemaphore,
  QueueOverflow,
  QueueUnderflow,
} from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { nextTurnPromise } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('DeferredLock (LK rules)', () => {
  it('LK1 testLock: acquire locks and fires with the lock; a second acquire waits; release hands over, then unlocks', () => {
    const lock = new DeferredLock();
    expect(lock.locked).toBe(false);
    let counter = 0;
    const first = lock.acquire();
    first.addCallback(() => {
      counter++;
    });
    expect(lock.locked).toBe(true);
    expect(counter).toBe(1);

    const second = lock.acquire();
    second.addCallback(() => {
      counter++;
    });
    expect(lock.locked).toBe(true);
    expect(counter).toBe(1);
    expect(lock.waiting).toEqual([second]);

    lock.release();
    expect(lock.locked).toBe(true);
    expect(counter).toBe(2);
    expect(lock.waiting).toEqual([]);

    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('LK1 acquire() fires with the lock object itself', () => {
    const lock = new DeferredLock();
    expect(successResultOf(lock.acquire())).toBe(lock);
  });

  it('LK1 waiting acquires are served first come, first served', () => {
    const lock = new DeferredLock();
    lock.acquire();
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      lock.acquire().addCallback(() => {
        order.push(name);
      });
    }
    expect(order).toEqual([]);
    lock.release();
    expect(order).toEqual(['a']);
    lock.release();
    lock.release();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(lock.locked).toBe(true);
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('LK1 release() of an unlocked lock throws an Error mentioning "unlocked"', () => {
    const lock = new DeferredLock();
    expect(() => lock.release()).toThrow(/unlocked/);
    lock.acquire();
    lock.release();
    expect(() => lock.release()).toThrow(/unlocked/);
    expect(lock.locked).toBe(false);
  });

  it('LK2 test_cancelLockAfterAcquired: cancelling a fired acquire does nothing', () => {
    const lock = new DeferredLock();
    const d = lock.acquire();
    d.cancel();
    expect(successResultOf(d)).toBe(lock);
    expect(lock.locked).toBe(true);
  });

  it('LK2 test_cancelLockBeforeAcquired: cancelling a waiting acquire fails it with CancelledError and removes it', () => {
    const lock = new DeferredLock();
    lock.acquire();
    const d = lock.acquire();
    expect(lock.waiting).toEqual([d]);
    d.cancel();
    failureResultOf(d, CancelledError);
    expect(lock.waiting).toEqual([]);
    // The cancelled acquire is not handed the lock.
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('LK3 testLock: run() holds the lock until the Deferred f returned fires, and passes its result on', () => {
    const lock = new DeferredLock();
    const controlDeferred = new Deferred<string>();
    const seenArgs: unknown[][] = [];
    const helper = (resultValue: string, returnValue: Deferred<string>): Deferred<string> => {
      seenArgs.push([resultValue, returnValue]);
      return returnValue;
    };
    const d = lock.run(helper, 'firstUnique', controlDeferred);
    expect(seenArgs).toEqual([['firstUnique', controlDeferred]]);
    expect(lock.locked).toBe(true);
    assertNoResult(d);
    const results: string[] = [];
    d.addCallback((r) => {
      results.push(r);
    });
    controlDeferred.callback('secondUnique');
    expect(results).toEqual(['secondUnique']);
    expect(lock.locked).toBe(false);
  });

  it('LK3 run() waits for the lock before calling f', () => {
    const lock = new DeferredLock();
    lock.acquire();
    let called = 0;
    const d = lock.run(() => {
      called++;
      return 'ran';
    });
    expect(called).toBe(0);
    assertNoResult(d);
    lock.release();
    expect(called).toBe(1);
    expect(successResultOf(d)).toBe('ran');
    expect(lock.locked).toBe(false);
  });

  it('LK3 run() releases when f throws, and passes the failure on', () => {
    const lock = new DeferredLock();
    const err = new GenericError('f failed');
    const d = lock.run(() => {
      throw err;
    });
    expect(lock.locked).toBe(false);
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it("LK3 run() releases when f's Deferred fails, and passes the failure on", () => {
    const lock = new DeferredLock();
    const inner = new Deferred<number>();
    const d = lock.run(() => inner);
    expect(lock.locked).toBe(true);
    const err = new GenericError('async failure');
    inner.errback(err);
    expect(lock.locked).toBe(false);
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it('LK3 lock.run() with a non-function throws TypeError', () => {
    const lock = new DeferredLock();
    expect(() => lock.run(undefined as never)).toThrow(TypeError);
    expect(() => lock.run(42 as never)).toThrow(TypeError);
    expect(lock.locked).toBe(false);
  });

  it('LK4 lock[Symbol.asyncDispose]() releases the lock', async () => {
    const lock = new DeferredLock();
    const held = successResultOf(lock.acquire());
    const next = lock.acquire();
    assertNoResult(next);
    await held[Symbol.asyncDispose]();
    expect(successResultOf(next)).toBe(lock);
    await lock[Symbol.asyncDispose]();
    expect(lock.locked).toBe(false);
  });

  it('LK4 test_asyncWithLock: `await using l = await lock.acquire()` holds the lock for the block', async () => {
    const lock = new DeferredLock();
    {
      await using l = await lock.acquire();
      expect(l).toBe(lock);
      expect(lock.locked).toBe(true);
      // Someone else waits while we hold it.
      const other = lock.acquire();
      assertNoResult(other);
      other.addCallback(() => lock.release());
    }
    expect(lock.locked).toBe(false);
  });

  it('LK4 test_asyncWithLockException: an error in the block propagates and the lock is released', async () => {
    const lock = new DeferredLock();
    const err = new GenericError('inside');
    const body = async (): Promise<void> => {
      await using _held = await lock.acquire();
      expect(lock.locked).toBe(true);
      throw err;
    };
    await expect(body()).rejects.toBe(err);
    expect(lock.locked).toBe(false);
  });

  it('LK4 `await using` waits for a lock held by someone else', async () => {
    const lock = new DeferredLock();
    lock.acquire();
    const log: string[] = [];
    const body = (async () => {
      await using _held = await lock.acquire();
      log.push('inside');
    })();
    await nextTurnPromise();
    expect(log).toEqual([]);
    lock.release();
    await body;
    expect(log).toEqual(['inside']);
    expect(lock.locked).toBe(false);
  });
});

describe('DeferredSemaphore (SM rules)', () => {
  it('SM1 testSemaphore: run() holds a token while the Deferred of f is pending', () => {
    const sem = new DeferredSemaphore(13);
    expect(sem.limit).toBe(13);
    const control = new Deferred<undefined>();
    const args: unknown[] = [];
    const d = sem.run((arg: string) => {
      args.push(arg);
      return control;
    }, 'arg');
    expect(args).toEqual(['arg']);
    expect(sem.tokens).toBe(12);
    assertNoResult(d);
    control.callback(undefined);
    expect(successResultOf(d)).toBeUndefined();
    expect(sem.tokens).toBe(13);
  });

  it('SM1 testSemaphore: `tokens` acquires fire at once, the next waits, cancelling it fails it; a release feeds one waiter', () => {
    const N = 13;
    const sem = new DeferredSemaphore(N);
    let acquired = 0;
    for (let i = 0; i < N; i++) {
      sem.acquire().addCallback(() => {
        acquired++;
      });
    }
    expect(acquired).toBe(N);
    expect(sem.tokens).toBe(0);

    const extra = sem.acquire();
    let extraFired = 0;
    extra.addCallback(() => {
      extraFired++;
    });
    expect(extraFired).toBe(0);
    extra.cancel();
    failureResultOf(extra, CancelledError);
    expect(sem.waiting).toEqual([]);

    const waiter = sem.acquire();
    let waiterFired = 0;
    waiter.addCallback(() => {
      waiterFired++;
    });
    expect(waiterFired).toBe(0);
    sem.release();
    expect(waiterFired).toBe(1);
    // The released token went straight to the waiter.
    expect(sem.tokens).toBe(0);
    for (let i = 0; i < 3; i++) sem.release();
    expect(waiterFired).toBe(1);
    expect(sem.tokens).toBe(3);
  });

  it('SM1 waiters are served first come, first served', () => {
    const sem = new DeferredSemaphore(1);
    sem.acquire();
    const order: number[] = [];
    for (const n of [1, 2, 3]) {
      sem.acquire().addCallback(() => {
        order.push(n);
      });
    }
    sem.release();
    sem.release();
    expect(order).toEqual([1, 2]);
    sem.release();
    expect(order).toEqual([1, 2, 3]);
  });

  it('SM1 test_semaphoreInvalidTokens: 0 and -1 tokens throw a RangeError saying tokens >= 1', () => {
    expect(() => new DeferredSemaphore(0)).toThrow(RangeError);
    expect(() => new DeferredSemaphore(0)).toThrow(/tokens >= 1/);
    expect(() => new DeferredSemaphore(-1)).toThrow(RangeError);
    expect(() => new DeferredSemaphore(-1)).toThrow(/tokens >= 1/);
  });

  it('SM1 releasing more tokens than were acquired throws', () => {
    const sem = new DeferredSemaphore(2);
    expect(() => sem.release()).toThrow(Error);
    sem.acquire();
    sem.release();
    expect(() => sem.release()).toThrow(/too many/);
    expect(sem.tokens).toBe(2);
  });

  it('SM1 test_cancelSemaphoreAfterAcquired: cancelling a fired acquire does nothing', () => {
    const sem = new DeferredSemaphore(1);
    const d = sem.acquire();
    d.cancel();
    expect(successResultOf(d)).toBe(sem);
    expect(sem.tokens).toBe(0);
  });

  it('SM1 test_cancelSemaphoreBeforeAcquired: cancelling a waiting acquire fails it with CancelledError', () => {
    const sem = new DeferredSemaphore(1);
    sem.acquire();
    const d = sem.acquire();
    d.cancel();
    failureResultOf(d, CancelledError);
    sem.release();
    expect(sem.tokens).toBe(1);
  });

  it('LK4 test_asyncWithSemaphore: nested `await using` takes tokens 3 → 2 → 1 → 0 and gives them back', async () => {
    const sem = new DeferredSemaphore(3);
    const seen: number[] = [sem.tokens];
    {
      await using _a = await sem.acquire();
      seen.push(sem.tokens);
      {
        await using _b = await sem.acquire();
        seen.push(sem.tokens);
        {
          await using _c = await sem.acquire();
          seen.push(sem.tokens);
        }
        seen.push(sem.tokens);
      }
      seen.push(sem.tokens);
    }
    seen.push(sem.tokens);
    expect(seen).toEqual([3, 2, 1, 0, 1, 2, 3]);
  });
});

describe('DeferredQueue (Q rules)', () => {
  it('Q1 testQueue: gets beyond the backlog throw QueueUnderflow; puts feed waiters in order', () => {
    const queue = new DeferredQueue<number>({ size: 2, backlog: 2 });
    const got: number[] = [];
    for (let i = 0; i < 2; i++) {
      queue.get().addCallback((v) => {
        got.push(v);
      });
    }
    expect(queue.waiting).toHaveLength(2);
    expect(() => queue.get()).toThrow(QueueUnderflow);
    queue.put(0);
    expect(got).toEqual([0]);
    queue.put(1);
    expect(got).toEqual([0, 1]);
    expect(queue.waiting).toHaveLength(0);
    expect(queue.pending).toEqual([]);
  });

  it('Q1 testQueue: puts beyond the size throw QueueOverflow; gets then take the pending values at once', () => {
    const queue = new DeferredQueue<number>({ size: 2, backlog: 2 });
    queue.put(2);
    queue.put(3);
    expect(queue.pending).toEqual([2, 3]);
    expect(() => queue.put(4)).toThrow(QueueOverflow);
    expect(queue.pending).toEqual([2, 3]);
    expect(successResultOf(queue.get())).toBe(2);
    expect(successResultOf(queue.get())).toBe(3);
    expect(queue.pending).toEqual([]);
  });

  it('Q1 testQueue: an unlimited queue delivers puts to earlier gets in order', () => {
    const queue = new DeferredQueue<number>();
    const got: number[] = [];
    const N = 25;
    for (let i = 0; i < N; i++) {
      queue.get().addCallback((v) => {
        got.push(v);
      });
    }
    expect(queue.waiting).toHaveLength(N);
    for (let i = 0; i < N; i++) queue.put(i * 10);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i * 10));
    // And values put first are kept for later gets.
    for (let i = 0; i < N; i++) queue.put(i);
    expect(queue.pending).toHaveLength(N);
    const later: number[] = [];
    for (let i = 0; i < N; i++) later.push(successResultOf(queue.get()));
    expect(later).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('Q1 testQueue: size 0 → put throws QueueOverflow naming the size fix', () => {
    const queue = new DeferredQueue<string>({ size: 0 });
    expect(() => queue.put('x')).toThrow(QueueOverflow);
    expect(() => queue.put('x')).toThrow(/size/);
    expect(queue.pending).toEqual([]);
  });

  it('Q1 testQueue: backlog 0 → get throws QueueUnderflow naming the backlog fix', () => {
    const queue = new DeferredQueue<string>({ backlog: 0 });
    expect(() => queue.get()).toThrow(QueueUnderflow);
    expect(() => queue.get()).toThrow(/backlog/);
    expect(queue.waiting).toEqual([]);
  });

  it('Q1 a put with a waiter and size 0 still goes to the waiter', () => {
    const queue = new DeferredQueue<string>({ size: 0 });
    const d = queue.get();
    queue.put('direct');
    expect(successResultOf(d)).toBe('direct');
  });

  it('Q2 test_cancelQueueAfterSynchronousGet: cancelling a get that a put fired does nothing', () => {
    const queue = new DeferredQueue<string | null>();
    const d = queue.get();
    queue.put(null);
    d.cancel();
    expect(successResultOf(d)).toBeNull();
  });

  it('Q2 test_cancelQueueAfterGet: a cancelled get is removed; later put/get work without AlreadyCalledError', () => {
    const queue = new DeferredQueue<string | null>();
    const d = queue.get();
    expect(queue.waiting).toEqual([d]);
    d.cancel();
    expect(queue.waiting).toEqual([]);
    const errors: Array<Function | null> = [];
    d.addErrback((f) => {
      errors.push(f.check(CancelledError));
      return null;
    });
    expect(errors).toEqual([CancelledError]);
    const done: unknown[] = [];
    d.addCallback(() => {
      queue.put(null);
      return queue.get().addCallback((v) => {
        expect(v).toBeNull();
        return 'got it';
      });
    });
    d.addCallback((r) => {
      done.push(r);
    });
    expect(done).toEqual(['got it']);
    expect(queue.pending).toEqual([]);
  });
});
