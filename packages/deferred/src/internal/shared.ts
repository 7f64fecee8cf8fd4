// Process-wide state of @deferkit/deferred.
//
// It lives on globalThis under a Symbol.for key so that two loaded copies of this package (the
// ESM and the CJS build, or two versions in one bundle) share one debug flag, one set of
// unhandled-error handlers and one await-policy hook. Everything here is created on first use.

import type { Failure } from '../Failure.js';

/** Information handed to {@link UnhandledErrorHandler}s alongside the failure. */
export interface UnhandledErrorInfo {
  /** Creator and first-invoker stacks, present when debugging was on (see `setDebugging`). */
  readonly debugInfo: string | undefined;
  /**
   * Why it is reported now: the Deferred was garbage-collected, the process is exiting, (in
   * debug mode) the macrotask ended, or it was logged on purpose with `logError()` (a reactor
   * does this for errors thrown by timed calls).
   */
  readonly when: 'gc' | 'exit' | 'macrotask' | 'logged';
}

/** A function told about every failure that no errback handled. */
export type UnhandledErrorHandler = (failure: Failure, info: UnhandledErrorInfo) => void;

/**
 * The hook a reactor package installs to take part in `Deferred#then`: it is called with the
 * Deferred before `then` observes it, and may throw (or return a rejection reason wrapped in
 * `{ reject }`) to refuse the await. Used by @deferkit/reactor's `awaitDeferreds` policy.
 *
 * @internal
 */
export type AwaitHook = (deferred: unknown, pending: boolean) => { reject: unknown } | undefined;

/** @internal */
export interface SharedState {
  debug: boolean;
  handlers: UnhandledErrorHandler[];
  awaitHook: AwaitHook | undefined;
}

const STATE_KEY = Symbol.for('deferkit.deferred.state');

/** The brand every Deferred carries, whichever copy of the package made it. @internal */
export const DEFERRED_BRAND: unique symbol = Symbol.for('deferkit.Deferred') as never;
/** The brand every Failure carries. @internal */
export const FAILURE_BRAND: unique symbol = Symbol.for('deferkit.Failure') as never;

function createState(): SharedState {
  return { debug: false, handlers: [], awaitHook: undefined };
}

/** @internal */
export function sharedState(): SharedState {
  const g = globalThis as unknown as Record<symbol, SharedState | undefined>;
  let state = g[STATE_KEY];
  if (state === undefined) {
    state = createState();
    Object.defineProperty(g, STATE_KEY, { value: state, configurable: true, writable: false, enumerable: false });
  }
  return state;
}

/** Read once at load; the object is shared, so later writes by either copy are seen here. @internal */
export const shared: SharedState = sharedState();
