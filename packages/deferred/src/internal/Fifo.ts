// A first-in-first-out list with O(1) push and shift (a head index, compacted now and then),
// since Array.prototype.shift is O(n) and waiting lists can be long.

/** @internal */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    (this.#items as unknown[])[this.#head] = undefined;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Remove the first occurrence of `item`; O(n), used only by cancellation. */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head);
    if (i === -1) return false;
    this.#items.splice(i, 1);
    return true;
  }

  toArray(): T[] {
    return this.#items.slice(this.#head);
  }
}
