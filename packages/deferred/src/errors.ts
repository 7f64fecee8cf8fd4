// Errors raised or delivered by @deferkit/deferred. Names follow twisted.internet.defer.

import type { Failure } from './Failure.js';

/**
 * `callback()` or `errback()` was called on a Deferred that had already fired.
 *
 * With debugging on (`setDebugging(true)`) the message carries the stack that created the
 * Deferred (lines prefixed ` C:`) and the stack that fired it first (` I:`).
 *
 * Mirrors Twisted's `twisted.internet.defer.AlreadyCalledError`.
 *
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 *
 * const d = new Deferred<number>();
 * d.callback(1);
 * try { d.callback(2); } catch (e) { console.log((e as Error).name); }
 * // prints: AlreadyCalledError
 * ```
 */
export class AlreadyCalledError extends Error {
  override name = 'AlreadyCalledError';
  /** The creator/invoker stacks, when debugging was on; `undefined` otherwise. */
  readonly debugInfo: string | undefined;
  /** @param debugInfo - creator/invoker stacks (see {@link AlreadyCalledError}). */
  constructor(debugInfo?: string) {
    super(
      'This Deferred has already been fired: callback() and errback() may be called once in all. ' +
        (debugInfo === undefined
          ? 'Call setDebugging(true) to see where it was created and first fired.'
          : 'Where it was created (C:) and first fired (I:):' + debugInfo),
    );
    this.debugInfo = debugInfo;
  }
}

/**
 * The failure of a cancelled Deferred (or Future) whose canceller did not fire it itself.
 *
 * Mirrors Twisted's `twisted.internet.defer.CancelledError` (and asyncio's, for `Future`).
 *
 * @example
 * ```ts
 * import { CancelledError, Deferred } from '@deferkit/deferred';
 *
 * const d = new Deferred();
 * d.addErrback((f) => console.log(f.check(CancelledError) === CancelledError));
 * d.cancel();
 * // prints: true
 * ```
 */
export class CancelledError extends Error {
  override name = 'CancelledError';
  /** @param message - optional text; the default says what was cancelled. */
  constructor(message = 'The operation was cancelled (Deferred.cancel() or Future.cancel() was called).') {
    super(message);
  }
}

/**
 * The failure `addTimeout()` delivers when the timeout expired first.
 *
 * Mirrors Twisted's `twisted.internet.defer.TimeoutError`, raised there as
 * `TimeoutError(timeout, "Deferred")`; here those are `timeout` and `what`.
 *
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 * import { Clock } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * const d = new Deferred().addTimeout(5, clock);
 * d.addErrback((f) => console.log(f.getErrorMessage()));
 * clock.advance(5);
 * // prints: Deferred timed out after 5 seconds
 * ```
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  /** The timeout, in seconds, that expired. */
  readonly timeout: number;
  /** What timed out (`'Deferred'` for `addTimeout`). */
  readonly what: string;
  /**
   * @param timeout - the timeout in seconds.
   * @param what - what timed out.
   */
  constructor(timeout: number, what = 'Deferred') {
    super(`${what} timed out after ${timeout} seconds`);
    this.timeout = timeout;
    this.what = what;
  }
}

/**
 * The first failure among the inputs of `DeferredList({ fireOnOneErrback: true })` or
 * `gatherResults()`, with the input's position.
 *
 * Mirrors Twisted's `twisted.internet.defer.FirstError` (`subFailure`, `index`).
 *
 * @example
 * ```ts
 * import { fail, gatherResults, succeed, type FirstError } from '@deferkit/deferred';
 *
 * gatherResults([succeed(1), fail(new Error('boom'))]).addErrback((f) => {
 *   const e = f.value as FirstError;
 *   console.log(e.index, e.subFailure.getErrorMessage());
 * });
 * // prints: 1 boom
 * ```
 */
export class FirstError extends Error {
  override name = 'FirstError';
  /** The failure of the input that failed first. */
  readonly subFailure: Failure;
  /** That input's position in the list. */
  readonly index: number;
  /**
   * @param subFailure - the input's failure.
   * @param index - the input's position.
   */
  constructor(subFailure: Failure, index: number) {
    super(`FirstError[#${index}, ${subFailure.toString()}]`);
    this.subFailure = subFailure;
    this.index = index;
  }

  /** Twisted's `repr`: `FirstError[#3, Error('some text')]`. */
  override toString(): string {
    return `FirstError[#${this.index}, ${describeValue(this.subFailure.value)}]`;
  }

  /**
   * Twisted's `==`: equal when the other is a FirstError with the same index and the same
   * sub-failure (or sub-failures holding the same value).
   *
   * @param other - anything.
   */
  equals(other: unknown): boolean {
    if (!(other instanceof FirstError)) return false;
    return (
      this.index === other.index &&
      (this.subFailure === other.subFailure || this.subFailure.value === other.subFailure.value)
    );
  }
}

/**
 * `race()` failed because every input failed; `failures` holds their failures in input order.
 *
 * Mirrors Twisted's `twisted.internet.defer.FailureGroup`.
 *
 * @example
 * ```ts
 * import { fail, race, type FailureGroup } from '@deferkit/deferred';
 *
 * race([fail(new Error('a')), fail(new Error('b'))]).addErrback((f) => {
 *   console.log((f.value as FailureGroup).failures.map((x) => x.getErrorMessage()));
 * });
 * // prints: [ 'a', 'b' ]
 * ```
 */
export class FailureGroup extends Error {
  override name = 'FailureGroup';
  /** Every input's failure, in input order. */
  readonly failures: Failure[];
  /** @param failures - the failures, in input order. */
  constructor(failures: Failure[]) {
    super(`race(): all ${failures.length} inputs failed: ${failures.map((f) => f.getErrorMessage()).join('; ')}`);
    this.failures = failures;
  }
}

/**
 * `fromCoroutine()` / `ensureDeferred()` was given something that is neither a generator object
 * nor a promise (nor, for `ensureDeferred`, a Deferred). A `TypeError`, as in Twisted.
 *
 * Mirrors Twisted's `twisted.internet.defer.NotACoroutineError`.
 *
 * @example
 * ```ts
 * import { Deferred } from '@deferkit/deferred';
 *
 * try { Deferred.fromCoroutine(42 as never); } catch (e) { console.log((e as Error).name); }
 * // prints: NotACoroutineError
 * ```
 */
export class NotACoroutineError extends TypeError {
  override name = 'NotACoroutineError';
}

/**
 * `DeferredQueue#put()` on a queue already holding `size` pending values.
 *
 * Mirrors Twisted's `twisted.internet.defer.QueueOverflow`.
 *
 * @example
 * ```ts
 * import { DeferredQueue } from '@deferkit/deferred';
 *
 * const q = new DeferredQueue<number>({ size: 0 });
 * try { q.put(1); } catch (e) { console.log((e as Error).name); }
 * // prints: QueueOverflow
 * ```
 */
export class QueueOverflow extends Error {
  override name = 'QueueOverflow';
  /** @param size - the queue's size limit. */
  constructor(size: number) {
    super(
      `DeferredQueue is full: it already holds ${size} pending value(s) (its size limit). ` +
        'Wait for a get() before putting more, or create the queue with a larger size.',
    );
  }
}

/**
 * `DeferredQueue#get()` on an empty queue that already has `backlog` waiting getters.
 *
 * Mirrors Twisted's `twisted.internet.defer.QueueUnderflow`.
 *
 * @example
 * ```ts
 * import { DeferredQueue } from '@deferkit/deferred';
 *
 * const q = new DeferredQueue<number>({ backlog: 0 });
 * try { q.get(); } catch (e) { console.log((e as Error).name); }
 * // prints: QueueUnderflow
 * ```
 */
export class QueueUnderflow extends Error {
  override name = 'QueueUnderflow';
  /** @param backlog - the queue's backlog limit. */
  constructor(backlog: number) {
    super(
      `DeferredQueue has no value and already ${backlog} waiting get() call(s) (its backlog limit). ` +
        'Put a value first, or create the queue with a larger backlog.',
    );
  }
}

/**
 * A short, Python-repr-like description of any value, for error messages: strings quoted,
 * errors as `Name('message')`, functions by name, objects by their own `toString()` or as JSON.
 * Every deferkit package describes values with this one function.
 *
 * @param value - anything.
 * @example
 * ```ts
 * import { describeValue } from '@deferkit/deferred';
 * console.log(describeValue('x'), describeValue(new TypeError('bad')), describeValue([1, null]));
 * // prints: 'x' TypeError('bad') [1, null]
 * ```
 */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message).replace(/^"|"$/g, "'")})`;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `<function ${value.name || '(anonymous)'}>`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  const custom = (value as { toString?: unknown }).toString;
  if (typeof custom === 'function' && custom !== Object.prototype.toString) {
    try {
      return String(custom.call(value));
    } catch {
      /* fall through to the structural form */
    }
  }
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
