// Selectors: CSS queries with Scrapy's ::text and ::attr(name) pseudo-elements, on cheerio.

// cheerio/slim: the same htmlparser2-based cheerio, without parse5 and undici (which the full
// entry point loads for its fetching and parse5 helpers, about 16 MiB of memory we never use).
import { load, type CheerioAPI } from 'cheerio/slim';
import { isHtml } from 'cheerio/utils';
import type { AnyNode, Document, Element, ParentNode } from 'domhandler';

const LOAD_OPTIONS = { xml: { xmlMode: false, decodeEntities: true } };

/**
 * A parsed page: its document, and a cheerio instance on it, made on first use — simple queries
 * (see {@link Compound}) walk the document without one. @internal
 */
export class Dom {
  /** The document. */
  readonly document: Document;
  #$: CheerioAPI | undefined;

  constructor(document: Document, $?: CheerioAPI) {
    this.document = document;
    this.#$ = $;
  }

  /** cheerio on this document (`load()` of a parsed document wraps it without parsing again). */
  get $(): CheerioAPI {
    return (this.#$ ??= load(this.document, LOAD_OPTIONS));
  }
}

// One cheerio instance parses every page: `$(markup)` parses with the instance's parser and
// options into a new document, where `load()` would also build a new cheerio class per page.
let parser: CheerioAPI | undefined;

/**
 * A compound selector simple enough to match without css-select: an optional tag (or `*`), ids
 * and classes, ASCII names only, no combinator. Matched with css-select's HTML-mode rules: tag
 * names case-insensitively (htmlparser2 lower-cases element names), ids and classes
 * case-sensitively (no quirks mode), a class being one of the `\s`-separated tokens of the
 * `class` attribute.
 */
interface Compound {
  tag: string | null;
  ids: string[];
  classes: string[];
}

/** A parsed `selector::text` / `selector::attr(name)` query. */
interface Query {
  css: string;
  pseudo: { kind: 'text' } | { kind: 'attr'; name: string } | null;
  /** Set when `css` is a simple compound selector (see {@link Compound}). */
  simple: Compound | null;
}

const SIMPLE_SELECTOR = /^(?:\*|([a-zA-Z][a-zA-Z0-9-]*))?((?:[.#][a-zA-Z_][a-zA-Z0-9_-]*)*)$/;

function compileSimple(css: string): Compound | null {
  const m = SIMPLE_SELECTOR.exec(css);
  if (m === null || css === '') return null;
  const ids: string[] = [];
  const classes: string[] = [];
  for (const part of m[2]!.match(/[.#][^.#]+/g) ?? []) (part[0] === '#' ? ids : classes).push(part.slice(1));
  return { tag: m[1] === undefined ? null : m[1].toLowerCase(), ids, classes };
}

// Queries are parsed once: spiders run the same few queries on every page.
const queryCache = new Map<string, Query>();
const QUERY_CACHE_SIZE = 512;

function parseQuery(query: string): Query {
  let q = queryCache.get(query);
  if (q !== undefined) return q;
  const m = /::(text|attr\(\s*([^)\s]+)\s*\))\s*$/.exec(query);
  const css = m === null ? query.trim() : query.slice(0, m.index).trim();
  const pseudo: Query['pseudo'] = m === null ? null : m[1] === 'text' ? { kind: 'text' } : { kind: 'attr', name: m[2]! };
  q = { css, pseudo, simple: compileSimple(css) };
  if (queryCache.size >= QUERY_CACHE_SIZE) queryCache.clear();
  queryCache.set(query, q);
  return q;
}

/** An element, as css-select sees them (`<script>` and `<style>` are elements too). */
function isElement(node: AnyNode): node is Element {
  const t = node.type;
  return t === 'tag' || t === 'script' || t === 'style';
}

const SPACE = /\s/;

/** Whether `cls` is one of the whitespace-separated tokens of `attr`. */
function hasClass(attr: string, cls: string): boolean {
  for (let i = attr.indexOf(cls); i !== -1; i = attr.indexOf(cls, i + 1)) {
    const end = i + cls.length;
    if ((i === 0 || SPACE.test(attr[i - 1]!)) && (end === attr.length || SPACE.test(attr[end]!))) return true;
  }
  return false;
}

function matches(el: Element, c: Compound): boolean {
  if (c.tag !== null && el.name !== c.tag) return false;
  const attribs = el.attribs;
  for (let i = 0; i < c.ids.length; i++) if (attribs.id !== c.ids[i]) return false;
  if (c.classes.length > 0) {
    const cls = attribs.class;
    if (cls === undefined) return false;
    for (let i = 0; i < c.classes.length; i++) if (!hasClass(cls, c.classes[i]!)) return false;
  }
  return true;
}

/** The elements below `root` (not `root` itself) matching `c`, in document order. */
function selectSimple(root: AnyNode, c: Compound, out: AnyNode[]): void {
  const children = (root as ParentNode).children;
  if (children === undefined) return;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (!isElement(child)) continue;
    if (matches(child, c)) out.push(child);
    if (child.children.length > 0) selectSimple(child, c, out);
  }
}

/**
 * One selected node, or one extracted string (from `::text` / `::attr()`).
 *
 * Mirrors parsel's `Selector`.
 */
export class Selector {
  readonly #dom: Dom;
  readonly #node: AnyNode | null;
  readonly #text: string | null;

  /** @internal */
  constructor(dom: Dom, node: AnyNode | null, text: string | null) {
    this.#dom = dom;
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
    return select(this.#dom, query, [this.#node]);
  }

  /** The node's HTML, or the extracted string. */
  get(): string {
    if (this.#text !== null) return this.#text;
    return this.#dom.$.html(this.#node!) ?? '';
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
    // Spread, not push: pushing onto an Array subclass takes V8's slow path. (One item is a
    // Selector, never a number, so it is not taken for a length.)
    else if (items.length <= 4096) super(...items);
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
export function select(dom: Dom, query: string, roots?: AnyNode[]): SelectorList {
  const { css, pseudo, simple } = parseQuery(query);
  let nodes: AnyNode[];
  if (css === '') nodes = roots ?? [dom.document];
  else if (simple !== null && (roots === undefined || roots.length === 1)) {
    // What cheerio's find() returns for these selectors, without building Cheerio objects and
    // compiling the selector on each call.
    nodes = [];
    selectSimple(roots === undefined ? dom.document : roots[0]!, simple, nodes);
  } else nodes = roots === undefined ? dom.$(css).toArray() : dom.$(roots).find(css).toArray();
  const out: Selector[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (pseudo === null) out.push(new Selector(dom, n, null));
    else if (pseudo.kind === 'attr') {
      const v = (n as Element).attribs?.[pseudo.name];
      if (v !== undefined) out.push(new Selector(dom, null, v));
    } else {
      // Like Scrapy's ::text: the node's own text children, not its descendants'.
      const children = (n as Element).children;
      if (children === undefined) continue;
      for (let j = 0; j < children.length; j++) {
        const c = children[j]!;
        if (c.type === 'text') out.push(new Selector(dom, null, c.data));
      }
    }
  }
  return new SelectorList(out);
}

/** Parse HTML once. @internal */
export function loadHtml(html: string): Dom {
  // htmlparser2 rather than cheerio's default parse5: about 3× faster on real pages, and as
  // forgiving as Scrapy's lxml with broken markup.
  if (isHtml(html)) {
    parser ??= load('', LOAD_OPTIONS);
    const doc = (parser(html)[0] as AnyNode | undefined)?.parent;
    if (doc?.type === 'root') return new Dom(doc as Document);
  }
  // Text cheerio would not take for markup (no tag before the first '<', say): load() parses
  // anything.
  const $ = load(html, LOAD_OPTIONS);
  return new Dom($.root()[0] as Document, $);
}
