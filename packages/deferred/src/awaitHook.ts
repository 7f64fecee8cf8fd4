// The one contract between Deferred#then and a reactor's await policy (@deferkit/reactor's
// awaitDeferreds): the reactor installs a hook, then() consults it. The hook lives in the
// state every loaded copy of this package shares, so installing it through any copy works.

import { shared } from './internal/shared.js';

/**
 * Called by `Deferred#then` (so by `await d`) before it observes the Deferred: `pending` says
 * whether it has no usable result yet. Return `{ reject }` to make the await reject with that
 * reason, or `undefined` to let it proceed.
 */
export type AwaitHook = (deferred: unknown, pending: boolean) => { reject: unknown } | undefined;

/**
 * Install (or, with `undefined`, remove) the hook `Deferred#then` consults. This is how
 * `@deferkit/reactor`'s promise reactor enforces its `awaitDeferreds` policy; a custom reactor
 * can do the same. There is one hook per process, shared by every loaded copy of the package.
 *
 * Twisted has no such hook: there, awaiting a Deferred inside a coroutine simply waits, and
 * Scrapy's asyncio reactor is what refuses it.
 *
 * @param hook - the hook, or `undefined`.
 * @example
 * ```ts
 * import { Deferred, setAwaitHook } from '@deferkit/deferred';
 * setAwaitHook((_d, pending) => (pending ? { reject: new Error('not yet') } : undefined));
 * await new Deferred().then(undefined, (e: Error) => console.log(e.message));
 * setAwaitHook(undefined);
 * // prints: not yet
 * ```
 */
export function setAwaitHook(hook: AwaitHook | undefined): void {
  if (hook !== undefined && typeof hook !== 'function') {
    throw new TypeError('setAwaitHook(hook): hook must be a function or undefined.');
  }
  shared.awaitHook = hook;
}
