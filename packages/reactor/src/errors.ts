// Errors of @deferkit/reactor. Names follow twisted.internet.error and Scrapy's messages.

/**
 * `cancel()`, `reset()` or `delay()` on a call that has already run.
 *
 * Mirrors Twisted's `twisted.internet.error.AlreadyCalled` (a ValueError there).
 *
 * @example
 * ```ts
 * import { Clock } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * const call = clock.callLater(1, () => {});
 * clock.advance(1);
 * try { call.cancel(); } catch (e) { console.log((e as Error).name); }
 * // prints: AlreadyCalled
 * ```
 */
export class AlreadyCalled extends Error {
  override name = 'AlreadyCalled';
  /** @param message - what was attempted. */
  constructor(message = 'Tried to change a delayed call that has already run; check active() first.') {
    super(message);
  }
}

/**
 * `cancel()`, `reset()` or `delay()` on a call that was cancelled.
 *
 * Mirrors Twisted's `twisted.internet.error.AlreadyCancelled` (a ValueError there).
 *
 * @example
 * ```ts
 * import { Clock } from '@deferkit/reactor';
 *
 * const call = new Clock().callLater(1, () => {});
 * call.cancel();
 * try { call.cancel(); } catch (e) { console.log((e as Error).name); }
 * // prints: AlreadyCancelled
 * ```
 */
export class AlreadyCancelled extends Error {
  override name = 'AlreadyCancelled';
  /** @param message - what was attempted. */
  constructor(message = 'Tried to change a delayed call that was cancelled; check active() first.') {
    super(message);
  }
}

/**
 * `stop()` on a reactor that is not running.
 *
 * Mirrors Twisted's `twisted.internet.error.ReactorNotRunning`.
 *
 * @example
 * ```ts
 * import { CallbackLoopReactor } from '@deferkit/reactor';
 *
 * try { new CallbackLoopReactor().stop(); } catch (e) { console.log((e as Error).name); }
 * // prints: ReactorNotRunning
 * ```
 */
export class ReactorNotRunning extends Error {
  override name = 'ReactorNotRunning';
  /** @param message - details. */
  constructor(message = "Can't stop a reactor that isn't running: call run() first, or check reactor.running.") {
    super(message);
  }
}

/**
 * `run()` on a reactor that is running, or that has already run and stopped (reactors are not
 * restartable, as in Twisted).
 *
 * Mirrors Twisted's `ReactorAlreadyRunning` / `ReactorNotRestartable`.
 */
export class ReactorAlreadyRunning extends Error {
  override name = 'ReactorAlreadyRunning';
}

/**
 * `installReactor()` while a reactor is installed (also after `getReactor()` installed the
 * default one).
 *
 * Mirrors Twisted's `twisted.internet.error.ReactorAlreadyInstalledError`.
 *
 * @example
 * ```ts
 * import { installReactor } from '@deferkit/reactor';
 *
 * installReactor('callback');
 * try { installReactor('promise'); } catch (e) { console.log((e as Error).name); }
 * // prints: ReactorAlreadyInstalledError
 * ```
 */
export class ReactorAlreadyInstalledError extends Error {
  override name = 'ReactorAlreadyInstalledError';
}

/**
 * `verifyInstalledReactor()` found another reactor than the one requested.
 * Its message starts like Scrapy's: `The installed reactor (callback) does not match the
 * requested one (promise)`.
 *
 * Mirrors Scrapy's `verify_installed_reactor` error.
 */
export class ReactorMismatchError extends Error {
  override name = 'ReactorMismatchError';
  /** The installed reactor's kind. */
  readonly installed: string;
  /** The requested kind. */
  readonly requested: string;
  /**
   * @param installed - the installed reactor's kind.
   * @param requested - the requested kind.
   */
  constructor(installed: string, requested: string) {
    super(
      `The installed reactor (${installed}) does not match the requested one (${requested}). ` +
        `Install the ${requested} reactor before anything calls getReactor(), or request the ${installed} one (the REACTOR setting).`,
    );
    this.installed = installed;
    this.requested = requested;
  }
}

/**
 * Something needs an installed reactor and none is installed (`verifyInstalledReactor()`, or
 * a `CrawlerRunner`).
 *
 * Mirrors Scrapy's "called without an installed reactor" RuntimeErrors.
 */
export class ReactorNotInstalledError extends Error {
  override name = 'ReactorNotInstalledError';
}

/**
 * `getRunningLoop()` or `sleep()` without the promise reactor installed: there is no asyncio-style
 * loop to use.
 *
 * Mirrors asyncio's `RuntimeError: no running event loop`.
 *
 * @example
 * ```ts
 * import { getRunningLoop } from '@deferkit/reactor';
 *
 * try { getRunningLoop(); } catch (e) { console.log((e as Error).message.split(':')[0]); }
 * // prints: no running event loop
 * ```
 */
export class NoRunningLoopError extends Error {
  override name = 'NoRunningLoopError';
  /** @param what - the function that needed the loop. */
  constructor(what = 'getRunningLoop()') {
    super(
      `no running event loop: ${what} needs the promise reactor. Call installReactor('promise') first ` +
        "(REACTOR = 'promise' in the crawler), or use a Deferred-based helper such as deferLater() under the callback reactor.",
    );
  }
}

/**
 * Awaiting a Deferred that has no result yet, under the promise reactor with the default
 * `awaitDeferreds: 'error'` policy. Scrapy's asyncio reactor fails the same way
 * (`RuntimeError: Task got bad yield: <Deferred at 0x…>`).
 *
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * import { installReactor } from '@deferkit/reactor';
 *
 * installReactor('promise');
 * try { await new Deferred(); } catch (e) { console.log((e as Error).name); }
 * // prints: DeferredAwaitError
 * ```
 */
export class DeferredAwaitError extends Error {
  override name = 'DeferredAwaitError';
  /** @param deferredRepr - the Deferred's `toString()`. */
  constructor(deferredRepr: string) {
    super(
      `Cannot await a Deferred that has no result yet under the promise reactor (Scrapy: "Task got bad yield: ${deferredRepr}"). ` +
        'Wrap it with deferredToFuture() (promise reactor only) or maybeDeferredToFuture() (any reactor), ' +
        "e.g. await maybeDeferredToFuture(d); or install the reactor with { awaitDeferreds: 'allow' }.",
    );
  }
}
