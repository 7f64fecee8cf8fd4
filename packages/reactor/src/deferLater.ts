// deferLater: a Deferred that fires after a delay (rules [DL1](../../../docs/rules.md#dl1)-[DL3](../../../docs/rules.md#dl3)).

import { Deferred, type IReactorTime, type Unwrap } from '@deferkit/deferred';
import { checkDelay } from './internal/validate.js';

/**
 * A Deferred that fires with `undefined` `delay` seconds from now on `clock`; cancelling it
 * first cancels the scheduled call and fails it with `CancelledError`.
 *
 * Mirrors Twisted's `twisted.internet.task.deferLater` (without a callable).
 *
 * @param clock - any `IReactorTime` (a reactor, `Clock`, …).
 * @param delay - seconds.
 * @example
 * ```ts
 * import { Clock, deferLater } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * deferLater(clock, 1).addCallback(() => console.log('a second later'));
 * clock.advance(1);
 * // prints: a second later
 * ```
 */
export function deferLater(clock: IReactorTime, delay: number): Deferred<undefined>;
/**
 * A Deferred that fires `delay` seconds from now on `clock` with `fn(...args)` (or `undefined`
 * without `fn`). An error thrown by `fn` fails it; a Deferred or promise `fn` returns is
 * waited for. Cancelling it before the delay cancels the scheduled call: `fn` never runs and
 * it fails with `CancelledError`.
 *
 * Mirrors Twisted's `twisted.internet.task.deferLater`.
 *
 * @param clock - any `IReactorTime` (a reactor, `Clock`, …).
 * @param delay - seconds.
 * @param fn - optional function to call then.
 * @param args - its arguments.
 * @example
 * ```ts
 * import { Clock, deferLater } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * deferLater(clock, 3, (a: string, b: string) => a + b, 'foo', 'bar').addCallback(console.log);
 * clock.advance(3);
 * // prints: foobar
 * ```
 */
export function deferLater<R, A extends unknown[]>(
  clock: IReactorTime,
  delay: number,
  fn: (...args: A) => R,
  ...args: A
): Deferred<Unwrap<R>>;
export function deferLater(
  clock: IReactorTime,
  delay: number,
  fn?: (...args: unknown[]) => unknown,
  ...args: unknown[]
): Deferred<unknown> {
  if (clock === null || typeof clock !== 'object' || typeof clock.callLater !== 'function') {
    throw new TypeError('deferLater(clock, delay, fn?): clock must provide callLater() (a reactor or a Clock).');
  }
  checkDelay('deferLater(clock, delay, fn?)', delay, true);
  if (fn !== undefined && typeof fn !== 'function') {
    throw new TypeError('deferLater(clock, delay, fn?): fn must be a function (or omitted).');
  }
  const d = new Deferred<unknown>(() => {
    delayedCall.cancel();
  });
  d.addCallback(() => (fn === undefined ? undefined : fn(...args)));
  const delayedCall = clock.callLater(delay, () => d.callback(undefined));
  return d;
}
