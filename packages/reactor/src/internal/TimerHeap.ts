// The one timer structure of this package: Clock and every reactor and event loop keep their
// pending DelayedCalls in a TimerHeap.
//
// A binary min-heap ordered by (deadline, tie-break), both plain numbers held by the heap itself
// in one Float64Array (slot i at 2i and 2i + 1), so ordering reads two adjacent doubles and never
// calls into the DelayedCall. Each call records its slot (_heapIndex), so removing or re-keying
// any call is O(log n), as is insertion and taking the earliest; peeking is O(1).
//
// Beside the heap sits the due lane: a FIFO for calls that are due when they are scheduled
// (callLater(0), the commonest timed call of a reactor). Their owner files them with pushDue().
// Their deadline is "now", which never goes back, and their tie-break is the next one, so
// appending keeps the lane sorted by (deadline, tie-break) and the earliest call is the earlier
// of the lane's front and the heap's top. A lane call costs an append and a shift instead of
// a sift up and a sift down. A lane call records -2 - its lane position in _heapIndex; removing
// one leaves a hole that the front skips, and re-keying one moves it into the heap.

import type { DelayedCall } from '../DelayedCall.js';

const MIN_CAPACITY = 16;

/** @internal */
export class TimerHeap {
  #calls: Array<DelayedCall | undefined> = [];
  /** [deadline, tie-break] per slot. */
  #keys = new Float64Array(2 * MIN_CAPACITY);
  #size = 0;
  /** The due lane: calls (holes where removed), their [deadline, tie-break] pairs, the front. */
  #lane: Array<DelayedCall | undefined> = [];
  #laneKeys: number[] = [];
  #laneHead = 0;
  /** Calls in the lane (not counting holes). */
  #laneLive = 0;

  get size(): number {
    return this.#size + this.#laneLive;
  }

  /** Whether the earliest call is the lane's front (the lane is not empty, its front is skipped to). */
  #laneFirst(): boolean {
    if (this.#laneLive === 0) return false;
    const lane = this.#lane;
    let h = this.#laneHead;
    while (lane[h] === undefined) h++;
    this.#laneHead = h;
    if (this.#size === 0) return true;
    const lw = this.#laneKeys[2 * h]!;
    const hw = this.#keys[0]!;
    return lw < hw || (lw === hw && this.#laneKeys[2 * h + 1]! < this.#keys[1]!);
  }

  /** The earliest call, or undefined when empty. */
  peek(): DelayedCall | undefined {
    if (this.#laneFirst()) return this.#lane[this.#laneHead];
    return this.#size > 0 ? this.#calls[0] : undefined;
  }

  /** The earliest deadline, or +Infinity when empty. */
  peekTime(): number {
    if (this.#laneFirst()) return this.#laneKeys[2 * this.#laneHead]!;
    return this.#size > 0 ? this.#keys[0]! : Number.POSITIVE_INFINITY;
  }

  /** The tie-break of the earliest call (undefined behaviour when empty). */
  peekTieBreak(): number {
    if (this.#laneFirst()) return this.#laneKeys[2 * this.#laneHead + 1]!;
    return this.#keys[1]!;
  }

  /** Whether `call` is in this heap. */
  has(call: DelayedCall): boolean {
    const i = call._heapIndex;
    if (i <= -2) return this.#lane[-2 - i] === call;
    return i >= 0 && i < this.#size && this.#calls[i] === call;
  }

  /** The deadline `call` is filed under (it must be in the heap). */
  timeOf(call: DelayedCall): number {
    const i = call._heapIndex;
    return i <= -2 ? this.#laneKeys[2 * (-2 - i)]! : this.#keys[2 * i]!;
  }

  /** The tie-break `call` is filed under (it must be in the heap). */
  tieBreakOf(call: DelayedCall): number {
    const i = call._heapIndex;
    return i <= -2 ? this.#laneKeys[2 * (-2 - i) + 1]! : this.#keys[2 * i + 1]!;
  }

  /**
   * Add `call`, due already, under (when, tieBreak): into the lane when that keeps it sorted
   * (`when` and `tieBreak` no smaller than its last call's), else into the heap. The owner
   * calls it for a deadline at or before its current time, with a tie-break above every one
   * it gave before.
   */
  pushDue(call: DelayedCall, when: number, tieBreak: number): void {
    const lane = this.#lane;
    const n = lane.length;
    const keys = this.#laneKeys;
    if (n > this.#laneHead && (when < keys[2 * n - 2]! || (when === keys[2 * n - 2]! && tieBreak < keys[2 * n - 1]!))) {
      this.push(call, when, tieBreak);
      return;
    }
    lane.push(call);
    keys.push(when, tieBreak);
    call._heapIndex = -2 - n;
    this.#laneLive++;
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
    if (this.#laneFirst()) {
      const h = this.#laneHead;
      const call = this.#lane[h]!;
      this.#lane[h] = undefined;
      this.#laneHead = h + 1;
      call._heapIndex = -1;
      this.#laneTaken();
      return call;
    }
    const n = this.#size;
    if (n === 0) return undefined;
    const calls = this.#calls;
    const top = calls[0]!;
    top._heapIndex = -1;
    this.#takeLast(0);
    return top;
  }

  /**
   * Remove and return the earliest call if it is due at `now` and its tie-break is below `limit`
   * (it was scheduled before the turn began), else undefined. One look at the front per call.
   */
  popIfDue(now: number, limit: number): DelayedCall | undefined {
    if (this.#laneFirst()) {
      const h = this.#laneHead;
      const keys = this.#laneKeys;
      if (!(keys[2 * h]! <= now && keys[2 * h + 1]! < limit)) return undefined;
      const call = this.#lane[h]!;
      this.#lane[h] = undefined;
      this.#laneHead = h + 1;
      call._heapIndex = -1;
      this.#laneTaken();
      return call;
    }
    if (this.#size === 0 || !(this.#keys[0]! <= now && this.#keys[1]! < limit)) return undefined;
    return this.pop();
  }

  /** Remove `call` wherever it is; false when it is not in the heap. */
  remove(call: DelayedCall): boolean {
    if (!this.has(call)) return false;
    const i = call._heapIndex;
    call._heapIndex = -1;
    if (i <= -2) {
      this.#lane[-2 - i] = undefined;
      this.#laneTaken();
    } else {
      this.#takeLast(i);
    }
    return true;
  }

  /**
   * A call left the lane (its slot is a hole now). An empty lane starts over; a lane whose front
   * part is mostly holes is compacted, so a lane that never empties (each call scheduling the
   * next) does not grow without bound. Compacting renumbers the calls: O(live), amortised O(1).
   */
  #laneTaken(): void {
    const live = --this.#laneLive;
    const lane = this.#lane;
    if (live === 0) {
      lane.length = 0;
      this.#laneKeys.length = 0;
      this.#laneHead = 0;
      return;
    }
    const h = this.#laneHead;
    if (h < 1024 || h < lane.length >> 1) return;
    const keys = this.#laneKeys;
    let j = 0;
    for (let i = h; i < lane.length; i++) {
      const c = lane[i];
      if (c === undefined) continue;
      lane[j] = c;
      keys[2 * j] = keys[2 * i]!;
      keys[2 * j + 1] = keys[2 * i + 1]!;
      c._heapIndex = -2 - j;
      j++;
    }
    lane.length = j;
    keys.length = 2 * j;
    this.#laneHead = 0;
  }

  /** File `call` (which must be in the heap) under a new (when, tieBreak). */
  update(call: DelayedCall, when: number, tieBreak: number): void {
    const i = call._heapIndex;
    if (i <= -2) {
      // Out of the lane (its order holds only for the keys it was filed under), into the heap.
      this.remove(call);
      this.push(call, when, tieBreak);
      return;
    }
    const keys = this.#keys;
    const oldWhen = keys[2 * i]!;
    const oldTie = keys[2 * i + 1]!;
    if (when < oldWhen || (when === oldWhen && tieBreak < oldTie)) this.#up(i, call, when, tieBreak);
    else this.#down(i, call, when, tieBreak);
  }

  /** The calls, in heap order, then the lane's (a new array). */
  toArray(): DelayedCall[] {
    const out = this.#calls.slice(0, this.#size) as DelayedCall[];
    if (this.#laneLive > 0) for (const c of this.#lane) if (c !== undefined) out.push(c);
    return out;
  }

  /** The calls in (deadline, tie-break) order (a new array). O(n log n). */
  sorted(): DelayedCall[] {
    const out = this.toArray();
    const when = out.map((c) => this.timeOf(c));
    const tie = out.map((c) => this.tieBreakOf(c));
    const order = Array.from({ length: out.length }, (_, i) => i);
    order.sort((a, b) => when[a]! - when[b]! || tie[a]! - tie[b]!);
    return order.map((i) => out[i]!);
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
