// Process-wide state of @deferkit/deferred.
//
// It lives on globalThis under a Symbol.for key so that two loaded copies of this package (the
// ESM and the CJS build, or two versions in one bundle) share one debug flag, one set of
// unhandled-error handlers and one await-policy hook. Everything here is created on first use.

import type { AwaitHook } from '../awaitHook.js';
import type { UnhandledErrorHandler } from '../debug.js';

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
