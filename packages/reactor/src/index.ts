// @deferkit/reactor: reactors, event loops and time for deferkit.

// Reactors
export type { Reactor, SystemEvent, TriggerId, TriggerPhase } from './Reactor.js';
export { ReactorBase } from './Reactor.js';
export { CallbackLoopReactor } from './CallbackLoopReactor.js';
export type { CallbackLoopReactorOptions } from './CallbackLoopReactor.js';
export { PromiseLoopReactor } from './PromiseLoopReactor.js';
export type { PromiseLoopReactorOptions } from './PromiseLoopReactor.js';

// Event loops
export type { EventLoop, Handle, TimerHandle } from './EventLoop.js';
export { SchedulerEventLoop } from './EventLoop.js';
export { HostEventLoop } from './HostEventLoop.js';
export { VirtualTimeEventLoop } from './VirtualTimeEventLoop.js';

// Installation
export {
  installReactor,
  getReactor,
  isPromiseReactorInstalled,
  isReactorInstalled,
  verifyInstalledReactor,
  uninstallReactor,
  getRunningLoop,
  sleep,
  loadEventLoop,
} from './install.js';
export type { EventLoopSpec, InstallReactorOptions, ReactorSpec } from './install.js';
export type { AwaitDeferredsPolicy } from './awaitPolicy.js';

// Time
export { Clock } from './Clock.js';
export { DelayedCall } from './DelayedCall.js';
export type { TimerOwner } from './DelayedCall.js';
export { deferLater } from './deferLater.js';
export { LoopingCall } from './LoopingCall.js';

// Errors
export {
  AlreadyCalled,
  AlreadyCancelled,
  DeferredAwaitError,
  NoRunningLoopError,
  ReactorAlreadyInstalledError,
  ReactorAlreadyRunning,
  ReactorMismatchError,
  ReactorNotInstalledError,
  ReactorNotRunning,
} from './errors.js';
