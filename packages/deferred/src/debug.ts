// Process-wide debugging switches and the unhandled-error hook (rules D, U; deviation [J7](../../../docs/rules.md#j7)).

import { Failure, isFailure } from './Failure.js';
import { shared } from './internal/shared.js';
import { reportUnhandledFailure } from './internal/unhandled.js';

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
 * Turn debugging on or off for every Deferred created (or fired) afterwards: creator and
 * first-invoker stacks are recorded and shown by `AlreadyCalledError` and unhandled-error
 * reports, and failures still unhandled at the end of the current macrotask are reported then
 * (a deterministic moment for tests). Shared by every loaded copy of the package.
 *
 * Mirrors Twisted's `twisted.internet.defer.setDebugging`.
 *
 * @param on - the new setting.
 * @example
 * ```ts
 * import { getDebugging, setDebugging } from '@deferkit/deferred';
 *
 * setDebugging(true);
 * console.log(getDebugging());
 * // prints: true
 * ```
 */
export function setDebugging(on: boolean): void {
  shared.debug = Boolean(on);
}

/**
 * Whether debugging is on. Twisted's `twisted.internet.defer.getDebugging`.
 *
 * @example
 * ```ts
 * import { getDebugging } from '@deferkit/deferred';
 *
 * console.log(getDebugging());
 * // prints: false
 * ```
 */
export function getDebugging(): boolean {
  return shared.debug;
}

/**
 * Be told about every failure that no errback handled: when its Deferred is garbage-collected,
 * when the process exits, or (in debug mode) at the end of the macrotask. While at least one
 * handler is registered, nothing is printed; with none, reports go to `console.error` as
 * `Unhandled error in Deferred:` plus the traceback. A handler that throws is reported and
 * does not stop the others.
 *
 * Plays the part of Twisted's log observers for "Unhandled error in Deferred".
 *
 * @param handler - `(failure, { debugInfo, when }) => void`.
 * @returns a function that removes the handler.
 * @example
 * ```ts
 * import { fail, onUnhandledError, setDebugging } from '@deferkit/deferred';
 *
 * setDebugging(true); // report at the end of the macrotask, not when garbage-collected
 * const stop = onUnhandledError((failure) => console.log('unhandled:', failure.getErrorMessage()));
 * fail(new Error('nobody listened'));
 * setTimeout(stop, 10); // … later
 * // prints: unhandled: nobody listened
 * ```
 */
export function onUnhandledError(handler: UnhandledErrorHandler): () => void {
  if (typeof handler !== 'function') {
    throw new TypeError('onUnhandledError(handler): handler must be a function (failure, info) => void.');
  }
  shared.handlers.push(handler);
  return () => {
    const i = shared.handlers.indexOf(handler);
    if (i !== -1) shared.handlers.splice(i, 1);
  };
}

/**
 * Report `failure` now, through the same path as unhandled errors (the `onUnhandledError`
 * handlers with `when: 'logged'`, or `console.error` as `Unhandled Error` plus the traceback),
 * and return it — so it can be the last errback of a chain: `d.addErrback(logError)`. Anything
 * that is not a Failure is wrapped first. Reactors use it for errors thrown by timed calls.
 *
 * Mirrors Twisted's `twisted.internet.defer.logError` ([U5](../../../docs/rules.md#u5)).
 *
 * @param failure - the failure (or any error value).
 * @returns the same Failure (a new one wrapping `failure` if it was not one).
 * @example
 * ```ts
 * import { fail, logError } from '@deferkit/deferred';
 *
 * fail(new Error('disk full')).addErrback(logError);
 * // console.error: Unhandled Error
 * //                Error: disk full …
 * ```
 */
export function logError(failure: unknown): Failure {
  const f = isFailure(failure) ? failure : new Failure(failure);
  reportUnhandledFailure(f, undefined, 'logged');
  return f;
}
