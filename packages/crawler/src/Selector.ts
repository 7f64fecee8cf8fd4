// Selectors: CSS queries with Scrapy's ::text and ::attr(name) pseudo-elements, on cheerio.

// cheerio/slim: the same htmlparser2-based cheerio, without parse5 and undici (which the full
// entry point loads for its fetching and parse5 helpers, about 16 MiB of memory we never use).
import { createRequire } from 'node:module';
import { load, type CheerioAPI } from 'cheerio/slim';
import { isHtml } from 'cheerio/utils';
import type { AnyNode, Document, Element, ParentNode } from 'domhandler';
import { buildXDocument, evaluateXPath, EXSLT_RE, EXSLT_SET, type XDocument, type XItem } from './xpath.js';
import { replaceEntities } from './utils/entities.js';

const LOAD_OPTIONS = { xml: { xmlMode: false, decodeEntities: true } };
/**
 * For markup without a single '&': there is no entity to decode, and htmlparser2's tokenizer
 * then skips to the next '<' (or closing quote) instead of looking at every character for an
 * '&'. The document built is the same.
 */
const NO_ENTITY_OPTIONS = { xml: { xmlMode: false, decodeEntities: false } };
const XML_LOAD_OPTIONS = { xml: { xmlMode: true, decodeEntities: true } };

/**
 * A parsed page: its document, and a cheerio instance on it, made on first use — simple queries
 * (see {@link Compound}) walk the document without one. @internal
 */
export class Dom {
  /** The document. */
  readonly document: Document;
  /** Parsed as XML (an XmlResponse, `Selector.fromText(…, { type: 'xml' })`): names keep their case. */
  readonly xml: boolean;
  #$: CheerioAPI | undefined;
  #x: XDocument | undefined;

  constructor(document: Document, $?: CheerioAPI, xml = false) {
    this.document = document;
    this.#$ = $;
    this.xml = xml;
  }

  /** cheerio on this document (`load()` of a parsed document wraps it without parsing again). */
  get $(): CheerioAPI {
    return (this.#$ ??= load(this.document, this.xml ? XML_LOAD_OPTIONS : LOAD_OPTIONS));
  }

  /** The XPath view of the document, built on the first xpath() (see xpath.ts). */
  get x(): XDocument {
    return (this.#x ??= buildXDocument(this.document, this.xml));
  }

  /** The element parsel's top-level Selector stands for: the root element (`<html>`), else the document. */
  get rootElement(): AnyNode {
    const kids = this.document.children;
    for (let i = 0; i < kids.length; i++) if (isElement(kids[i]!)) return firstElementIsOnly(kids, i) ? kids[i]! : this.document;
    return this.document;
  }

  /** Serialises a node as lxml does for the document's kind (HTML or XML). */
  serialize(node: AnyNode): string {
    // 'utf8': only &, <, > (and " in attributes) escaped, other characters as they are, as lxml
    // writes a unicode string (cheerio's default writes £ as &#xa3;).
    return this.xml ? serializeXml(node) : serializeHtml(node);
  }

  /**
   * Drops every namespace: `prefix:name` becomes `name` on elements and attributes, and the
   * `xmlns` declarations go (parsel's `remove_namespaces()`). The XPath view is rebuilt.
   */
  removeNamespaces(): void {
    const stack: AnyNode[] = [...this.document.children];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (!isElement(n)) continue;
      const colon = n.name.indexOf(':');
      if (colon !== -1) n.name = n.name.slice(colon + 1);
      const attribs: Record<string, string> = {};
      for (const name in n.attribs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        const c = name.indexOf(':');
        attribs[c === -1 || name.startsWith('xml:') ? name : name.slice(c + 1)] = n.attribs[name]!;
      }
      n.attribs = attribs;
      for (let i = 0; i < n.children.length; i++) stack.push(n.children[i]!);
    }
    this.#x = undefined;
  }
}

/** Elements lxml's HTML serialiser writes without an end tag. */
const VOID = new Set(['area', 'base', 'basefont', 'br', 'col', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen']);
/** Elements whose text lxml writes as it is. */
const RAW_TEXT = new Set(['script', 'style']);

const escapeHtmlText = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Attributes libxml2 writes as a bare name in HTML, whatever their value (`checked`). */
const BOOLEAN_ATTRS = new Set(['checked', 'compact', 'declare', 'defer', 'disabled', 'ismap', 'multiple', 'nohref', 'noresize', 'noshade', 'nowrap', 'readonly', 'selected']);

/** An attribute as libxml2 writes it in HTML: `'…'` around a value with `"` in it (and no `'`). */
function htmlAttribute(name: string, value: string): string {
  if (BOOLEAN_ATTRS.has(name.toLowerCase())) return ' ' + name;
  const v = value.replace(/&/g, '&amp;');
  if (v.includes('"')) return v.includes("'") ? ` ${name}="${v.replace(/"/g, '&quot;')}"` : ` ${name}='${v}'`;
  return ` ${name}="${v}"`;
}

/**
 * An HTML node as lxml's `tostring(…, method='html', encoding='unicode')` writes it: void
 * elements without end tag, script/style text as is, text with &, <, > escaped and every other
 * character (U+00A0 too) as it is. Iterative: pages nest deeper than the call stack.
 */
function serializeHtml(node: AnyNode): string {
  let out = '';
  // Nodes to write, and the end tags to write after their children (strings).
  const stack: (AnyNode | string)[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (typeof n === 'string') {
      out += n;
      continue;
    }
    if (isElement(n)) {
      out += '<' + n.name;
      for (const name in n.attribs) out += htmlAttribute(name, n.attribs[name]!);
      out += '>';
      if (VOID.has(n.name) && n.children.length === 0) continue;
      stack.push('</' + n.name + '>');
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    } else if (n.type === 'text') {
      const p = n.parent;
      out += p !== null && isElement(p) && RAW_TEXT.has(p.name) ? n.data : escapeHtmlText(n.data);
    } else if (n.type === 'comment') out += '<!--' + n.data + '-->';
    else if (n.type === 'root') for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    else if (n.type === 'cdata') for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

const escapeXmlText = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
const escapeXmlAttr = (t: string): string =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

/** An XML node as lxml's `tostring(…, encoding='unicode')` writes it: empty elements as `<a/>`. */
function serializeXml(node: AnyNode): string {
  let out = '';
  let top = true;
  const walk = (n: AnyNode): void => {
    if (isElement(n)) {
      out += '<' + n.name;
      if (top) {
        // lxml writes an element taken out of its document with the namespace declarations in
        // scope from its ancestors (nearest first wins), before its own attributes.
        top = false;
        const seen = new Set(Object.keys(n.attribs).filter((a) => a === 'xmlns' || a.startsWith('xmlns:')));
        const inherited: [string, string][][] = [];
        for (let p = n.parent; p !== null && isElement(p); p = p.parent) {
          const level: [string, string][] = [];
          for (const a in p.attribs) if ((a === 'xmlns' || a.startsWith('xmlns:')) && !seen.has(a)) {
            seen.add(a);
            level.push([a, p.attribs[a]!]);
          }
          inherited.unshift(level);
        }
        for (const [a, v] of inherited.flat()) out += ` ${a}="${escapeXmlAttr(v)}"`;
      }
      for (const name in n.attribs) out += ` ${name}="${escapeXmlAttr(n.attribs[name]!)}"`;
      if (n.children.length === 0) {
        out += '/>';
        return;
      }
      out += '>';
      for (const c of n.children) walk(c);
      out += '</' + n.name + '>';
    } else if (n.type === 'text') out += escapeXmlText(n.data);
    else if (n.type === 'comment') out += '<!--' + n.data + '-->';
    else if (n.type === 'directive') out += '<' + n.data + '>';
    else if (n.type === 'cdata') for (const c of n.children) walk(c);
    else if (n.type === 'root') for (const c of n.children) walk(c);
  };
  walk(node);
  return out;
}

/** Whether the element at `i` is the only element among `kids` (a whole page: `<html>`, or an XML root). */
function firstElementIsOnly(kids: AnyNode[], i: number): boolean {
  for (let j = i + 1; j < kids.length; j++) if (isElement(kids[j]!)) return false;
  return true;
}

// One cheerio instance parses every page: `$(markup)` parses with the instance's parser and
// options into a new document, where `load()` would also build a new cheerio class per page.
let parser: CheerioAPI | undefined;
let plainParser: CheerioAPI | undefined;

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
  // XML keeps the case of names: the fast path, which lower-cases tags, is for HTML.
  return g.simple !== null && !dom.xml ? matches(root, g.simple) : dom.$(root).is(g.css);
}

/** The elements `g.css` matches at or below `root` (parsel's `descendant-or-self::`), in document order. */
function groupElements(dom: Dom, g: Group, root: AnyNode): AnyNode[] {
  if (g.css === '') return [root];
  let nodes: AnyNode[];
  if (g.simple !== null && !dom.xml) {
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

/** Where a Selector's content comes from: a parsed HTML/XML document, a plain string, or a JSON value. */
export type SelectorType = 'html' | 'xml' | 'text' | 'json';

/** Options of {@link Selector.fromText}. */
export interface SelectorInit {
  /**
   * How to read the text: `'html'` (the default), `'xml'` (names keep their case, namespaces
   * apply), `'json'` (for {@link Selector.jmespath}) or `'text'` (a plain string, parsed as HTML
   * on the first css()/xpath()).
   */
  type?: SelectorType;
  /** Namespace prefixes for XPath queries, `{ prefix: uri }` (parsel's `namespaces`). */
  namespaces?: Record<string, string>;
}

/**
 * Options of {@link Selector.xpath}: `namespaces` for this query only; every other key is an
 * XPath variable (`$name` in the query; a string, a number or a boolean).
 */
export type XPathOptions = { namespaces?: Record<string, string> } & Record<string, unknown>;

/** Options of `re()` / `reFirst()`. */
export interface ReOptions {
  /**
   * Replace character references in the matches (`&quot;` → `"`, `&#39;` → `'`), except
   * `&amp;` and `&lt;`, as parsel does (default true).
   */
  replaceEntities?: boolean;
}

/** The namespace prefixes every Selector knows: EXSLT's `re` and `set` (parsel's defaults). */
const DEFAULT_NAMESPACES: Readonly<Record<string, string>> = Object.freeze({ re: EXSLT_RE, set: EXSLT_SET });

/**
 * One selected node, or one extracted value: a string (from `::text`, `::attr()`, `text()`,
 * `@attr`, `string()`), a number or boolean of an XPath expression (as parsel writes them:
 * `count(//a)` gives `'3.0'`, `1=1` gives `'1'`), or a JSON value (from `jmespath()`).
 * `css()` and `xpath()` chain in any mix; on an extracted string they select nothing, as in
 * parsel.
 *
 * Mirrors parsel's `Selector`.
 *
 * @example
 * ```ts
 * import { Selector } from '@deferkit/crawler';
 *
 * const sel = Selector.fromText('<ul><li class="x">one</li><li>two <b>2</b></li></ul>');
 * console.log(sel.xpath('//li[has-class("x")]/text()').get());
 * console.log(sel.css('li').xpath('./b/text()').getall());
 * console.log(sel.xpath('count(//li)').get());
 * // prints: one
 * //         [ '2' ]
 * //         2.0
 * ```
 */
export class Selector {
  readonly #dom: Dom | null;
  readonly #node: AnyNode | null;
  readonly #text: string | null;
  #type: SelectorType;
  /** The JSON value of a `json` Selector. */
  readonly #value: unknown;
  /** Namespace prefixes for xpath(): shared with the Selector that made this one, copied on write. */
  #ns: Readonly<Record<string, string>>;

  /** @internal */
  constructor(dom: Dom | null, node: AnyNode | null, text: string | null, namespaces?: Record<string, string>, type?: SelectorType, value?: unknown) {
    this.#dom = dom;
    this.#node = node;
    this.#text = text;
    this.#type = type ?? (dom?.xml === true ? 'xml' : 'html');
    this.#value = value;
    this.#ns = namespaces ?? DEFAULT_NAMESPACES;
  }

  /** Namespace prefixes of xpath() queries, `{ prefix: uri }`: `re` and `set` (EXSLT), then the registered ones. */
  get namespaces(): Readonly<Record<string, string>> {
    return this.#ns;
  }

  /**
   * A Selector on a text: an HTML page by default.
   *
   * Mirrors parsel's `Selector(text=…, type=…, namespaces=…)`.
   *
   * @param text - the markup (or JSON, or plain text; see `init.type`).
   * @param init - `type` (`'html'`, `'xml'`, `'json'`, `'text'`) and `namespaces`.
   * @throws TypeError for a text that is no string, or an unknown type.
   *
   * @example
   * ```ts
   * import { Selector } from '@deferkit/crawler';
   *
   * const feed = Selector.fromText('<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title></feed>', { type: 'xml' });
   * console.log(feed.xpath('//a:title/text()', { namespaces: { a: 'http://www.w3.org/2005/Atom' } }).get());
   * feed.removeNamespaces();
   * console.log(feed.xpath('//title/text()').get());
   * // prints: News
   * //         News
   * ```
   */
  static fromText(text: string, init: SelectorInit = {}): Selector {
    if (typeof text !== 'string') throw new TypeError(`Selector.fromText(text): text must be a string, got ${text === null ? 'null' : typeof text}.`);
    const type = init.type ?? 'html';
    const ns = init.namespaces === undefined ? undefined : { ...DEFAULT_NAMESPACES, ...init.namespaces };
    if (type === 'json') return new Selector(null, null, text, ns, 'json', loadJsonOrNull(text));
    if (type === 'text') return new Selector(null, null, text, ns, 'text');
    if (type !== 'html' && type !== 'xml') throw new TypeError(`Selector.fromText(): unknown type ${JSON.stringify(type)}; use 'html', 'xml', 'json' or 'text'.`);
    const dom = type === 'xml' ? loadXml(text) : loadHtml(text);
    return new Selector(dom, dom.rootElement, null, ns);
  }

  /** The selected node (`null` for an extracted value). @internal */
  get node(): AnyNode | null {
    return this.#node;
  }

  /** `'html'`, `'xml'`, `'text'` or `'json'`: what the Selector holds (parsel's `type`). */
  get type(): SelectorType {
    return this.#type;
  }

  /** The parsed document of a `text` Selector, made on its first css()/xpath() (parsel reads the text as HTML). */
  #textDom: Dom | undefined;

  /** Where css()/xpath() run: [dom, context node], or null for a value. */
  #context(what: string): [Dom, AnyNode] | null {
    if (this.#type === 'json') throw new TypeError(`Cannot use ${what} on a Selector of type 'json': use jmespath(), or get() the value.`);
    if (this.#type === 'text') {
      this.#textDom ??= loadHtml(this.#text ?? '');
      return [this.#textDom, this.#textDom.rootElement];
    }
    if (this.#node === null || this.#dom === null) return null;
    return [this.#dom, this.#node];
  }

  /**
   * CSS query inside this node, with Scrapy's `::text` and `::attr(name)` pseudo-elements.
   *
   * @param query - the selector, e.g. `'h1::text'`.
   */
  css(query: string): SelectorList {
    const c = this.#context('css()');
    if (c === null) return new SelectorList([]);
    return select(c[0], query, [c[1]], this.#ns);
  }

  /**
   * XPath 1.0 query with this node as the context node: `'.//a'` is relative to it, `'//a'`
   * searches the whole document, as in parsel. Results are elements, text nodes and attribute
   * values (as strings), or one number, string or boolean (`'3.0'`, `'1'`/`'0'`). Besides XPath
   * 1.0's functions: `has-class("a", …)`, EXSLT `re:test`, `re:match`, `re:replace` and `set:`
   * (difference, intersection, distinct, has-same-node, leading, trailing).
   *
   * Mirrors parsel's `Selector.xpath`.
   *
   * @param query - the XPath expression.
   * @param options - `namespaces` for this query (added to the registered ones), and XPath
   *   variables: `xpath('//a[@href=$url]', { url })`.
   * @throws XPathError `XPath error: Invalid expression in //a[` for an expression that does not
   *   parse, `Undefined variable`, `Undefined namespace prefix` or `Unregistered function` for
   *   one that names what it lacks.
   *
   * @example
   * ```ts
   * import { Selector } from '@deferkit/crawler';
   *
   * const sel = Selector.fromText('<p><a href="/a">A</a> <a href="/b">B</a></p>');
   * console.log(sel.xpath('//a[@href=$h]/text()', { h: '/b' }).get());
   * console.log(sel.xpath('//a/@href').getall());
   * // prints: B
   * //         [ '/a', '/b' ]
   * ```
   */
  xpath(query: string, options: XPathOptions = {}): SelectorList {
    if (typeof query !== 'string') throw new TypeError(`xpath(query): query must be a string, got ${query === null ? 'null' : typeof query}.`);
    const c = this.#context('xpath()');
    if (c === null) return new SelectorList([]);
    const [dom, node] = c;
    const { namespaces, ...variables } = options;
    const ns = namespaces === undefined ? this.#ns : { ...this.#ns, ...namespaces };
    const items = evaluateXPath(dom.x, node, query, { namespaces: ns, variables }, dom.xml);
    const out: Selector[] = [];
    for (let i = 0; i < items.length; i++) {
      const it: XItem = items[i]!;
      if (it.kind === 'node') {
        // lxml gives nothing for the document node itself (`xpath('/')`).
        if (it.node.type !== 'root') out.push(new Selector(dom, it.node, null, this.#ns));
      } else out.push(new Selector(dom, null, it.value, this.#ns));
    }
    return new SelectorList(out);
  }

  /**
   * JMESPath query on this Selector's JSON: a `json` Selector's value, or the text of a string
   * Selector or element (a `<script>`'s JSON, say). Strings come back as `text` Selectors (whose
   * css()/xpath() read them as HTML), other values as `json` Selectors. No JSON: no result.
   *
   * Mirrors parsel's `Selector.jmespath` (parsel 1.8; Debian's parsel 1.7 has none).
   *
   * @param query - the JMESPath expression, e.g. `'items[*].name'`.
   * @throws Error from the jmespath library for an expression that does not parse.
   *
   * @example
   * ```ts
   * import { Selector } from '@deferkit/crawler';
   *
   * const sel = Selector.fromText('{"user": [{"name": "Ann", "age": 31}, {"name": "Bo"}]}', { type: 'json' });
   * console.log(sel.jmespath('user[*].name').getall());
   * console.log(sel.jmespath('user[0].age').get());
   * // prints: [ 'Ann', 'Bo' ]
   * //         31
   * ```
   */
  jmespath(query: string): SelectorList {
    let data: unknown;
    if (this.#type === 'json') data = this.#value;
    else if (this.#node === null) data = loadJsonOrNull(this.#text ?? '');
    else {
      // lxml's `.text`: the text before the element's first child; without it, the whole text.
      const first = (this.#node as ParentNode).children?.[0];
      data = loadJsonOrNull(first?.type === 'text' ? first.data : this.#dom === null ? '' : this.#dom.$(this.#node).text());
    }
    let result = jmesSearch(data, query);
    if (result === null || result === undefined) result = [];
    else if (!Array.isArray(result)) result = [result];
    return new SelectorList(
      (result as unknown[]).map((x) => (typeof x === 'string' ? new Selector(null, null, x, this.#ns, 'text') : new Selector(null, null, null, this.#ns, 'json', x))),
    );
  }

  /**
   * The node's markup (HTML or XML, as lxml writes it), or the extracted string. A JSON value
   * that is no string comes back as JSON text (`31`, `{"a": 1}`); {@link Selector.value} has
   * the value itself.
   */
  get(): string {
    if (this.#type === 'json') return pyJson(this.#value);
    if (this.#text !== null) return this.#text;
    return this.#dom!.serialize(this.#node!);
  }

  /**
   * What the Selector holds as a JavaScript value: the JSON value of a `json` Selector (a
   * number, an object…), else `get()`'s string. parsel's `get()` returns these values as they
   * are; here `get()` is always a string.
   */
  get value(): unknown {
    return this.#type === 'json' ? this.#value : this.get();
  }

  /** `[get()]` (parsel's `Selector.getall`). */
  getall(): string[] {
    return [this.get()];
  }

  /** The element's attributes (empty for strings). */
  get attrib(): Record<string, string> {
    const n = this.#node as Element | null;
    return n !== null && 'attribs' in n ? { ...n.attribs } : {};
  }

  /**
   * The matches of `regex` in `get()`, by parsel's rule: a group named `extract` gives that
   * group of the first match; else every match gives its groups (all of them, flattened), or the
   * whole match when the regex has none. A string regex may use Python's `(?P<name>…)`.
   *
   * Mirrors parsel's `Selector.re`.
   *
   * @param regex - a RegExp or a pattern string.
   * @param options - `replaceEntities` (default true).
   */
  re(regex: RegExp | string, options: ReOptions = {}): string[] {
    return extractRegex(regex, this.get(), options.replaceEntities ?? true);
  }

  /**
   * The first match of `regex` (see {@link Selector.re}), or `defaultValue`.
   *
   * Mirrors parsel's `Selector.re_first`.
   */
  reFirst(regex: RegExp | string): string | undefined;
  reFirst<D>(regex: RegExp | string, defaultValue: D, options?: ReOptions): string | D;
  reFirst<D>(regex: RegExp | string, defaultValue?: D, options: ReOptions = {}): string | D | undefined {
    const all = this.re(regex, options);
    return all.length > 0 ? all[0]! : defaultValue;
  }

  /**
   * Makes `prefix` stand for the namespace `uri` in this Selector's xpath() queries (and in
   * those of the Selectors it returns).
   *
   * Mirrors parsel's `Selector.register_namespace`.
   *
   * @param prefix - the prefix used in queries, e.g. `'atom'`.
   * @param uri - the namespace URI.
   */
  registerNamespace(prefix: string, uri: string): void {
    this.#ns = { ...this.#ns, [prefix]: uri };
  }

  /**
   * Drops the namespaces of the whole document (element and attribute names lose their prefix,
   * `xmlns` declarations go), so that `//title` finds Atom's `<title>`.
   *
   * Mirrors parsel's `Selector.remove_namespaces`.
   */
  removeNamespaces(): void {
    this.#dom?.removeNamespaces();
  }

  /** `<Selector query=… data=…>`-like, for logs. */
  toString(): string {
    const data = this.get();
    return `<Selector data=${JSON.stringify(data.length > 40 ? data.slice(0, 37) + '...' : data)}>`;
  }
}

/**
 * The result of a query: a list of Selectors with parsel's `get()` / `getall()`, `re()` /
 * `reFirst()`, `attrib`, and css()/xpath()/jmespath() run on every item.
 *
 * Mirrors parsel's `SelectorList`.
 *
 * @example
 * ```ts
 * import { Response } from '@deferkit/crawler';
 *
 * const response = new Response('http://127.0.0.1/', {
 *   headers: { 'Content-Type': 'text/html' },
 *   body: '<h1>A Light in the Attic</h1><a href="/page/2">next</a><p class="price">£51.77</p>',
 * });
 * console.log(response.css('h1::text').get());
 * console.log(response.xpath('//a/@href').getall());
 * console.log(response.css('.price::text').reFirst(/£([\d.]+)/));
 * console.log(response.xpath('//h2/text()').get('none'));
 * // prints: A Light in the Attic
 * //         [ '/page/2' ]
 * //         51.77
 * //         none
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

  /** CSS query inside every selected node; the results one after the other. */
  css(query: string): SelectorList {
    if (this.length === 1) return this[0]!.css(query);
    return new SelectorList(this.flatMap((s) => [...s.css(query)]));
  }

  /**
   * XPath query with each selected node as context; the results one after the other.
   *
   * Mirrors parsel's `SelectorList.xpath`.
   *
   * @param query - the XPath expression.
   * @param options - `namespaces` and XPath variables, as {@link Selector.xpath}.
   */
  xpath(query: string, options: XPathOptions = {}): SelectorList {
    if (this.length === 1) return this[0]!.xpath(query, options);
    return new SelectorList(this.flatMap((s) => [...s.xpath(query, options)]));
  }

  /**
   * JMESPath query on every item (see {@link Selector.jmespath}); the results one after the other.
   *
   * Mirrors parsel's `SelectorList.jmespath` (parsel 1.8).
   */
  jmespath(query: string): SelectorList {
    return new SelectorList(this.flatMap((s) => [...s.jmespath(query)]));
  }

  /** The first result, or `defaultValue` (undefined) when there is none. Scrapy's `extract_first()` too. */
  get(): string | undefined;
  get<D>(defaultValue: D): string | D;
  get<D>(defaultValue?: D): string | D | undefined {
    return this.length > 0 ? this[0]!.get() : defaultValue;
  }

  /** Every result. Scrapy's `extract()` too. */
  getall(): string[] {
    return this.map((s) => s.get());
  }

  /** The attributes of the first element (empty when there is none). */
  get attrib(): Record<string, string> {
    return this.length > 0 ? this[0]!.attrib : {};
  }

  /**
   * Every regex match across the results (see {@link Selector.re}).
   *
   * Mirrors parsel's `SelectorList.re`.
   *
   * @param regex - a RegExp or a pattern string.
   * @param options - `replaceEntities` (default true).
   */
  re(regex: RegExp | string, options: ReOptions = {}): string[] {
    return this.flatMap((s) => s.re(regex, options));
  }

  /**
   * The first regex match across the results, or `defaultValue` (undefined); items after the
   * first that matches are not searched.
   *
   * Mirrors parsel's `SelectorList.re_first`.
   *
   * @param regex - a RegExp or a pattern string.
   */
  reFirst(regex: RegExp | string): string | undefined;
  /**
   * The first match, or `defaultValue` without one (see the signature above).
   *
   * @param regex - a RegExp or a pattern string.
   * @param defaultValue - what to return without a match.
   * @param options - `replaceEntities` (default true).
   */
  reFirst<D>(regex: RegExp | string, defaultValue: D, options?: ReOptions): string | D;
  reFirst<D>(regex: RegExp | string, defaultValue?: D, options: ReOptions = {}): string | D | undefined {
    for (let i = 0; i < this.length; i++) {
      const m = this[i]!.re(regex, options);
      if (m.length > 0) return m[0]!;
    }
    return defaultValue;
  }
}

/** A string pattern as a RegExp (Python's `(?P<name>` and `(?P=name)` read as JavaScript's). */
function toRegExp(regex: RegExp | string): RegExp {
  if (typeof regex !== 'string') return regex;
  try {
    return new RegExp(regex.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), 'u');
  } catch {
    // Not valid with the `u` flag (a lone `\-`, say): as written.
    return new RegExp(regex.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'));
  }
}

/** parsel's `extract_regex` (see {@link Selector.re}). */
function extractRegex(regex: RegExp | string, text: string, replace: boolean): string[] {
  const r = toRegExp(regex);
  let strings: string[];
  if (/\(\?<extract>/.test(r.source)) {
    const m = new RegExp(r.source, r.flags.replace(/[gy]/g, '')).exec(text);
    const v = m?.groups?.extract;
    strings = v === undefined ? [] : [v];
  } else {
    strings = [];
    const g = new RegExp(r.source, r.flags.includes('g') ? r.flags : r.flags + 'g');
    for (const m of text.matchAll(g)) {
      if (m.length === 1) strings.push(m[0]);
      else for (let i = 1; i < m.length; i++) strings.push(m[i] ?? '');
    }
  }
  return replace ? strings.map((s) => replaceEntities(s, KEEP_ENTITIES)) : strings;
}

const KEEP_ENTITIES = ['lt', 'amp'];

function loadJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Python's `json.dumps(value, ensure_ascii=False)`: `{"a": 1, "b": [1, 2]}`. */
function pyJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(pyJson).join(', ') + ']';
  return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => JSON.stringify(k) + ': ' + pyJson(x)).join(', ') + '}';
}

let jmes: { search(data: unknown, expr: string): unknown } | undefined;

/** jmespath.search, the library loaded on the first jmespath() (CSS/XPath spiders never load it). */
function jmesSearch(data: unknown, expr: string): unknown {
  jmes ??= createRequire(import.meta.url)('jmespath') as { search(data: unknown, expr: string): unknown };
  if (typeof expr !== 'string') throw new TypeError(`jmespath(query): query must be a string, got ${expr === null ? 'null' : typeof expr}.`);
  try {
    return jmes.search(data, expr);
  } catch (e) {
    const err = e as Error & { name?: string };
    throw new Error(`JMESPath error: ${err.message} in ${expr} (see https://jmespath.org/specification.html for the syntax)`);
  }
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
export function select(dom: Dom, query: string, roots?: AnyNode[], namespaces?: Readonly<Record<string, string>>): SelectorList {
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
      if ('el' in it) out.push(new Selector(dom, null, it.el.attribs[it.name]!, namespaces));
      else if (it.type === 'text') out.push(new Selector(dom, null, it.data, namespaces));
      else out.push(new Selector(dom, it, null, namespaces));
    }
  }
  return new SelectorList(out);
}

/** Parse HTML once. @internal */
export function loadHtml(html: string): Dom {
  // htmlparser2 rather than cheerio's default parse5: about 3× faster on real pages, and as
  // forgiving as Scrapy's lxml with broken markup.
  if (isHtml(html)) {
    const $ = html.includes('&') ? (parser ??= load('', LOAD_OPTIONS)) : (plainParser ??= load('', NO_ENTITY_OPTIONS));
    const doc = ($(html)[0] as AnyNode | undefined)?.parent;
    if (doc?.type === 'root') return new Dom(doc as Document);
  }
  // Text cheerio would not take for markup (no tag before the first '<', say): load() parses
  // anything.
  const $ = load(html, LOAD_OPTIONS);
  return new Dom($.root()[0] as Document, $);
}

/**
 * Parse XML once (htmlparser2's xmlMode: names keep their case, every element may be empty, no
 * HTML rules). CDATA sections become text, joined with the text around them, as lxml's parser
 * makes them. @internal
 */
export function loadXml(xml: string): Dom {
  const $ = load(xml, XML_LOAD_OPTIONS);
  const doc = $.root()[0] as Document;
  mergeCdata(doc);
  return new Dom(doc, $, true);
}

/** Replaces CDATA sections by their text and joins adjacent text nodes. */
function mergeCdata(doc: Document): void {
  const stack: ParentNode[] = [doc];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const kids = p.children;
    let changed = false;
    const out: AnyNode[] = [];
    for (const k of kids) {
      let n: AnyNode = k;
      if (k.type === 'cdata') {
        const data = k.children.map((c) => (c.type === 'text' ? c.data : '')).join('');
        n = { type: 'text', data, parent: p, prev: null, next: null } as unknown as AnyNode;
        Object.setPrototypeOf(n, Object.getPrototypeOf(k.children[0] ?? textProto()));
        changed = true;
      }
      const last = out[out.length - 1];
      if (n.type === 'text' && last?.type === 'text') {
        last.data += n.data;
        changed = true;
        continue;
      }
      out.push(n);
      if ('children' in n && n.type !== 'cdata') stack.push(n as ParentNode);
    }
    if (changed) {
      for (let i = 0; i < out.length; i++) {
        out[i]!.parent = p;
        out[i]!.prev = out[i - 1] ?? null;
        out[i]!.next = out[i + 1] ?? null;
      }
      p.children = out;
    }
  }
}

let textPrototype: object | undefined;
function textProto(): object {
  if (textPrototype === undefined) {
    const d = load('x', XML_LOAD_OPTIONS).root()[0] as Document;
    textPrototype = d.children[0]!;
  }
  return textPrototype;
}
