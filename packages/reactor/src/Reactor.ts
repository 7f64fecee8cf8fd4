// Reactor: what both reactors share — run/stop, system event triggers, timed and soon calls.

import { Deferred, DeferredList, isDeferred, logError, maybeDeferred, type IReactorTime } from '@deferkit/deferred';
import type { DelayedCall } from './DelayedCall.js';
import { ReactorAlreadyRunning, ReactorNotRunning } from './errors.js';
import type { Handle } from './EventLoop.js';
import { KeepAlive, type Scheduler } from './internal/Scheduler.js';
import { checkDelay, checkFunction } from './internal/validate.js';

/**
 * Run a `during`/`after` trigger without waiting for its result: log what it throws, and a
 * promise it returns that rejects (a Deferred it returns is left to its owner; if it fails
 * unhandled, the unhandled-error report says so, as in Twisted).
 */
function runUnwaited(t: Trigger): void {
  let r: unknown;
  try {
    r = t.fn(...t.args);
  } catch (e) {
    logError(e);
    return;
  }
  if (!isDeferred(r) && r !== null && (typeof r === 'object' || typeof r === 'function') && typeof (r as PromiseLike<unknown>).then === 'function') {
    (r as PromiseLike<unknown>).then(undefined, (e: unknown) => void logError(e));
  }
}

/** A system event phase. Twisted's `before` / `during` / `after`. */
export type TriggerPhase = 'before' | 'during' | 'after';
/** A system event. */
export type SystemEvent = 'startup' | 'shutdown';
/** What `addSystemEventTrigger` returns, for `removeSystemEventTrigger`. */
export interface TriggerId {
  /** The event. */
  readonly event: SystemEvent;
  /** The phase. */
  readonly phase: TriggerPhase;
}

/**
 * A reactor: the loop that runs timed calls, soon calls and system event triggers. Both
 * `CallbackLoopReactor` (Twisted's own loop) and `PromiseLoopReactor` (asyncio's) implement it.
 *
 * Mirrors Twisted's `IReactorCore` + `IReactorTime`.
 */
export interface Reactor extends IReactorTime {
  /** `'callback'` (Twisted's default reactor) or `'promise'` (the asyncio reactor). */
  readonly kind: 'callback' | 'promise';
  /** A descriptive name, e.g. `'CallbackLoopReactor'`. */
  readonly name: string;
  /** True from the startup `during` phase until the shutdown `during` phase. */
  readonly running: boolean;
  /** Start; resolves once `stop()` has run every shutdown trigger. */
  run(): Promise<void>;
  /** Stop: fire the shutdown triggers on the next turn, then end `run()`. */
  stop(): void;
  /** Call `fn(...args)` once running (now, if it already is). */
  callWhenRunning<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void;
  /** Call `fn(...args)` on the next turn, FIFO. */
  callSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Handle;
  /** Call `fn(...args)` `delay` seconds from now. */
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): DelayedCall;
  /** The pending timed calls. */
  getDelayedCalls(): DelayedCall[];
  /** Register a system event trigger; shutdown triggers may return Deferreds or promises, which are waited for. */
  addSystemEventTrigger<A extends unknown[]>(
    phase: TriggerPhase,
    event: SystemEvent,
    fn: (...args: A) => unknown,
    ...args: A
  ): TriggerId;
  /** Remove a trigger that has not run. */
  removeSystemEventTrigger(id: TriggerId): void;
}

interface Trigger extends TriggerId {
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const PHASES: readonly TriggerPhase[] = ['before', 'during', 'after'];

/**
 * The run/stop/trigger logic both reactors share; a subclass supplies the scheduler. Exported
 * because `CallbackLoopReactor` and `PromiseLoopReactor` extend it (their declarations need it);
 * implement the `Reactor` interface rather than extending it.
 *
 * Mirrors Twisted's `twisted.internet.base.ReactorBase`.
 */
export abstract class ReactorBase implements Reactor {
  abstract readonly kind: 'callback' | 'promise';
  abstract readonly name: string;
  /** @internal */
  protected abstract readonly _scheduler: Scheduler;
  #state: State = 'new';
  #running = false;
  readonly #triggers: Record<SystemEvent, Record<TriggerPhase, Trigger[]>> = {
    startup: { before: [], during: [], after: [] },
    shutdown: { before: [], during: [], after: [] },
  };
  readonly #keepAlive = new KeepAlive();
  #runDone: Promise<void> | null = null;
  #resolveRun: (() => void) | null = null;

  /** Whether to hold the process open while running (host-driven reactors do). @internal */
  protected _keepsProcessAlive(): boolean {
    return true;
  }

  get running(): boolean {
    return this.#running;
  }

  seconds(): number {
    return this._scheduler.now();
  }

  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): DelayedCall {
    checkDelay('callLater(delay, fn)', delay, false, this.name);
    checkFunction('callLater(delay, fn)', fn, this.name);
    return this._scheduler.callLater(delay, fn as (...a: unknown[]) => unknown, args);
  }

  callSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Handle {
    checkFunction('callSoon(fn)', fn, this.name);
    return this._scheduler.callSoon(fn as (...a: unknown[]) => unknown, args);
  }

  getDelayedCalls(): DelayedCall[] {
    return this._scheduler.delayedCalls();
  }

  callWhenRunning<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    checkFunction('callWhenRunning(fn)', fn, this.name);
    if (this.#running) fn(...args);
    else this.addSystemEventTrigger('after', 'startup', fn, ...args);
  }

  addSystemEventTrigger<A extends unknown[]>(
    phase: TriggerPhase,
    event: SystemEvent,
    fn: (...args: A) => unknown,
    ...args: A
  ): TriggerId {
    if (!PHASES.includes(phase)) {
      throw new TypeError(`${this.name}.addSystemEventTrigger(phase, event, fn): phase must be 'before', 'during' or 'after', got ${String(phase)}.`);
    }
    if (event !== 'startup' && event !== 'shutdown') {
      throw new TypeError(`${this.name}.addSystemEventTrigger(phase, event, fn): event must be 'startup' or 'shutdown', got ${String(event)}.`);
    }
    checkFunction('addSystemEventTrigger(phase, event, fn)', fn, this.name);
    const trigger: Trigger = { phase, event, fn: fn as (...a: unknown[]) => unknown, args };
    this.#triggers[event][phase].push(trigger);
    return trigger;
  }

  removeSystemEventTrigger(id: TriggerId): void {
    const list = this.#triggers[id.event]?.[id.phase];
    const i = list === undefined ? -1 : list.indexOf(id as Trigger);
    if (i === -1) {
      throw new Error(`${this.name}.removeSystemEventTrigger(id): no such trigger (it already ran, or was removed).`);
    }
    list!.splice(i, 1);
  }

  run(): Promise<void> {
    if (this.#state === 'stopped') {
      throw new ReactorAlreadyRunning(
        `${this.name} has already run and stopped; reactors are not restartable. Create a new one (uninstallReactor() first if it was installed).`,
      );
    }
    if (this.#state !== 'new') throw new ReactorAlreadyRunning(`${this.name}.run(): the reactor is already running.`);
    this.#state = 'starting';
    this.#runDone = new Promise<void>((resolve) => {
      this.#resolveRun = resolve;
    });
    if (this._keepsProcessAlive()) this.#keepAlive.hold();
    this._scheduler.start();
    this.#fireSystemEvent('startup', () => {
      if (this.#state === 'starting') this.#state = 'running';
    });
    return this.#runDone;
  }

  stop(): void {
    if (this.#state !== 'starting' && this.#state !== 'running') {
      throw new ReactorNotRunning(`Can't stop ${this.name}: it isn't running (call run() first, or check reactor.running).`);
    }
    this.#state = 'stopping';
    // Shutdown runs on the next turn, as in Twisted's mainLoop.
    this._scheduler.callSoon(() => {
      this.#fireSystemEvent('shutdown', () => {
        this.#state = 'stopped';
        this._scheduler.stop();
        this.#keepAlive.release();
        this.#resolveRun?.();
      });
    }, []);
  }

  /**
   * Fire the triggers of `event` as Twisted's `_ThreePhaseEvent` does: run every `before`
   * trigger (including those added while they run) and wait for the Deferreds and promises they
   * return; then run the `during` and `after` triggers, whose results are not waited for. A
   * trigger that throws or fails is logged and the others still run.
   */
  #fireSystemEvent(event: SystemEvent, done: () => void): void {
    const phases = this.#triggers[event];
    const waits: Deferred<unknown>[] = [];
    for (let t = phases.before.shift(); t !== undefined; t = phases.before.shift()) {
      const d = maybeDeferred(t.fn, ...t.args);
      // Logged once, and handled: logError passes the Failure on (as Twisted's does), which
      // would leave it unhandled and reported a second time when `d` is collected.
      d.addErrback((f) => void logError(f));
      waits.push(d as Deferred<unknown>);
    }
    new DeferredList(waits).addCallback(() => {
      this.#running = event === 'startup';
      for (const phase of ['during', 'after'] as const) {
        const list = phases[phase];
        for (let t = list.shift(); t !== undefined; t = list.shift()) runUnwaited(t);
      }
      done();
    });
  }
}
