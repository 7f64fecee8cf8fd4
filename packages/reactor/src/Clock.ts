// Clock: deterministic time for tests (rules [K1](../../../docs/rules.md#k1)-[K6](../../../docs/rules.md#k6)).

import type { IReactorTime } from '@deferkit/deferred';
import { DelayedCall, type TimerOwner } from './DelayedCall.js';
import { TimerHeap } from './internal/TimerHeap.js';
import { checkDelay, checkFunction } from './internal/validate.js';

/**
 * A clock that only moves when told to: `callLater()` schedules, `advance(seconds)` moves time
 * and runs every call that became due — in time order, same-time calls in the order they were
 * scheduled, and calls scheduled during `advance` run in the same `advance` when due. Errors
 * thrown by a call propagate out of `advance()`; the remaining due calls stay queued.
 *
 * The pending calls live in a timer heap (the one the reactors use), so `callLater`, `reset`,
 * `delay` and running a due call cost O(log n) in the number of pending calls, and `cancel` O(1)
 * (amortised: cancelled calls are dropped lazily, as in Twisted's reactor). The order
 * is Twisted's stable sort by time: equal times run in scheduling order, and a call moved by
 * `reset`/`delay` onto a time others already hold runs before them when it moved later and after
 * them when it moved earlier (where a stable re-sort of the list puts it).
 *
 * Mirrors Twisted's `twisted.internet.task.Clock`.
 *
 * @example
 * ```ts
 * import { Clock } from '@deferkit/reactor';
 *
 * const clock = new Clock();
 * clock.callLater(2, () => console.log('two'));
 * clock.callLater(1, () => console.log('one'));
 * clock.advance(2);
 * // prints: one
 * //         two
 * ```
 */
export class Clock implements IReactorTime {
  /** The current time. Twisted's `rightNow`. */
  rightNow = 0;
  /**
   * The pending calls in the order they will run (Twisted's `calls`): a live, read-only view of
   * the clock's heap, the same array on every read. It is brought up to date when read, at
   * O(n log n) after a change; change calls through `cancel()`, `reset()` and `delay()`.
   */
  readonly calls: DelayedCall[];
  readonly #heap = new TimerHeap();
  /**
   * Tie-breaks: a new call takes the next `#last` (after every call of its time); a call moved
   * later takes the next `#first` (before them). See #settle.
   */
  #last = 0;
  #first = 0;
  /**
   * Calls moved by reset()/delay() since the last re-sort, each with the time it is still filed
   * under (its time before its first move since then).
   */
  #moved = new Map<DelayedCall, number>();
  /** The array behind `calls`, and whether it is behind the heap. */
  readonly #view: DelayedCall[] = [];
  #viewStale = false;
  readonly #owner: TimerOwner;

  constructor() {
    const heap = this.#heap;
    this.#owner = {
      _now: () => this.rightNow,
      _cancelCall: (call) => {
        if (heap.remove(call)) this.#viewStale = true;
      },
      _moveCall: (call, oldTime) => {
        // Twisted re-sorts on the next callLater() or advance(), not now: until then the call keeps
        // its place in the list (and in the heap, under its old time).
        if (heap.has(call) && !this.#moved.has(call)) this.#moved.set(call, oldTime);
      },
    };
    this.calls = new Proxy(this.#view, this.#viewHandler());
  }

  /** The current time in seconds (0 at creation). */
  seconds(): number {
    return this.rightNow;
  }

  /**
   * Schedule `fn(...args)` `delay` seconds from now. Nothing runs inside `callLater`, even with
   * delay 0; negative delays are allowed (they run at the next `advance`), as in Twisted.
   *
   * @param delay - seconds from now.
   * @param fn - the function.
   * @param args - its arguments.
   * @throws RangeError for NaN or infinite delays; TypeError when `fn` is not a function.
   */
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): DelayedCall {
    checkDelay('Clock.callLater(delay, fn)', delay, true);
    checkFunction('Clock.callLater(delay, fn)', fn);
    const when = this.rightNow + delay;
    const call = new DelayedCall(when, fn as (...a: unknown[]) => unknown, args, this.#owner);
    // Twisted appends, then re-sorts: moved calls settle among the old ones, the new call goes
    // after every call of its time.
    this.#settle();
    // A call due already (delay <= 0) goes into the heap's due lane: an append, not a sift.
    if (delay <= 0) this.#heap.pushDue(call, when, ++this.#last);
    else this.#heap.push(call, when, ++this.#last);
    this.#viewStale = true;
    return call;
  }

  /** The pending calls: the live list `calls`, in the order they will run (as Twisted's). */
  getDelayedCalls(): DelayedCall[] {
    return this.calls;
  }

  /**
   * Move time forward by `amount` seconds and run what is due.
   *
   * @param amount - seconds, >= 0 in practice (not checked, as in Twisted).
   * @throws whatever a due call throws (the rest stay queued for the next advance).
   */
  advance(amount: number): void {
    this.rightNow += amount;
    const heap = this.#heap;
    this.#settle();
    for (let call = heap.popIfDue(this.rightNow, Infinity); call !== undefined; call = heap.popIfDue(this.rightNow, Infinity)) {
      this.#viewStale = true;
      call._setCalled();
      const fn = call.func!;
      const args = call.args!;
      if (args.length === 0) fn();
      else fn(...args);
      this.#settle();
    }
  }

  /**
   * `advance(t)` for each `t` in order.
   *
   * @param timings - the steps.
   */
  pump(timings: Iterable<number>): void {
    for (const t of timings) this.advance(t);
  }

  /**
   * Re-file the calls moved since the last re-sort where Twisted's stable sort by `getTime()` puts
   * them. Until now each kept its old place, so among calls of its new time it comes first when
   * it moved later (its old place was before theirs) and last when it moved earlier; several
   * moved onto one time keep their old order among themselves.
   */
  #settle(): void {
    if (this.#moved.size === 0) return;
    const heap = this.#heap;
    const moved: Array<[DelayedCall, number]> = [];
    for (const entry of this.#moved) if (heap.has(entry[0])) moved.push(entry);
    this.#moved.clear();
    moved.sort((a, b) => a[1] - b[1] || heap.tieBreakOf(a[0]) - heap.tieBreakOf(b[0]));
    // Later-moved calls take ever smaller tie-breaks, so walk them last-first.
    for (let i = moved.length - 1; i >= 0; i--) {
      const [call, filed] = moved[i]!;
      const now = call.getTime();
      if (now > filed) heap.update(call, now, --this.#first);
    }
    for (const [call, filed] of moved) {
      const now = call.getTime();
      if (now < filed) heap.update(call, now, ++this.#last);
    }
    this.#viewStale = true;
  }

  /** Keeps `#view` up to date on every read through `calls`, and refuses writes. */
  #viewHandler(): ProxyHandler<DelayedCall[]> {
    const sync = (): void => {
      if (!this.#viewStale) return;
      this.#viewStale = false;
      const sorted = this.#heap.sorted();
      const view = this.#view;
      view.length = sorted.length;
      for (let i = 0; i < sorted.length; i++) view[i] = sorted[i]!;
    };
    const refuse = (): never => {
      throw new TypeError(
        "Clock.calls is a read-only view of the clock's pending calls; change them with call.cancel(), call.reset() or call.delay(), or schedule with clock.callLater().",
      );
    };
    return {
      get: (target, key) => {
        sync();
        const value = Reflect.get(target, key, target) as unknown;
        return value;
      },
      has: (target, key) => {
        sync();
        return Reflect.has(target, key);
      },
      ownKeys: (target) => {
        sync();
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor: (target, key) => {
        sync();
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
      setPrototypeOf: refuse,
      preventExtensions: refuse,
    };
  }
}
