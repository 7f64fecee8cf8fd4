// DeferredList and gatherResults: wait for several Deferreds (rules [L1](../../../docs/rules.md#l1)-[L9](../../../docs/rules.md#l9), [G1](../../../docs/rules.md#g1)-[G4](../../../docs/rules.md#g4)).

import { anchorShapes, Deferred } from './Deferred.js';
import { isDeferred } from './guards.js';
import type { Unwrap } from './interfaces.js';
import { FirstError, describeValue } from './errors.js';
import { Failure } from './Failure.js';
import { reportUnhandledFailure } from './internal/unhandled.js';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Options of {@link DeferredList}; Twisted's keyword arguments. */
export interface DeferredListOptions {
  /** Fire with `[result, index]` as soon as one input succeeds. */
  fireOnOneCallback?: boolean;
  /** Errback with `FirstError(failure, index)` as soon as one input fails. */
  fireOnOneErrback?: boolean;
  /** Replace each failing input's result with `undefined`, so it is not reported as unhandled. */
  consumeErrors?: boolean;
}

/** One input's outcome in a DeferredList's result: `[true, result]` or `[false, failure]`. Twisted's `(success, result)` tuples. */
export type DeferredListEntry<T> = [success: true, result: T] | [success: false, failure: Failure];

/** The result of a `fireOnOneCallback` list: the first success and its input's index. */
export type FirstResult<T> = [result: T, index: number];

/**
 * A Deferred that collects several Deferreds. Without options it fires, once every input has
 * fired, with `[success, resultOrFailure]` entries in input order; it never errbacks then.
 */
export interface DeferredList<R> extends Deferred<R> {
  /** The entries collected so far (`undefined` where an input has not fired). Twisted's `resultList`. */
  readonly resultList: Array<DeferredListEntry<unknown> | undefined>;
  /** Whether it fires on the first success. */
  readonly fireOnOneCallback: boolean;
  /** Whether it errbacks on the first failure. */
  readonly fireOnOneErrback: boolean;
  /** Whether failing inputs' results are replaced with `undefined`. */
  readonly consumeErrors: boolean;
  /** How many inputs have fired. */
  readonly finishedCount: number;
}

/** The constructor of {@link DeferredList}, overloaded on `fireOnOneCallback`/`fireOnOneErrback`. */
export interface DeferredListConstructor {
  /** First success → `[result, index]`; first failure → `FirstError`. */
  new <T>(
    deferreds: Iterable<Deferred<T>>,
    options: DeferredListOptions & { fireOnOneCallback: true; fireOnOneErrback: true },
  ): DeferredList<FirstResult<T>>;
  /** First success → `[result, index]`; if every input fails, the full entry list ([L4](../../../docs/rules.md#l4)). */
  new <T>(
    deferreds: Iterable<Deferred<T>>,
    options: DeferredListOptions & { fireOnOneCallback: true },
  ): DeferredList<FirstResult<T> | DeferredListEntry<T>[]>;
  /** Every input's entry, in input order. */
  new <T>(deferreds: Iterable<Deferred<T>>, options?: DeferredListOptions & { fireOnOneCallback?: false }): DeferredList<
    DeferredListEntry<T>[]
  >;
  // Inputs of different result types (`[Deferred<number>, Deferred<string>]`): inferring `T`
  // above would see two candidates and reject the call, so these infer the Deferred type and
  // give the union of the results.
  /** As above, for inputs of different result types. */
  new <D extends Deferred<unknown>>(
    deferreds: Iterable<D>,
    options: DeferredListOptions & { fireOnOneCallback: true; fireOnOneErrback: true },
  ): DeferredList<FirstResult<Unwrap<D>>>;
  /** As above, for inputs of different result types. */
  new <D extends Deferred<unknown>>(
    deferreds: Iterable<D>,
    options: DeferredListOptions & { fireOnOneCallback: true },
  ): DeferredList<FirstResult<Unwrap<D>> | DeferredListEntry<Unwrap<D>>[]>;
  /** As above, for inputs of different result types. */
  new <D extends Deferred<unknown>>(
    deferreds: Iterable<D>,
    options?: DeferredListOptions & { fireOnOneCallback?: false },
  ): DeferredList<DeferredListEntry<Unwrap<D>>[]>;
  readonly prototype: DeferredList<unknown>;
}

// ---------------------------------------------------------------------------------------------
// DeferredList
// ---------------------------------------------------------------------------------------------

class DeferredListImpl extends Deferred<unknown> {
  resultList: Array<DeferredListEntry<unknown> | undefined>;
  fireOnOneCallback: boolean;
  fireOnOneErrback: boolean;
  consumeErrors: boolean;
  finishedCount: number;
  /** The inputs as given at construction (only these are cancelled, [L8](../../../docs/rules.md#l8)). */
  _deferredList: Deferred<unknown>[];

  constructor(deferreds: Iterable<Deferred<unknown>>, options: DeferredListOptions = {}) {
    super();
    if (deferreds === null || deferreds === undefined || typeof (deferreds as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(
        `new DeferredList(deferreds): deferreds must be an iterable of Deferreds (an array), got ${describeValue(deferreds)}.`,
      );
    }
    const list = Array.from(deferreds);
    list.forEach((d, i) => {
      if (!isDeferred(d)) {
        throw new TypeError(
          `new DeferredList(deferreds): item ${i} is not a Deferred (${describeValue(d)}). ` +
            'Wrap plain values with succeed() and promises with Deferred.fromFuture().',
        );
      }
    });
    this._deferredList = list;
    this.resultList = new Array(list.length).fill(undefined);
    this.fireOnOneCallback = Boolean(options.fireOnOneCallback);
    this.fireOnOneErrback = Boolean(options.fireOnOneErrback);
    this.consumeErrors = Boolean(options.consumeErrors);
    this.finishedCount = 0;
    if (list.length === 0 && !this.fireOnOneCallback) this.callback([]);
    const onResult = (result: unknown, index: number, succeeded: boolean): unknown =>
      this._cbDeferred(result, index, succeeded);
    for (let index = 0; index < list.length; index++) {
      const d = list[index]!;
      if (d instanceof Deferred) d._add(onResult, onResult, [index, true], [index, false]);
      else (d as Deferred<unknown>).addCallbacks(onResult as never, onResult as never, { callbackArgs: [index, true], errbackArgs: [index, false] });
    }
  }

  _cbDeferred(result: unknown, index: number, succeeded: boolean): unknown {
    this.resultList[index] = [succeeded, result] as DeferredListEntry<unknown>;
    this.finishedCount++;
    if (!this._called) {
      if (succeeded && this.fireOnOneCallback) this.callback([result, index]);
      else if (!succeeded && this.fireOnOneErrback) this.errback(new Failure(new FirstError(result as Failure, index)));
      else if (this.finishedCount === this.resultList.length) this.callback(this.resultList);
    }
    if (!succeeded && this.consumeErrors) return undefined;
    return result;
  }

  /**
   * Cancel every input given at construction, unless the list has fired. (Like Twisted's, it
   * does not forward to a Deferred one of its own callbacks returned, issue #7856.)
   * `cancel()` guards this against re-entry (an input waiting on the list itself).
   * @internal
   */
  override _cancel(): void {
    if (this._called) return;
    for (const d of this._deferredList) {
      try {
        d.cancel();
      } catch (e) {
        // Our Deferreds never throw from cancel() ([J9](../../../docs/rules.md#j9)); another copy's might.
        reportUnhandledFailure(new Failure(e), 'Exception raised from user supplied canceller', 'macrotask');
      }
    }
  }
}

/**
 * Wait for several Deferreds. By default it fires, when all have fired, with
 * `[success, resultOrFailure]` entries in input order (it never errbacks). Options:
 * `fireOnOneCallback` (fire with `[result, index]` on the first success), `fireOnOneErrback`
 * (errback with `FirstError` on the first failure), `consumeErrors` (failing inputs' results
 * become `undefined`, so they are not reported). Each input keeps its own result otherwise.
 * `cancel()` cancels every input while the list has not fired.
 *
 * Mirrors Twisted's `twisted.internet.defer.DeferredList`.
 *
 * @example
 * ```ts
 * import { DeferredList, fail, succeed } from '@deferkit/deferred';
 *
 * const dl = new DeferredList([succeed(1), fail(new Error('2'))], { consumeErrors: true });
 * dl.addCallback((entries) => console.log(entries.map(([ok, r]) => (ok ? r : r.getErrorMessage()))));
 * // prints: [ 1, '2' ]
 * ```
 */
export const DeferredList: DeferredListConstructor = DeferredListImpl as unknown as DeferredListConstructor;
// Its repr says DeferredList, as Twisted's does.
Object.defineProperty(DeferredListImpl, 'name', { value: 'DeferredList' });

// ---------------------------------------------------------------------------------------------
// gatherResults
// ---------------------------------------------------------------------------------------------

/** The results tuple of `gatherResults` over a tuple of Deferreds. */
export type GatheredResults<Ds extends readonly unknown[]> = { -readonly [K in keyof Ds]: Ds[K] extends Deferred<infer U> ? U : never };

/**
 * Wait for several Deferreds and fire with their results in input order; errback with
 * `FirstError(failure, index)` as soon as one fails (the sub-failure is not unwrapped, G1).
 * The returned object is the underlying DeferredList, so `cancel()` cancels every input ([G3](../../../docs/rules.md#g3)).
 *
 * Mirrors Twisted's `twisted.internet.defer.gatherResults`.
 *
 * @param deferreds - the inputs (a tuple gives a typed tuple of results).
 * @param options - `{ consumeErrors }`: failing inputs' results become `undefined`.
 * @example
 * ```ts
 * import { gatherResults, succeed } from '@deferkit/deferred';
 *
 * gatherResults([succeed(1), succeed('two')]).addCallback(console.log);
 * // prints: [ 1, 'two' ]
 * ```
 */
export function gatherResults<const Ds extends readonly Deferred<unknown>[]>(
  deferreds: Ds,
  options?: { consumeErrors?: boolean },
): Deferred<GatheredResults<Ds>>;
export function gatherResults<T>(deferreds: Iterable<Deferred<T>>, options?: { consumeErrors?: boolean }): Deferred<T[]>;
export function gatherResults(
  deferreds: Iterable<Deferred<unknown>>,
  options: { consumeErrors?: boolean } = {},
): Deferred<unknown[]> {
  const dl = new DeferredList(deferreds, { fireOnOneErrback: true, consumeErrors: Boolean(options.consumeErrors) });
  return dl.addCallback(gatheredValues);
}

/**
 * The values of a DeferredList's `[success, value]` entries (Twisted's
 * `_parseDeferredListResult`). A list fired by hand with anything else fails with TypeError, as
 * Twisted's indexing does, rather than making up values.
 */
function gatheredValues<T>(entries: DeferredListEntry<T>[]): T[] {
  if (!Array.isArray(entries)) {
    throw new TypeError(`gatherResults: the DeferredList fired with ${describeValue(entries)}, not a list of [success, value] entries.`);
  }
  return entries.map((entry) => {
    if (!Array.isArray(entry)) {
      throw new TypeError(`gatherResults: an entry is ${describeValue(entry)}, not a [success, value] pair.`);
    }
    return entry[1] as T;
  });
}

// A DeferredList and a gatherResults of each outcome, kept as long as the package, so their
// hidden classes (and the code built on them) survive a collection with none alive: see
// Deferred's #shapeAnchors.
{
  const ok = new Deferred<unknown>();
  const bad = new Deferred<unknown>();
  const list = new DeferredList([ok, bad], { consumeErrors: true });
  const one = new Deferred<unknown>();
  const gathered = gatherResults([one]);
  one.callback(1);
  ok.callback(1);
  bad.errback(new Error('deferkit shape anchor (consumed)'));
  anchorShapes(list, gathered, ok, bad, one);
}
