// A binary min-heap of DelayedCalls ordered by (time, insertion), with removal and re-sifting
// by index so cancel() and reset() are O(log n).

import type { DelayedCall } from '../DelayedCall.js';

function before(a: DelayedCall, b: DelayedCall): boolean {
  const ta = a.getTime();
  const tb = b.getTime();
  return ta < tb || (ta === tb && a._seq < b._seq);
}

/** @internal */
export class TimerHeap {
  readonly #items: DelayedCall[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): DelayedCall | undefined {
    return this.#items[0];
  }

  push(call: DelayedCall): void {
    call._heapIndex = this.#items.length;
    this.#items.push(call);
    this.#up(call._heapIndex);
  }

  pop(): DelayedCall | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (last !== top) {
      items[0] = last;
      last._heapIndex = 0;
      this.#down(0);
    }
    top._heapIndex = -1;
    return top;
  }

  remove(call: DelayedCall): void {
    const i = call._heapIndex;
    const items = this.#items;
    if (i < 0 || items[i] !== call) return;
    const last = items.pop()!;
    call._heapIndex = -1;
    if (last === call) return;
    items[i] = last;
    last._heapIndex = i;
    this.#up(i);
    this.#down(last._heapIndex);
  }

  /** Re-position `call` after its time changed. */
  update(call: DelayedCall): void {
    const i = call._heapIndex;
    if (i < 0 || this.#items[i] !== call) return;
    this.#up(i);
    this.#down(call._heapIndex);
  }

  toArray(): DelayedCall[] {
    return this.#items.slice();
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(item, parent)) break;
      items[i] = parent;
      parent._heapIndex = i;
      i = p;
    }
    items[i] = item;
    item._heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i];
    if (item === undefined) return;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!before(child, item)) break;
      items[i] = child;
      child._heapIndex = i;
      i = c;
    }
    items[i] = item;
    item._heapIndex = i;
  }
}
