// DOWNLOAD_TIMEOUT for many downloads at once with one reactor timer. Every download used to
// schedule a DelayedCall and cancel it when the response came (two timer-heap operations and a
// DelayedCall a request), although nearly all downloads of a crawl share one timeout: their
// deadlines then come in the order they start, so a FIFO holds them sorted and one timer, set
// for the earliest, is enough.

import type { IDelayedCall } from '@deferkit/deferred';

/** What a lane needs of the reactor. */
interface LaneReactor {
  seconds(): number;
  callLater(delay: number, fn: () => void): IDelayedCall;
}

/** One download's timeout in a {@link TimeoutLane}. @internal */
export interface LaneEntry {
  readonly deadline: number;
  /** Called at the deadline unless the entry was settled first. */
  readonly onTimeout: () => void;
  settled: boolean;
}

/**
 * The pending timeouts of one length, in deadline order, with one reactor timer armed for the
 * earliest (or for one since settled: it then finds nothing due and moves on to the next pending
 * deadline). Settling is O(1). An idle lane holds at most that one timer, which fires once and
 * is not set again; close() cancels it. @internal
 */
export class TimeoutLane {
  readonly #reactor: LaneReactor;
  readonly #seconds: number;
  /** From #head on: the entries in deadline order (holes where settled ones were dropped). */
  #entries: Array<LaneEntry | undefined> = [];
  #head = 0;
  #live = 0;
  #timer: IDelayedCall | null = null;
  #timerAt = 0;
  #firing = false;

  constructor(reactor: LaneReactor, seconds: number) {
    this.#reactor = reactor;
    this.#seconds = seconds;
  }

  /** How many timeouts are pending. */
  get size(): number {
    return this.#live;
  }

  /** Entries held (pending ones, and settled ones not dropped yet). For tests. */
  get held(): number {
    return this.#entries.length - this.#head;
  }

  /** Start a timeout of this lane's length now. */
  add(onTimeout: () => void): LaneEntry {
    const entry: LaneEntry = { deadline: this.#reactor.seconds() + this.#seconds, onTimeout, settled: false };
    this.#entries.push(entry);
    this.#live++;
    // While firing, #fire arms the timer itself, for the earliest pending deadline.
    if (this.#timer === null && !this.#firing) this.#arm(entry.deadline);
    return entry;
  }

  /** The download ended before its deadline. */
  settle(entry: LaneEntry): void {
    if (entry.settled) return;
    entry.settled = true;
    this.#live--;
    if (this.#firing) return;
    if (this.#live === 0) {
      // The timer stays: cancelling it and setting a new one for the next download would cost
      // two heap operations each time the crawl's downloads all finish. It fires once, finds
      // nothing due, and is set again only if a download is pending. close() cancels it.
      this.#dropEntries();
      return;
    }
    // Downloads mostly end in the order they started: drop settled entries from the front, and
    // now and then the ones a slow download keeps behind it, so the lane holds about as many
    // entries as there are pending timeouts.
    const entries = this.#entries;
    while (entries[this.#head]?.settled === true) entries[this.#head++] = undefined;
    if (entries.length - this.#head > 2 * this.#live + 1024) this.#compact();
  }

  /** Cancel every pending timeout (the handler is closing). */
  close(): void {
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e !== undefined) e.settled = true;
    }
    this.#live = 0;
    this.#clear();
  }

  #clear(): void {
    if (this.#timer !== null && this.#timer.active()) this.#timer.cancel();
    this.#timer = null;
    this.#dropEntries();
  }

  #dropEntries(): void {
    this.#entries = [];
    this.#head = 0;
  }

  #compact(): void {
    const kept: LaneEntry[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e !== undefined && !e.settled) kept.push(e);
    }
    this.#entries = kept;
    this.#head = 0;
  }

  #arm(deadline: number): void {
    this.#timerAt = deadline;
    this.#timer = this.#reactor.callLater(Math.max(0, deadline - this.#reactor.seconds()), () => this.#fire());
  }

  #fire(): void {
    this.#timer = null;
    this.#firing = true;
    let thrown: { error: unknown } | null = null;
    try {
      // The timer's own deadline counts as reached even if the clock reads a hair earlier.
      const reached = Math.max(this.#reactor.seconds(), this.#timerAt);
      const entries = this.#entries;
      while (this.#head < entries.length) {
        const e = entries[this.#head];
        if (e !== undefined && !e.settled && e.deadline > reached) break;
        entries[this.#head++] = undefined;
        if (e === undefined || e.settled) continue;
        e.settled = true;
        this.#live--;
        try {
          e.onTimeout();
        } catch (error) {
          thrown ??= { error };
        }
      }
    } finally {
      this.#firing = false;
    }
    if (this.#live === 0) this.#clear();
    else {
      if (this.#head > 1024 && this.#head * 2 > this.#entries.length) this.#compact();
      let h = this.#head;
      while (this.#entries[h] === undefined || this.#entries[h]!.settled) h++;
      this.#arm(this.#entries[h]!.deadline);
    }
    // The other timeouts are handled and the timer armed again; then the reactor logs the error.
    if (thrown !== null) throw thrown.error;
  }
}
