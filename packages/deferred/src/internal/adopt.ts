// Adopting what is not one of our Deferreds ([J3](../../../../docs/rules.md#j3)): another loaded copy's Deferred, mirrored
// synchronously through its public API, and promises/thenables, observed as Promises/A+ says.

import { CancelledError } from '../errors.js';
import { Deferred } from '../Deferred.js';
import { DEFERRED_BRAND } from './shared.js';

/**
 * A Deferred of this copy standing for `value` when it is a Deferred (of any copy) or a
 * thenable; `null` for anything else. `then` is read exactly once, as Promises/A+ requires; a
 * `then` getter that throws gives a failed Deferred.
 * @internal
 */
export function toDeferredOrNull(value: unknown): Deferred<unknown> | null {
  if (value instanceof Deferred) return value as Deferred<unknown>;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return null;
  if ((value as Record<symbol, unknown>)[DEFERRED_BRAND] === true) return adoptForeign(value as Deferred<unknown>);
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch (e) {
    const failed = new Deferred<unknown>();
    failed.errback(e);
    return failed;
  }
  return typeof then === 'function' ? fromPromiseLike(value as PromiseLike<unknown>, then as PromiseLike<unknown>['then']) : null;
}

/** Another copy's Deferred, mirrored synchronously through its public API. */
function adoptForeign(foreign: Deferred<unknown>): Deferred<unknown> {
  const d = new Deferred<unknown>(() => foreign.cancel());
  foreign.addCallbacks(
    (r) => {
      if (!d._called) d.callback(r);
    },
    (f) => {
      if (!d._called) d.errback(f);
    },
  );
  return d;
}

/** Fire `d` with `value`, first following it if it is itself a Deferred or thenable (A+ 2.3.3.3.1). */
export function resolveInto(d: Deferred<unknown>, value: unknown): void {
  if (d._called) return;
  const inner = toDeferredOrNull(value);
  if (inner === null) d._startRunCallbacks(value);
  else inner._add(passInto, passInto, [d], [d]);
}

function passInto(result: unknown, d: Deferred<unknown>): undefined {
  if (!d._called) d._startRunCallbacks(result);
  return undefined;
}

/** The marker the fromFuture canceller fires with, so the chain can swap in a placeholder ([FU4](../../../../docs/rules.md#fu4)). */
const FUTURE_CANCELLED: unique symbol = Symbol('deferkit.futureCancelled');

export function fromPromiseLike<T>(p: PromiseLike<T>, then: PromiseLike<T>['then'] = p.then): Deferred<T> {
  const cancellable = typeof (p as { cancel?: unknown }).cancel === 'function';
  // Where the outcome goes: the Deferred itself, or the placeholder swapped in by cancel().
  let target: Deferred<unknown>;
  let settled = false;
  const d = new Deferred<T>((self) => {
    if (cancellable) {
      // Cancel the future and wait for it to settle (it settles with CancelledError).
      try {
        (p as unknown as { cancel(): unknown }).cancel();
      } catch (e) {
        self.errback(e);
        return;
      }
      self._startRunCallbacks(FUTURE_CANCELLED);
    } else {
      // A plain promise cannot be stopped: fail now, ignore its later outcome ([J6](../../../../docs/rules.md#j6)).
      self.errback(new CancelledError());
    }
  });
  target = d as Deferred<unknown>;
  if (cancellable) {
    d._add(
      (r: unknown) => {
        if (r !== FUTURE_CANCELLED) return r;
        target = new Deferred<unknown>();
        return target;
      },
      null,
      null,
      null,
    );
  }
  try {
    then.call(
      p,
      (value) => {
        if (settled) return;
        settled = true;
        resolveInto(target, value);
      },
      (reason) => {
        if (settled) return;
        settled = true;
        if (!target._called) target.errback(reason);
      },
    );
  } catch (e) {
    if (!settled) {
      settled = true;
      if (!target._called) target.errback(e);
    }
  }
  return d;
}
