// Argument checks shared by the clocks, reactors and loops: errors that name the fix.

import type { DelayedCall } from '../DelayedCall.js';

/** @internal */
export function checkFunction(where: string, fn: unknown): asserts fn is (...args: any[]) => unknown {
  if (typeof fn !== 'function') {
    let shown: string;
    try {
      shown = typeof fn === 'string' ? `'${fn}'` : String(fn);
    } catch {
      shown = Object.prototype.toString.call(fn);
    }
    throw new TypeError(`${where}: the call must be a function, got ${shown}. Pass the function itself, then its arguments.`);
  }
}

/** @internal */
export function checkDelay(where: string, delay: unknown, allowNegative = false): asserts delay is number {
  if (typeof delay !== 'number' || Number.isNaN(delay) || delay === Number.POSITIVE_INFINITY || delay === Number.NEGATIVE_INFINITY) {
    throw new RangeError(`${where}: the delay must be a finite number of seconds, got ${String(delay)}.`);
  }
  if (!allowNegative && delay < 0) {
    throw new RangeError(`${where}: the delay must be >= 0 seconds, got ${delay}. Use 0 to run on the next turn.`);
  }
}

/** @internal */
export type AnyDelayedCall = DelayedCall;
