// The one timer structure of this package: Clock and every reactor and event loop keep their
// pending DelayedCalls in a TimerHeap.
//
// A binary min-heap ordered by (deadline, tie-break), both plain numbers held by the heap itself
// in one Float64Array (slot i at 2i and 2i + 1), so ordering reads two adjacent doubles and never
// calls into the DelayedCall. Each call records its slot (_heapIndex), so removing or re-keying
// any call is O(log n), as is insertion and taking the earliest; peeking is O(1).

import type { DelayedCall } from '../DelayedCall.js';

const MIN_CAPACITY = 16;

/** @internal */
export class TimerHeap {
  #calls: Array<DelayedCall | undefined> = [];
  /** [deadline, tie-break] per slot. */
  #keys = new Float64Array(2 * MIN_CAPACITY);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The earliest call, or undefined when empty. */
  peek(): DelayedCall | undefined {
    return this.#size > 0 ? this.#calls[0] : undefined;
  }

  /** The earliest deadline, or +Infinity when empty. */
  peekTime(): number {
    return this.#size > 0 ? this.#keys[0]! : Number.POSITIVE_INFINITY;
  }

  /** The tie-break of the earliest call (undefined behaviour when empty). */
  peekTieBreak(): number {
    return this.#keys[1]!;
  }

  /** Whether `call` is in this heap. */
  has(call: DelayedCall): boolean {
    const i = call._heapIndex;
    return i >= 0 && i < this.#size && this.#calls[i] === call;
  }

  /** The deadline `call` is filed under (it must be in the heap). */
  timeOf(call: DelayedCall): number {
    return this.#keys[2 * call._heapIndex]!;
  }

  /** The tie-break `call` is filed under (it must be in the heap). */
  tieBreakOf(call: DelayedCall): number {
    return this.#keys[2 * call._heapIndex + 1]!;
  }

  /** Add `call` under (when, tieBreak). */
  push(call: DelayedCall, when: number, tieBreak: number): void {
    const i = this.#size;
    if (2 * i === this.#keys.length) this.#resize(2 * i);
    this.#size = i + 1;
    this.#up(i, call, when, tieBreak);
  }

  /** Remove and return the earliest call. */
  pop(): DelayedCall | undefined {
    const n = this.#size;
    if (n === 0) return undefined;
    const calls = this.#calls;
    const top = calls[0]!;
    top._heapIndex = -1;
    this.#takeLast(0);
    return top;
  }

  /** Remove `call` wherever it is; false when it is not in the heap. */
  remove(call: DelayedCall): boolean {
    if (!this.has(call)) return false;
    const i = call._heapIndex;
    call._heapIndex = -1;
    this.#takeLast(i);
    return true;
  }

  /** File `call` (which must be in the heap) under a new (when, tieBreak). */
  update(call: DelayedCall, when: number, tieBreak: number): void {
    const i = call._heapIndex;
    const keys = this.#keys;
    const oldWhen = keys[2 * i]!;
    const oldTie = keys[2 * i + 1]!;
    if (when < oldWhen || (when === oldWhen && tieBreak < oldTie)) this.#up(i, call, when, tieBreak);
    else this.#down(i, call, when, tieBreak);
  }

  /** The calls, in heap order (a new array). */
  toArray(): DelayedCall[] {
    return this.#calls.slice(0, this.#size) as DelayedCall[];
  }

  /** The calls in (deadline, tie-break) order (a new array). O(n log n). */
  sorted(): DelayedCall[] {
    const keys = this.#keys;
    const order = Array.from({ length: this.#size }, (_, i) => i);
    order.sort((a, b) => keys[2 * a]! - keys[2 * b]! || keys[2 * a + 1]! - keys[2 * b + 1]!);
    const calls = this.#calls;
    return order.map((i) => calls[i]!);
  }

  /**
   * Fill slot `i` (just vacated) with the last call and restore the order. Floyd's way: walk the
   * hole down to a leaf along the smaller children (one comparison per level), then sift the last
   * call up from there — it came from the bottom, so it rarely climbs far. That halves the
   * comparisons of popping, the hot path of firing.
   */
  #takeLast(i: number): void {
    const n = this.#size - 1;
    this.#size = n;
    const calls = this.#calls;
    const last = calls[n]!;
    calls[n] = undefined;
    if (i < n) {
      const keys = this.#keys;
      const w = keys[2 * n]!;
      const t = keys[2 * n + 1]!;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n) {
          const cw = keys[2 * c]!;
          const rw = keys[2 * r]!;
          if (rw < cw || (rw === cw && keys[2 * r + 1]! < keys[2 * c + 1]!)) c = r;
        }
        keys[2 * i] = keys[2 * c]!;
        keys[2 * i + 1] = keys[2 * c + 1]!;
        const moved = calls[c]!;
        calls[i] = moved;
        moved._heapIndex = i;
        i = c;
      }
      this.#up(i, last, w, t);
    }
    const capacity = this.#keys.length >> 1;
    if (capacity > 1024 && n < capacity >> 2) this.#resize(capacity >> 1);
  }

  /** Put (call, w, t) at slot i or above it. */
  #up(i: number, call: DelayedCall, w: number, t: number): void {
    const keys = this.#keys;
    const calls = this.#calls;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pw = keys[2 * p]!;
      if (!(w < pw || (w === pw && t < keys[2 * p + 1]!))) break;
      keys[2 * i] = pw;
      keys[2 * i + 1] = keys[2 * p + 1]!;
      const moved = calls[p]!;
      calls[i] = moved;
      moved._heapIndex = i;
      i = p;
    }
    keys[2 * i] = w;
    keys[2 * i + 1] = t;
    calls[i] = call;
    call._heapIndex = i;
  }

  /** Put (call, w, t) at slot i or below it. */
  #down(i: number, call: DelayedCall, w: number, t: number): void {
    const keys = this.#keys;
    const calls = this.#calls;
    const n = this.#size;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let cw = keys[2 * c]!;
      let ct = keys[2 * c + 1]!;
      const r = c + 1;
      if (r < n) {
        const rw = keys[2 * r]!;
        const rt = keys[2 * r + 1]!;
        if (rw < cw || (rw === cw && rt < ct)) {
          c = r;
          cw = rw;
          ct = rt;
        }
      }
      if (!(cw < w || (cw === w && ct < t))) break;
      keys[2 * i] = cw;
      keys[2 * i + 1] = ct;
      const moved = calls[c]!;
      calls[i] = moved;
      moved._heapIndex = i;
      i = c;
    }
    keys[2 * i] = w;
    keys[2 * i + 1] = t;
    calls[i] = call;
    call._heapIndex = i;
  }

  #resize(capacity: number): void {
    const keys = new Float64Array(2 * Math.max(MIN_CAPACITY, capacity));
    keys.set(this.#keys.subarray(0, 2 * this.#size));
    this.#keys = keys;
    if (this.#calls.length > this.#size) this.#calls.length = this.#size;
  }
}
