// What a Deferred's chain holds: the entries (a bare callback, or a Pair) and the markers the
// loop recognises (CONTINUE hands a result to a waiting Deferred, CHAIN fires a chainDeferred
// target), plus the "no result yet" slot value.

/** The result slot of a Deferred that has not fired. */
export const NO_RESULT: unique symbol = Symbol('deferkit.noResult');

export type Fn = (result: any, ...args: any[]) => unknown;

/** Marks the pair that hands a result to a Deferred waiting on this one (Twisted's `_CONTINUE`). */
export function CONTINUE(): never {
  throw new Error('deferkit internal: CONTINUE is a marker and is never called');
}
/** Marks the pair that fires a Deferred given to `chainDeferred` without recursing ([J8](../../../../docs/rules.md#j8)). */
export function CHAIN(): never {
  throw new Error('deferkit internal: CHAIN is a marker and is never called');
}

/**
 * One callback/errback pair of a chain, for the pairs that are not a lone callback (those are
 * queued as the bare function, see `Deferred._cbs`). Every field is set in the
 * constructor, in one order: one hidden class.
 *
 * A class rather than an object literal on purpose: V8 tracks an allocation site for each
 * literal and may decide to allocate everything that site makes in the old generation once
 * many of its objects live long (10,000 pending Deferreds, a million-deep chain); short-lived
 * pairs would then all pay for it. `new` of a class has no allocation site.
 * @internal
 */
export class Pair {
  declare cb: unknown;
  declare eb: unknown;
  declare cbArgs: unknown;
  declare ebArgs: unknown;
  constructor(cb: unknown, eb: unknown, cbArgs: unknown, ebArgs: unknown) {
    this.cb = cb;
    this.eb = eb;
    this.cbArgs = cbArgs;
    this.ebArgs = ebArgs;
  }
}

/**
 * A queued entry: a callback without errback or extra arguments (the usual `addCallback(fn)`)
 * is queued as the function itself, with no Pair around it; anything else as a Pair.
 */
export type Entry = Fn | Pair;
