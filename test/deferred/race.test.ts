// race(): rules RC1-RC5 of the spec and Twisted's RaceTests.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, Failure, FailureGroup, race, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, collectGarbage, collectUnhandled, expectNoUnhandledErrorsInEachTest } from './helpers.js';

expectNoUnhandledErrorsInEachTest();

/** `n` Deferreds whose cancellers count their calls (and do not fire them). */
function countingDeferreds<T>(n: number): { ds: Deferred<T>[]; cancelCounts: number[] } {
  const cancelCounts: number[] = new Array<number>(n).fill(0);
  const ds = cancelCounts.map(
    (_, i) =>
      new Deferred<T>(() => {
        cancelCounts[i]!++;
      }),
  );
  return { ds, cancelCounts };
}

describe('race (RC rules, RaceTests)', () => {
  it('RC1 test_success: the first success wins with [index, value]; every other input is cancelled once', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.nat(3), fc.anything(), (before, after, value) => {
        const { ds, cancelCounts } = countingDeferreds<unknown>(before + 1 + after);
        const raceResult = race(ds);
        assertNoResult(raceResult);
        ds[before]!.callback(value);
        const [index, result] = successResultOf(raceResult);
        expect(index).toBe(before);
        expect(result).toBe(value);
        const expected = [...new Array<number>(before).fill(1), 0, ...new Array<number>(after).fill(1)];
        expect(cancelCounts).toEqual(expected);
      }),
    );
  });

  it('RC1 an input that already succeeded wins while race() is being set up', () => {
    const { ds, cancelCounts } = countingDeferreds<string>(2);
    const raceResult = race([ds[0]!, succeed('fast'), ds[1]!]);
    expect(successResultOf(raceResult)).toEqual([1, 'fast']);
    expect(cancelCounts).toEqual([1, 1]);
  });

  it('RC2 test_failure: when every input fails, FailureGroup holds the failures; nothing is cancelled', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), (n) => {
        const { ds, cancelCounts } = countingDeferreds<unknown>(n);
        const failure = new Failure(new GenericError('all fail'));
        const raceResult = race(ds);
        for (const d of ds) {
          assertNoResult(raceResult);
          d.errback(failure);
        }
        const group = failureResultOf(raceResult, FailureGroup).value as FailureGroup;
        expect(group.failures).toHaveLength(n);
        for (const f of group.failures) expect(f).toBe(failure);
        expect(cancelCounts).toEqual(new Array<number>(n).fill(0));
      }),
    );
  });

  it('RC2 the failures are in input order, whatever order the inputs failed in', () => {
    const ds = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
    const errors = [new GenericError('0'), new GenericError('1'), new GenericError('2')];
    const raceResult = race(ds);
    ds[2]!.errback(errors[2]);
    ds[0]!.errback(errors[0]);
    ds[1]!.errback(errors[1]);
    const group = failureResultOf(raceResult, FailureGroup).value as FailureGroup;
    expect(group.failures.map((f) => f.value)).toEqual(errors);
  });

  it('RC3 test_resultAfterCancel: a loser that fires after being cancelled changes nothing and logs nothing', async () => {
    const collector = collectUnhandled();
    try {
      const a = new Deferred<string>();
      const b = new Deferred<string>();
      const raceResult = race([a, b]);
      a.callback('a');
      // b was cancelled (no canceller): its one late callback is swallowed (A4).
      expect(() => b.callback('b')).not.toThrow();
      expect(successResultOf(raceResult)).toEqual([0, 'a']);
      await collectGarbage();
      expect(collector.reports).toEqual([]);
    } finally {
      collector.stop();
    }
  });

  it('RC3 test_resultFromCancel: a loser whose canceller fires success is harmless', () => {
    const expected = { expected: true };
    const a = new Deferred<object>();
    const b = new Deferred<object>((d) => {
      d.callback({ fromCanceller: true });
    });
    const raceResult = race([a, b]);
    a.callback(expected);
    const [index, value] = successResultOf(raceResult);
    expect(index).toBe(0);
    expect(value).toBe(expected);
  });

  it('RC4 test_cancel: cancelling the race cancels every input once and fails with a FailureGroup of CancelledErrors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), (n) => {
        const { ds, cancelCounts } = countingDeferreds<unknown>(n);
        const raceResult = race(ds);
        raceResult.cancel();
        expect(cancelCounts).toEqual(new Array<number>(n).fill(1));
        const group = failureResultOf(raceResult, FailureGroup).value as FailureGroup;
        expect(group.failures).toHaveLength(n);
        for (const f of group.failures) expect(f.check(CancelledError)).toBe(CancelledError);
      }),
    );
  });

  it("RC5 every input's result becomes undefined once race has seen it (winner and losers)", () => {
    const ds = [new Deferred<string>(), new Deferred<string>(), new Deferred<string>()];
    const raceResult = race(ds);
    ds[1]!.callback('winner');
    expect(successResultOf(raceResult)).toEqual([1, 'winner']);
    for (const d of ds) expect(successResultOf(d)).toBeUndefined();
  });

  it("RC5 failed inputs' results become undefined too", () => {
    const ds = [new Deferred<string>(), new Deferred<string>()];
    const raceResult = race(ds);
    ds[0]!.errback(new GenericError('a'));
    ds[1]!.errback(new GenericError('b'));
    failureResultOf(raceResult, FailureGroup);
    for (const d of ds) expect(successResultOf(d)).toBeUndefined();
  });

  it('RC5 race of an empty list never fires', () => {
    assertNoResult(race([]));
  });
});
