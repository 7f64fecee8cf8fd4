// DeferredQueue: a FIFO whose get() returns a Deferred (rules [Q1](../../../docs/rules.md#q1)-[Q2](../../../docs/rules.md#q2)).

import { Deferred } from './Deferred.js';
import { QueueOverflow, QueueUnderflow, describeValue } from './errors.js';
import { Fifo } from './internal/Fifo.js';
import { succeed } from './constructors.js';

/** Options of {@link DeferredQueue}. */
export interface DeferredQueueOptions {
  /** Most values held while nobody waits; more puts throw `QueueOverflow`. Unlimited if omitted. */
  size?: number;
  /** Most get() calls waiting on an empty queue; more throw `QueueUnderflow`. Unlimited if omitted. */
  backlog?: number;
}

/**
 * A queue for Deferred-based code: `put(v)` hands `v` to the oldest waiting `get()` or keeps
 * it; `get()` returns a Deferred that fires with the oldest value (at once if there is one).
 * Cancelling a waiting get removes it.
 *
 * Mirrors Twisted's `twisted.internet.defer.DeferredQueue`.
 *
 * @typeParam T - the values' type.
 * @example
 * ```ts
 * import { DeferredQueue } from '@deferkit/deferred';
 *
 * const q = new DeferredQueue<string>();
 * q.get().addCallback(console.log);
 * q.put('hello');
 * // prints: hello
 * ```
 */
export class DeferredQueue<T> {
  /** The size limit, or `undefined` for none. */
  readonly size: number | undefined;
  /** The backlog limit, or `undefined` for none. */
  readonly backlog: number | undefined;
  readonly #pending = new Fifo<T>();
  readonly #waiting = new Fifo<Deferred<T>>();

  /**
   * @param options - `{ size, backlog }`, non-negative integers.
   * @throws RangeError for a negative or non-integer limit.
   */
  constructor(options: DeferredQueueOptions = {}) {
    const { size, backlog } = options;
    for (const [name, v] of [
      ['size', size],
      ['backlog', backlog],
    ] as const) {
      if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
        throw new RangeError(`new DeferredQueue({ ${name} }): ${name} must be an integer >= 0 or omitted, got ${describeValue(v)}.`);
      }
    }
    this.size = size ?? undefined;
    this.backlog = backlog ?? undefined;
  }

  /** Values put and not yet taken (a snapshot). */
  get pending(): readonly T[] {
    return this.#pending.toArray();
  }

  /** get() calls waiting for a value (a snapshot). */
  get waiting(): ReadonlyArray<Deferred<T>> {
    return this.#waiting.toArray();
  }

  /**
   * Add a value: the oldest waiting get() receives it now, or it is kept.
   *
   * @param value - the value.
   * @throws QueueOverflow when `size` values are already kept.
   */
  put(value: T): void {
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter.callback(value);
    else if (this.size === undefined || this.#pending.length < this.size) this.#pending.push(value);
    else throw new QueueOverflow(this.size);
  }

  /**
   * Take the oldest value.
   *
   * @returns a Deferred firing with it (already fired if a value is kept).
   * @throws QueueUnderflow when the queue is empty and `backlog` get() calls already wait.
   */
  get(): Deferred<T> {
    if (this.#pending.length > 0) return succeed(this.#pending.shift() as T);
    if (this.backlog === undefined || this.#waiting.length < this.backlog) {
      const d = new Deferred<T>((self) => {
        this.#waiting.remove(self);
      });
      this.#waiting.push(d);
      return d;
    }
    throw new QueueUnderflow(this.backlog);
  }
}
