// @deferkit/interop/rxjs: fromDeferred, toDeferred, and rxjs's own from(d) through Deferred's
// interop observable.

import { describe, expect, it } from 'vitest';
import { EMPTY, EmptyError, Observable, Subject, from, of, throwError } from 'rxjs';
import { finalize } from 'rxjs/operators';
import { CancelledError, Deferred, fail, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { fromDeferred, toDeferred } from '@deferkit/interop/rxjs';
import { macrotask, recordUnhandled } from './helpers.js';

class ValueError extends Error {
  override name = 'ValueError';
}

/** Everything an observer sees, in order. */
function watch<T>(obs: Observable<T>): { events: string[]; values: T[]; error: unknown; unsubscribe: () => void } {
  const seen = { events: [] as string[], values: [] as T[], error: undefined as unknown, unsubscribe: () => {} };
  const sub = obs.subscribe({
    next: (v) => {
      seen.events.push('next');
      seen.values.push(v);
    },
    error: (e: unknown) => {
      seen.events.push('error');
      seen.error = e;
    },
    complete: () => seen.events.push('complete'),
  });
  seen.unsubscribe = () => sub.unsubscribe();
  return seen;
}

// ---------------------------------------------------------------------------------------------
// fromDeferred
// ---------------------------------------------------------------------------------------------

describe('fromDeferred', () => {
  it('emits the result once and completes', () => {
    const d = new Deferred<number>();
    const seen = watch(fromDeferred(d));
    expect(seen.events).toEqual([]);
    d.callback(42);
    expect(seen.events).toEqual(['next', 'complete']);
    expect(seen.values).toEqual([42]);
    // It observes without consuming (J4).
    expect(successResultOf(d)).toBe(42);
  });

  it('emits at once for an already-fired Deferred, for every subscriber', () => {
    const obs = fromDeferred(succeed('x'));
    expect(watch(obs).values).toEqual(['x']);
    expect(watch(obs).values).toEqual(['x']);
  });

  it("errors with the failure's value", async () => {
    const rec = recordUnhandled();
    try {
      const d = new Deferred<number>();
      const seen = watch(fromDeferred(d));
      const error = new ValueError('bad');
      d.errback(error);
      expect(seen.events).toEqual(['error']);
      expect(seen.error).toBe(error);
      await macrotask();
      // The error was delivered to the subscriber: not reported as unhandled.
      expect(rec.reports.length).toBe(0);
      failureResultOf(d, ValueError);
    } finally {
      rec.stop();
    }
  });

  it('unsubscribing before the result cancels the Deferred (its canceller runs) and reports nothing', async () => {
    const rec = recordUnhandled();
    try {
      let cancellerRan = 0;
      const d = new Deferred<number>(() => cancellerRan++);
      const seen = watch(fromDeferred(d));
      seen.unsubscribe();
      expect(cancellerRan).toBe(1);
      expect(seen.events).toEqual([]);
      await macrotask();
      expect(rec.reports.map((r) => r.failure.getErrorMessage())).toEqual([]);
      expect(failureResultOf(d, CancelledError).value).toBeInstanceOf(CancelledError);
    } finally {
      rec.stop();
    }
  });

  it('unsubscribing after completion does not cancel', () => {
    let cancellerRan = 0;
    const d = new Deferred<number>(() => cancellerRan++);
    const seen = watch(fromDeferred(d));
    d.callback(1);
    seen.unsubscribe();
    expect(cancellerRan).toBe(0);
    expect(successResultOf(d)).toBe(1);
  });

  it('unsubscribing after an error does not cancel either', () => {
    let cancellerRan = 0;
    const d = new Deferred<number>(() => cancellerRan++);
    const seen = watch(fromDeferred(d));
    d.errback(new ValueError('x'));
    seen.unsubscribe();
    expect(cancellerRan).toBe(0);
    failureResultOf(d, ValueError);
  });

  it('does not subscribe to the Deferred until subscribed (cold)', () => {
    let cancellerRan = 0;
    const d = new Deferred<number>(() => cancellerRan++);
    fromDeferred(d);
    d.callback(3);
    expect(cancellerRan).toBe(0);
    expect(successResultOf(d)).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------
// toDeferred
// ---------------------------------------------------------------------------------------------

describe('toDeferred', () => {
  it('fires with the first value, then unsubscribes', () => {
    const subject = new Subject<number>();
    const log: string[] = [];
    const d = toDeferred(subject.pipe(finalize(() => log.push('finalized'))));
    d.addCallback((v) => {
      log.push(`fired ${v}`);
      return v;
    });
    expect(subject.observed).toBe(true);
    subject.next(1);
    expect(log).toEqual(['fired 1', 'finalized']);
    expect(subject.observed).toBe(false);
    subject.next(2);
    expect(successResultOf(d)).toBe(1);
  });

  it('fires with the first value of a synchronous source and unsubscribes from it', () => {
    const log: string[] = [];
    const d = toDeferred(of(7, 8, 9).pipe(finalize(() => log.push('finalized'))));
    expect(successResultOf(d)).toBe(7);
    expect(log).toEqual(['finalized']);
  });

  it('stops a synchronous infinite source after its first value', () => {
    let produced = 0;
    const infinite = new Observable<number>((subscriber) => {
      // A synchronous producer that only stops when its subscriber is closed (as rxjs's own do).
      for (let i = 0; !subscriber.closed; i++) {
        if (i > 10_000) throw new Error('the source was never unsubscribed');
        produced++;
        subscriber.next(i);
      }
    });
    const d = toDeferred(infinite);
    expect(successResultOf(d)).toBe(0);
    expect(produced).toBe(1);
  });

  it('with { last: true } fires with the last value at completion', () => {
    const subject = new Subject<string>();
    const d = toDeferred(subject, { last: true });
    subject.next('a');
    subject.next('b');
    assertNoResult(d);
    subject.complete();
    expect(successResultOf(d)).toBe('b');
    expect(successResultOf(toDeferred(of(1, 2, 3), { last: true }))).toBe(3);
  });

  it('fails with rxjs EmptyError when the source completes without a value and no defaultValue is given', () => {
    const f = failureResultOf(toDeferred(EMPTY), EmptyError);
    expect(f.value).toBeInstanceOf(EmptyError);
    const g = failureResultOf(toDeferred(EMPTY, { last: true }), EmptyError);
    expect(g.value).toBeInstanceOf(EmptyError);
  });

  it('fires with defaultValue when the source completes empty', () => {
    expect(successResultOf(toDeferred(EMPTY, { defaultValue: 'none' }))).toBe('none');
    expect(successResultOf(toDeferred(EMPTY, { last: true, defaultValue: 0 }))).toBe(0);
    // An explicit undefined default is a default too.
    expect(successResultOf(toDeferred(EMPTY, { defaultValue: undefined }))).toBe(undefined);
    // A value wins over the default.
    expect(successResultOf(toDeferred(of(5), { defaultValue: 0 }))).toBe(5);
  });

  it("fails with the source's error", () => {
    const error = new ValueError('source failed');
    expect(failureResultOf(toDeferred(throwError(() => error)), ValueError).value).toBe(error);
    const subject = new Subject<number>();
    const d = toDeferred(subject, { last: true });
    subject.next(1);
    subject.error(error);
    expect(failureResultOf(d, ValueError).value).toBe(error);
  });

  it('cancel() unsubscribes and fails the Deferred with CancelledError', () => {
    const subject = new Subject<number>();
    const log: string[] = [];
    const d = toDeferred(subject.pipe(finalize(() => log.push('finalized'))));
    d.cancel();
    expect(log).toEqual(['finalized']);
    expect(subject.observed).toBe(false);
    failureResultOf(d, CancelledError);
    // Later emissions change nothing.
    subject.next(1);
    subject.complete();
  });

  it('cancel() after the result is a no-op', () => {
    const d = toDeferred(of(1));
    d.cancel();
    expect(successResultOf(d)).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// rxjs from(d): Deferred's interop observable
// ---------------------------------------------------------------------------------------------

describe("rxjs from(d) (Deferred's [Symbol.observable] / '@@observable')", () => {
  it("Deferred answers to rxjs's interop key", () => {
    const d = new Deferred<number>();
    const key = (typeof Symbol === 'function' && (Symbol as { observable?: symbol }).observable) || '@@observable';
    const interop = (d as unknown as Record<string | symbol, () => unknown>)[key]!();
    expect(typeof (interop as { subscribe: unknown }).subscribe).toBe('function');
  });

  it('emits the result and completes', () => {
    const d = new Deferred<string>();
    const seen = watch(from(d));
    expect(seen.events).toEqual([]);
    d.callback('v');
    expect(seen.events).toEqual(['next', 'complete']);
    expect(seen.values).toEqual(['v']);
    expect(successResultOf(d)).toBe('v');
  });

  it("errors with the failure's value", () => {
    const error = new ValueError('e');
    const d = fail<string>(error);
    const seen = watch(from(d));
    expect(seen.events).toEqual(['error']);
    expect(seen.error).toBe(error);
  });

  it('unsubscribing before the result cancels the Deferred, and reports nothing', async () => {
    const rec = recordUnhandled();
    try {
      let cancellerRan = 0;
      const d = new Deferred<number>(() => cancellerRan++);
      const seen = watch(from(d));
      seen.unsubscribe();
      expect(cancellerRan).toBe(1);
      expect(seen.events).toEqual([]);
      await macrotask();
      expect(rec.reports.length).toBe(0);
      failureResultOf(d, CancelledError);
    } finally {
      rec.stop();
    }
  });

  it('unsubscribing after the result does not cancel', () => {
    let cancellerRan = 0;
    const d = new Deferred<number>(() => cancellerRan++);
    const seen = watch(from(d));
    d.callback(2);
    seen.unsubscribe();
    expect(cancellerRan).toBe(0);
    expect(successResultOf(d)).toBe(2);
  });
});
