// The fast paths of the synchronous hot path (issue 8): a pair added to a fired, idle Deferred
// runs at once without being queued (Deferred._runNow), extra arguments are collected without a
// rest array, and the loop keeps the current result in locals. Each test names the rule of
// the Twisted reference (docs/rules.md) it checks on that path; the general path has its own tests.

import { afterEach, describe, expect, it } from 'vitest';
import {
  AlreadyCalledError,
  CancelledError,
  Deferred,
  Failure,
  fail,
  onUnhandledError,
  setDebugging,
  succeed,
  type UnhandledErrorInfo,
} from '@deferkit/deferred';
import { successResultOf, failureResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { thrownBy } from '../support.js';
import { nextTurn } from '../support.js';

const takeReports = expectNoUnhandledErrorsInEachTest();

afterEach(() => {
  setDebugging(false);
});

describe('a pair added to a fired Deferred runs at once (R3, R4, R6-R8)', () => {
  it('R3 a callback added to a fired Deferred runs at once with the current result', () => {
    const d = succeed(5);
    const seen: unknown[][] = [];
    d.addCallback((...args: unknown[]) => {
      seen.push(args);
      return 6;
    });
    expect(seen).toEqual([[5]]);
    expect(successResultOf(d)).toBe(6);
  });

  it('R4 each of addCallback, addErrback, addBoth and addCallbacks runs before it returns, and returns the Deferred (R5)', () => {
    const log: string[] = [];
    const d = succeed('a');
    expect(d.addCallback((r) => (log.push(`cb:${r}`), 'b'))).toBe(d);
    expect(d.addBoth((r) => (log.push(`both:${String(r)}`), 'c'))).toBe(d);
    expect(d.addCallbacks((r) => (log.push(`cbs:${r}`), 'd'), () => 'never')).toBe(d);
    const f = fail(new GenericError('x'));
    expect(f.addErrback((e) => (log.push(`eb:${e.getErrorMessage()}`), 'recovered'))).toBe(f);
    expect(log).toEqual(['cb:a', 'both:b', 'cbs:c', 'eb:x']);
    expect(successResultOf(d)).toBe('d');
    expect(successResultOf(f)).toBe('recovered');
  });

  it('R3 extra arguments given to addCallback, addErrback, addBoth and addCallbacks reach the function after the result', () => {
    const seen: unknown[][] = [];
    const record = (...args: unknown[]): unknown => (seen.push(args), args[0]);
    succeed(1).addCallback(record, 'a', 2);
    fail(new GenericError('e')).addErrback((f: Failure, x: string) => (seen.push([f.getErrorMessage(), x]), null), 'b');
    succeed(3).addBoth(record, 'c');
    succeed(4).addCallbacks(record, null, { callbackArgs: ['d', 5] });
    // And on an unfired Deferred, where the pair is queued with its arguments.
    const d = new Deferred<number>();
    d.addCallback(record, 'e').addBoth(record, 'f', 'g');
    d.callback(6);
    expect(seen).toEqual([[1, 'a', 2], ['e', 'b'], [3, 'c'], [4, 'd', 5], [6, 'e'], [6, 'f', 'g']]);
  });

  it('R6/R7 only the side of the pair matching the result runs; the other passes the result on unchanged', () => {
    const log: string[] = [];
    const d = succeed(1);
    d.addErrback(() => log.push('errback on success'));
    expect(successResultOf(d)).toBe(1);
    const f = fail(new GenericError('kept'));
    f.addCallback(() => log.push('callback on failure'));
    expect(log).toEqual([]);
    expect(failureResultOf(f, GenericError).getErrorMessage()).toBe('kept');
  });

  it('R8 a callback that runs at once and throws turns the result into a Failure for the next errback', () => {
    const error = new GenericError('thrown at once');
    const d = succeed(1).addCallback(() => {
      throw error;
    });
    let got: unknown;
    d.addErrback((f) => {
      got = f.value;
      return 'handled';
    });
    expect(got).toBe(error);
    expect(successResultOf(d)).toBe('handled');
  });

  it('R8/R10 returning a Failure from a callback that runs at once is like throwing it; an errback that returns a value recovers', () => {
    const failure = new Failure(new GenericError('returned'));
    const d = succeed(1).addCallback(() => failure);
    expect(failureResultOf(d)).toBe(failure);
    d.addErrback(() => undefined);
    expect(successResultOf(d)).toBeUndefined();
  });

  it('R16 a non-callable given to addCallback is refused with a TypeError, and nothing changes', () => {
    const d = succeed(1);
    expect(thrownBy(() => d.addCallback(42 as never))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => d.addErrback('x' as never, 1))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => d.addBoth(null as never))).toBeInstanceOf(TypeError);
    expect(successResultOf(d)).toBe(1);
  });

  it('R15 callback() on the Deferred from inside a callback that runs at once raises AlreadyCalledError inside it', () => {
    const d = succeed(1);
    d.addCallback(() => {
      d.callback(2);
    });
    expect(failureResultOf(d, AlreadyCalledError)).toBeInstanceOf(Failure);
  });

  it('R18 while a callback that runs at once runs, the Deferred still shows the result it was given', () => {
    const d = succeed('orange');
    let repr = '';
    d.addCallback((r) => {
      repr = d.toString();
      return r + '!';
    });
    expect(repr).toMatch(/current result: 'orange'>$/);
    expect(successResultOf(d)).toBe('orange!');
  });
});

describe('re-entrancy and pause on the fast path (R13, R14, P4)', () => {
  it('R13 callbacks added by a callback that runs at once run after it, in order, and not inside addCallback', () => {
    const log: string[] = [];
    const d = succeed(0);
    d.addCallback(() => {
      d.addCallback(() => void log.push('second'));
      log.push('after adding second');
      d.addCallback(() => void log.push('third'));
      log.push('first');
    });
    expect(log).toEqual(['after adding second', 'first', 'second', 'third']);
  });

  it('R14 an error raised by such a re-entrantly added callback reaches the next errback', () => {
    const d = succeed(0);
    const error = new GenericError('re-entrant');
    let got: unknown;
    d.addCallback(() => {
      d.addCallback(() => {
        throw error;
      });
      d.addErrback((f) => {
        got = f.value;
      });
    });
    expect(got).toBe(error);
    expect(successResultOf(d)).toBeUndefined();
  });

  it('P4 a callback that runs at once and pauses its Deferred does not stop the callbacks it added; later ones wait', () => {
    const log: string[] = [];
    const d = succeed('x');
    d.addCallback((r) => {
      d.pause();
      d.addCallback((s) => (log.push(`added inside:${s}`), s));
      return r;
    });
    expect(log).toEqual(['added inside:x']);
    expect(d.paused).toBe(1);
    d.addCallback((s) => void log.push(`added later:${s}`));
    expect(log).toEqual(['added inside:x']);
    d.unpause();
    expect(log).toEqual(['added inside:x', 'added later:x']);
  });

  it('P1 nothing runs at once on a fired Deferred that is paused; unpause() runs it', () => {
    const log: number[] = [];
    const d = succeed(1);
    d.pause();
    d.addCallback((r) => void log.push(r));
    expect(log).toEqual([]);
    d.unpause();
    expect(log).toEqual([1]);
  });

  it('R13 a pair added to a fired Deferred while it runs its callbacks is queued behind the pairs already there', () => {
    const log: string[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => {
      d.addCallback(() => void log.push('added while running'));
      log.push('first');
      return r;
    });
    d.addCallback((r) => (log.push('queued before'), r));
    d.callback('go');
    expect(log).toEqual(['first', 'queued before', 'added while running']);
  });
});

describe('returning Deferreds from a callback that runs at once (C2, C3, C10)', () => {
  it('C2 a fired Deferred returned by a callback that runs at once gives its result at once, and keeps undefined', () => {
    const inner = succeed('inner');
    const d = succeed(1).addCallback(() => inner);
    expect(successResultOf(d)).toBe('inner');
    expect(successResultOf(inner)).toBeUndefined();
  });

  it('C3 an unfired Deferred returned by a callback that runs at once makes the Deferred wait; later callbacks run when it fires', () => {
    const inner = new Deferred<string>();
    const log: string[] = [];
    const d = succeed(1).addCallback(() => inner);
    expect(d.paused).toBe(1);
    expect(d.toString()).toMatch(/waiting on Deferred at/);
    d.addCallback((r) => void log.push(r));
    expect(log).toEqual([]);
    inner.callback('later');
    expect(log).toEqual(['later']);
    expect(d.paused).toBe(0);
  });

  it('C10 a callback that runs at once and returns its own Deferred fails it with a TypeError', () => {
    const d: Deferred<unknown> = succeed(1);
    d.addCallback(() => d);
    expect(failureResultOf(d, TypeError).getErrorMessage()).toMatch(/returned the Deferred it was attached to/);
  });

  it('X4 cancel() on a fired Deferred waiting on one a callback returned cancels that one', () => {
    const inner = new Deferred<string>();
    const d = succeed(1).addCallback(() => inner);
    d.cancel();
    expect(inner.called).toBe(true);
    // The inner Deferred's CancelledError is handed to d (C5).
    expect(failureResultOf(d, CancelledError)).toBeInstanceOf(Failure);
  });

  it('CD1 chainDeferred on a fired Deferred fires the target at once; the source then carries undefined', () => {
    const a = succeed(3);
    const b = new Deferred<number>();
    expect(a.chainDeferred(b)).toBe(a);
    expect(successResultOf(b)).toBe(3);
    expect(successResultOf(a)).toBeUndefined();
  });
});

describe('unhandled failures on the fast path (U1, U4, R17)', () => {
  function reportsAtEndOfMacrotask(): Promise<Array<[Failure, UnhandledErrorInfo]>> {
    const got: Array<[Failure, UnhandledErrorInfo]> = [];
    const stop = onUnhandledError((f, info) => void got.push([f, info]));
    return new Promise((resolve) =>
      nextTurn(() =>
        nextTurn(() => {
          stop();
          resolve(got);
        }),
      ),
    );
  }

  it('U1 a callback that runs at once and throws leaves a Failure that is reported when nothing handles it', async () => {
    setDebugging(true);
    const error = new GenericError('unhandled at once');
    const d = succeed(1);
    d.addCallback(() => {
      throw error;
    });
    const reports = await reportsAtEndOfMacrotask();
    expect(reports.map(([f, info]) => [f.value, info.when])).toEqual([[error, 'macrotask']]);
    expect(d.called).toBe(true);
    takeReports();
  });

  it('U1 a failure handled by an errback that runs at once is not reported', async () => {
    setDebugging(true);
    const d = fail(new GenericError('handled at once'));
    d.addErrback(() => 'fine');
    const reports = await reportsAtEndOfMacrotask();
    expect(reports).toEqual([]);
    expect(successResultOf(d)).toBe('fine');
  });

  it('R17/U1 succeed(aFailure) is not reported alone, but is once a pair added to it passes the failure on', async () => {
    setDebugging(true);
    const failure = new Failure(new GenericError('succeeded with a failure'));
    const quiet = succeed(failure);
    const passed = succeed(new Failure(new GenericError('passed on')));
    passed.addCallback(() => 'never runs');
    const reports = await reportsAtEndOfMacrotask();
    expect(reports.map(([f]) => f.getErrorMessage())).toEqual(['passed on']);
    expect(quiet.called && passed.called).toBe(true);
    takeReports();
  });
});

describe('the queue of pending callbacks (an array consumed from an index)', () => {
  it('R13 callbacks added by the last queued callback run after it, in order', () => {
    const d = new Deferred<number>();
    const seen: string[] = [];
    d.addCallback((n) => {
      seen.push(`first ${n}`);
      return n + 1;
    });
    d.addCallback((n) => {
      seen.push(`last ${n}`);
      // The queue is drained at this point: these go to a fresh one, which the loop picks up.
      d.addCallback((m: number) => void seen.push(`added ${m}`));
      d.addErrback(() => void seen.push('never'));
      d.addCallback(() => void seen.push('added 2'));
      return n * 10;
    });
    d.callback(1);
    expect(seen).toEqual(['first 1', 'last 2', 'added 20', 'added 2']);
    expect(successResultOf(d)).toBeUndefined();
  });

  it('R7 a lone callback queued as a bare function is passed by on the error path', () => {
    const d = new Deferred<number>();
    const seen: string[] = [];
    d.addCallback(() => void seen.push('callback'));
    d.addCallback(() => void seen.push('callback'));
    d.addErrback((f: Failure) => void seen.push(`errback ${f.getErrorMessage()}`));
    d.addCallback(() => void seen.push('recovered'));
    d.errback(new GenericError('x'));
    expect(seen).toEqual(['errback x', 'recovered']);
  });

  it('C3 callbacks queued behind a wait run after the inner Deferred fires, and those that ran are released', async () => {
    const inner = new Deferred<string>();
    const d = new Deferred<string>();
    const holder: { ran?: WeakRef<object> } = {};
    ((): void => {
      const big = { payload: new Array(1000).fill('x') };
      holder.ran = new WeakRef(big);
      d.addCallback(() => (big.payload.length > 0 ? inner : inner));
    })();
    const seen: string[] = [];
    d.addCallback((s) => void seen.push(`then ${s}`));
    d.callback('go');
    // d now waits on inner with one callback still queued; the one that ran must not be kept
    // alive by the queue (Twisted pops each pair before calling it).
    await collectGarbage();
    expect(holder.ran!.deref()).toBeUndefined();
    expect(seen).toEqual([]);
    inner.callback('inner');
    expect(seen).toEqual(['then inner']);
  });

  it('IC8 cancelling an inlineCallbacks cancels the partly run Deferred it waits on, whose queued callbacks then see the CancelledError', async () => {
    const { inlineCallbacks } = await import('@deferkit/deferred');
    const inner = new Deferred<number>();
    const waited = new Deferred<number>();
    // `waited` has run one callback and waits on `inner`, with one callback still queued when
    // the generator yields it and gets cancelled.
    waited.addCallback(() => inner);
    const after: string[] = [];
    waited.addBoth((r) => {
      after.push(r instanceof Failure ? `failure ${r.type?.name}` : `result ${String(r)}`);
      return r;
    });
    waited.callback(0);
    const gen = inlineCallbacks(function* () {
      return (yield waited) as number;
    })();
    const mine: string[] = [];
    gen.addBoth((r) => void mine.push(r instanceof Failure ? `failure ${r.type?.name}` : 'result'));
    gen.cancel();
    // waited.cancel() cancels inner, whose CancelledError reaches waited's queued callback and
    // then the generator, which lets it out: the application's callback sees it last.
    expect(after).toEqual(['failure CancelledError']);
    expect(mine).toEqual(['failure CancelledError']);
  });
});

describe('the queue holds one entry inline, more in an array', () => {
  for (const n of [0, 1, 2, 3]) {
    it(`IC8 cancelling an inlineCallbacks with ${n} callback(s) attached puts its errback in front of them all`, async () => {
      const { inlineCallbacks } = await import('@deferkit/deferred');
      const waited = new Deferred<number>();
      const d = inlineCallbacks(function* () {
        return (yield waited) as number;
      })();
      const seen: string[] = [];
      for (let k = 0; k < n; k++) {
        d.addBoth((r) => {
          seen.push(`${k}: ${r instanceof Failure ? r.type?.name : String(r)}`);
          return r;
        });
      }
      d.cancel();
      expect(seen).toEqual(Array.from({ length: n }, (_, k) => `${k}: CancelledError`));
      failureResultOf(d, CancelledError);
    });
  }

  it('R13 a callback added to a Deferred holding one entry inline runs after it, then one added after that', () => {
    const d = new Deferred<number>();
    const seen: number[] = [];
    d.addCallback((v) => {
      seen.push(v);
      d.addCallback((w: number) => {
        seen.push(w * 10);
        d.addCallback((x: number) => void seen.push(x * 100));
        return w + 1;
      });
      return v + 1;
    });
    d.callback(1);
    expect(seen).toEqual([1, 20, 300]);
  });
});

describe('re-entrancy while a thenable is adopted (J3, R13)', () => {
  /** A thenable whose then() (called synchronously while deferkit adopts it) adds a callback to `d`. */
  function addingThenable(d: Deferred<number>, seen: string[]): PromiseLike<number> {
    return {
      then(onFulfilled) {
        d.addCallback((v: unknown) => void seen.push(`added ${String(v)}`));
        onFulfilled?.(7);
        return this as never;
      },
    };
  }

  it('R13 a callback added from inside a returned thenable’s then() is queued and gets the adopted result', () => {
    const d = new Deferred<number>();
    const seen: string[] = [];
    d.addCallback(() => addingThenable(d, seen));
    d.callback(1);
    expect(seen).toEqual(['added 7']);
  });

  it('R13 the same when the callback runs at once on a fired Deferred', () => {
    const d = succeed(1);
    const seen: string[] = [];
    d.addCallback(() => addingThenable(d, seen));
    expect(seen).toEqual(['added 7']);
    expect(successResultOf(d)).toBeUndefined();
  });
});
