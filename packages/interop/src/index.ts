// @deferkit/interop: Deferreds meet Promises, Futures, coroutines and AbortSignals.
// rxjs and fp-ts adapters live in the './rxjs' and './fp-ts' subpaths.

// Deferred -> Future
export { deferredToFuture, maybeDeferredToFuture, PromiseReactorRequiredError } from './deferredToFuture.js';

// Coroutine -> Deferred
export { deferredFromCoro, deferredFFromCoroF, ensureAwaitable } from './deferredFromCoro.js';
export type { DeferredFromCoro } from './deferredFromCoro.js';

// Cancellation
export { withAbortSignal, abortSignalFor } from './abortSignal.js';
export type { AbortSignalLike } from './abortSignal.js';

// Callbacks
export { fromNodeCallback } from './fromNodeCallback.js';
export type { NodeStyleFunction } from './fromNodeCallback.js';
