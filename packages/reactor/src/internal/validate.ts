// Argument checks shared by the clocks, reactors and loops: errors that name the fix.

import { describeValue } from '@deferkit/deferred';
import type { DelayedCall } from '../DelayedCall.js';

/** `where` and `owner` as for {@link checkDelay}. @internal */
export function checkFunction(where: string, fn: unknown, owner?: string): asserts fn is (...args: any[]) => unknown {
  if (typeof fn !== 'function') {
    if (owner !== undefined) where = `${owner}.${where}`;
    throw new TypeError(`${where}: the call must be a function, got ${describeValue(fn)}. Pass the function itself, then its arguments.`);
  }
}

/**
 * `where` names the call (`'callLater(delay, fn)'`), `owner` what it was called on; the message
 * is built only on error, as these checks run on every scheduled call. @internal
 */
export function checkDelay(where: string, delay: unknown, allowNegative = false, owner?: string): asserts delay is number {
  if (typeof delay === 'number' && Number.isFinite(delay) && (allowNegative || delay >= 0)) return;
  const at = owner === undefined ? where : `${owner}.${where}`;
  if (typeof delay !== 'number' || !Number.isFinite(delay)) {
    throw new RangeError(`${at}: the delay must be a finite number of seconds, got ${describeValue(delay)}.`);
  }
  throw new RangeError(`${at}: the delay must be >= 0 seconds, got ${delay}. Use 0 to run on the next turn.`);
}

/** @internal */
export type AnyDelayedCall = DelayedCall;
