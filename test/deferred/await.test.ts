// Awaiting Deferreds: rules AW1-AW4 of the Twisted reference (docs/rules.md) §2.18 through deviations
// J4 (`await d` / then(): a microtask later, observes without consuming, counts as handling a
// failure) and J5 (`yield* d` in generators, Twisted's `yield from d`); catalogue §3.15 items
// 173 (test_defer_await AwaitTests) and 174 (test_defer_yieldfrom YieldFromTests).

import { describe, expect, expectTypeOf, it } from 'vitest';
import { Deferred, ensureDeferred, fail, inlineCallbacks, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, collectUnhandled } from './helpers.js';
import { nextTurn } from '../support.js';

/** Let pending promise reactions and one macrotask run. */
function flush(): Promise<void> {
  return new Promise((resolve) => nextTurn(resolve));
}

/** A tiny stand-in for Twisted's task.Clock: callLater + advance, nothing else. */
class FakeClock {
  now = 0;
  private calls: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  callLater(delay: number, fn: () => void): void {
    this.calls.push({ at: this.now + delay, seq: this.seq++, fn });
  }
  advance(seconds: number): void {
    this.now += seconds;
    for (;;) {
      const due = this.calls.filter((c) => c.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) return;
      this.calls.splice(this.calls.indexOf(due), 1);
      due.fn();
    }
  }
}

class ValueError extends Error {
  override name = 'ValueError';
}

describe('await d / then() (J4, AW2, AW3)', () => {
  it('J4 then() delivers in a later microtask, never synchronously', async () => {
    const got: unknown[] = [];
    const fired = succeed(1);
    void fired.then((v) => got.push(v));
    expect(got).toEqual([]);
    const later = new Deferred<number>();
    void later.then((v) => got.push(v));
    later.callback(2);
    expect(got).toEqual([]); // callback() ran the chain, but then() handlers wait for a microtask
    await flush();
    expect(got).toEqual([1, 2]);
  });

  it('AW2 awaiting an already-fired Deferred gives its value and leaves the result in place (J4)', async () => {
    const d = succeed(3);
    const v = await d;
    expect(v).toBe(3);
    expect(successResultOf(d)).toBe(3);
  });

  it('J4 awaiting an unfired Deferred resumes once it fires; the Deferred keeps its result (Twisted leaves None)', async () => {
    const d = new Deferred<string>();
    let got: string | undefined;
    const waiter = (async () => {
      got = await d;
    })();
    await flush();
    expect(got).toBeUndefined();
    d.callback('fired');
    await waiter;
    expect(got).toBe('fired');
    expect(successResultOf(d)).toBe('fired');
  });

  it('J4 then() observes without consuming: callbacks added afterwards still get the result', async () => {
    const d = new Deferred<number>();
    const seen: unknown[] = [];
    const p = d.then((v) => v * 10);
    d.callback(4);
    d.addCallback((v) => {
      seen.push(v);
      return v + 1;
    });
    expect(seen).toEqual([4]);
    expect(await p).toBe(40);
    expect(successResultOf(d)).toBe(5);
  });

  it('AW2 awaiting a failed Deferred throws the failure\'s value; the Failure stays as the result', async () => {
    const err = new GenericError('awaited failure');
    const d = fail(err);
    let caught: unknown;
    try {
      await d;
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(err);
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it('J1/J4 then() rejects with the raw errback value, whatever it is', async () => {
    const d = new Deferred<number>();
    d.errback('a plain string');
    await expect(d.then()).rejects.toBe('a plain string');
    failureResultOf(d);
  });

  it('J4 a failure observed by then()/await is not reported as unhandled', async () => {
    const collector = collectUnhandled();
    try {
      let caught = 0;
      await (async () => {
        try {
          await fail(new GenericError('awaited'));
        } catch {
          caught++;
        }
        const later = new Deferred<void>();
        const p = later.then(undefined, () => {
          caught++;
        });
        later.errback(new GenericError('then-observed'));
        await p;
      })();
      // Control: an unobserved failure is reported, so the check below can fail.
      (() => {
        fail(new GenericError('control'));
      })();
      await collectGarbage();
      expect(caught).toBe(2);
      expect(collector.reports.map((f) => f.getErrorMessage())).toEqual(['control']);
    } finally {
      collector.stop();
    }
  });

  it('AW3 awaiting a paused Deferred that has a result waits for unpause()', async () => {
    const d = succeed('held');
    d.pause();
    let got: string | undefined;
    const waiter = (async () => {
      got = await d;
    })();
    await flush();
    expect(got).toBeUndefined();
    d.unpause();
    await waiter;
    expect(got).toBe('held');
  });

  it('AW3 test_chained: awaiting a Deferred waiting on another gives the eventual result ("bye")', async () => {
    const clock = new FakeClock();
    const d = new Deferred<unknown>();
    const d2 = new Deferred<string>();
    d.addCallback(() => d2);
    clock.callLater(0, () => d2.callback('bye'));
    d.callback(undefined);
    const result = ensureDeferred(
      (async () => {
        return await d;
      })(),
    );
    await flush();
    assertNoResult(result);
    clock.advance(0);
    await flush();
    expect(successResultOf(result)).toBe('bye');
  });

  it('AW4 test_reraise: await fail(ValueError("Boom")) throws ValueError("Boom")', async () => {
    const run = async (): Promise<number> => {
      try {
        await fail(new ValueError('Boom'));
      } catch (e) {
        expect(e).toBeInstanceOf(ValueError);
        expect((e as Error).message).toBe('Boom');
        return 1;
      }
      return 0;
    };
    const d = ensureDeferred(run());
    await flush();
    expect(successResultOf(d)).toBe(1);
  });

  it('AW4 test_twoDeep: nested awaits suspend until the innermost Deferred fires', async () => {
    const sections: number[] = [];
    const inner = new Deferred<string>();
    const innerFn = async (): Promise<string> => {
      sections.push(2);
      const r = await inner;
      sections.push(3);
      return `${r}!`;
    };
    const outerFn = async (): Promise<string> => {
      sections.push(1);
      const r = await ensureDeferred(innerFn());
      sections.push(4);
      return r;
    };
    const d = ensureDeferred(outerFn());
    await flush();
    expect(sections).toEqual([1, 2]);
    assertNoResult(d);
    inner.callback('deep');
    await flush();
    expect(sections).toEqual([1, 2, 3, 4]);
    expect(successResultOf(d)).toBe('deep!');
  });

  it('AW4 test_deferredFromCoroutine: awaiting Deferreds and nested coroutines gives "foo"', async () => {
    const run2 = async (): Promise<string> => {
      const x = await succeed('f');
      return `${x}oo`;
    };
    const run = async (): Promise<string> => {
      const bar = await succeed('bar');
      expect(bar).toBe('bar');
      return await ensureDeferred(run2());
    };
    const d = ensureDeferred(run());
    await flush();
    expect(successResultOf(d)).toBe('foo');
  });

  it('AW4 test_basic: an async function passes through sections 1-5 and returns "Yay!"', async () => {
    const sections: number[] = [];
    const a = new Deferred<number>();
    const run = async (): Promise<string> => {
      sections.push(1);
      const x = await succeed(2);
      sections.push(x);
      const y = await a;
      sections.push(y);
      sections.push((await ensureDeferred((async () => 4)())) as number);
      sections.push(5);
      return 'Yay!';
    };
    const d = ensureDeferred(run());
    await flush();
    expect(sections).toEqual([1, 2]);
    a.callback(3);
    await flush();
    expect(sections).toEqual([1, 2, 3, 4, 5]);
    expect(successResultOf(d)).toBe('Yay!');
  });
});

describe('yield* d in generators (J5, AW1-AW4)', () => {
  it('AW4 test_awaitReturnsIterable: d[Symbol.iterator]() returns an iterator', () => {
    const d = new Deferred<number>();
    const it = d[Symbol.iterator]();
    expect(typeof it.next).toBe('function');
    expect(typeof it[Symbol.iterator]).toBe('function');
    const first = it.next();
    expect(first).toEqual({ value: d, done: false });
    expect(first.value).toBe(d);
  });

  it('AW1 an unfired Deferred yields itself; the value sent back is returned', () => {
    const d = new Deferred<number>();
    const it = d[Symbol.iterator]();
    expect(it.next().value).toBe(d);
    expect(it.next(7)).toEqual({ value: 7, done: true });
  });

  it('AW1 a paused Deferred with a result yields itself too (the driver then waits)', () => {
    const d = succeed(1);
    d.pause();
    const it = d[Symbol.iterator]();
    expect(it.next()).toEqual({ value: d, done: false });
    d.unpause();
    expect(successResultOf(d)).toBe(1);
  });

  it('AW1 a fired Deferred returns its result without yielding', () => {
    const it = succeed('now')[Symbol.iterator]();
    expect(it.next()).toEqual({ value: 'now', done: true });
  });

  it('AW1 a failed Deferred throws the failure\'s value', () => {
    const err = new GenericError('iter');
    const d = fail(err);
    const it = d[Symbol.iterator]();
    expect(() => it.next()).toThrow(err);
    failureResultOf(d, GenericError);
  });

  it('AW2 yield* of an already-fired Deferred returns synchronously and leaves its result unchanged (3)', () => {
    const inner = succeed(3);
    const log: string[] = [];
    const d = inlineCallbacks(function* () {
      const v = yield* inner;
      log.push(`got ${v}`);
      return v;
    })();
    log.push('returned');
    expect(log).toEqual(['got 3', 'returned']);
    expect(successResultOf(d)).toBe(3);
    expect(successResultOf(inner)).toBe(3);
  });

  it('AW2 yield* of an already-failed Deferred throws; the Failure stays but is not reported as unhandled', async () => {
    const collector = collectUnhandled();
    try {
      const err = new GenericError('yielded failure');
      let kept: unknown;
      (() => {
        const inner = fail(err);
        const d = inlineCallbacks(function* () {
          try {
            yield* inner;
            return 'no';
          } catch (e) {
            return e === err ? 'caught' : 'wrong error';
          }
        })();
        expect(successResultOf(d)).toBe('caught');
        // The failure is still inner's result (successResultOf peeks without handling it).
        try {
          successResultOf(inner);
        } catch (e) {
          kept = (e as Error).message;
        }
      })();
      (() => {
        fail(new GenericError('control'));
      })();
      await collectGarbage();
      expect(kept).toMatch(/found failure result instead:[\s\S]*yielded failure/);
      expect(collector.reports.map((f) => f.getErrorMessage())).toEqual(['control']);
    } finally {
      collector.stop();
    }
  });

  it('AW2 yield* of an unfired Deferred: after it fires, its result is consumed (undefined)', () => {
    const inner = new Deferred<number>();
    const d = inlineCallbacks(function* () {
      return (yield* inner) + 1;
    })();
    inner.callback(9);
    expect(successResultOf(d)).toBe(10);
    expect(successResultOf(inner)).toBeUndefined();
  });

  it('J5 yield* d is typed: it evaluates to the Deferred\'s result type', () => {
    const d = succeed({ page: 'html' });
    const f = inlineCallbacks(function* () {
      const r = yield* d;
      expectTypeOf(r).toEqualTypeOf<{ page: string }>();
      return r.page.length;
    });
    const out = f();
    expectTypeOf(out).toEqualTypeOf<Deferred<number>>();
    expect(successResultOf(out)).toBe(4);
  });

  it('AW3 yield* of a paused Deferred with a result waits for unpause()', () => {
    const inner = succeed('held');
    inner.pause();
    const d = inlineCallbacks(function* () {
      return yield* inner;
    })();
    assertNoResult(d);
    inner.unpause();
    expect(successResultOf(d)).toBe('held');
  });

  it('AW3 test_chained (yield from): yield* of a Deferred waiting on another gives the eventual result ("bye")', () => {
    const clock = new FakeClock();
    const d = new Deferred<unknown>();
    const d2 = new Deferred<string>();
    d.addCallback(() => d2);
    clock.callLater(0, () => d2.callback('bye'));
    d.callback(undefined);
    const result = Deferred.fromCoroutine(
      (function* () {
        return yield* d;
      })(),
    );
    assertNoResult(result);
    clock.advance(0);
    expect(successResultOf(result)).toBe('bye');
  });

  it('AW4 test_reraise (yield from): yield* fail(ValueError("Boom")) throws ValueError("Boom")', () => {
    const d = Deferred.fromCoroutine(
      (function* () {
        try {
          yield* fail(new ValueError('Boom'));
        } catch (e) {
          return e instanceof ValueError && e.message === 'Boom' ? 1 : 2;
        }
        return 0;
      })(),
    );
    expect(successResultOf(d)).toBe(1);
  });

  it('AW4 test_twoDeep (yield from): two-deep yield* suspends until the inner Deferred fires', () => {
    const sections: number[] = [];
    const inner = new Deferred<string>();
    function* innerGen(): Generator<unknown, string, any> {
      sections.push(2);
      const r = yield* inner;
      sections.push(3);
      return `${r}!`;
    }
    const d = Deferred.fromCoroutine(
      (function* () {
        sections.push(1);
        const r = yield* Deferred.fromCoroutine(innerGen());
        sections.push(4);
        return r;
      })(),
    );
    expect(sections).toEqual([1, 2]);
    assertNoResult(d);
    inner.callback('deep');
    expect(sections).toEqual([1, 2, 3, 4]);
    expect(successResultOf(d)).toBe('deep!');
  });

  it('AW4 test_basic (yield from): sections 1-5 and "Yay!", synchronously once the Deferred fires', () => {
    const sections: number[] = [];
    const a = new Deferred<number>();
    function* four(): Generator<unknown, number, any> {
      return yield* succeed(4);
    }
    const d = Deferred.fromCoroutine(
      (function* () {
        sections.push(1);
        sections.push(yield* succeed(2));
        sections.push(yield* a);
        sections.push(yield* Deferred.fromCoroutine(four()));
        sections.push(5);
        return 'Yay!';
      })(),
    );
    expect(sections).toEqual([1, 2]);
    a.callback(3);
    expect(sections).toEqual([1, 2, 3, 4, 5]);
    expect(successResultOf(d)).toBe('Yay!');
  });

  it('AW4 test_deferredFromCoroutine (yield from): yield* of Deferreds and nested coroutines gives "foo"', () => {
    function* run2(): Generator<unknown, string, any> {
      const x = yield* succeed('f');
      return `${x}oo`;
    }
    const d = ensureDeferred(
      (function* () {
        const bar = yield* succeed('bar');
        return bar === 'bar' ? yield* ensureDeferred(run2()) : 'wrong';
      })(),
    );
    expect(successResultOf(d)).toBe('foo');
  });
});
