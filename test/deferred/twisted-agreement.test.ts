// Five places where random programs run through deferkit and through Twisted 22.4 disagreed
// (issue 22). Each expected value below is what the same program printed under Debian's
// python3-twisted; `npm run test:twisted` keeps checking the general case.

import { describe, expect, it } from 'vitest';
import {
  AlreadyCalledError,
  DeferredList,
  CancelledError,
  Deferred,
  FirstError,
  Failure,
  gatherResults,
  inlineCallbacks,
} from '@deferkit/deferred';
import { failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { expectNoUnhandledErrorsInEachTest } from './helpers.js';

expectNoUnhandledErrorsInEachTest();

describe('IC7: a yield queues behind the yielded Deferred\'s remaining callbacks', () => {
  it('IC7 yielding the same Deferred twice gives its result, then undefined (Twisted: 5, None)', () => {
    const d = new Deferred<number>();
    const got: unknown[] = [];
    inlineCallbacks(function* () {
      got.push(yield d);
      got.push(yield d);
    })();
    d.callback(5);
    expect(got).toEqual([5, undefined]);
    expect(successResultOf(d)).toBeUndefined();
  });

  it('IC7 a generator started inside a running chain waits for that chain to move on', () => {
    const d = new Deferred<number>();
    const got: unknown[] = [];
    const g = inlineCallbacks(function* () {
      got.push(['first', yield d]);
      got.push(['second', yield d]);
    });
    d.addCallback((x) => {
      g();
      return x;
    });
    d.addCallback((x) => {
      got.push(['cb2', x]);
      return x * 2;
    });
    d.callback(5);
    // The first yield runs after cb2 (it was queued behind it), then the second after the first.
    expect(got).toEqual([
      ['cb2', 5],
      ['first', 10],
      ['second', undefined],
    ]);
  });

  it('IC8 a CancelledError the generator caught is not thrown into it a second time', () => {
    const inner = new Deferred<number>();
    const thrown: string[] = [];
    const outer = inlineCallbacks(function* () {
      try {
        yield inner;
      } catch (e) {
        thrown.push((e as Error).name);
      }
      // The same Deferred again: it already carries undefined (the first yield consumed the failure).
      const again: unknown = yield inner;
      return again;
    })();
    outer.cancel();
    expect(thrown).toEqual(['CancelledError']);
    expect(successResultOf(outer)).toBeUndefined();
  });
});

describe('A1: a generator that finishes after its Deferred was fired by someone else', () => {
  it('A1 the return raises AlreadyCalledError into the Deferred that resumed the generator', () => {
    const w = new Deferred<number>();
    const r = inlineCallbacks(function* () {
      yield w;
      return 1;
    })();
    r.callback(0);
    w.callback(9);
    expect(failureResultOf(w, AlreadyCalledError)).toBeInstanceOf(Failure);
    expect(successResultOf(r)).toBe(0);
  });
});

describe('D: repr after a yield took a settled result', () => {
  it("D a chainDeferred target whose result a generator took no longer says 'waiting on'", () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    b.callback(1);
    // b is already fired; chainDeferred still records a as what b is chained to (as Twisted does).
    a.chainDeferred(b);
    inlineCallbacks(function* () {
      yield b;
    })();
    expect(b.toString()).not.toContain('waiting on');
    expect(b.toString()).toMatch(/current result: undefined>$/);
    a.addErrback((f: Failure) => f.trap(AlreadyCalledError));
    a.callback(2);
  });
});

describe('CD1: the source of chainDeferred keeps running its chain while the target runs', () => {
  it('CD1 a pause made by an earlier callback does not stop the rest of the run (Twisted runs log)', () => {
    const a = new Deferred<number>();
    const b = new Deferred<unknown>();
    const log: unknown[] = [];
    a.addBoth(() => {
      a.pause();
    });
    a.chainDeferred(b as Deferred<never>);
    a.addBoth((r) => log.push(r));
    a.callback(1);
    expect(log).toEqual([undefined]);
    expect(a.paused).toBe(1);
    expect(successResultOf(b)).toBeUndefined();
  });

  it("CD1 a target's callback that returns the source gets the source's result (Twisted: 26)", () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    b.addCallback(() => a);
    a.chainDeferred(b);
    a.callback(26);
    expect(successResultOf(b)).toBe(26);
    expect(successResultOf(a)).toBeUndefined();
  });

  it("CD1 a callback added to the source from the target's chain runs after the source's own", () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    const log: unknown[] = [];
    b.addCallback((r) => {
      log.push(['b-start', r]);
      a.addCallback((x) => void log.push(['a-late', x]));
      log.push(['b-end']);
      return r;
    });
    a.chainDeferred(b);
    a.addCallback((x) => void log.push(['a-after', x]));
    a.callback(3);
    expect(log).toEqual([['b-start', 3], ['b-end'], ['a-after', undefined], ['a-late', undefined]]);
  });

  it("CD1 a paused Deferred waiting on the target holds only itself; the source's run goes on", () => {
    const a = new Deferred<number>();
    const b = new Deferred<number>();
    const c = new Deferred<number>();
    const log: unknown[] = [];
    c.addCallback(() => b);
    c.callback(0);
    c.pause();
    c.addCallback((r) => void log.push(['c', r]));
    a.chainDeferred(b);
    a.addCallback(() => void log.push('a-2'));
    a.callback(1);
    expect(log).toEqual(['a-2']);
    c.unpause();
    expect(log).toEqual(['a-2', ['c', 1]]);
  });

  it('J8 a long chainDeferred chain still does not recurse', () => {
    const ds = Array.from({ length: 100_000 }, () => new Deferred<number>());
    for (let i = 0; i + 1 < ds.length; i++) ds[i]!.chainDeferred(ds[i + 1]!);
    const last: unknown[] = [];
    ds[ds.length - 1]!.addCallback((r) => last.push(r));
    ds[0]!.callback(7);
    expect(last).toEqual([7]);
  });
});

describe('J13: a cancellation cycle ends', () => {
  it('J13 cancel() of a gatherResults whose input waits on it ends with FirstError (Twisted: 0.02 s)', () => {
    const d0 = new Deferred<number>();
    const d1 = new Deferred<number>();
    d1.callback(34);
    const g = gatherResults([d1, d0, d1]);
    d1.addCallback(() => g as never);
    g.cancel();
    // g's FirstError went on to d1, which was waiting on g; d0 was cancelled.
    const f = failureResultOf(d1, FirstError);
    expect((f.value as FirstError).index).toBe(1);
    expect((f.value as FirstError).subFailure.check(CancelledError)).toBe(CancelledError);
    expect(successResultOf(g)).toBeUndefined();
    failureResultOf(d0, CancelledError);
  });

  it('J13 with [d1, d0] the gatherResults fires too (Twisted: FirstError), not left pending', () => {
    const d0 = new Deferred<number>();
    const d1 = new Deferred<number>();
    d1.callback(34);
    const g = gatherResults([d1, d0]);
    d1.addCallback(() => g as never);
    g.cancel();
    failureResultOf(d1, FirstError);
    expect(successResultOf(g)).toBeUndefined();
    failureResultOf(d0, CancelledError);
  });

  it('J13 a cancel() that comes back after something fired runs again, as Twisted\'s does', () => {
    // Twisted 22.4: d1 ends waiting on d3, and d3 paused holding its result.
    const d0 = new Deferred<number>();
    const d1 = new Deferred<number>();
    const d3 = new DeferredList([d1, d0]);
    const seen: unknown[] = [];
    d1.addBoth(() => {
      d3.cancel(); // d1 has fired since the outer d3.cancel() began: this one goes ahead
      return d3 as never;
    });
    d3.addBoth((r) => {
      seen.push((r as [boolean, unknown][]).map(([ok]) => ok));
      d3.pause();
      return r;
    });
    d3.cancel();
    expect(seen).toEqual([[false, false]]);
    expect(d3.paused).toBe(1);
    expect(d1.paused).toBe(1); // waiting on d3
    expect(d1.toString()).toContain('waiting on');
    d3.unpause();
    failureResultOf(d0, CancelledError);
    expect(successResultOf(d1)).toHaveLength(2);
  });

  it('J13 two Deferreds waiting on each other through cancellers end in a defined state', () => {
    let b!: Deferred<number>;
    const a = new Deferred<number>(() => b.cancel());
    b = new Deferred<number>(() => a.cancel());
    a.cancel();
    failureResultOf(a, CancelledError);
    failureResultOf(b, CancelledError);
  });
});
