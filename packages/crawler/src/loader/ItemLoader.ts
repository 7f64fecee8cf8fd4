// ItemLoader: collect field values from selectors through processors (itemloaders.ItemLoader).

import type { Response } from '../Response.js';
import { Item, type ItemClass } from './Item.js';
import { Identity, argToList, callWithContext, type LoaderContext, type Processor } from './processors.js';

/** What a loader selects with: a Response, a Selector or a SelectorList (anything with `css()`, and `xpath()` for the XPath methods). */
export interface LoaderSelector {
  /** CSS query. */
  css(query: string): LoaderSelection;
  /** XPath query (when the selector has it). */
  xpath?(query: string): LoaderSelection;
}

/** What a query on a {@link LoaderSelector} returns. */
export interface LoaderSelection extends LoaderSelector {
  /** Every result as a string. */
  getall(): string[];
}

/** Options of {@link ItemLoader}. */
export interface ItemLoaderOptions<T extends object> {
  /** The item to fill (its existing values are collected first); default: a new `defaultItemClass`. */
  item?: T;
  /** What `addCss`/`addXpath` select from. */
  selector?: LoaderSelector | null;
  /** The response (its selector is used when `selector` is not given). */
  response?: Response | null;
  /** The loader this one is nested in (values and item are shared with it). */
  parent?: ItemLoader<T> | null;
  /** Extra loader context for processors that ask for it (see `withLoaderContext`). */
  context?: LoaderContext;
}

/** A `{ re }` argument among the processors: extract with a regex first. */
export interface ValueOptions {
  /** Keep only the matches of this regex in each value (its `extract` named group, else its groups, else the whole match). */
  re?: RegExp | string;
}

/** A processor, or `{ re }` options (anywhere in the list). */
export type ProcessorArg = Processor | ValueOptions;

/** Field names of `T`. */
type FieldName<T> = Extract<keyof T, string>;

function splitArgs(args: ProcessorArg[]): { processors: Processor[]; re: RegExp | string | undefined } {
  const processors: Processor[] = [];
  let re: RegExp | string | undefined;
  for (const a of args) {
    if (typeof a === 'function') processors.push(a);
    else if (a !== null && typeof a === 'object') re = a.re ?? re;
    else throw new TypeError(`ItemLoader: processors must be functions (or { re } options), got ${a === null ? 'null' : typeof a}.`);
  }
  return { processors, re };
}

/** parsel's `extract_regex`: the `extract` named group, else every group, else each whole match. */
function extractRegex(regex: RegExp | string, text: string): string[] {
  const r = typeof regex === 'string' ? new RegExp(regex, 'g') : new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : regex.flags + 'g');
  const out: string[] = [];
  for (const m of text.matchAll(r)) {
    if (m.groups?.extract !== undefined) out.push(m.groups.extract);
    else if (m.length > 1) for (let i = 1; i < m.length; i++) out.push(m[i] ?? '');
    else out.push(m[0]);
  }
  return out;
}

/** Python's truthiness, for what an input processor returns. */
function truthy(x: unknown): boolean {
  if (x === undefined || x === null || x === false || x === 0 || x === '') return false;
  if (Array.isArray(x)) return x.length > 0;
  return true;
}

function show(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

function errorText(e: unknown): string {
  return `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
}

/**
 * Fills an item from a page: `addCss`/`addXpath`/`addValue` collect values for a field (through
 * the field's input processor, `Identity` by default), `loadItem()` runs each field's output
 * processor over its collected values and sets the result on the item.
 *
 * A field's processors are found as in itemloaders: a loader property `<field>In` /
 * `<field>Out` (Scrapy's `name_in` / `name_out`), else the Item class's `Field({
 * inputProcessor, outputProcessor })`, else the loader's `defaultInputProcessor` /
 * `defaultOutputProcessor`. Type the loader with the item type (`ItemLoader<Product>`) to have
 * field names checked at compile time; load into a declared {@link Item} to have them checked
 * at run time too.
 *
 * Mirrors itemloaders' (and Scrapy's) `ItemLoader`.
 *
 * @example
 * ```ts
 * import { ItemLoader, MapCompose, Response, TakeFirst } from '@deferkit/crawler';
 *
 * interface Product { name?: string; tags?: string[] }
 * class ProductLoader extends ItemLoader<Product> {
 *   override defaultOutputProcessor = TakeFirst();
 *   nameIn = MapCompose((s: string) => s.trim());
 *   tagsOut = MapCompose((s: string) => s.toLowerCase());
 * }
 * const response = new Response('http://127.0.0.1/p/1', {
 *   headers: { 'Content-Type': 'text/html' },
 *   body: '<h1> Lamp </h1><ul><li>Home</li><li>Light</li></ul>',
 * });
 * const loader = new ProductLoader({ response });
 * loader.addCss('name', 'h1::text');
 * loader.addCss('tags', 'li::text');
 * console.log(loader.loadItem());
 * // prints: { name: 'Lamp', tags: [ 'home', 'light' ] }
 * ```
 */
export class ItemLoader<T extends object = Record<string, unknown>> {
  /** The class of the item made when none is given (null: a plain object). */
  static defaultItemClass: (new () => object) | null = null;
  /** The input processor of fields that declare none. */
  defaultInputProcessor: Processor = Identity();
  /** The output processor of fields that declare none. */
  defaultOutputProcessor: Processor = Identity();
  /** The item being filled. */
  readonly item: T;
  /** What `addCss`/`addXpath` select from (null: none). */
  readonly selector: LoaderSelector | null;
  /** The loader context: `item`, `selector`, `response` and your keys. */
  readonly context: LoaderContext;
  /** The loader this one is nested in. */
  readonly parent: ItemLoader<T> | null;
  readonly _localValues: Map<string, unknown[]>;

  /**
   * @param options - item, selector, response, parent, context.
   */
  constructor(options: ItemLoaderOptions<T> = {}) {
    const response = options.response ?? null;
    this.parent = options.parent ?? null;
    this.selector = options.selector ?? (response as LoaderSelector | null) ?? null;
    const cls = this.constructor as typeof ItemLoader;
    const itemClass = cls.defaultItemClass;
    this.item = (options.item ?? this.parent?.item ?? (itemClass === null ? {} : new itemClass())) as T;
    this.context = { ...(options.context ?? {}), item: this.item, selector: this.selector, response };
    this._localValues = new Map();
    if (this.parent === null && options.item !== undefined) {
      for (const [k, v] of Object.entries(this.item)) this._localValues.set(k, [...argToList(v)]);
    }
  }

  /** The collected values, shared with the parent loader. */
  get #values(): Map<string, unknown[]> {
    let l: ItemLoader<T> = this;
    while (l.parent !== null) l = l.parent;
    return l._localValues;
  }

  /**
   * A loader on what `query` selects, sharing this loader's item and values. Scrapy's
   * `nested_css`.
   *
   * @param query - a CSS query on this loader's selector.
   * @param context - extra context for the nested loader.
   */
  nestedCss(query: string, context: LoaderContext = {}): this {
    return this.#nested(this.#requireSelector('nestedCss').css(query), context);
  }

  /**
   * A loader on what `query` selects, sharing this loader's item and values. Scrapy's
   * `nested_xpath`.
   *
   * @param query - an XPath expression on this loader's selector.
   * @param context - extra context for the nested loader.
   */
  nestedXpath(query: string, context: LoaderContext = {}): this {
    return this.#nested(this.#xpath('nestedXpath', query), context);
  }

  #nested(selector: LoaderSelector, context: LoaderContext): this {
    const Ctor = this.constructor as new (options: ItemLoaderOptions<T>) => this;
    const { item: _item, selector: _selector, ...rest } = this.context;
    void _item;
    void _selector;
    return new Ctor({ parent: this, selector, response: (this.context.response as Response | null) ?? null, context: { ...rest, ...context } });
  }

  /**
   * Collect `value` for `field` (after the processors given here, then the field's input
   * processor). With `field` null, `value` must be an object of field → value.
   *
   * @param field - the field name, or null.
   * @param value - a value or a list of values.
   * @param processors - processors to run first, and optionally `{ re }`.
   */
  addValue(field: FieldName<T> | null, value: unknown, ...processors: ProcessorArg[]): void {
    const v = this.getValue(value, ...processors);
    if (v === undefined || v === null) return;
    if (field === null) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) this.#add(k, x);
    } else this.#add(field, v);
  }

  /**
   * Like {@link ItemLoader.addValue}, dropping what `field` collected before.
   *
   * @param field - the field name, or null.
   * @param value - a value or a list of values.
   * @param processors - processors to run first, and optionally `{ re }`.
   */
  replaceValue(field: FieldName<T> | null, value: unknown, ...processors: ProcessorArg[]): void {
    const v = this.getValue(value, ...processors);
    if (v === undefined || v === null) return;
    if (field === null) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        this.#values.delete(k);
        this.#add(k, x);
      }
    } else {
      this.#values.delete(field);
      this.#add(field, v);
    }
  }

  /**
   * `value` through `processors` (and `{ re }` first), without collecting it. Scrapy's
   * `get_value`.
   *
   * @param value - a value or a list of values.
   * @param processors - processors, and optionally `{ re }`.
   */
  getValue(value: unknown, ...processors: ProcessorArg[]): unknown {
    const { processors: procs, re } = splitArgs(processors);
    if (re !== undefined) value = argToList(value).flatMap((x) => extractRegex(re, String(x)));
    for (const proc of procs) {
      try {
        value = callWithContext(proc, value, this.context);
      } catch (e) {
        throw new Error(`Error with processor ${proc.name || 'anonymous'} value=${show(value)} error='${errorText(e)}'`, { cause: e });
      }
    }
    return value;
  }

  /**
   * Collect what a CSS query (or each of several) selects for `field`. Scrapy's `add_css`.
   *
   * @param field - the field name, or null.
   * @param query - one query or several.
   * @param processors - processors, and optionally `{ re }`.
   * @throws Error when the loader has no selector.
   */
  addCss(field: FieldName<T> | null, query: string | readonly string[], ...processors: ProcessorArg[]): void {
    this.addValue(field, this.#cssValues('addCss', query), ...processors);
  }

  /**
   * Like {@link ItemLoader.addCss}, dropping what `field` collected before.
   *
   * @param field - the field name, or null.
   * @param query - one query or several.
   * @param processors - processors, and optionally `{ re }`.
   */
  replaceCss(field: FieldName<T> | null, query: string | readonly string[], ...processors: ProcessorArg[]): void {
    this.replaceValue(field, this.#cssValues('replaceCss', query), ...processors);
  }

  /**
   * What a CSS query selects, through `processors`, without collecting it. Scrapy's `get_css`.
   *
   * @param query - one query or several.
   * @param processors - processors, and optionally `{ re }`.
   */
  getCss(query: string | readonly string[], ...processors: ProcessorArg[]): unknown {
    return this.getValue(this.#cssValues('getCss', query), ...processors);
  }

  /**
   * Collect what an XPath expression (or each of several) selects for `field`. Scrapy's
   * `add_xpath`.
   *
   * @param field - the field name, or null.
   * @param query - one expression or several.
   * @param processors - processors, and optionally `{ re }`.
   * @throws Error when the loader has no selector, or one without `xpath()`.
   */
  addXpath(field: FieldName<T> | null, query: string | readonly string[], ...processors: ProcessorArg[]): void {
    this.addValue(field, this.#xpathValues('addXpath', query), ...processors);
  }

  /**
   * Like {@link ItemLoader.addXpath}, dropping what `field` collected before.
   *
   * @param field - the field name, or null.
   * @param query - one expression or several.
   * @param processors - processors, and optionally `{ re }`.
   */
  replaceXpath(field: FieldName<T> | null, query: string | readonly string[], ...processors: ProcessorArg[]): void {
    this.replaceValue(field, this.#xpathValues('replaceXpath', query), ...processors);
  }

  /**
   * What an XPath expression selects, through `processors`, without collecting it. Scrapy's
   * `get_xpath`.
   *
   * @param query - one expression or several.
   * @param processors - processors, and optionally `{ re }`.
   */
  getXpath(query: string | readonly string[], ...processors: ProcessorArg[]): unknown {
    return this.getValue(this.#xpathValues('getXpath', query), ...processors);
  }

  /**
   * The values collected for `field` so far (after input processors). Scrapy's
   * `get_collected_values`.
   *
   * @param field - the field name.
   */
  getCollectedValues(field: FieldName<T>): unknown[] {
    return [...(this.#values.get(field) ?? [])];
  }

  /**
   * The field's output processor run over its collected values. Scrapy's `get_output_value`.
   *
   * @param field - the field name.
   * @throws Error `Error with output processor: field=… value=… error=…` when the processor throws.
   */
  getOutputValue(field: FieldName<T>): unknown {
    const proc = this.getOutputProcessor(field);
    const values = this.getCollectedValues(field);
    try {
      return callWithContext(proc, values, this.context);
    } catch (e) {
      throw new Error(`Error with output processor: field=${show(field)} value=${show(values)} error='${errorText(e)}'`, { cause: e });
    }
  }

  /**
   * The input processor of `field`: the loader's `<field>In`, else the Item field's
   * `inputProcessor`, else `defaultInputProcessor`. Scrapy's `get_input_processor`.
   *
   * @param field - the field name.
   */
  getInputProcessor(field: string): Processor {
    return this.#processor(field, 'In', 'inputProcessor') ?? this.defaultInputProcessor;
  }

  /**
   * The output processor of `field`: the loader's `<field>Out`, else the Item field's
   * `outputProcessor`, else `defaultOutputProcessor`. Scrapy's `get_output_processor`.
   *
   * @param field - the field name.
   */
  getOutputProcessor(field: string): Processor {
    return this.#processor(field, 'Out', 'outputProcessor') ?? this.defaultOutputProcessor;
  }

  /**
   * Run every field's output processor and set the results (those not undefined/null) on the
   * item, which is returned. Scrapy's `load_item`.
   *
   * @returns the item.
   * @throws TypeError `Product does not support field: x` for a field a declared Item lacks.
   */
  loadItem(): T {
    const item = this.item as Record<string, unknown>;
    for (const field of [...this.#values.keys()]) {
      const value = this.getOutputValue(field as FieldName<T>);
      if (value === undefined || value === null) continue;
      item[field] = value;
    }
    return this.item;
  }

  #processor(field: string, suffix: 'In' | 'Out', meta: 'inputProcessor' | 'outputProcessor'): Processor | undefined {
    const own = (this as unknown as Record<string, unknown>)[field + suffix] ?? (this.constructor as unknown as Record<string, unknown>)[field + suffix];
    if (typeof own === 'function') return own as Processor;
    if (this.item instanceof Item) {
      const fromField = (this.item.constructor as ItemClass).fields[field]?.[meta];
      if (typeof fromField === 'function') return fromField;
    }
    return undefined;
  }

  #add(field: string, value: unknown): void {
    const values = argToList(value);
    const proc = this.getInputProcessor(field);
    let processed: unknown;
    try {
      processed = callWithContext(proc, values, this.context);
    } catch (e) {
      throw new Error(`Error with input processor ${proc.name || 'anonymous'}: field=${show(field)} value=${show(values)} error='${errorText(e)}'`, { cause: e });
    }
    if (!truthy(processed)) return;
    const store = this.#values;
    let list = store.get(field);
    if (list === undefined) store.set(field, (list = []));
    list.push(...argToList(processed));
  }

  #requireSelector(method: string): LoaderSelector {
    if (this.selector === null) {
      throw new Error(`To use ${method}(), ${this.constructor.name} must be created with a selector or a response: new ${this.constructor.name}({ response }).`);
    }
    return this.selector;
  }

  #xpath(method: string, query: string): LoaderSelection {
    const sel = this.#requireSelector(method);
    if (typeof sel.xpath !== 'function') {
      throw new Error(`${method}() needs a selector with xpath(); this ${this.constructor.name}'s selector has none (use the CSS methods).`);
    }
    return sel.xpath(query);
  }

  #cssValues(method: string, query: string | readonly string[]): string[] {
    const sel = this.#requireSelector(method);
    return argToList(query).flatMap((q) => sel.css(q as string).getall());
  }

  #xpathValues(method: string, query: string | readonly string[]): string[] {
    return argToList(query).flatMap((q) => this.#xpath(method, q as string).getall());
  }
}
