// @deferkit/deferred: Twisted's Deferred for TypeScript.

// Deferred
export { Deferred, isDeferred } from './Deferred.js';
export type {
  AddCallbacksOptions,
  Canceller,
  DeferredObservable,
  IDelayedCall,
  IReactorTime,
  Unwrap,
} from './Deferred.js';
export { Failure, isFailure } from './Failure.js';
export type { FailureMatcher, MatchedValue } from './Failure.js';
export { Future, InvalidStateError } from './Future.js';

// Constructors
export { succeed, fail, maybeDeferred, execute } from './succeed.js';

// Combinators
export { DeferredList, gatherResults } from './DeferredList.js';
export type {
  DeferredListConstructor,
  DeferredListEntry,
  DeferredListOptions,
  FirstResult,
  GatheredResults,
} from './DeferredList.js';
export { race } from './race.js';
export type { RaceResult } from './race.js';

// Coroutines
export { inlineCallbacks, ensureDeferred } from './inlineCallbacks.js';

// Concurrency primitives
export { ConcurrencyPrimitive } from './internal/ConcurrencyPrimitive.js';
export { DeferredLock } from './DeferredLock.js';
export { DeferredSemaphore } from './DeferredSemaphore.js';
export { DeferredQueue } from './DeferredQueue.js';
export type { DeferredQueueOptions } from './DeferredQueue.js';

// Debugging and unhandled errors
export { setDebugging, getDebugging, onUnhandledError, logError } from './debug.js';
export type { UnhandledErrorHandler, UnhandledErrorInfo } from './internal/shared.js';

// Errors
export {
  AlreadyCalledError,
  CancelledError,
  TimeoutError,
  FirstError,
  FailureGroup,
  NotACoroutineError,
  QueueOverflow,
  QueueUnderflow,
} from './errors.js';
