// The public shapes around a Deferred: what a clock must offer, what a canceller is, how a
// callback's return value types the rest of the chain, and the observable a Deferred exposes.

import type { Deferred } from './Deferred.js';
import type { Failure } from './Failure.js';

/**
 * A scheduled call, as returned by {@link IReactorTime.callLater}.
 *
 * Mirrors Twisted's `twisted.internet.interfaces.IDelayedCall`.
 */
export interface IDelayedCall {
  /** When the call will run, in the clock's seconds. */
  getTime(): number;
  /** Stop the call from running. */
  cancel(): void;
  /** Run the call `seconds` from now instead. */
  reset(seconds: number): void;
  /** Push the call `seconds` later. */
  delay(seconds: number): void;
  /** Whether the call has neither run nor been cancelled. */
  active(): boolean;
}

/**
 * Anything that can tell the time and schedule calls: a reactor, `Clock`, or your own.
 *
 * Mirrors Twisted's `twisted.internet.interfaces.IReactorTime`.
 */
export interface IReactorTime {
  /** The current time in seconds. */
  seconds(): number;
  /** Run `fn(...args)` `delay` seconds from now. */
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): IDelayedCall;
}

/**
 * The value a callback's return value stands for in the chain: a returned Deferred or
 * promise stands for its eventual result, and a returned Failure for the error path.
 */
export type Unwrap<R> = R extends Failure
  ? never
  : R extends Deferred<infer U>
    ? U
    : R extends PromiseLike<infer U>
      ? U
      : R;

/** A function that cancels a Deferred; it receives the Deferred. Twisted's `canceller`. */
export type Canceller<T> = (deferred: Deferred<T>) => void;

/** Options of {@link Deferred.addCallbacks}: extra arguments for each side. */
export interface AddCallbacksOptions<A extends unknown[], B extends unknown[]> {
  /** Extra arguments passed to the callback after the result. */
  callbackArgs?: A | null;
  /** Extra arguments passed to the errback after the failure. */
  errbackArgs?: B | null;
}

/** The minimal Observable shape `Deferred` exposes for rxjs's `from()` (and any interop observable consumer). */
export interface DeferredObservable<T> {
  /** Subscribe; unsubscribing before the result arrives cancels the Deferred. */
  subscribe(
    observer?: Partial<{ next: (value: T) => void; error: (err: unknown) => void; complete: () => void }> | ((value: T) => void),
  ): { unsubscribe(): void; readonly closed: boolean };
}
