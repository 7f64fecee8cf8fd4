// The one timer structure of this package: Clock and every reactor and event loop keep their
// pending DelayedCalls in a TimerHeap.
//
// A 4-ary min-heap of entries [deadline, tie-break, slot], all plain numbers in one
// Float64Array (entry i at 3i..3i + 2), ordered by (deadline, tie-break). The slot names the
// call in a side table (#slab), so sifting moves numbers within one array and never touches a
// call, and the heap needs no position kept in the call (which lazy removal, below, relies on).
// Four children are adjacent, and the heap is half as deep as a binary one. Measured at a million
// pending calls, popping costs about what the binary heap of calls did (which wrote each moved
// call's position back into it): the walk's dependent loads through a heap out of cache
// dominate, whatever the arity (2, 4, 8 and 16 were tried).
//
// Removal is lazy, as in Twisted's reactor (ReactorBase._cancelCallLater). A call knows its
// entry's slot (_slot); cancelling it empties the slot (O(1)) and leaves the entry stale;
// moving it (reset, delay) empties the old slot and files a new entry. A stale entry is dropped
// when it reaches the top, or when stale entries outnumber live ones (and are more than
// STALE_MIN) at a rebuild: O(n) without touching a heap call, so amortised O(1) per stale entry, and
// the heap never holds more than about twice its live calls. A slot is reused only once no entry
// names it.
//
// Beside the heap sits the due lane: a FIFO for calls that are due when they are scheduled
// (callLater(0), the commonest timed call of a reactor). Their owner files them with pushDue().
// Their deadline is "now", which never goes back, and their tie-break is the next one, so
// appending keeps the lane sorted by (deadline, tie-break) and the earliest call is the earlier
// of the lane's front and the heap's top. A lane call costs an append and a shift instead of
// a sift up and a sift down. Only a new call enters the lane (a moved one goes to the heap), so
// the lane holds its calls themselves and a call there has the slot IN_LANE: cancelled or moved,
// it has another, and its lane entry is stale. Stale entries are skipped at the front, as the
// heap's are.

import type { DelayedCall } from '../DelayedCall.js';

const MIN_CAPACITY = 16;
/** Fewer stale entries than this are never worth a rebuild (Twisted's threshold). */
const STALE_MIN = 50;
/** The `_slot` of a call in the due lane: above every heap slot (the slab never gets this long). */
const IN_LANE = 0x3fffffff;

/**
 * Slots are read back from the Float64Arrays as doubles; `| 0` keeps them small integers, so a
 * call's _slot field stays a Smi field (a double there would box it in every DelayedCall).
 * @internal
 */
export class TimerHeap {
  /** [deadline, tie-break, slot] per entry. */
  #keys = new Float64Array(3 * MIN_CAPACITY);
  /** Entries in the heap, live and stale. */
  #n = 0;
  /** Slot → call while the entry naming it is live; undefined while stale or free. */
  #slab: Array<DelayedCall | undefined> = [];
  /**
   * Slots no entry names: a stack in a typed array, so freeing the slots of a million cancelled
   * calls allocates nothing the GC must scan (a growing number[] did, in the middle of cancels).
   */
  #free = new Int32Array(MIN_CAPACITY);
  #freeCount = 0;
  /** The due lane: its calls (undefined before the front), [deadline, tie-break] per entry, the front. */
  #lane: Array<DelayedCall | undefined> = [];
  #laneKeys: number[] = [];
  #laneHead = 0;
  /** Calls in the heap and the lane; entries there that are stale. */
  #live = 0;
  #stale = 0;

  /** The number of calls filed (stale entries not counted). */
  get size(): number {
    return this.#live;
  }

  /**
   * Drop the stale entries at the heap's top and the lane's front, so both are live calls.
   * Nothing to do, and one comparison, while no entry is stale.
   */
  #clean(): void {
    if (this.#stale === 0) return;
    const slab = this.#slab;
    // #takeLast may shrink the key array: read it afresh each time.
    while (this.#n > 0 && slab[this.#keys[2]!] === undefined) {
      this.#release(this.#keys[2]! | 0);
      this.#stale--;
      this.#takeLast(0);
    }
    const lane = this.#lane;
    let h = this.#laneHead;
    if (h < lane.length && lane[h]!._slot !== IN_LANE) {
      do {
        lane[h] = undefined;
        this.#stale--;
        h++;
      } while (h < lane.length && lane[h]!._slot !== IN_LANE);
      this.#laneHead = h;
      this.#laneAdvanced();
    }
  }

  /** Whether the earliest call is the lane's front (call after #clean()). */
  #laneFirst(): boolean {
    const h = this.#laneHead;
    if (h === this.#lane.length) return false;
    if (this.#n === 0) return true;
    const keys = this.#laneKeys;
    const lw = keys[2 * h]!;
    const hw = this.#keys[0]!;
    return lw < hw || (lw === hw && keys[2 * h + 1]! < this.#keys[1]!);
  }

  /** The earliest call, or undefined when empty. */
  peek(): DelayedCall | undefined {
    this.#clean();
    if (this.#laneFirst()) return this.#lane[this.#laneHead];
    return this.#n > 0 ? this.#slab[this.#keys[2]!] : undefined;
  }

  /** The earliest deadline, or +Infinity when empty. */
  peekTime(): number {
    this.#clean();
    if (this.#laneFirst()) return this.#laneKeys[2 * this.#laneHead]!;
    return this.#n > 0 ? this.#keys[0]! : Number.POSITIVE_INFINITY;
  }

  /** The tie-break of the earliest call (undefined behaviour when empty). */
  peekTieBreak(): number {
    this.#clean();
    if (this.#laneFirst()) return this.#laneKeys[2 * this.#laneHead + 1]!;
    return this.#keys[1]!;
  }

  /** Whether `call` (one of this heap's owner's calls) is in the heap. */
  has(call: DelayedCall): boolean {
    return call._slot >= 0;
  }

  /** The tie-break `call` is filed under (it must be in the heap). */
  tieBreakOf(call: DelayedCall): number {
    return call._tie;
  }

  /** A slot for `call`: a free one, else a new one. */
  #claim(call: DelayedCall): number {
    const slab = this.#slab;
    const slot = this.#freeCount > 0 ? this.#free[--this.#freeCount]! : slab.length;
    slab[slot] = call;
    call._slot = slot;
    return slot;
  }

  /** `slot` is named by no entry any more: reuse it. */
  #release(slot: number): void {
    if (this.#freeCount === this.#free.length) {
      // Never more free slots than slots: grow to the slab's size at once.
      const free = new Int32Array(Math.max(2 * this.#free.length, this.#slab.length));
      free.set(this.#free);
      this.#free = free;
    }
    this.#free[this.#freeCount++] = slot;
  }

  /**
   * Add `call`, new and due already, under (when, tieBreak): into the lane when that keeps it
   * sorted (`when` and `tieBreak` no smaller than its last entry's), else into the heap. The
   * owner calls it for a deadline at or before its current time, with a tie-break above every
   * one it gave before.
   */
  pushDue(call: DelayedCall, when: number, tieBreak: number): void {
    const lane = this.#lane;
    const n = lane.length;
    const keys = this.#laneKeys;
    if (n > this.#laneHead && (when < keys[2 * n - 2]! || (when === keys[2 * n - 2]! && tieBreak < keys[2 * n - 1]!))) {
      this.push(call, when, tieBreak);
      return;
    }
    call._tie = tieBreak;
    call._slot = IN_LANE;
    lane.push(call);
    keys.push(when, tieBreak);
    this.#live++;
  }

  /** Add `call`, new (not in the heap), under (when, tieBreak). */
  push(call: DelayedCall, when: number, tieBreak: number): void {
    call._tie = tieBreak;
    this.#live++;
    this.#insert(when, tieBreak, this.#claim(call));
  }

  /**
   * File `call` (which must be in the heap) under a new (when, tieBreak): a new entry in a new
   * slot; the old entry goes stale.
   */
  update(call: DelayedCall, when: number, tieBreak: number): void {
    if (call._slot !== IN_LANE) this.#slab[call._slot] = undefined;
    this.#stale++;
    call._tie = tieBreak;
    this.#insert(when, tieBreak, this.#claim(call));
    this.#staleAdded();
  }

  #insert(when: number, tieBreak: number, slot: number): void {
    const i = this.#n;
    if (3 * i === this.#keys.length) this.#resize(2 * i);
    this.#n = i + 1;
    this.#up(i, when, tieBreak, slot);
  }

  /** Remove and return the earliest call. */
  pop(): DelayedCall | undefined {
    this.#clean();
    if (this.#laneFirst()) return this.#takeLaneFront();
    if (this.#n === 0) return undefined;
    return this.#takeTop();
  }

  /**
   * Remove and return the earliest call if it is due at `now` and its tie-break is below `limit`
   * (it was scheduled before the turn began), else undefined. One look at the front per call.
   */
  popIfDue(now: number, limit: number): DelayedCall | undefined {
    this.#clean();
    if (this.#laneFirst()) {
      const h = this.#laneHead;
      const keys = this.#laneKeys;
      if (!(keys[2 * h]! <= now && keys[2 * h + 1]! < limit)) return undefined;
      return this.#takeLaneFront();
    }
    if (this.#n === 0 || !(this.#keys[0]! <= now && this.#keys[1]! < limit)) return undefined;
    return this.#takeTop();
  }

  /** Remove `call` (O(1): its entry goes stale); false when it is not in the heap. */
  remove(call: DelayedCall): boolean {
    const slot = call._slot;
    if (slot < 0) return false;
    if (slot !== IN_LANE) this.#slab[slot] = undefined;
    call._slot = -1;
    this.#live--;
    this.#stale++;
    this.#staleAdded();
    return true;
  }

  #takeTop(): DelayedCall {
    const slot = this.#keys[2]! | 0;
    const call = this.#slab[slot]!;
    this.#slab[slot] = undefined;
    this.#release(slot);
    call._slot = -1;
    this.#live--;
    this.#takeLast(0);
    return call;
  }

  #takeLaneFront(): DelayedCall {
    const h = this.#laneHead;
    const call = this.#lane[h]!;
    this.#lane[h] = undefined;
    call._slot = -1;
    this.#live--;
    this.#laneHead = h + 1;
    this.#laneAdvanced();
    return call;
  }

  /**
   * The lane's front moved. An empty lane starts over; a lane whose front part is mostly spent is
   * compacted, so a lane that never empties (each call scheduling the next) does not grow
   * without bound. O(length), amortised O(1).
   */
  #laneAdvanced(): void {
    const lane = this.#lane;
    const h = this.#laneHead;
    if (h === lane.length) {
      lane.length = 0;
      this.#laneKeys.length = 0;
      this.#laneHead = 0;
      return;
    }
    if (h < 1024 || h < lane.length >> 1) return;
    lane.splice(0, h);
    this.#laneKeys.splice(0, 2 * h);
    this.#laneHead = 0;
  }

  /**
   * An entry went stale. With no live call left, everything is dropped at once; with stale
   * entries the majority, the heap is rebuilt from its live ones (Twisted's rule).
   */
  #staleAdded(): void {
    if (this.#live === 0) this.#clear();
    else if (this.#stale > STALE_MIN && this.#stale > this.#live) this.#rebuild();
  }

  #clear(): void {
    this.#n = 0;
    if (this.#keys.length > 3 * 1024) this.#resize(MIN_CAPACITY);
    this.#slab.length = 0;
    this.#freeCount = 0;
    if (this.#free.length > 1024) this.#free = new Int32Array(MIN_CAPACITY);
    this.#lane.length = 0;
    this.#laneKeys.length = 0;
    this.#laneHead = 0;
    this.#stale = 0;
  }

  /**
   * Keep the live entries only (their slots say which), then restore the heap order bottom-up
   * (Floyd's heapify, O(n)). No call is touched.
   */
  #rebuild(): void {
    const keys = this.#keys;
    const slab = this.#slab;
    const n = this.#n;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const slot = keys[3 * i + 2]! | 0;
      if (slab[slot] === undefined) {
        this.#release(slot);
        continue;
      }
      keys[3 * j] = keys[3 * i]!;
      keys[3 * j + 1] = keys[3 * i + 1]!;
      keys[3 * j + 2] = slot;
      j++;
    }
    this.#n = j;
    for (let i = (j - 2) >> 2; i >= 0; i--) this.#down(i, keys[3 * i]!, keys[3 * i + 1]!, keys[3 * i + 2]!);
    const lane = this.#lane;
    const laneKeys = this.#laneKeys;
    let k = 0;
    for (let i = this.#laneHead; i < lane.length; i++) {
      const call = lane[i]!;
      if (call._slot !== IN_LANE) continue;
      lane[k] = call;
      laneKeys[2 * k] = laneKeys[2 * i]!;
      laneKeys[2 * k + 1] = laneKeys[2 * i + 1]!;
      k++;
    }
    lane.length = k;
    laneKeys.length = 2 * k;
    this.#laneHead = 0;
    this.#stale = 0;
    this.#shrinkIfOversized();
    if (slab.length > 1024 && slab.length > 4 * this.#live) this.#renumber();
  }

  /**
   * Give the live calls the slots 0…live-1 again, so the slab shrinks after most of a large
   * heap was cancelled (the free slots would otherwise stay allocated). Called from #rebuild
   * (no stale entries): O(n), touching each live call once.
   */
  #renumber(): void {
    const keys = this.#keys;
    const old = this.#slab;
    const slab: Array<DelayedCall | undefined> = [];
    for (let i = 0; i < this.#n; i++) {
      const call = old[keys[3 * i + 2]!]!;
      keys[3 * i + 2] = slab.length;
      call._slot = slab.length;
      slab.push(call);
    }
    this.#slab = slab;
    this.#freeCount = 0;
    this.#free = new Int32Array(MIN_CAPACITY);
  }

  /** The calls, in heap order, then the lane's (a new array). O(n). */
  toArray(): DelayedCall[] {
    const out: DelayedCall[] = [];
    const keys = this.#keys;
    const slab = this.#slab;
    for (let i = 0; i < this.#n; i++) {
      const call = slab[keys[3 * i + 2]!];
      if (call !== undefined) out.push(call);
    }
    const lane = this.#lane;
    for (let i = this.#laneHead; i < lane.length; i++) if (lane[i]!._slot === IN_LANE) out.push(lane[i]!);
    return out;
  }

  /** The calls in (deadline, tie-break) order (a new array). O(n log n). */
  sorted(): DelayedCall[] {
    const out: DelayedCall[] = [];
    const when: number[] = [];
    const tie: number[] = [];
    const slab = this.#slab;
    const keys = this.#keys;
    for (let i = 0; i < this.#n; i++) {
      const call = slab[keys[3 * i + 2]!];
      if (call === undefined) continue;
      out.push(call);
      when.push(keys[3 * i]!);
      tie.push(keys[3 * i + 1]!);
    }
    const lane = this.#lane;
    for (let i = this.#laneHead; i < lane.length; i++) {
      if (lane[i]!._slot !== IN_LANE) continue;
      out.push(lane[i]!);
      when.push(this.#laneKeys[2 * i]!);
      tie.push(this.#laneKeys[2 * i + 1]!);
    }
    const order = Array.from({ length: out.length }, (_, i) => i);
    order.sort((a, b) => when[a]! - when[b]! || tie[a]! - tie[b]!);
    return order.map((i) => out[i]!);
  }

  /**
   * Fill slot `i` (just vacated) with the last entry and restore the order. Floyd's way: walk the
   * hole down to a leaf along the smallest children, then sift the last entry up from there — it
   * came from the bottom, so it rarely climbs far. That saves the comparison with the moving
   * entry at every level of popping, the hot path of firing.
   */
  #takeLast(i: number): void {
    const n = this.#n - 1;
    this.#n = n;
    if (i < n) {
      const keys = this.#keys;
      const w = keys[3 * n]!;
      const t = keys[3 * n + 1]!;
      const s = keys[3 * n + 2]!;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= n) break;
        let c = first;
        let cw = keys[3 * first]!;
        let ct = keys[3 * first + 1]!;
        const end = first + 4 < n ? first + 4 : n;
        for (let k = first + 1; k < end; k++) {
          const kw = keys[3 * k]!;
          if (kw < cw || (kw === cw && keys[3 * k + 1]! < ct)) {
            c = k;
            cw = kw;
            ct = keys[3 * k + 1]!;
          }
        }
        keys[3 * i] = cw;
        keys[3 * i + 1] = ct;
        keys[3 * i + 2] = keys[3 * c + 2]!;
        i = c;
      }
      this.#up(i, w, t, s);
    }
    this.#shrinkIfOversized();
  }

  /** Put the entry (w, t, slot) at index i or above it. */
  #up(i: number, w: number, t: number, slot: number): void {
    const keys = this.#keys;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pw = keys[3 * p]!;
      if (!(w < pw || (w === pw && t < keys[3 * p + 1]!))) break;
      keys[3 * i] = pw;
      keys[3 * i + 1] = keys[3 * p + 1]!;
      keys[3 * i + 2] = keys[3 * p + 2]!;
      i = p;
    }
    keys[3 * i] = w;
    keys[3 * i + 1] = t;
    keys[3 * i + 2] = slot;
  }

  /** Put the entry (w, t, slot) at index i or below it. */
  #down(i: number, w: number, t: number, slot: number): void {
    const keys = this.#keys;
    const n = this.#n;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let cw = keys[3 * first]!;
      let ct = keys[3 * first + 1]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const kw = keys[3 * k]!;
        if (kw < cw || (kw === cw && keys[3 * k + 1]! < ct)) {
          c = k;
          cw = kw;
          ct = keys[3 * k + 1]!;
        }
      }
      if (!(cw < w || (cw === w && ct < t))) break;
      keys[3 * i] = cw;
      keys[3 * i + 1] = ct;
      keys[3 * i + 2] = keys[3 * c + 2]!;
      i = c;
    }
    keys[3 * i] = w;
    keys[3 * i + 1] = t;
    keys[3 * i + 2] = slot;
  }

  /**
   * Give memory back once the heap holds under a sixteenth of its capacity, keeping 4× headroom.
   * Not sooner: each resize allocates a new typed array outside the JS heap, and V8 answers
   * tens of megabytes of such allocations with a full GC, which with a million calls held costs
   * more than the whole drain (halving at a quarter, as before, cost cancel and fire at 1e6 a
   * third of their time in GC pauses).
   */
  #shrinkIfOversized(): void {
    const capacity = this.#keys.length / 3;
    if (capacity > 4096 && this.#n < capacity >> 4) this.#resize(capacity >> 2);
  }

  #resize(capacity: number): void {
    const keys = new Float64Array(3 * Math.max(MIN_CAPACITY, capacity));
    keys.set(this.#keys.subarray(0, 3 * this.#n));
    this.#keys = keys;
  }
}
