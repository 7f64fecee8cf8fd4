// A set of request fingerprints kept as 16-byte binary keys in one typed array (open addressing,
// linear probing), for the duplicate filter: a crawl remembers every URL it has seen, and a
// Set<string> of 40-character hex digests costs about 68 bytes a fingerprint, this 21–43.

/** 32-bit words per key: the first 128 bits of the digest. */
const WORDS = 4;
/** Grow when more than this share of the slots are used. */
const MAX_LOAD = 0.75;

/**
 * Fingerprints as binary keys: the first 16 bytes of a SHA-1 digest (128 bits, so two distinct
 * requests share a key with probability about n² / 2¹²⁹ — nil for any crawl). Adds and lookups
 * take the digest's bytes, or its hex form.
 *
 * @example
 * ```ts
 * import { FingerprintSet } from '@deferkit/crawler/engine';
 *
 * const seen = new FingerprintSet();
 * console.log(seen.add('a9993e364706816aba3e25717850c26c9cd0d89d'), seen.add('a9993e364706816aba3e25717850c26c9cd0d89d'), seen.size);
 * // prints: true false 1
 * ```
 */
export class FingerprintSet {
  /** Slot i holds words [i*4, i*4+4); an all-zero slot is empty. */
  #slots: Uint32Array;
  /** `#slots.length / WORDS - 1`: the capacity is a power of two. */
  #mask: number;
  #size = 0;
  /** The all-zero key cannot be stored in a slot (it marks empty ones): kept aside. */
  #hasZero = false;

  /** @param capacity - slots to start with (rounded up to a power of two, at least 1024). */
  constructor(capacity = 1024) {
    let n = 1024;
    while (n < capacity) n *= 2;
    this.#slots = new Uint32Array(n * WORDS);
    this.#mask = n - 1;
  }

  /** How many fingerprints are in the set. */
  get size(): number {
    return this.#size;
  }

  /**
   * Add a fingerprint.
   *
   * @param fp - a digest of at least 16 bytes, or its hex form (at least 32 hex digits).
   * @returns true if it was not in the set before.
   */
  add(fp: Uint8Array | string): boolean {
    const [a, b, c, d] = words(fp);
    return this.addWords(a, b, c, d);
  }

  /**
   * Add a fingerprint given as its first four big-endian 32-bit words (unsigned), as the
   * duplicate filter's own SHA-1 gives them: no bytes, no hex. @internal
   */
  addWords(a: number, b: number, c: number, d: number): boolean {
    if ((a | b | c | d) === 0) {
      if (this.#hasZero) return false;
      this.#hasZero = true;
      this.#size++;
      return true;
    }
    if (this.#find(a, b, c, d) >= 0) return false;
    if ((this.#size + 1) > (this.#mask + 1) * MAX_LOAD) this.#grow();
    this.#insert(a, b, c, d);
    this.#size++;
    return true;
  }

  /**
   * Whether a fingerprint is in the set.
   *
   * @param fp - a digest of at least 16 bytes, or its hex form.
   */
  has(fp: Uint8Array | string): boolean {
    const [a, b, c, d] = words(fp);
    if ((a | b | c | d) === 0) return this.#hasZero;
    return this.#find(a, b, c, d) >= 0;
  }

  /** Every fingerprint, as 32 hex digits (the 16 bytes kept), in no particular order. */
  *[Symbol.iterator](): IterableIterator<string> {
    if (this.#hasZero) yield '0'.repeat(32);
    const s = this.#slots;
    for (let i = 0; i < s.length; i += WORDS) {
      if ((s[i]! | s[i + 1]! | s[i + 2]! | s[i + 3]!) === 0) continue;
      yield hex(s[i]!) + hex(s[i + 1]!) + hex(s[i + 2]!) + hex(s[i + 3]!);
    }
  }

  /** The slot index of the key, or -1. */
  #find(a: number, b: number, c: number, d: number): number {
    const s = this.#slots;
    const mask = this.#mask;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const o = i * WORDS;
      const w0 = s[o]!;
      const w1 = s[o + 1]!;
      const w2 = s[o + 2]!;
      const w3 = s[o + 3]!;
      if ((w0 | w1 | w2 | w3) === 0) return -1;
      if (w0 === a && w1 === b && w2 === c && w3 === d) return i;
    }
  }

  #insert(a: number, b: number, c: number, d: number): void {
    const s = this.#slots;
    const mask = this.#mask;
    let i = a & mask;
    while ((s[i * WORDS]! | s[i * WORDS + 1]! | s[i * WORDS + 2]! | s[i * WORDS + 3]!) !== 0) i = (i + 1) & mask;
    const o = i * WORDS;
    s[o] = a;
    s[o + 1] = b;
    s[o + 2] = c;
    s[o + 3] = d;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#mask = (this.#slots.length / WORDS) - 1;
    for (let o = 0; o < old.length; o += WORDS) {
      if ((old[o]! | old[o + 1]! | old[o + 2]! | old[o + 3]!) !== 0) this.#insert(old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!);
    }
  }
}

/** The key's four words, big-endian, from bytes or hex. The first word is also the hash: SHA-1's bits are uniform. */
function words(fp: Uint8Array | string): [number, number, number, number] {
  if (typeof fp === 'string') {
    if (fp.length < 32 || !/^[0-9a-fA-F]{32}/.test(fp)) throw new TypeError(`A fingerprint must be at least 32 hex digits, got '${fp}'.`);
    return [parseInt(fp.slice(0, 8), 16) >>> 0, parseInt(fp.slice(8, 16), 16) >>> 0, parseInt(fp.slice(16, 24), 16) >>> 0, parseInt(fp.slice(24, 32), 16) >>> 0];
  }
  if (fp.length < 16) throw new TypeError(`A fingerprint must be at least 16 bytes, got ${fp.length}.`);
  return [word(fp, 0), word(fp, 4), word(fp, 8), word(fp, 12)];
}

function word(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** The hex form of a digest given as 32-bit words (its first `words.length` × 4 bytes). @internal */
export function wordsHex(words: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < words.length; i++) out += hex(words[i]! >>> 0);
  return out;
}

function hex(w: number): string {
  return w.toString(16).padStart(8, '0');
}
