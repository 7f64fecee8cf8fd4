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

/**
 * What one comma-separated group of a query yields, after cssselect's translation as parsel
 * extends it (`X` is the group's selector without its pseudo-element):
 * - `nodes`: the elements `X` matches;
 * - `childText`: `X::text`, the text children of those elements (`X/text()`);
 * - `descText`: `X ::text` / `X *::text` (and `::text` / `*::text` alone, on the context
 *   node), every text node below them (`X/descendant-or-self::text()`);
 * - `ownAttr`: `X::attr(n)`, their attribute (`X/@n`);
 * - `descAttr`: `X ::attr(n)`, the attribute of them and of every element below them
 *   (`X/descendant-or-self::*\/@n`).
 */
type Mode = 'nodes' | 'childText' | 'descText' | 'ownAttr' | 'descAttr';

/** One comma-separated group of a query. */
interface Group {
  /** The selector (`''`: the context node itself). */
  css: string;
  mode: Mode;
  /** The attribute of `ownAttr` / `descAttr`. */
  attr: string;
  /** Set when `css` is a simple compound selector (see {@link Compound}). */
  simple: Compound | null;
  /**
   * No combinator: the group may match the context element itself, as parsel's
   * `descendant-or-self::` does (a group with a combinator never can: its leftmost compound
   * must be the context or below it, and its last one below that).
   */
  compound: boolean;
}

/** A parsed query. */
interface Query {
  /** The whole query, when every group selects elements (css-select runs it in one pass). */
  css: string;
  groups: Group[];
  /** Every group is `nodes`. */
  elementsOnly: boolean;
}

/**
 * Calls `onTop(i)` for each character of `css` outside brackets, parentheses, strings and
 * escapes; stops when it returns true. Returns whether it stopped.
 */
function scanTopLevel(css: string, onTop: (i: number) => boolean): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < css.length; i++) {
    const ch = css[i]!;
    if (ch === '\\') i++;
    else if (quote !== '') {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (depth === 0 && onTop(i)) return true;
  }
  return false;
}

function splitGroups(query: string): string[] {
  const out: string[] = [];
  let from = 0;
  scanTopLevel(query, (i) => {
    if (query[i] === ',') {
      out.push(query.slice(from, i));
      from = i + 1;
    }
    return false;
  });
  out.push(query.slice(from));
  return out;
}

/** Whether a (trimmed) selector has a combinator: whitespace, `>`, `+` or `~` at top level. */
function hasCombinator(css: string): boolean {
  return scanTopLevel(css, (i) => /[\s>+~]/.test(css[i]!));
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

const PSEUDO_ELEMENT = /::(text|attr\(\s*([^)\s]+)\s*\))\s*$/;

function parseGroup(source: string): Group {
  const g = source.trimStart();
  const m = PSEUDO_ELEMENT.exec(g);
  let css: string;
  let mode: Mode;
  if (m === null) {
    css = g.trim();
    mode = 'nodes';
  } else {
    const base = g.slice(0, m.index);
    const t = base.trimEnd();
    const text = m[1] === 'text';
    if (t === '' || t === '*') {
      // `::text` / `*::text` alone: from the context node itself.
      css = '';
      mode = text ? 'descText' : 'descAttr';
    } else if (/[>+~]\s*\*?$/.test(t)) {
      // `X > ::text` is `X > *::text`: the universal selector is implied after a combinator.
      css = t.replace(/\*$/, '').trimEnd() + ' *';
      mode = text ? 'childText' : 'ownAttr';
    } else if (/\s\*$/.test(t) || t !== base) {
      // `X ::text` and `X *::text`: the descendant combinator, then the pseudo-element, which
      // parsel turns into `X/descendant-or-self::text()` (`::*\/@n` for attributes).
      css = t.replace(/\s\*$/, '').trimEnd();
      mode = text ? 'descText' : 'descAttr';
    } else {
      css = t;
      mode = text ? 'childText' : 'ownAttr';
    }
  }
  return { css, mode, attr: m?.[2] ?? '', simple: compileSimple(css), compound: !hasCombinator(css) };
}

// Queries are parsed once: spiders run the same few queries on every page.
const queryCache = new Map<string, Query>();
const QUERY_CACHE_SIZE = 512;

function parseQuery(query: string): Query {
  let q = queryCache.get(query);
  if (q !== undefined) return q;
  const groups = splitGroups(query).map(parseGroup);
  q = { css: query.trim(), groups, elementsOnly: groups.every((g) => g.mode === 'nodes') };
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

/**
 * The elements below `root` (not `root` itself) matching `c`, in document order. A loop over an
 * explicit stack, not recursion: pages nest deeper than the call stack goes (cheerio's own
 * path is iterative too).
 */
function selectSimple(root: AnyNode, c: Compound, out: AnyNode[]): void {
  const top = (root as ParentNode).children;
  if (top === undefined || top.length === 0) return;
  // Pairs of (children array, next index): a pair of slots per level, no per-level objects.
  const lists: AnyNode[][] = [top];
  const next: number[] = [0];
  let depth = 0;
  while (depth >= 0) {
    const children = lists[depth]!;
    const i = next[depth]!;
    if (i >= children.length) {
      depth--;
      continue;
    }
    next[depth] = i + 1;
    const child = children[i]!;
    if (!isElement(child)) continue;
    if (matches(child, c)) out.push(child);
    if (child.children.length > 0) {
      depth++;
      lists[depth] = child.children;
      next[depth] = 0;
    }
  }
}

/** An extracted attribute: the element and the name, so results can be put in document order. */
interface AttrItem {
  el: Element;
  name: string;
}

/** What a query yields before it becomes Selectors: nodes (elements, text) and attributes. */
type Item = AnyNode | AttrItem;

/** Whether the context element itself is one `g` selects (parsel's `descendant-or-self::`). */
function matchesSelf(dom: Dom, g: Group, root: AnyNode): boolean {
  if (!g.compound || !isElement(root)) return false;
  return g.simple !== null ? matches(root, g.simple) : dom.$(root).is(g.css);
}

/** The elements `g.css` matches at or below `root` (parsel's `descendant-or-self::`), in document order. */
function groupElements(dom: Dom, g: Group, root: AnyNode): AnyNode[] {
  if (g.css === '') return [root];
  let nodes: AnyNode[];
  if (g.simple !== null) {
    nodes = matchesSelf(dom, g, root) ? [root] : [];
    selectSimple(root, g.simple, nodes);
    return nodes;
  }
  if (root.type === 'root') return dom.$(g.css).toArray();
  nodes = dom.$(root).find(g.css).toArray();
  if (matchesSelf(dom, g, root)) nodes.unshift(root);
  return nodes;
}

/** Whether some element of `els` (in document order) has another of them below it. */
function nested(els: AnyNode[]): boolean {
  // An element's descendants come right after it in document order: if the next one is not
  // below it, no later one is.
  for (let i = 0; i + 1 < els.length; i++) {
    for (let p = els[i + 1]!.parent; p !== null; p = p.parent) if (p === els[i]) return true;
  }
  return false;
}

/**
 * Walks the subtrees of `tops` (in document order) in document order, once each node even when
 * one top is below another, calling `visit` on every node. Explicit stack (see selectSimple).
 */
function walkUnion(tops: AnyNode[], visit: (n: AnyNode) => void): void {
  const members = tops.length > 1 ? new Set<AnyNode>(tops) : null;
  const covered = new Set<AnyNode>();
  const stack: AnyNode[] = [];
  for (let t = 0; t < tops.length; t++) {
    const top = tops[t]!;
    if (covered.has(top)) continue;
    stack.push(top);
    while (stack.length > 0) {
      const n = stack.pop()!;
      visit(n);
      if (members !== null && n !== top && members.has(n)) covered.add(n);
      const ch = (n as ParentNode).children;
      if (ch !== undefined) for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]!);
    }
  }
}

/** The items of one group, in document order, without duplicates. */
function groupItems(dom: Dom, g: Group, root: AnyNode): Item[] {
  const els = groupElements(dom, g, root);
  switch (g.mode) {
    case 'nodes':
      return els;
    case 'ownAttr': {
      const out: Item[] = [];
      for (let i = 0; i < els.length; i++) {
        const el = els[i] as Element;
        if (el.attribs?.[g.attr] !== undefined) out.push({ el, name: g.attr });
      }
      return out;
    }
    case 'childText': {
      const out: Item[] = [];
      if (nested(els)) {
        // `div::text` on nested divs: XPath gives the union in document order, not each
        // div's text in turn.
        const parents = new Set(els);
        walkUnion(els, (n) => {
          if (n.type === 'text' && n.parent !== null && parents.has(n.parent)) out.push(n);
        });
        return out;
      }
      for (let i = 0; i < els.length; i++) {
        const children = (els[i] as ParentNode).children;
        if (children === undefined) continue;
        for (let j = 0; j < children.length; j++) if (children[j]!.type === 'text') out.push(children[j]!);
      }
      return out;
    }
    case 'descText': {
      const out: Item[] = [];
      walkUnion(els, (n) => {
        // lxml keeps no whitespace-only text outside <body>'s elements (htmlparser2 builds no
        // <html>/<body> around a fragment and keeps it at the top): `*::text` as in parsel.
        if (n.type === 'text' && (n.parent?.type !== 'root' || /\S/.test(n.data))) out.push(n);
      });
      return out;
    }
    case 'descAttr': {
      const out: Item[] = [];
      const name = g.attr;
      walkUnion(els, (n) => {
        if (isElement(n) && n.attribs[name] !== undefined) out.push({ el: n, name });
      });
      return out;
    }
  }
}

/** Items of several groups as one XPath node-set: document order, no duplicates. */
function union(root: AnyNode, lists: Item[][]): Item[] {
  const order = new Map<AnyNode, number>();
  let k = 0;
  walkUnion([root], (n) => order.set(n, k++));
  const key = (it: Item): number => {
    if (!('el' in it)) return order.get(it) ?? -1;
    // An element's attributes come after it and before its children, in attribute order.
    const names = Object.keys(it.el.attribs);
    return (order.get(it.el) ?? -1) + (names.indexOf(it.name) + 1) / (names.length + 1);
  };
  const all = lists.flat().map((it) => ({ it, k: key(it) }));
  all.sort((a, b) => a.k - b.k);
  const out: Item[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i]!.k !== all[i - 1]!.k) out.push(all[i]!.it);
  return out;
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
 * import { Response } from '@deferkit/crawler';
 *
 * const response = new Response('http://127.0.0.1/', {
 *   headers: { 'Content-Type': 'text/html' },
 *   body: '<h1>A Light in the Attic</h1><a href="/page/2">next</a>',
 * });
 * console.log(response.css('h1::text').get());
 * console.log(response.css('a::attr(href)').getall());
 * // prints: A Light in the Attic
 * //         [ '/page/2' ]
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

/**
 * Run `query` against `roots` (or the whole document), as parsel runs the XPath cssselect makes
 * of it: each root's results in document order, without duplicates. @internal
 */
export function select(dom: Dom, query: string, roots?: AnyNode[]): SelectorList {
  const q = parseQuery(query);
  const out: Selector[] = [];
  const contexts = roots ?? [dom.document];
  for (let r = 0; r < contexts.length; r++) {
    const root = contexts[r]!;
    let items: Item[];
    if (q.groups.length === 1) items = groupItems(dom, q.groups[0]!, root);
    else if (q.elementsOnly && !q.groups.some((g) => g.css === '')) {
      // css-select runs the whole list in one pass, in document order without duplicates; only
      // the context element itself is left to add.
      items = root.type === 'root' ? dom.$(q.css).toArray() : dom.$(root).find(q.css).toArray();
      if (q.groups.some((g) => matchesSelf(dom, g, root))) items.unshift(root);
    } else items = union(root, q.groups.map((g) => groupItems(dom, g, root)));
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if ('el' in it) out.push(new Selector(dom, null, it.el.attribs[it.name]!));
      else if (it.type === 'text') out.push(new Selector(dom, null, it.data));
      else out.push(new Selector(dom, it, null));
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
