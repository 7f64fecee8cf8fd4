// Deep chains must not overflow the stack (the Twisted reference (docs/rules.md) §2.8 T1, T3; docs/design.md
// "1,000,000 chained Deferreds and 1,000,000 already-fired yields"; J8 for chainDeferred).
// These assert results, never timings.

import { describe, expect, it } from 'vitest';
import { Deferred, inlineCallbacks, succeed } from '@deferkit/deferred';
import { assertNoResult, successResultOf } from '@deferkit/deferred/testing';

const TIMEOUT = 60_000;

describe('stress: no stack overflow on deep chains', () => {
  it(
    'T1 1,000,000 Deferreds chained by returning each other resolve with one callback()',
    () => {
      const N = 1_000_000;
      const last = new Deferred<string>();
      let prev: Deferred<string> = last;
      for (let i = 0; i < N; i++) {
        const inner = prev;
        const d = new Deferred<undefined>();
        d.callback(undefined);
        prev = d.addCallback(() => inner);
      }
      const outermost = prev;
      const got: string[] = [];
      outermost.addCallback((v) => {
        got.push(v);
        return v;
      });
      assertNoResult(outermost);
      expect(got).toEqual([]);
      const x = `payload-${N}`;
      last.callback(x);
      expect(got).toEqual([x]);
      expect(successResultOf(outermost)).toBe(x);
      expect(successResultOf(last)).toBeUndefined(); // handed on (C3)
    },
    TIMEOUT,
  );

  it(
    'T1 1,000,000 callbacks each returning succeed(r + 1) give 1,000,000',
    () => {
      const N = 1_000_000;
      const d = new Deferred<number>();
      for (let i = 0; i < N; i++) d.addCallback((r: number) => succeed(r + 1));
      d.callback(0);
      expect(successResultOf(d)).toBe(N);
    },
    TIMEOUT,
  );

  it(
    'T3 an inlineCallbacks generator yielding 1,000,000 already-fired Deferreds (yield) completes',
    () => {
      const N = 1_000_000;
      const d = inlineCallbacks(function* () {
        let total = 0;
        for (let i = 0; i < N; i++) total += (yield succeed(1)) as number;
        return total;
      })();
      expect(successResultOf(d)).toBe(N);
    },
    TIMEOUT,
  );

  it(
    'T3 an inlineCallbacks generator yielding 1,000,000 already-fired Deferreds (yield*) completes',
    () => {
      const N = 1_000_000;
      const d = inlineCallbacks(function* () {
        let total = 0;
        for (let i = 0; i < N; i++) total += yield* succeed(1);
        return total;
      })();
      expect(successResultOf(d)).toBe(N);
    },
    TIMEOUT,
  );

  it(
    'T3 1,000,000 yields of unfired Deferreds, each fired afterwards from outside, complete',
    () => {
      // Every wait takes the asynchronous path (resume from the awaited Deferred's callback).
      const N = 1_000_000;
      const pending: Array<Deferred<number>> = [];
      const d = inlineCallbacks(function* () {
        let total = 0;
        for (let i = 0; i < N; i++) {
          const w = new Deferred<number>();
          pending.push(w);
          total += yield* w;
        }
        return total;
      })();
      let fired = 0;
      while (pending.length > 0) {
        pending.pop()!.callback(1);
        fired++;
      }
      expect(fired).toBe(N);
      expect(successResultOf(d)).toBe(N);
    },
    TIMEOUT,
  );

  it(
    'J8 a 100,000-link chainDeferred chain fires',
    () => {
      const N = 100_000;
      const first = new Deferred<string>();
      let prev = first;
      for (let i = 0; i < N; i++) {
        const next = new Deferred<string>();
        prev.chainDeferred(next);
        prev = next;
      }
      const got: string[] = [];
      prev.addCallback((v) => {
        got.push(v);
        return v;
      });
      first.callback('through');
      expect(got).toEqual(['through']);
      expect(successResultOf(prev)).toBe('through');
      expect(successResultOf(first)).toBeUndefined(); // CD1: the source is left with undefined
    },
    TIMEOUT,
  );

  it(
    'T3 testStackUsage2: inlineCallbacks yielding 100,000 plain values completes',
    () => {
      const N = 100_000;
      const d = inlineCallbacks(function* () {
        let n = N;
        for (let i = 0; i < N; i++) n -= (yield 1) as number;
        return n;
      })();
      expect(successResultOf(d)).toBe(0);
    },
    TIMEOUT,
  );
});
