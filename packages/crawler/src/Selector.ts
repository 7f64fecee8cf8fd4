// Selectors: CSS queries with Scrapy's ::text and ::attr(name) pseudo-elements, on cheerio.

import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

type CheerioRoot = cheerio.CheerioAPI;

/** A parsed `selector::text` / `selector::attr(name)` query. */
interface Query {
  css: string;
  pseudo: { kind: 'text' } | { kind: 'attr'; name: string } | null;
}

function parseQuery(query: string): Query {
  const m = /::(text|attr\(\s*([^)\s]+)\s*\))\s*$/.exec(query);
  if (m === null) return { css: query.trim(), pseudo: null };
  const css = query.slice(0, m.index).trim();
  return { css, pseudo: m[1] === 'text' ? { kind: 'text' } : { kind: 'attr', name: m[2]! } };
}

/**
 * One selected node, or one extracted string (from `::text` / `::attr()`).
 *
 * Mirrors parsel's `Selector`.
 */
export class Selector {
  readonly #$: CheerioRoot;
  readonly #node: AnyNode | null;
  readonly #text: string | null;

  /** @internal */
  constructor($: CheerioRoot, node: AnyNode | null, text: string | null) {
    this.#$ = $;
    this.#node = node;
    this.#text = text;
  }

  /** The selected node (`null` for an extracted string). @internal */
  get node(): AnyNode | null {
    return this.#node;
  }

  /** Select inside this node. */
  css(query: string): SelectorList {
    if (this.#node === null) return new SelectorList([]);
    return select(this.#$, query, [this.#node]);
  }

  /** The node's HTML, or the extracted string. */
  get(): string {
    if (this.#text !== null) return this.#text;
    return this.#$.html(this.#node!) ?? '';
  }

  /** The element's attributes (empty for strings). */
  get attrib(): Record<string, string> {
    const n = this.#node as Element | null;
    return n !== null && 'attribs' in n ? { ...n.attribs } : {};
  }

  /** Every match of `regex` in `get()` (the first group when it has groups). */
  re(regex: RegExp | string): string[] {
    return reAll(this.get(), regex);
  }
}

/**
 * The result of a query: a list of Selectors with Scrapy's `get()` / `getall()`.
 *
 * Mirrors parsel's `SelectorList`.
 *
 * @example
 * ```ts
 * response.css('h1::text').get();           // 'A Light in the Attic'
 * response.css('a::attr(href)').getall();   // ['/page/2', …]
 * ```
 */
export class SelectorList extends Array<Selector> {
  /** @internal */
  constructor(items: Selector[] | number) {
    if (typeof items === 'number') super(items);
    else {
      super();
      for (let i = 0; i < items.length; i++) this.push(items[i]!);
    }
  }

  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** Query inside every selected node. */
  css(query: string): SelectorList {
    return new SelectorList(this.flatMap((s) => [...s.css(query)]));
  }

  /** The first result, or `defaultValue` (undefined) when there is none. */
  get(): string | undefined;
  get<D>(defaultValue: D): string | D;
  get<D>(defaultValue?: D): string | D | undefined {
    return this.length > 0 ? this[0]!.get() : defaultValue;
  }

  /** Every result. */
  getall(): string[] {
    return this.map((s) => s.get());
  }

  /** Every regex match across the results. */
  re(regex: RegExp | string): string[] {
    return this.flatMap((s) => s.re(regex));
  }
}

function reAll(text: string, regex: RegExp | string): string[] {
  const r = typeof regex === 'string' ? new RegExp(regex, 'g') : new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : regex.flags + 'g');
  const out: string[] = [];
  for (const m of text.matchAll(r)) out.push(m.length > 1 ? (m[1] ?? '') : m[0]);
  return out;
}

/**
 * The URL a Selector stands for: an extracted string as is; the `href` of an `<a>` or `<link>`.
 * Scrapy's `_url_from_selector`. @internal
 *
 * @throws TypeError `Unsupported selector: …` for anything else.
 */
export function urlFromSelector(sel: Selector): string {
  const node = sel.node;
  if (node === null) return sel.get();
  const el = node as Element;
  if (el.type === 'tag' && (el.name === 'a' || el.name === 'link')) {
    const href = el.attribs?.href;
    if (href !== undefined) return href.trim();
    throw new TypeError(`<${el.name}> element has no href attribute: ${sel.get()}`);
  }
  throw new TypeError(`Unsupported selector: ${sel.get()}`);
}

/** Run `query` against `roots` (or the whole document). @internal */
export function select($: CheerioRoot, query: string, roots?: AnyNode[]): SelectorList {
  const { css, pseudo } = parseQuery(query);
  let nodes: AnyNode[];
  if (css === '') nodes = roots ?? [$.root()[0]!];
  else nodes = roots === undefined ? $(css).toArray() : $(roots).find(css).toArray();
  if (pseudo === null) return new SelectorList(nodes.map((n) => new Selector($, n, null)));
  const out: Selector[] = [];
  for (const n of nodes) {
    if (pseudo.kind === 'attr') {
      const v = (n as Element).attribs?.[pseudo.name];
      if (v !== undefined) out.push(new Selector($, null, v));
    } else {
      // Like Scrapy's ::text: the node's own text children, not its descendants'.
      const children = (n as Element).children ?? [];
      for (const c of children) if (c.type === 'text') out.push(new Selector($, null, (c as unknown as { data: string }).data));
    }
  }
  return new SelectorList(out);
}

/** Parse HTML once. @internal */
export function loadHtml(html: string): CheerioRoot {
  // htmlparser2 rather than cheerio's default parse5: about 3× faster on real pages, and as
  // forgiving as Scrapy's lxml with broken markup.
  return cheerio.load(html, { xml: { xmlMode: false, decodeEntities: true } });
}
