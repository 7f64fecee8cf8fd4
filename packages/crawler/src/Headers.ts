// Headers: case-insensitive, multi-valued HTTP headers (scrapy.http.headers.Headers).

import { brandClass } from './utils/brand.js';

/** One header of a {@link Headers}. */
interface HeaderEntry {
  /** The name in lower case, what lookups compare. */
  readonly key: string;
  /** The name as first set. */
  readonly name: string;
  readonly values: string[];
}

/** What `new Headers()` accepts. */
export type HeadersInit = Headers | Record<string, string | number | readonly string[] | undefined> | Iterable<readonly [string, string]>;

/**
 * Case-insensitive HTTP headers that keep every value of a repeated header.
 *
 * Mirrors Scrapy's `scrapy.http.headers.Headers` (`get` → first value, `getlist` → all).
 *
 * @example
 * ```ts
 * import { Headers } from '@deferkit/crawler';
 *
 * const h = new Headers({ 'Content-Type': 'text/html; charset=utf-8' });
 * console.log(h.get('content-type'));
 * // prints: text/html; charset=utf-8
 * ```
 */
export class Headers {
  /**
   * The headers in the order their names were first set: lower-cased name, name as set, values.
   * A list, not a Map: a request has a handful of headers, a scan of them is as quick as a hash
   * lookup, and every Request and Response has its own (a Map is several times the bytes).
   */
  readonly #entries: HeaderEntry[] = [];

  /** The index of the header named `key` (lower case), or -1. */
  #find(key: string): number {
    const e = this.#entries;
    for (let i = 0; i < e.length; i++) if (e[i]!.key === key) return i;
    return -1;
  }

  /** @param init - a Headers, a record, or name/value pairs. */
  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [name, values] of init.entriesList()) for (const v of values) this.append(name, v);
    } else if (Array.isArray(init)) {
      for (let i = 0; i < init.length; i++) {
        const pair = init[i] as readonly [string, string];
        this.append(pair[0], pair[1]);
      }
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const [name, value] of init as Iterable<readonly [string, string]>) this.append(name, value);
    } else {
      for (const [name, value] of Object.entries(init)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) this.append(name, String(v));
        else this.append(name, String(value));
      }
    }
  }

  /** The first value, or `null`. */
  get(name: string): string | null {
    const i = this.#find(name.toLowerCase());
    return i === -1 ? null : (this.#entries[i]!.values[0] ?? null);
  }

  /** Every value (Scrapy's `getlist`). */
  getList(name: string): string[] {
    const i = this.#find(name.toLowerCase());
    return i === -1 ? [] : [...this.#entries[i]!.values];
  }

  /** Whether the header is present. */
  has(name: string): boolean {
    return this.#find(name.toLowerCase()) !== -1;
  }

  /** Replace the header's values with `value`. */
  set(name: string, value: string | readonly string[]): void {
    const key = name.toLowerCase();
    const entry: HeaderEntry = { key, name, values: Array.isArray(value) ? [...value] : [String(value)] };
    const i = this.#find(key);
    // As Map.set: a header set again keeps its place (under the name given now).
    if (i === -1) this.#entries.push(entry);
    else this.#entries[i] = entry;
  }

  /** Add a value. */
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const i = this.#find(key);
    if (i === -1) this.#entries.push({ key, name, values: [String(value)] });
    else this.#entries[i]!.values.push(String(value));
  }

  /** Set `value` only if the header is absent (Scrapy's `setdefault`). */
  setDefault(name: string, value: string): void {
    const key = name.toLowerCase();
    if (this.#find(key) === -1) this.#entries.push({ key, name, values: Array.isArray(value) ? [...(value as string[])] : [String(value)] });
  }

  /** Remove the header. */
  delete(name: string): void {
    const i = this.#find(name.toLowerCase());
    if (i !== -1) this.#entries.splice(i, 1);
  }

  /** `[name, values]` pairs with the names as first set. */
  entriesList(): Array<[string, string[]]> {
    return this.#entries.map((e) => [e.name, [...e.values]]);
  }

  /** A plain object: one value per header (joined with ', ' when repeated). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { name, values } of this.#entries) out[name] = values.join(', ');
    return out;
  }

  /** For Node's http module: repeated headers stay arrays. */
  toNodeHeaders(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const { name, values } of this.#entries) out[name] = values.length === 1 ? values[0]! : [...values];
    return out;
  }

  /**
   * For Node's http module, as a flat `[name, value, name, value, …]` list (a repeated header's
   * values as an array), in the order the names were first set. @internal
   */
  toNodeHeaderList(): Array<string | string[]> {
    const out: Array<string | string[]> = [];
    for (const { name, values } of this.#entries) out.push(name, values.length === 1 ? values[0]! : [...values]);
    return out;
  }

  /** The number of distinct headers. */
  get size(): number {
    return this.#entries.length;
  }
}

// `instanceof Headers` holds for a Headers of another loaded copy too (see utils/brand.ts).
brandClass(Headers, 'Headers');
