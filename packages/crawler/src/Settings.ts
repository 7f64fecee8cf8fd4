// Settings: values with priorities, so the strongest source wins (scrapy.settings.Settings).

import { brandClass } from './utils/brand.js';

/** Where a setting came from; a stronger source overrides a weaker one. Scrapy's SETTINGS_PRIORITIES. */
export const SETTINGS_PRIORITIES = {
  default: 0,
  command: 10,
  addon: 15,
  project: 20,
  spider: 30,
  cmdline: 40,
} as const;

/** A priority name or number. */
export type SettingsPriority = keyof typeof SETTINGS_PRIORITIES | number;

function priorityOf(p: SettingsPriority): number {
  if (typeof p === 'number') return p;
  const n = SETTINGS_PRIORITIES[p];
  if (n === undefined) throw new TypeError(`Unknown settings priority '${String(p)}'; use one of ${Object.keys(SETTINGS_PRIORITIES).join(', ')} or a number.`);
  return n;
}

/**
 * Crawler settings: SCREAMING_CASE names, each stored with the priority it was set at, so that
 * defaults < project < spider `customSettings` < command line (`-s KEY=VALUE`). Frozen once
 * the crawl starts.
 *
 * Mirrors Scrapy's `scrapy.settings.Settings`.
 *
 * @example
 * ```ts
 * import { Settings } from '@deferkit/crawler';
 *
 * const s = new Settings({ DOWNLOAD_DELAY: 1 });          // project priority
 * s.set('DOWNLOAD_DELAY', 0, 'default');                   // weaker: ignored
 * s.set('DOWNLOAD_DELAY', '0.5', 'cmdline');               // stronger: wins
 * console.log(s.getFloat('DOWNLOAD_DELAY'));
 * // prints: 0.5
 * ```
 */
export class Settings {
  readonly #values = new Map<string, { value: unknown; priority: number }>();
  #frozen = false;

  /**
   * @param values - initial values.
   * @param priority - their priority (default `'project'`).
   */
  constructor(values: Record<string, unknown> = {}, priority: SettingsPriority = 'project') {
    this.update(values, priority);
  }

  /**
   * Set `name` unless it already holds a value of higher priority.
   *
   * @throws TypeError when frozen.
   */
  set(name: string, value: unknown, priority: SettingsPriority = 'project'): void {
    if (this.#frozen) {
      throw new TypeError(`Settings are frozen (the crawl has started); set ${name} before creating the crawler, in customSettings or with -s.`);
    }
    const p = priorityOf(priority);
    const current = this.#values.get(name);
    if (current === undefined || p >= current.priority) this.#values.set(name, { value, priority: p });
  }

  /** Set several values at one priority. */
  update(values: Record<string, unknown> | Settings, priority: SettingsPriority = 'project'): void {
    if (values instanceof Settings) {
      if (#values in values) {
        for (const [name, { value, priority: p }] of values.#values) this.set(name, value, p);
      } else {
        // A Settings of another loaded copy of the package: through its public methods.
        const foreign = values as Settings;
        for (const [name, value] of Object.entries(foreign.toObject())) this.set(name, value, foreign.getPriority(name) ?? priority);
      }
      return;
    }
    for (const [k, v] of Object.entries(values)) this.set(k, v, priority);
  }

  /** The raw value, or `defaultValue`. */
  get<T = unknown>(name: string, defaultValue?: T): T {
    const entry = this.#values.get(name);
    return (entry === undefined ? defaultValue : entry.value) as T;
  }

  /** The priority `name` was set at, or `undefined`. */
  getPriority(name: string): number | undefined {
    return this.#values.get(name)?.priority;
  }

  /** The highest priority of any setting (`default`'s 0 when empty). Scrapy's `maxpriority()`. */
  maxPriority(): number {
    let max = 0;
    for (const { priority } of this.#values.values()) max = Math.max(max, priority);
    return max;
  }

  /**
   * Remove `name` unless it holds a value of higher priority than `priority`. Scrapy's `delete`.
   *
   * @throws TypeError when frozen.
   */
  delete(name: string, priority: SettingsPriority = 'project'): void {
    if (this.#frozen) {
      throw new TypeError(`Settings are frozen (the crawl has started); change ${name} before creating the crawler.`);
    }
    const current = this.#values.get(name);
    if (current !== undefined && priorityOf(priority) >= current.priority) this.#values.delete(name);
  }

  /** Whether `name` is set. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** As a boolean: `true`/`false`, `1`/`0`, `'True'`/`'false'` all work. */
  getBool(name: string, defaultValue = false): boolean {
    const v = this.get<unknown>(name, defaultValue);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
    }
    throw new TypeError(`Setting ${name} must be a boolean (true/false, 1/0), got ${JSON.stringify(v)}.`);
  }

  /** As an integer. */
  getInt(name: string, defaultValue = 0): number {
    const v = Number(this.get<unknown>(name, defaultValue));
    if (!Number.isFinite(v)) throw new TypeError(`Setting ${name} must be a number, got ${JSON.stringify(this.get(name))}.`);
    return Math.trunc(v);
  }

  /** As a number. */
  getFloat(name: string, defaultValue = 0): number {
    const v = Number(this.get<unknown>(name, defaultValue));
    if (Number.isNaN(v)) throw new TypeError(`Setting ${name} must be a number, got ${JSON.stringify(this.get(name))}.`);
    return v;
  }

  /** As a list: arrays as is, comma-separated strings split. */
  getList<T = string>(name: string, defaultValue: T[] = []): T[] {
    const v = this.get<unknown>(name, defaultValue);
    if (Array.isArray(v)) return v as T[];
    if (typeof v === 'string') return (v === '' ? [] : v.split(',').map((s) => s.trim())) as T[];
    throw new TypeError(`Setting ${name} must be a list, got ${JSON.stringify(v)}.`);
  }

  /** As an object: objects as is, JSON strings parsed. */
  getDict<T = unknown>(name: string, defaultValue: Record<string, T> = {}): Record<string, T> {
    const v = this.get<unknown>(name, defaultValue);
    if (typeof v === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch (e) {
        throw new TypeError(`Setting ${name} must be an object or a JSON object string, got ${JSON.stringify(v)} (${(e as Error).message}).`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new TypeError(`Setting ${name} must be an object or a JSON object string, got ${JSON.stringify(v)}.`);
      }
      return parsed as Record<string, T>;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, T>;
    throw new TypeError(`Setting ${name} must be an object, got ${JSON.stringify(v)}.`);
  }

  /** A mutable copy (with priorities). */
  copy(): Settings {
    const s = new Settings();
    s.update(this);
    return s;
  }

  /** Refuse further changes. */
  freeze(): void {
    this.#frozen = true;
  }

  /** Whether frozen. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Every name and value (for logs: Overridden settings). */
  toObject(): Record<string, unknown> {
    return Object.fromEntries([...this.#values].map(([k, { value }]) => [k, value]));
  }

  /** Names set at a priority above `default` (Scrapy logs these as "Overridden settings"). */
  overridden(): Record<string, unknown> {
    return Object.fromEntries([...this.#values].filter(([, e]) => e.priority > 0).map(([k, { value }]) => [k, value]));
  }
}

// `instanceof Settings` holds for a Settings of another loaded copy too (see utils/brand.ts).
brandClass(Settings, 'Settings');
