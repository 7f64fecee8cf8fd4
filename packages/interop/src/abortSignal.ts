// AbortSignal <-> Deferred cancellation, both ways.

import { CancelledError, isFailure, type Deferred, type Failure } from '@deferkit/deferred';

/**
 * The part of the standard `AbortSignal` that {@link withAbortSignal} uses; any `EventTarget`-based
 * signal fits.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

// This package compiles without the DOM lib or @types/node (it runs in Node, Deno, Bun and
// browsers), so `AbortSignal` is not a name it can use directly. The runtime's own type is
// read from the consumer's `globalThis` instead: with the DOM lib or @types/node in scope this
// is the real `AbortSignal` (so the result can go to `fetch()`), else the structural subset.
type RuntimeAbortSignal = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : AbortSignalLike;

interface AbortControllerLike {
  readonly signal: RuntimeAbortSignal;
  abort(reason?: unknown): void;
}

function newAbortController(): AbortControllerLike {
  const Ctor = (globalThis as unknown as { AbortController?: new () => AbortControllerLike }).AbortController;
  if (typeof Ctor !== 'function') {
    throw new TypeError('abortSignalFor(d): this runtime has no AbortController; load a polyfill (e.g. abort-controller) first.');
  }
  return new Ctor();
}

/**
 * Cancel `d` when `signal` aborts (at once if it already has). The listener is removed once
 * `d` has a result, so long-lived signals do not collect listeners.
 *
 * @param d - the Deferred to cancel.
 * @param signal - an `AbortSignal`.
 * @returns `d`.
 * @example
 * ```ts
 * import { CancelledError, Deferred } from '@deferkit/deferred';
 * import { withAbortSignal } from '@deferkit/interop';
 *
 * const controller = new AbortController();
 * const download = new Deferred<string>(() => console.log('download cancelled'));
 * withAbortSignal(download, controller.signal).addErrback((f) => console.log(f.check(CancelledError) !== null));
 * controller.abort(); // cancels the download
 * // prints: download cancelled
 * //         true
 * ```
 */
export function withAbortSignal<T>(d: Deferred<T>, signal: AbortSignalLike): Deferred<T> {
  if (signal === null || typeof signal !== 'object' || typeof signal.addEventListener !== 'function') {
    throw new TypeError('withAbortSignal(d, signal): signal must be an AbortSignal (e.g. new AbortController().signal).');
  }
  if (signal.aborted) {
    d.cancel();
    return d;
  }
  const onAbort = (): void => d.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  d.addBoth((result: T | Failure) => {
    signal.removeEventListener('abort', onAbort);
    return result;
  });
  return d;
}

/**
 * An `AbortSignal` that aborts (with the `CancelledError` as reason) when `d` is cancelled —
 * to hand `d`'s cancellation to `fetch()` or anything else that takes a signal. It does not
 * abort when `d` succeeds or fails otherwise.
 *
 * @param d - the Deferred to watch.
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { createServer } from 'node:http';
 * import type { AddressInfo } from 'node:net';
 * import { Deferred } from '@deferkit/deferred';
 * import { abortSignalFor } from '@deferkit/interop';
 *
 * const server = createServer(() => {}).listen(0, '127.0.0.1'); // accepts, never answers
 * await once(server, 'listening');
 * const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
 *
 * const d = new Deferred<Response>();
 * const signal = abortSignalFor(d); // before any errback that would swallow the cancellation
 * fetch(url, { signal }).then(
 *   (r) => d.callback(r),
 *   (e: unknown) => {
 *     console.log('fetch rejected with', (e as Error).name); // the signal's reason
 *     server.close();
 *     server.closeAllConnections();
 *   },
 * );
 * d.addErrback((f) => console.log('Deferred:', f.type?.name));
 * d.cancel(); // aborts the fetch
 * // prints: Deferred: CancelledError
 * //         fetch rejected with CancelledError
 * ```
 */
export function abortSignalFor(d: Deferred<unknown>): RuntimeAbortSignal {
  const controller = newAbortController();
  d.addBoth((result: unknown) => {
    if (isFailure(result) && result.check(CancelledError) !== null) controller.abort(result.value);
    return result;
  });
  return controller.signal;
}
