// race: the first success wins, the rest are cancelled (rules [RC1](../../../docs/rules.md#rc1)-[RC5](../../../docs/rules.md#rc5)).

import { Deferred } from './Deferred.js';
import { isDeferred } from './guards.js';
import { FailureGroup, describeValue } from './errors.js';
import type { Failure } from './Failure.js';

/** The result of `race` over a tuple of Deferreds: the winner's index and its result. */
export type RaceResult<Ds extends readonly unknown[]> = number extends Ds['length']
  ? // A plain array (not a tuple): any index, any element's result.
    [index: number, result: Ds[number] extends Deferred<infer U> ? U : never]
  : {
      [K in keyof Ds]: K extends `${infer N extends number}` ? [index: N, result: Ds[K] extends Deferred<infer U> ? U : never] : never;
    }[number];

/**
 * Fire with `[index, result]` of the first input to succeed, and cancel every other input.
 * If every input fails, errback with `FailureGroup` (failures in input order). Cancelling the
 * returned Deferred cancels every input. Later results go nowhere; every input's result becomes
 * `undefined` once race has seen it. An empty list never fires.
 *
 * Mirrors Twisted's `twisted.internet.defer.race`.
 *
 * @param deferreds - the competitors.
 * @example
 * ```ts
 * import { Deferred, race, succeed } from '@deferkit/deferred';
 *
 * const slow = new Deferred<string>(() => console.log('slow cancelled'));
 * race([slow, succeed('fast')]).addCallback(console.log);
 * // prints: slow cancelled
 * //         [ 1, 'fast' ]
 * ```
 */
export function race<const Ds extends readonly Deferred<unknown>[]>(deferreds: Ds): Deferred<RaceResult<Ds>>;
export function race<T>(deferreds: Iterable<Deferred<T>>): Deferred<[index: number, result: T]>;
export function race(deferreds: Iterable<Deferred<unknown>>): Deferred<any> {
  if (deferreds === null || deferreds === undefined || typeof (deferreds as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`race(deferreds): deferreds must be an iterable of Deferreds, got ${describeValue(deferreds)}.`);
  }
  // Copy the inputs so later changes to the caller's list do not matter.
  const toCancel = Array.from(deferreds);
  toCancel.forEach((d, i) => {
    if (!isDeferred(d)) {
      throw new TypeError(`race(deferreds): item ${i} is not a Deferred (${describeValue(d)}). Wrap values with succeed().`);
    }
  });
  let winner: Deferred<unknown> | null = null;
  const failures: Array<[number, Failure]> = [];

  // Cancelling the race cancels every competitor; their CancelledErrors then fail the race.
  const finalResult = new Deferred<[number, unknown]>(() => {
    for (const d of toCancel) d.cancel();
  });

  toCancel.forEach((d, index) => {
    d.addCallbacks(
      (output: unknown) => {
        // Only the first success counts; another can arrive if a loser's canceller succeeds.
        if (winner === null) {
          winner = d;
          for (const other of toCancel) if (other !== winner) other.cancel();
          finalResult.callback([index, output]);
        }
        return undefined;
      },
      (failure: Failure) => {
        failures.push([index, failure]);
        if (failures.length === toCancel.length) {
          failures.sort((a, b) => a[0] - b[0]);
          finalResult.errback(new FailureGroup(failures.map(([, f]) => f)));
        }
        return undefined;
      },
    );
  });
  return finalResult;
}
