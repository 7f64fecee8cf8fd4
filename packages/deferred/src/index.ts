// @deferkit/deferred: Twisted's Deferred for TypeScript.

// Deferred
export { Deferred } from './Deferred.js';
export type {
  AddCallbacksOptions,
  Canceller,
  DeferredObservable,
  IDelayedCall,
  IReactorTime,
  Unwrap,
} from './interfaces.js';
export { isDeferred, isGenerator, isThenable } from './guards.js';
export { Failure, isFailure } from './Failure.js';
export type { FailureMatcher, MatchedValue } from './Failure.js';
export { Future, InvalidStateError } from './Future.js';

// Constructors
export { succeed, fail, maybeDeferred, execute } from './constructors.js';

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
export { ConcurrencyPrimitive } from './ConcurrencyPrimitive.js';
export { DeferredLock } from './DeferredLock.js';
export { DeferredSemaphore } from './DeferredSemaphore.js';
export { DeferredQueue } from './DeferredQueue.js';
export type { DeferredQueueOptions } from './DeferredQueue.js';

// Debugging and unhandled errors
export { setDebugging, getDebugging, onUnhandledError, logError } from './debug.js';
export type { UnhandledErrorHandler, UnhandledErrorInfo } from './debug.js';

// The await hook a reactor installs
export { setAwaitHook } from './awaitHook.js';
export type { AwaitHook } from './awaitHook.js';

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
  describeValue,
} from './errors.js';
