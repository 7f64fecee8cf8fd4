// Deferred: Twisted's callback chain, synchronous, with implicit chaining, pause, cancellation,
// timeouts and unhandled-error reporting. Rules R, C, CD, P, A, X, T, U, D, M, AW, FU of
// the Twisted reference (docs/rules.md), with deviations [J1](../../../docs/rules.md#j1)-[J11](../../../docs/rules.md#j11) of docs/design.md.

import { AlreadyCalledError, CancelledError, NotACoroutineError, TimeoutError, describeValue } from './errors.js';
import { Failure, isFailure } from './Failure.js';
import { Future } from './Future.js';
import { isDeferred, isGenerator, isThenable } from './guards.js';
import { driveCoroutine } from './inlineCallbacks.js';
import type { AddCallbacksOptions, Canceller, DeferredObservable, IReactorTime, Unwrap } from './interfaces.js';
import { fromPromiseLike, toDeferredOrNull } from './internal/adopt.js';
import { CHAIN, CONTINUE, NO_RESULT, Pair } from './internal/chainEntry.js';
import type { Entry, Fn } from './internal/chainEntry.js';
import { OBSERVABLE_KEY, deferredObservable } from './internal/observable.js';
import { DEFERRED_BRAND, shared } from './internal/shared.js';
import { DebugInfo, captureStack, clearFailure, reportUnhandledFailure, trackFailure } from './internal/unhandled.js';

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

/**
 * The Deferreds whose cancel() is running, each with the value `firings` had when it began
 * ([J13](../../../docs/rules.md#j13)). A cancel() that reaches one of them again while no Deferred has fired since is a
 * cycle and stops; one that comes back after something fired goes ahead, as in Twisted.
 */
const cancelling = new Map<Deferred<unknown>, number>();
/** How many Deferreds have fired so far (callback/errback/chainDeferred); cancel()'s progress test. */
let firings = 0;

let nextId = 1;
const ids = new WeakMap<object, number>();
function idOf(o: object): string {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return '0x' + id.toString(16);
}

/** The arguments after the first, as a new array (the extra arguments of addCallback & co). */
function extraArgs(args: IArguments): unknown[] {
  const out: unknown[] = [];
  for (let i = 1; i < args.length; i++) out.push(args[i]);
  return out;
}

function callbackGotDeferred(): TypeError {
  return new TypeError(
    'Deferred.callback() was given a Deferred. A Deferred cannot be the result of another one; ' +
      'to wait for it, return it from a callback (d.addCallback(() => other)) or use other.chainDeferred(d).',
  );
}

function notAFunction(method: string, what: string, value: unknown): TypeError {
  return new TypeError(
    `Deferred.${method}(): the ${what} must be a function, got ${describeValue(value)}. ` +
      `Pass a function (for example d.${method}((result) => ...)).`,
  );
}

// ---------------------------------------------------------------------------------------------
// Deferred
// ---------------------------------------------------------------------------------------------

/** Adds to the shape anchors in Deferred's private static field (set by its static block). */
let keepShapeAnchors!: (anchors: unknown[]) => void;

/**
 * Keep `anchors` alive as long as the package: one object of each hidden class a module's hot
 * code is built on (see Deferred's `#shapeAnchors`). @internal
 */
export function anchorShapes(...anchors: unknown[]): void {
  keepShapeAnchors(anchors);
}

/**
 * A value that is not there yet, with a chain of callbacks and errbacks that run **synchronously**
 * when it arrives — Twisted's Deferred.
 *
 * - `callback(v)` / `errback(e)` fire it once; the chain runs before they return.
 * - Each `addCallback`/`addErrback`/`addBoth`/`addCallbacks` adds one pair; exactly one side of
 *   each pair runs, and its return value (or thrown error) becomes the next result.
 * - A callback that returns a Deferred (or a promise, [J3](../../../docs/rules.md#j3)) pauses the chain until that one has a
 *   result, then continues with it — without recursion, however long the chain.
 * - `cancel()`, `pause()`/`unpause()`, `addTimeout()`, `chainDeferred()` as in Twisted.
 * - It is `PromiseLike<T>`: `await d` works, observing without consuming the result ([J4](../../../docs/rules.md#j4)).
 *
 * Mirrors Twisted's `twisted.internet.defer.Deferred`.
 *
 * @typeParam T - the type of the result the chain currently carries.
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * const d = new Deferred<number>();
 * d.addCallback((n) => n + 1).addCallback((n) => console.log('got', n));
 * d.callback(41);
 * console.log('after callback()');
 * // prints: got 42
 * //         after callback()
 * ```
 */
export class Deferred<T = unknown> implements PromiseLike<T> {
  // Every field is initialised in the constructor, always in this order, so all Deferreds share
  // one hidden class. The fields are `declare`d: a class-field initialiser would first define
  // each one as undefined, then the constructor would store it again (and V8 would see
  // `_paused` start as undefined rather than as a small integer).
  /** @internal */ declare _called: boolean;
  /** @internal */ declare _paused: number;
  /** @internal */ declare _result: unknown;
  /** @internal */ declare _canceller: Canceller<any> | null;
  /**
   * The oldest pending entry, when it is the only one or comes before those of `_cbs`: the
   * usual Deferred that waits has one entry (one callback, or the hand-off to the Deferred
   * waiting on it), which then costs no allocation beyond the Deferred itself.
   * @internal
   */
  declare _first: Entry | null;
  /**
   * The pending entries after `_first`, oldest first, or `null`. The array is consumed from
   * `_index` (never shift()); each consumed slot is cleared at once so that a callback that has
   * run is garbage (Twisted pops them), and the array is dropped once drained. `null` as a
   * Pair's function means "pass the result through".
   * @internal
   */
  declare _cbs: Entry[] | null;
  /** Index in `_cbs` of the next entry to run. @internal */ declare _index: number;
  /** @internal */ declare _runningCallbacks: boolean;
  /** @internal */ declare _chainedTo: Deferred<unknown> | null;
  /** @internal */ declare _suppressAlreadyCalled: boolean;
  /** @internal */ declare _debugInfo: DebugInfo | null;

  /**
   * Deferreds and chain entries that live as long as the class. V8 keeps the hidden class an
   * object ends up with only through the objects that have it: when none is alive (code that
   * runs now and then in a long-lived process, between two full collections) the collector
   * drops those hidden classes and throws away all optimised code built on them ("weak
   * objects" in --trace-deopt), and the next run starts again in the interpreter. These few
   * keep them: with a gc() before each batch, [M1](../../../docs/rules.md#m1) went from about a hundred such deopts and
   * 2.5–3× its cost to none and its usual cost. (A static field, not a module variable that is
   * only pushed to: a bundler drops those, and the anchors with them.)
   */
  static #shapeAnchors: unknown[] | undefined;
  static {
    // Made at the end of the module (their chains need its later functions): see makeShapeAnchors.
    keepShapeAnchors = (anchors) => {
      (Deferred.#shapeAnchors ??= []).push(...anchors);
    };
  }

  /**
   * @param canceller - called with this Deferred by `cancel()` while it has not fired; it should
   *   stop the work and may fire the Deferred itself. If it does not, `cancel()` errbacks with
   *   `CancelledError`.
   * @throws TypeError when `canceller` is given and is not a function.
   */
  constructor(canceller?: Canceller<T> | null) {
    if (canceller !== undefined && canceller !== null && typeof canceller !== 'function') {
      throw new TypeError(
        `new Deferred(canceller): the canceller must be a function, got ${describeValue(canceller)}. ` +
          'Pass a function that stops the work, or nothing.',
      );
    }
    this._called = false;
    this._paused = 0;
    this._result = NO_RESULT;
    this._canceller = canceller ?? null;
    this._first = null;
    this._cbs = null;
    this._index = 0;
    this._runningCallbacks = false;
    this._chainedTo = null;
    this._suppressAlreadyCalled = false;
    this._debugInfo = null;
    if (shared.debug) {
      const info = new DebugInfo();
      info.creator = captureStack(1);
      this._debugInfo = info;
    }
  }

  /** True once `callback`/`errback` was called (also while waiting on a chained Deferred). Twisted's `called`. */
  get called(): boolean {
    return this._called;
  }

  /** How many unmatched `pause()` calls hold the chain (plus one while waiting on a chained Deferred). Twisted's `paused`. */
  get paused(): number {
    return this._paused;
  }

  /**
   * Whether this Deferred records creator/invoker stacks. Defaults to the global
   * `setDebugging()` flag; setting it affects only this Deferred (Twisted's `d.debug = True`).
   */
  get debug(): boolean {
    const own = this._debugInfo?.debug;
    return own === undefined ? shared.debug : own;
  }
  set debug(on: boolean) {
    (this._debugInfo ??= new DebugInfo()).debug = Boolean(on);
  }

  // -------------------------------------------------------------------------------------------
  // Adding callbacks
  // -------------------------------------------------------------------------------------------

  /**
   * Add a callback and an errback as one pair; exactly one of them runs, depending on whether
   * the result reaching this pair is a success or a Failure.
   *
   * Mirrors Twisted's `Deferred.addCallbacks` (keyword arguments become `options`).
   *
   * @param callback - gets the success result (then `callbackArgs`).
   * @param errback - gets the Failure (then `errbackArgs`); omitted or `null`: pass it on.
   * @param options - `{ callbackArgs, errbackArgs }`.
   * @returns this Deferred, retyped to the pair's result.
   * @example
   * ```ts
   * import { succeed } from '@deferkit/deferred';
   * succeed(2).addCallbacks((n) => n * 10, () => -1).addCallback(console.log);
   * // prints: 20
   * ```
   */
  addCallbacks<R1, A extends unknown[] = []>(
    callback: (result: T, ...args: A) => R1,
    errback?: null,
    options?: AddCallbacksOptions<A, []>,
  ): Deferred<Unwrap<R1>>;
  addCallbacks<R1, R2, A extends unknown[] = [], B extends unknown[] = []>(
    callback: (result: T, ...args: A) => R1,
    errback: (failure: Failure, ...args: B) => R2,
    options?: AddCallbacksOptions<A, B>,
  ): Deferred<Unwrap<R1> | Unwrap<R2>>;
  addCallbacks(
    callback: Fn,
    errback?: Fn | null,
    options?: AddCallbacksOptions<unknown[], unknown[]>,
  ): Deferred<unknown> {
    if (typeof callback !== 'function') throw notAFunction('addCallbacks', 'callback', callback);
    if (errback !== undefined && errback !== null && typeof errback !== 'function') {
      throw notAFunction('addCallbacks', 'errback', errback);
    }
    const cbArgs = options?.callbackArgs;
    const ebArgs = options?.errbackArgs;
    return this._add(
      callback,
      errback ?? null,
      cbArgs === undefined || cbArgs === null || cbArgs.length === 0 ? null : cbArgs,
      ebArgs === undefined || ebArgs === null || ebArgs.length === 0 ? null : ebArgs,
    );
  }

  /**
   * Add a callback for the success path; failures pass it by.
   *
   * Mirrors Twisted's `Deferred.addCallback`.
   *
   * @param callback - gets the result, then `args`; its return value (or a Deferred's/promise's
   *   eventual result) becomes the next result; throwing switches to the error path.
   * @param args - extra arguments after the result.
   * @returns this Deferred, retyped to the callback's result (Twisted's typing).
   * @example
   * ```ts
   * import { succeed } from '@deferkit/deferred';
   * succeed('hello').addCallback((s, who: string) => `${s} ${who}`, 'world').addCallback(console.log);
   * // prints: hello world
   * ```
   */
  addCallback<R, A extends unknown[] = []>(callback: (result: T, ...args: A) => R, ...args: A): Deferred<Unwrap<R>>;
  addCallback(callback: Fn): Deferred<unknown> {
    if (typeof callback !== 'function') throw notAFunction('addCallback', 'callback', callback);
    // `arguments` rather than a rest parameter: no array is allocated for the usual call
    // without extra arguments, even where this method is not inlined.
    return this._add(callback, null, arguments.length > 1 ? extraArgs(arguments) : null, null);
  }

  /**
   * Add an errback for the error path; successes pass it by. Returning a value recovers (the
   * chain switches back to success); throwing or returning a Failure stays on the error path.
   *
   * Mirrors Twisted's `Deferred.addErrback`.
   *
   * @param errback - gets the Failure, then `args`.
   * @param args - extra arguments after the failure.
   * @returns this Deferred, retyped to `T | R`.
   * @example
   * ```ts
   * import { fail } from '@deferkit/deferred';
   * fail(new Error('boom')).addErrback((f) => `recovered from ${f.getErrorMessage()}`).addCallback(console.log);
   * // prints: recovered from boom
   * ```
   */
  addErrback<R, A extends unknown[] = []>(errback: (failure: Failure, ...args: A) => R, ...args: A): Deferred<T | Unwrap<R>>;
  addErrback(errback: Fn): Deferred<unknown> {
    if (typeof errback !== 'function') throw notAFunction('addErrback', 'errback', errback);
    return this._add(null, errback, null, arguments.length > 1 ? extraArgs(arguments) : null);
  }

  /**
   * Add one function as both callback and errback: it gets the result or the Failure.
   *
   * Mirrors Twisted's `Deferred.addBoth`.
   *
   * @param fn - gets the result or Failure, then `args`.
   * @param args - extra arguments.
   * @returns this Deferred, retyped to the function's result.
   * @example
   * ```ts
   * import { fail, Failure } from '@deferkit/deferred';
   * fail(new Error('x')).addBoth((r) => (r instanceof Failure ? 'failed' : 'ok')).addCallback(console.log);
   * // prints: failed
   * ```
   */
  addBoth<R, A extends unknown[] = []>(fn: (result: T | Failure, ...args: A) => R, ...args: A): Deferred<Unwrap<R>>;
  addBoth(fn: Fn): Deferred<unknown> {
    if (typeof fn !== 'function') throw notAFunction('addBoth', 'function', fn);
    const a = arguments.length > 1 ? extraArgs(arguments) : null;
    return this._add(fn, fn, a, a);
  }

  /**
   * Fire `other` with this Deferred's result when it arrives (success or failure); this chain
   * then continues with `undefined`. Unlike Twisted's ([CD2](../../../docs/rules.md#cd2)), long `chainDeferred` chains do not
   * recurse ([J8](../../../docs/rules.md#j8)).
   *
   * Mirrors Twisted's `Deferred.chainDeferred`.
   *
   * @param other - an unfired Deferred to fire with this one's result.
   * @returns this Deferred, now carrying `undefined` once fired.
   * @example
   * ```ts
   * import { Deferred } from '@deferkit/deferred';
   * const a = new Deferred<number>(), b = new Deferred<number>();
   * a.chainDeferred(b);
   * b.addCallback((n) => console.log('b got', n));
   * a.callback(7);
   * // prints: b got 7
   * ```
   */
  chainDeferred(other: Deferred<T>): Deferred<undefined> {
    if (!(other instanceof Deferred)) {
      if (isDeferred(other)) {
        // A Deferred of another loaded copy: fire it through its public API.
        const foreign = other as Deferred<T>;
        return this.addCallbacks(
          (r) => void foreign.callback(r),
          (f) => void foreign.errback(f),
        ) as never;
      }
      throw new TypeError(
        `Deferred.chainDeferred(other): other must be a Deferred, got ${describeValue(other)}. ` +
          'To pass the result to a function, use addCallback().',
      );
    }
    other._chainedTo = this as Deferred<unknown>;
    // Queued, never run by _add's fast path: only the loop knows the CHAIN marker.
    this._push(new Pair(CHAIN, CHAIN, other, other));
    if (this._called) this._runCallbacks();
    return this as never;
  }

  /**
   * Add one pair. On a fired, idle Deferred (not paused, not waiting, not running its
   * callbacks, nothing queued) it runs at once without being queued ([R4](../../../docs/rules.md#r4)); otherwise it is
   * appended and, if the Deferred has fired, what can run now runs. @internal
   */
  _add(cb: unknown, eb: unknown, cbArgs: unknown, ebArgs: unknown): this {
    const called = this._called;
    // The same test as _isIdle(), spelled out: on this hottest path the call measured slower
    // (the new-and-fire bench row: 0.50× vs 0.45× of native, interleaved runs), and `called` is
    // already loaded.
    if (called && this._paused === 0 && this._first === null && this._cbs === null && !this._runningCallbacks) {
      this._runNow(cb, eb, cbArgs, ebArgs);
      return this;
    }
    this._push(eb === null && cbArgs === null ? (cb as Fn) : new Pair(cb, eb, cbArgs, ebArgs));
    if (called) this._runCallbacks();
    return this;
  }

  /** Append an entry without running anything. @internal */
  _push(entry: Entry): void {
    const q = this._cbs;
    if (q !== null) q.push(entry);
    else if (this._first === null) this._first = entry;
    else this._cbs = [entry];
  }

  // -------------------------------------------------------------------------------------------
  // Firing
  // -------------------------------------------------------------------------------------------

  /**
   * Fire the success path with `result`; the chain runs before this returns. A Failure given
   * here takes the error path, exactly like `errback` ([R11](../../../docs/rules.md#r11)).
   *
   * Mirrors Twisted's `Deferred.callback`.
   *
   * @param result - the result.
   * @throws AlreadyCalledError when this Deferred already fired (once swallowed after a
   *   `cancel()` without canceller, [A4](../../../docs/rules.md#a4)).
   * @throws TypeError when `result` is a Deferred ([J2](../../../docs/rules.md#j2)): return it from a callback, or use
   *   `chainDeferred()`.
   * @example
   * ```ts
   * import { Deferred } from '@deferkit/deferred';
   * const d = new Deferred<string>();
   * d.addCallback(console.log);
   * d.callback('now');
   * // prints: now
   * ```
   */
  callback(result: T): void {
    if (result !== null && typeof result === 'object' && isDeferred(result)) throw callbackGotDeferred();
    this._startRunCallbacks(result);
  }

  /**
   * Fire the error path. `reason` may be anything (J1): a Failure is used as is, anything else
   * is wrapped in `new Failure(reason)` whose `value` is `reason`.
   *
   * Mirrors Twisted's `Deferred.errback`.
   *
   * @param reason - the error.
   * @throws AlreadyCalledError when this Deferred already fired.
   * @example
   * ```ts
   * import { Deferred } from '@deferkit/deferred';
   * const d = new Deferred();
   * d.addErrback((f) => console.log('failed:', f.getErrorMessage()));
   * d.errback(new Error('no route'));
   * // prints: failed: no route
   * ```
   */
  errback(reason?: unknown): void {
    this._startRunCallbacks(isFailure(reason) ? reason : new Failure(reason));
  }

  /** @internal */
  _startRunCallbacks(result: unknown): void {
    if (this._called) {
      this._firedAgain();
      return;
    }
    this._setResult(result);
    // Never fired before, so not running its callbacks either: only a pause holds the loop back.
    if (this._paused === 0) runLoop(this as Deferred<unknown>);
  }

  /** A second firing: swallowed once after a `cancel()` without canceller (A4), else AlreadyCalledError. @internal */
  _firedAgain(): void {
    if (this._suppressAlreadyCalled) {
      this._suppressAlreadyCalled = false;
      return;
    }
    throw this._alreadyCalled();
  }

  /** Take the first result, without running anything (callback/errback and chainDeferred). @internal */
  _setResult(result: unknown): void {
    // (Kept small so that it inlines: the debug-mode work is in _recordInvoker.)
    if (this._debugInfo !== null || shared.debug) this._recordInvoker();
    this._called = true;
    firings++;
    // Drop the canceller: it is never needed again, and it may close over this Deferred.
    this._canceller = null;
    this._result = result;
  }

  /** In debug mode, remember where this Deferred was first fired ([D2](../../../docs/rules.md#d2)). @internal */
  _recordInvoker(): void {
    // Frames skipped: _setResult, _startRunCallbacks and callback/errback, up to their caller.
    if (this.debug) (this._debugInfo ??= new DebugInfo()).invoker = captureStack(4);
  }

  /** The error of a second firing, with creator/invoker stacks in debug mode ([A1](../../../docs/rules.md#a1)-[A3](../../../docs/rules.md#a3)). @internal */
  _alreadyCalled(): AlreadyCalledError {
    return this.debug ? new AlreadyCalledError('\n' + (this._debugInfo ??= new DebugInfo()).tracebacks()) : new AlreadyCalledError();
  }

  // -------------------------------------------------------------------------------------------
  // Pause, cancel, timeout
  // -------------------------------------------------------------------------------------------

  /**
   * Stop running callbacks until a matching `unpause()`. Pauses nest.
   *
   * Mirrors Twisted's `Deferred.pause`.
   *
   * @example
   * ```ts
   * import { succeed } from '@deferkit/deferred';
   * const d = succeed(1); d.pause();
   * d.addCallback(console.log); // nothing yet
   * d.unpause();
   * // prints: 1
   * ```
   */
  pause(): void {
    this._paused++;
  }

  /**
   * Undo one `pause()`; at zero, run whatever callbacks are due.
   *
   * Mirrors Twisted's `Deferred.unpause`.
   *
   * @throws Error when there is no matching `pause()` ([J10](../../../docs/rules.md#j10): Twisted silently wedges instead).
   */
  unpause(): void {
    const waitingOnOther = this._result instanceof Deferred ? 1 : 0;
    if (this._paused - waitingOnOther <= 0) {
      throw new Error(
        'Deferred.unpause() was called without a matching pause(). Call pause() first, and unpause() ' +
          'once per pause(); a Deferred waiting on another one resumes by itself when that one fires.',
      );
    }
    this._paused--;
    if (this._paused !== 0) return;
    if (this._called) this._runCallbacks();
  }

  /**
   * Cancel: while unfired, call the canceller (which may fire this Deferred) and, if it did not,
   * errback with `CancelledError`. While waiting on a Deferred returned by a callback, cancel
   * that one instead. Once fired, do nothing.
   *
   * Mirrors Twisted's `Deferred.cancel`; a canceller that throws fails this Deferred with its
   * error instead of throwing out of `cancel()` ([J9](../../../docs/rules.md#j9)).
   *
   * @example
   * ```ts
   * import { CancelledError, Deferred } from '@deferkit/deferred';
   * const d = new Deferred(() => console.log('stopping the work'));
   * d.addErrback((f) => console.log(f.check(CancelledError) !== null));
   * d.cancel();
   * // prints: stopping the work
   * //         true
   * ```
   */
  cancel(): void {
    // J13: a cancellation that comes back to a Deferred whose cancel() is still running, with
    // nothing fired in between (a canceller cycle, or a DeferredList whose input waits on the
    // list), ends there: Twisted recurses until RecursionError; we stop at once, and the outer
    // cancel() finishes the job. If something fired meanwhile, the state has moved on and the
    // inner cancel() runs, exactly as Twisted's would; each level needs a new firing, so this ends.
    const outer = cancelling.get(this);
    if (outer === firings) return;
    cancelling.set(this, firings);
    try {
      this._cancel();
    } finally {
      if (outer === undefined) cancelling.delete(this);
      else cancelling.set(this, outer);
    }
  }

  /** What `cancel()` does, guarded against re-entry by it; subclasses override this. @internal */
  _cancel(): void {
    if (!this._called) {
      const canceller = this._canceller;
      if (canceller !== null) {
        try {
          canceller(this);
        } catch (e) {
          if (!this._called) this.errback(e);
          else reportUnhandledFailure(new Failure(e), undefined, 'macrotask');
          return;
        }
      } else {
        // No canceller: swallow the one callback()/errback() the abandoned work may still make (A4).
        this._suppressAlreadyCalled = true;
      }
      if (!this._called) this.errback(new Failure(new CancelledError()));
    } else if (this._result instanceof Deferred) {
      // Waiting on a Deferred a callback returned: cancel that one instead ([X4](../../../docs/rules.md#x4)).
      this._result.cancel();
    }
  }

  /**
   * Cancel this Deferred if it has no result after `timeout` seconds on `clock`, and turn the
   * resulting `CancelledError` into `TimeoutError` (or into whatever `onTimeoutCancel` returns).
   * Callbacks added before this call run inside the timeout; those added after see its outcome.
   *
   * Mirrors Twisted's `Deferred.addTimeout`.
   *
   * @param timeout - seconds, a finite number `>= 0`.
   * @param clock - any `IReactorTime` (a reactor, `Clock`, …).
   * @param onTimeoutCancel - `(result, timeout) => newResult`, called only when the timeout fired.
   * @returns this Deferred.
   * @throws RangeError for a negative, NaN or infinite timeout; TypeError for a clock without callLater.
   * @example
   * ```ts
   * import { Deferred, TimeoutError } from '@deferkit/deferred';
   * import { Clock } from '@deferkit/reactor';
   * const clock = new Clock();
   * const d = new Deferred().addTimeout(5, clock);
   * d.addErrback((f) => console.log(f.check(TimeoutError) !== null));
   * clock.advance(5);
   * // prints: true
   * ```
   */
  addTimeout<R = never>(
    timeout: number,
    clock: IReactorTime,
    onTimeoutCancel?: (result: T | Failure, timeout: number) => R,
  ): Deferred<T | R> {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      throw new RangeError(
        `Deferred.addTimeout(timeout, clock): timeout must be a finite number of seconds >= 0, got ${describeValue(timeout)}.`,
      );
    }
    if (clock === null || typeof clock !== 'object' || typeof (clock as IReactorTime).callLater !== 'function') {
      throw new TypeError(
        `Deferred.addTimeout(timeout, clock): clock must provide callLater() (a reactor or a Clock), got ${describeValue(clock)}.`,
      );
    }
    if (onTimeoutCancel !== undefined && typeof onTimeoutCancel !== 'function') {
      throw notAFunction('addTimeout', 'onTimeoutCancel', onTimeoutCancel);
    }
    let timedOut = false;
    const delayedCall = clock.callLater(timeout, () => {
      timedOut = true;
      this.cancel();
    });
    this.addBoth((result: T | Failure) => {
      if (!timedOut) return result;
      if (onTimeoutCancel !== undefined) return onTimeoutCancel(result, timeout);
      if (isFailure(result)) {
        result.trap(CancelledError);
        throw new TimeoutError(timeout, 'Deferred');
      }
      return result;
    });
    this.addBoth((result: unknown) => {
      if (delayedCall.active()) delayedCall.cancel();
      return result;
    });
    return this as never;
  }

  // -------------------------------------------------------------------------------------------
  // The loop
  // -------------------------------------------------------------------------------------------

  /**
   * Run every pair that can run now, on this Deferred and on the Deferreds waiting on it,
   * in one loop with an explicit stack (Twisted's `_runCallbacks`; rules [R7](../../../docs/rules.md#r7)-[R15](../../../docs/rules.md#r15), [C1](../../../docs/rules.md#c1)-[C9](../../../docs/rules.md#c9), [T1](../../../docs/rules.md#t1)).
   * @internal
   */
  _runCallbacks(): void {
    // A callback that adds callbacks to its own Deferred must not recurse: the running loop
    // picks the new pairs up ([R13](../../../docs/rules.md#r13)). A paused Deferred will not produce a result now.
    if (this._runningCallbacks || this._paused !== 0) return;
    runLoop(this as Deferred<unknown>);
  }

  /**
   * Run one pair at once on a fired, idle Deferred — not paused, not waiting, not running its
   * callbacks, nothing queued — without queuing it (R4): the same steps as one turn of
   * {@link runLoop}, without allocating the pair or entering the loop. @internal
   */
  _runNow(cb: unknown, eb: unknown, cbArgs: unknown, ebArgs: unknown): void {
    const result = this._result;
    this._chainedTo = null;
    let fn: unknown;
    let args: unknown;
    // Primitives (most results) leave the Failure test at the first typeof.
    if (typeof result === 'object' && result !== null && isFailure(result)) {
      fn = eb;
      args = ebArgs;
    } else {
      fn = cb;
      args = cbArgs;
    }
    if (fn !== null) {
      let r: unknown;
      let threw = false;
      let waiting = false;
      this._runningCallbacks = true;
      try {
        r = args === null ? (fn as Fn)(result) : (fn as Fn)(result, ...(args as unknown[]));
      } catch (e) {
        r = new Failure(e);
        threw = true;
      }
      if (threw || typeof r === 'number' || (typeof r !== 'object' && typeof r !== 'function') || r === null) {
        this._result = r;
      } else {
        // Still flagged as running while a returned thenable's then() runs: a callback it adds
        // to this Deferred is queued behind the adopted result, not run with the old one.
        waiting = takeReturned(this as Deferred<unknown>, r as object);
      }
      this._runningCallbacks = false;
      if (waiting) {
        // Now waiting on the Deferred it returned ([C3](../../../docs/rules.md#c3)): nothing more runs now.
        finishRun(this as Deferred<unknown>);
        return;
      }
    }
    this._afterRunNow();
  }

  /** After {@link _runNow}: run the pairs its callback added meanwhile (R13), or finish. @internal */
  _afterRunNow(): void {
    // Like the loop, go on with pairs added while the callback ran, even if it paused this
    // Deferred: the pause check happens only when the loop (re)starts on a Deferred.
    if (this._first !== null || this._cbs !== null) runLoop(this as Deferred<unknown>);
    else finishRun(this as Deferred<unknown>);
  }

  // -------------------------------------------------------------------------------------------
  // Promise and coroutine interop
  // -------------------------------------------------------------------------------------------

  /**
   * Observe the result as a promise does: handlers run in a later microtask (Promises/A+), the
   * chain keeps its result (J4), and a failure observed here is not reported as unhandled.
   * Makes `await d` work.
   *
   * Under `@deferkit/reactor`'s promise reactor the `awaitDeferreds` policy applies: with
   * `'error'` (the default) awaiting a Deferred that has no result yet rejects with
   * `DeferredAwaitError`; wrap it with `deferredToFuture()` or `maybeDeferredToFuture()`.
   *
   * @param onfulfilled - called with the result.
   * @param onrejected - called with the failure's `value` (the raw thrown value).
   * @returns a native Promise.
   * @example
   * ```ts
   * import { succeed } from '@deferkit/deferred';
   * const v = await succeed(3).addCallback((n) => n * 2);
   * console.log(v);
   * // prints: 6
   * ```
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const hook = shared.awaitHook;
    if (hook !== undefined) {
      const verdict = hook(this, !this._hasSettledResult());
      if (verdict !== undefined) return Promise.reject(verdict.reject).then(onfulfilled, onrejected);
    }
    return new Promise<T>((resolve, reject) => {
      this._add(
        (value: T) => {
          resolve(value);
          return value;
        },
        (failure: Failure) => {
          failure._observed = true;
          reject(failure.value);
          return failure;
        },
        null,
        null,
      );
    }).then(onfulfilled, onrejected);
  }

  /**
   * A `Future` that settles like this Deferred, observing without consuming its result (J4).
   * Cancelling the Future cancels this Deferred.
   *
   * Mirrors Twisted's `Deferred.asFuture` (which takes a loop and leaves `None` behind).
   *
   * @example
   * ```ts
   * import { Deferred } from '@deferkit/deferred';
   * const d = new Deferred<number>();
   * const f = d.asFuture();
   * d.callback(13);
   * console.log(await f);
   * // prints: 13
   * ```
   */
  asFuture(): Future<T> {
    const future = new Future<T>();
    future.addDoneCallback((f) => {
      if (f.cancelled()) this.cancel();
    });
    this._add(
      (value: T) => {
        if (!future.done()) future.setResult(value);
        return value;
      },
      (failure: Failure) => {
        failure._observed = true;
        if (!future.done()) future.setException(failure.value);
        return failure;
      },
      null,
      null,
    );
    return future;
  }

  /**
   * `yield* d` inside an `inlineCallbacks` / `fromCoroutine` generator waits for `d` and
   * evaluates to its result, typed ([J5](../../../docs/rules.md#j5); Twisted's `yield from d` / `await d`). An already-fired
   * Deferred delivers at once and keeps its result ([AW2](../../../docs/rules.md#aw2)).
   *
   * @example
   * ```ts
   * import { inlineCallbacks, succeed } from '@deferkit/deferred';
   * const f = inlineCallbacks(function* () {
   *   const n = yield* succeed(20);
   *   return n + 1;
   * });
   * f().addCallback(console.log);
   * // prints: 21
   * ```
   */
  *[Symbol.iterator](): Generator<Deferred<T>, T, any> {
    if (this._hasSettledResult()) {
      const r = this._result;
      if (isFailure(r)) {
        r._observed = true;
        if (this._debugInfo !== null) clearFailure(this._debugInfo);
        throw r.value;
      }
      return r as T;
    }
    return (yield this) as T;
  }

  /**
   * @internal Fired, not paused or waiting (a wait counts as a pause), not running its callbacks
   * and nothing queued: a callback added now would run at once with the current result (R4).
   */
  _isIdle(): boolean {
    return this._called && this._paused === 0 && this._first === null && this._cbs === null && !this._runningCallbacks;
  }

  /** @internal True when the result is here and nothing holds it back (not paused, not waiting). */
  _hasSettledResult(): boolean {
    return this._result !== NO_RESULT && this._paused === 0 && !(this._result instanceof Deferred);
  }

  /**
   * Interop observable (`Symbol.observable` / `'@@observable'`): emits the result once and
   * completes, or errors with the failure's value. Unsubscribing first cancels the Deferred, so
   * rxjs's `from(d)` cancels on unsubscribe.
   */
  '@@observable'(): DeferredObservable<T> & { '@@observable'(): DeferredObservable<T> } {
    return deferredObservable(this);
  }

  /**
   * A Deferred that fires when `future` settles — asynchronously, when the promise machinery
   * delivers ([FU3](../../../docs/rules.md#fu3)). Cancelling the Deferred cancels a cancellable `future` (a `Future`, or
   * anything with `cancel()`) and fails with `CancelledError` once it has settled ([FU4](../../../docs/rules.md#fu4)); for a
   * plain promise it fails with `CancelledError` at once and ignores the later outcome.
   *
   * Mirrors Twisted's `Deferred.fromFuture`.
   *
   * @param future - a promise, `Future` or any thenable.
   * @example
   * ```ts
   * import { Deferred } from '@deferkit/deferred';
   * Deferred.fromFuture(Promise.resolve(7)).addCallback(console.log);
   * // prints (after a microtask): 7
   * ```
   */
  static fromFuture<T>(future: PromiseLike<T>): Deferred<T> {
    const then = future !== null && (typeof future === 'object' || typeof future === 'function') ? future.then : undefined;
    if (typeof then !== 'function' || isDeferred(future)) {
      throw new TypeError(
        `Deferred.fromFuture(future): future must be a promise or thenable, got ${describeValue(future)}. ` +
          'For a plain value use succeed(value); a Deferred needs no conversion.',
      );
    }
    return fromPromiseLike(future, then);
  }

  /**
   * Run a coroutine as a Deferred ([J6](../../../docs/rules.md#j6)): a generator object is driven synchronously, exactly like
   * `inlineCallbacks` (yield Deferreds, promises or values; `yield* d` is typed); a promise from an
   * `async` function is observed (cancelling fails the Deferred with `CancelledError` at once and
   * ignores the function's later outcome).
   *
   * Mirrors Twisted's `Deferred.fromCoroutine`.
   *
   * @param coroutine - a generator object or a promise.
   * @throws NotACoroutineError for anything else.
   * @example
   * ```ts
   * import { Deferred, succeed } from '@deferkit/deferred';
   * Deferred.fromCoroutine((function* () { return (yield* succeed(1)) + 1; })()).addCallback(console.log);
   * // prints: 2
   * ```
   */
  static fromCoroutine<T>(coroutine: Generator<unknown, T, unknown> | PromiseLike<T>): Deferred<T> {
    if (isGenerator(coroutine)) return driveCoroutine(coroutine as Generator<unknown, T, unknown>);
    if (isThenable(coroutine) && !isDeferred(coroutine)) return fromPromiseLike(coroutine);
    throw new NotACoroutineError(
      `${describeValue(coroutine)} is not a coroutine: Deferred.fromCoroutine() takes a generator object ` +
        '(call your function* first) or a promise (call your async function first).',
    );
  }

  /**
   * Twisted's repr: `<Deferred at 0x1>`, `<Deferred at 0x1 current result: 'orange'>` or
   * `<Deferred at 0x1 waiting on Deferred at 0x2>` (ids are per-process counters, not addresses).
   */
  toString(): string {
    const name = (this.constructor as { name?: string }).name || 'Deferred';
    let tail = '';
    if (this._chainedTo !== null) tail = ` waiting on Deferred at ${idOf(this._chainedTo)}`;
    else if (this._result !== NO_RESULT) tail = ` current result: ${describeValue(this._result)}`;
    return `<${name} at ${idOf(this)}${tail}>`;
  }

}

Object.defineProperty(Deferred.prototype, DEFERRED_BRAND, { value: true });
// Bundlers may rename the class binding (esbuild emits `class _Deferred`); reprs use this name.
Object.defineProperty(Deferred, 'name', { value: 'Deferred' });
Object.defineProperty(Deferred.prototype, Symbol.toStringTag, { value: 'Deferred' });
// Node's util.inspect shows the Twisted-style repr.
Object.defineProperty(Deferred.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: Deferred<unknown>) {
    return this.toString();
  },
});
// Where the runtime (or a polyfill loaded first) has Symbol.observable, answer to it as well.
if (typeof OBSERVABLE_KEY === 'symbol') {
  Object.defineProperty(Deferred.prototype, OBSERVABLE_KEY, {
    value(this: Deferred<unknown>) {
      return this['@@observable']();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------------------------

/**
 * The loop of {@link Deferred._runCallbacks}, started on a Deferred that is not paused: run its
 * pairs in order; when a pair hands the result to a Deferred waiting on this one (CONTINUE) or
 * fires a `chainDeferred` target (CHAIN), go on with that one on an explicit stack instead of
 * recursing (T1, J8), and come back afterwards.
 */
function runLoop(start: Deferred<unknown>): void {
  let current = start;
  // The stack of Deferreds whose result was handed on; allocated only when a hand-off happens.
  let chain: Deferred<unknown>[] | null = null;
  // Positions in `chain` of the chainDeferred sources whose target runs above them. Twisted
  // runs `target.callback(r)` as an ordinary callback of the source, so until the target's
  // run is over the source still holds `r` and counts as running its callbacks; and a pause
  // that stops the target's run stops only that run. Allocated only for chainDeferred.
  let sources: number[] | null = null;

  run: for (;;) {
    let finished = true;
    current._chainedTo = null;
    // The current result and whether it is a Failure, kept in locals: every write to
    // current._result below also updates them, so the Failure test runs once per result the
    // loop does not make itself (primitives returned by callbacks need none).
    let result = current._result;
    let failed = isFailure(result);
    // Set once for the whole run over `current` rather than around each call: between two
    // callbacks no other code runs, except a thenable's then() during adoption, where a
    // re-entrant addCallback must be queued too. Cleared once the inner loop is left, however.
    current._runningCallbacks = true;
    // The `_cbs` array being consumed, and the index of its next entry, kept in locals while the
    // inner loop runs (and stored back in `_index` whenever it is left with entries to go):
    // while `_cbs` is this array, only _push touches it during the run, and only to append.
    let q: Entry[] | null = null;
    let qi = 0;
    for (;;) {
      // Pop the entry first: a callback may append more, and they run after it (R13).
      let entry: Entry;
      const first = q === null ? current._first : null;
      if (first !== null) {
        current._first = null;
        entry = first;
      } else {
        if (q === null) {
          q = current._cbs;
          if (q === null) break;
          qi = current._index;
        }
        entry = q[qi]!;
        if (qi + 1 === q.length) {
          current._cbs = null;
          current._index = 0;
          q = null;
        } else {
          q[qi++] = undefined as never;
        }
      }
      let r: unknown;
      if (typeof entry === 'function') {
        // A lone callback (the usual addCallback(fn)): a Failure passes it by. Called here
        // rather than through the general path below, which has arguments and markers to test.
        if (failed) continue;
        try {
          r = entry(result);
        } catch (e) {
          current._result = result = new Failure(e);
          failed = true;
          continue;
        }
      } else {
        const fn = (failed ? entry.eb : entry.cb) as Fn | null;
        const args: unknown = failed ? entry.ebArgs : entry.cbArgs;
        if (fn === null) continue;
        // The internal markers always come with arguments (the Deferred they act on).
        if (args !== null && (fn === CONTINUE || fn === CHAIN)) {
          const other = args as Deferred<unknown>;
          if (fn === CONTINUE) {
            // Hand our result to the Deferred waiting on us and forget it ourselves (C3, [C5](../../../docs/rules.md#c5)).
            other._result = result;
            current._result = undefined;
            if (current._debugInfo !== null) clearFailure(current._debugInfo);
            other._paused--;
            if (chain === null) chain = [current];
            chain.push(other);
            // Finish this one after the chainee is done.
            finished = false;
            if (q !== null) current._index = qi;
            break;
          }
          // chainDeferred: fire the target with our result, iteratively (J8).
          if (other._called) {
            if (other._suppressAlreadyCalled) {
              other._suppressAlreadyCalled = false;
              current._result = result = undefined;
              failed = false;
            } else {
              current._result = result = new Failure(other._alreadyCalled());
              failed = true;
            }
            continue;
          }
          other._setResult(result);
          if (other._paused !== 0) {
            // It runs when unpaused; its callback() has returned.
            backFromTarget(current);
            result = undefined;
            failed = false;
            continue;
          }
          // Run the target above us now (it is not paused); we keep our result and stay
          // "running" until its run is over.
          if (chain === null) chain = [current];
          (sources ??= []).push(chain.length - 1);
          chain.push(other);
          if (q !== null) current._index = qi;
          current = other;
          continue run;
        }
        try {
          r = args === null ? fn(result) : fn(result, ...(args as unknown[]));
        } catch (e) {
          current._result = result = new Failure(e);
          failed = true;
          continue;
        }
      }
      // Numbers first: V8 tests them in two instructions, the general test costs more.
      if (typeof r === 'number' || (typeof r !== 'object' && typeof r !== 'function') || r === null) {
        current._result = result = r;
        failed = false;
      } else if (takeReturned(current, r as object)) {
        if (q !== null) current._index = qi;
        break; // now waiting on it (C3)
      } else {
        result = current._result;
        failed = isFailure(result);
      }
    }

    if (finished) {
      current._runningCallbacks = false;
      finishRun(current);
      if (chain === null) return;
      chain.pop();
      if (chain.length === 0) return;
    } else {
      // Handed our result on (CONTINUE): we are not running while the chainee runs.
      current._runningCallbacks = false;
    }
    const top = chain!.length - 1;
    current = chain![top]!;
    if (sources !== null && sources.length !== 0 && sources[sources.length - 1] === top) {
      // Back at a chainDeferred source: go on with its run, paused or not (a pause is checked
      // only when a run starts).
      sources.pop();
      backFromTarget(current);
      continue;
    }
    // A paused Deferred will not produce a result now; those waiting on it will have to wait.
    // That ends this run, back to the chainDeferred source the run was started from, if any.
    if (current._paused !== 0) {
      if (sources === null || sources.length === 0) return;
      const at = sources.pop()!;
      chain!.length = at + 1;
      current = chain![at]!;
      backFromTarget(current);
    }
  }
}

/** A chainDeferred source whose target's run is over: the target's callback() returned undefined, its new result. */
function backFromTarget(source: Deferred<unknown>): void {
  source._result = undefined;
  if (source._debugInfo !== null) clearFailure(source._debugInfo);
}

/**
 * A callback of `current` returned the object or function `r`: make it the result. A Deferred
 * (or a thenable, J3) with a result gives its result ([C2](../../../docs/rules.md#c2)); one without makes `current` wait on
 * it, and then this returns true (C3).
 */
function takeReturned(current: Deferred<unknown>, r: object): boolean {
  if (r === current) {
    // Twisted warns and then waits on itself forever ([C10](../../../docs/rules.md#c10)); we take its warnings-as-errors ([J12](../../../docs/rules.md#j12))
    // behaviour so nothing hangs.
    current._result = new Failure(
      new TypeError(
        'Callback returned the Deferred it was attached to; this breaks the callback chain. ' +
          'Return a value, or a different Deferred.',
      ),
    );
    return false;
  }
  let inner: Deferred<unknown>;
  if (r instanceof Deferred) {
    inner = r as Deferred<unknown>;
  } else {
    const adopted = toDeferredOrNull(r);
    if (adopted === null) {
      current._result = r;
      return false;
    }
    inner = adopted;
  }
  const innerResult = inner._result;
  if (innerResult === NO_RESULT || innerResult instanceof Deferred || inner._paused !== 0) {
    // It has no result yet: wait for it (C3).
    current._result = inner;
    current._paused++;
    current._chainedTo = inner;
    // The inner Deferred is not running its callbacks (it has no result to run them with), so
    // appending directly is safe.
    inner._push(new Pair(CONTINUE, CONTINUE, current, current));
    return true;
  }
  // It already has a result: take it (C2).
  inner._result = undefined;
  if (inner._debugInfo !== null) clearFailure(inner._debugInfo);
  current._result = innerResult;
  return false;
}

/** Done with `d` for now: record whether it stopped on a Failure nobody handled ([U1](../../../docs/rules.md#u1)). */
function finishRun(d: Deferred<unknown>): void {
  const res = d._result;
  if (isFailure(res)) {
    const info = (d._debugInfo ??= new DebugInfo());
    trackFailure(d, info, res, d.debug);
  } else if (d._debugInfo !== null) {
    clearFailure(d._debugInfo);
  }
}

// ---------------------------------------------------------------------------------------------
// Internal accessors (for testing helpers and sibling modules)
// ---------------------------------------------------------------------------------------------

/** The current result, if it has one that nothing holds back (not unfired, paused or waiting). @internal */
export function peekResult(d: Deferred<unknown>): { has: boolean; value: unknown } {
  if (!d._hasSettledResult()) return { has: false, value: undefined };
  return { has: true, value: d._result };
}

/** Set a fired result without running anything; used by `succeed`. @internal */
export function setFired(d: Deferred<unknown>, value: unknown): void {
  d._called = true;
  d._result = value;
}


/**
 * Builds the shape anchors (see the static field `#shapeAnchors` of Deferred): a few Deferreds
 * and chain entries taken through the states a chain goes through (callbacks, a callback/errback
 * pair, a handled error, a chain paused on an inner Deferred). Nothing observable: they are
 * fired and settled, their error handled, and never exposed.
 */
function makeShapeAnchors(): unknown[] {
  const same = (x: unknown): unknown => x;
  const plain = new Deferred<unknown>();
  plain.addCallback(same).addCallbacks(same, same).addBoth(same);
  plain.callback(0);
  plain.addCallback(same);
  const failed = new Deferred<unknown>();
  let failure: unknown = null;
  failed.addCallback(same).addErrback((f) => {
    failure = f;
    return null;
  });
  failed.errback(new Error('deferkit shape anchor (handled at once)'));
  const inner = new Deferred<unknown>();
  const outer = new Deferred<unknown>();
  outer.addCallback(() => inner).addCallback(same);
  outer.callback(1);
  inner.callback(2);
  return [plain, failed, failure, inner, outer, new Pair(same, same, null, null)];
}

keepShapeAnchors(makeShapeAnchors());
