// The one timer structure of this package: Clock and every reactor and event loop keep their
// pending DelayedCalls in a TimerHeap.
//
// A 4-ary min-heap of entries ordered by (deadline, tie-break), both plain numbers held by the
// heap itself in one Float64Array (slot i at 2i and 2i + 1), so ordering reads adjacent doubles
// and never calls into the DelayedCall. Four children are four adjacent slots (64 bytes, about
// one cache line), and the heap is half as deep as a binary one: with a million pending calls
// the bottom levels are out of cache, and each level costs a miss.
//
// Removal is lazy, as in Twisted's reactor (ReactorBase._cancelCallLater): the heap does not
// know where a call is, and never writes to a call it moves, only to its own arrays (writing
// each moved call's position back into the call was a cache miss per level at a million calls).
// An entry holds the call and the generation it was filed under; the call holds the generation
// of its live entry (_gen), or a negative number once it left the heap. Cancelling a call makes
// its entry stale in O(1); moving it (reset, delay) files a new entry with the next generation,
// and the old one goes stale. A stale entry is dropped when it reaches the top, or when stale
// entries outnumber live ones (and are more than STALE_MIN), at a rebuild: O(n), so amortised
// O(1) per stale entry, and the heap never holds more than about twice its live calls.
//
// Beside the heap sits the due lane: a FIFO for calls that are due when they are scheduled
// (callLater(0), the commonest timed call of a reactor). Their owner files them with pushDue().
// Their deadline is "now", which never goes back, and their tie-break is the next one, so
// appending keeps the lane sorted by (deadline, tie-break) and the earliest call is the earlier
// of the lane's front and the heap's top. A lane call costs an append and a shift instead of
// a sift up and a sift down. Its stale entries are skipped at the front, as the heap's are.

import type { DelayedCall } from '../DelayedCall.js';

const MIN_CAPACITY = 16;
/** Fewer stale entries than this are never worth a rebuild (Twisted's threshold). */
const STALE_MIN = 50;
/** Generations stay small integers (a Smi field, not a boxed double). */
const GEN_MASK = 0x3fffffff;

/** @internal */
export class TimerHeap {
  #calls: Array<DelayedCall | undefined> = [];
  /** [deadline, tie-break] per slot. */
  #keys = new Float64Array(2 * MIN_CAPACITY);
  /** The generation each slot's entry was filed under: live while it equals its call's _gen. */
  #gens = new Int32Array(MIN_CAPACITY);
  /** Entries in the heap, live and stale. */
  #n = 0;
  /** The due lane: calls (undefined before the front), their [deadline, tie-break], generations. */
  #lane: Array<DelayedCall | undefined> = [];
  #laneKeys: number[] = [];
  #laneGens: number[] = [];
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
    // #takeLast may shrink the arrays: read them afresh each time.
    while (this.#n > 0 && this.#calls[0]!._gen !== this.#gens[0]) {
      this.#stale--;
      this.#takeLast(0);
    }
    const lane = this.#lane;
    const laneGens = this.#laneGens;
    let h = this.#laneHead;
    if (h < lane.length && lane[h]!._gen !== laneGens[h]) {
      do {
        lane[h] = undefined;
        h++;
        this.#stale--;
      } while (h < lane.length && lane[h]!._gen !== laneGens[h]);
      this.#laneHead = h;
      this.#laneAdvanced();
    }
  }

  /** Whether the earliest call is the lane's front (call after #clean()). */
  #laneFirst(): boolean {
    const h = this.#laneHead;
    if (h === this.#lane.length) return false;
    if (this.#n === 0) return true;
    const lw = this.#laneKeys[2 * h]!;
    const hw = this.#keys[0]!;
    return lw < hw || (lw === hw && this.#laneKeys[2 * h + 1]! < this.#keys[1]!);
  }

  /** The earliest call, or undefined when empty. */
  peek(): DelayedCall | undefined {
    this.#clean();
    if (this.#laneFirst()) return this.#lane[this.#laneHead];
    return this.#n > 0 ? this.#calls[0] : undefined;
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
    return call._gen >= 0;
  }

  /** The tie-break `call` is filed under (it must be in the heap). */
  tieBreakOf(call: DelayedCall): number {
    return call._tie;
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
    lane.push(call);
    keys.push(when, tieBreak);
    this.#laneGens.push(call._gen);
    this.#live++;
  }

  /** Add `call`, new (not in the heap), under (when, tieBreak). */
  push(call: DelayedCall, when: number, tieBreak: number): void {
    call._tie = tieBreak;
    this.#live++;
    this.#insert(call, call._gen, when, tieBreak);
  }

  /**
   * File `call` (which must be in the heap) under a new (when, tieBreak): a new entry with the
   * call's next generation; the old entry goes stale.
   */
  update(call: DelayedCall, when: number, tieBreak: number): void {
    const gen = (call._gen + 1) & GEN_MASK;
    call._gen = gen;
    call._tie = tieBreak;
    this.#stale++;
    this.#insert(call, gen, when, tieBreak);
    this.#staleAdded();
  }

  #insert(call: DelayedCall, gen: number, when: number, tieBreak: number): void {
    const i = this.#n;
    if (i === this.#gens.length) this.#resize(2 * i);
    this.#n = i + 1;
    this.#up(i, call, gen, when, tieBreak);
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
    const gen = call._gen;
    if (gen < 0) return false;
    call._gen = ~gen;
    this.#live--;
    this.#stale++;
    this.#staleAdded();
    return true;
  }

  #takeTop(): DelayedCall {
    const top = this.#calls[0]!;
    top._gen = ~top._gen;
    this.#live--;
    this.#takeLast(0);
    return top;
  }

  #takeLaneFront(): DelayedCall {
    const h = this.#laneHead;
    const call = this.#lane[h]!;
    this.#lane[h] = undefined;
    this.#laneHead = h + 1;
    call._gen = ~call._gen;
    this.#live--;
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
      this.#laneGens.length = 0;
      this.#laneHead = 0;
      return;
    }
    if (h < 1024 || h < lane.length >> 1) return;
    lane.splice(0, h);
    this.#laneKeys.splice(0, 2 * h);
    this.#laneGens.splice(0, h);
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
    this.#calls.length = 0;
    this.#n = 0;
    if (this.#gens.length > 1024) this.#resize(MIN_CAPACITY);
    this.#lane.length = 0;
    this.#laneKeys.length = 0;
    this.#laneGens.length = 0;
    this.#laneHead = 0;
    this.#stale = 0;
  }

  /** Keep the live entries only, then restore the heap order bottom-up (Floyd's heapify, O(n)). */
  #rebuild(): void {
    const calls = this.#calls;
    const keys = this.#keys;
    const gens = this.#gens;
    const n = this.#n;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const call = calls[i]!;
      const gen = gens[i]!;
      if (call._gen !== gen) continue;
      calls[j] = call;
      keys[2 * j] = keys[2 * i]!;
      keys[2 * j + 1] = keys[2 * i + 1]!;
      gens[j] = gen;
      j++;
    }
    calls.length = j;
    this.#n = j;
    for (let i = (j - 2) >> 2; i >= 0; i--) this.#down(i, calls[i]!, gens[i]!, keys[2 * i]!, keys[2 * i + 1]!);
    const lane = this.#lane;
    const laneKeys = this.#laneKeys;
    const laneGens = this.#laneGens;
    let k = 0;
    for (let i = this.#laneHead; i < lane.length; i++) {
      const call = lane[i]!;
      const gen = laneGens[i]!;
      if (call._gen !== gen) continue;
      lane[k] = call;
      laneKeys[2 * k] = laneKeys[2 * i]!;
      laneKeys[2 * k + 1] = laneKeys[2 * i + 1]!;
      laneGens[k] = gen;
      k++;
    }
    lane.length = k;
    laneKeys.length = 2 * k;
    laneGens.length = k;
    this.#laneHead = 0;
    this.#stale = 0;
    const capacity = this.#gens.length;
    if (capacity > 1024 && j < capacity >> 2) this.#resize(2 * j);
  }

  /** The calls, in heap order, then the lane's (a new array). O(n). */
  toArray(): DelayedCall[] {
    const out: DelayedCall[] = [];
    const calls = this.#calls;
    const gens = this.#gens;
    for (let i = 0; i < this.#n; i++) if (calls[i]!._gen === gens[i]) out.push(calls[i]!);
    const lane = this.#lane;
    for (let i = this.#laneHead; i < lane.length; i++) if (lane[i]!._gen === this.#laneGens[i]) out.push(lane[i]!);
    return out;
  }

  /** The calls in (deadline, tie-break) order (a new array). O(n log n). */
  sorted(): DelayedCall[] {
    const out: DelayedCall[] = [];
    const when: number[] = [];
    const tie: number[] = [];
    const calls = this.#calls;
    const gens = this.#gens;
    const keys = this.#keys;
    for (let i = 0; i < this.#n; i++) {
      if (calls[i]!._gen !== gens[i]) continue;
      out.push(calls[i]!);
      when.push(keys[2 * i]!);
      tie.push(keys[2 * i + 1]!);
    }
    const lane = this.#lane;
    for (let i = this.#laneHead; i < lane.length; i++) {
      if (lane[i]!._gen !== this.#laneGens[i]) continue;
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
    const calls = this.#calls;
    const gens = this.#gens;
    const last = calls[n]!;
    calls[n] = undefined;
    if (i < n) {
      const keys = this.#keys;
      const w = keys[2 * n]!;
      const t = keys[2 * n + 1]!;
      const g = gens[n]!;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= n) break;
        let c = first;
        let cw = keys[2 * first]!;
        let ct = keys[2 * first + 1]!;
        const end = first + 4 < n ? first + 4 : n;
        for (let k = first + 1; k < end; k++) {
          const kw = keys[2 * k]!;
          if (kw < cw || (kw === cw && keys[2 * k + 1]! < ct)) {
            c = k;
            cw = kw;
            ct = keys[2 * k + 1]!;
          }
        }
        keys[2 * i] = cw;
        keys[2 * i + 1] = ct;
        calls[i] = calls[c];
        gens[i] = gens[c]!;
        i = c;
      }
      this.#up(i, last, g, w, t);
    }
    const capacity = gens.length;
    if (capacity > 1024 && n < capacity >> 2) this.#resize(capacity >> 1);
  }

  /** Put the entry (call, gen, w, t) at slot i or above it. */
  #up(i: number, call: DelayedCall, gen: number, w: number, t: number): void {
    const keys = this.#keys;
    const calls = this.#calls;
    const gens = this.#gens;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pw = keys[2 * p]!;
      if (!(w < pw || (w === pw && t < keys[2 * p + 1]!))) break;
      keys[2 * i] = pw;
      keys[2 * i + 1] = keys[2 * p + 1]!;
      calls[i] = calls[p];
      gens[i] = gens[p]!;
      i = p;
    }
    keys[2 * i] = w;
    keys[2 * i + 1] = t;
    calls[i] = call;
    gens[i] = gen;
  }

  /** Put the entry (call, gen, w, t) at slot i or below it. */
  #down(i: number, call: DelayedCall, gen: number, w: number, t: number): void {
    const keys = this.#keys;
    const calls = this.#calls;
    const gens = this.#gens;
    const n = this.#n;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let cw = keys[2 * first]!;
      let ct = keys[2 * first + 1]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const kw = keys[2 * k]!;
        if (kw < cw || (kw === cw && keys[2 * k + 1]! < ct)) {
          c = k;
          cw = kw;
          ct = keys[2 * k + 1]!;
        }
      }
      if (!(cw < w || (cw === w && ct < t))) break;
      keys[2 * i] = cw;
      keys[2 * i + 1] = ct;
      calls[i] = calls[c];
      gens[i] = gens[c]!;
      i = c;
    }
    keys[2 * i] = w;
    keys[2 * i + 1] = t;
    calls[i] = call;
    gens[i] = gen;
  }

  #resize(capacity: number): void {
    const size = Math.max(MIN_CAPACITY, capacity);
    const keys = new Float64Array(2 * size);
    keys.set(this.#keys.subarray(0, 2 * this.#n));
    this.#keys = keys;
    const gens = new Int32Array(size);
    gens.set(this.#gens.subarray(0, this.#n));
    this.#gens = gens;
    if (this.#calls.length > this.#n) this.#calls.length = this.#n;
  }
}
