// XPath 1.0 over the parsed tree the CSS selectors use: the `xpath` npm package (goto100/xpath)
// evaluates, on a thin DOM-shaped view of the domhandler tree built once per document on the
// first xpath() call. Nothing here is loaded or built for a spider that only uses CSS: the engine
// module is required on the first query (see loadEngine) and the view on the first query of a
// document.

import { createRequire } from 'node:module';
import type { AnyNode, Element, ParentNode } from 'domhandler';

/** The XML namespace, bound to the `xml` prefix in every document. */
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** EXSLT regular expressions, bound to `re` as parsel does. */
export const EXSLT_RE = 'http://exslt.org/regular-expressions';
/** EXSLT sets, bound to `set` as parsel does. */
export const EXSLT_SET = 'http://exslt.org/sets';

// DOM node types.
const ELEMENT = 1;
const ATTRIBUTE = 2;
const TEXT = 3;
const PI = 7;
const COMMENT = 8;
const DOCUMENT = 9;

/**
 * One node of the DOM-shaped view `xpath` walks: plain fields (its hot loops read
 * `firstChild`/`nextSibling`/`nodeType` millions of times), document order as a number so
 * sorting a node-set is a comparison of two integers. @internal
 */
export class XNode {
  nodeType: number;
  nodeName: string;
  localName: string | null = null;
  prefix: string | null = null;
  namespaceURI: string | null = null;
  nodeValue: string | null = null;
  /** Attributes only: the attribute's value. */
  value: string | undefined = undefined;
  /** Attributes only: the element. */
  ownerElement: XNode | null = null;
  /** Processing instructions only: the target. */
  target: string | undefined = undefined;
  parentNode: XNode | null = null;
  firstChild: XNode | null = null;
  lastChild: XNode | null = null;
  nextSibling: XNode | null = null;
  previousSibling: XNode | null = null;
  childNodes: XNode[] = [];
  ownerDocument: XNode | null = null;
  attributes: XAttributes | null = null;
  /** Position in document order (attributes right after their element). */
  order = 0;
  /** The domhandler node (the element, for an attribute). */
  src: AnyNode;
  /** Attributes only: the attribute's name in the domhandler element. */
  attrName: string | undefined = undefined;

  constructor(nodeType: number, nodeName: string, src: AnyNode) {
    this.nodeType = nodeType;
    this.nodeName = nodeName;
    this.src = src;
  }

  /** DOM's compareDocumentPosition, reduced to what `xpath` reads: before (2) or after (4). */
  compareDocumentPosition(other: XNode): number {
    if (other === this) return 0;
    return other.order < this.order ? 0x02 : 0x04;
  }

  getAttribute(name: string): string | null {
    const attrs = this.attributes;
    if (attrs === null) return null;
    for (let i = 0; i < attrs.length; i++) if (attrs[i]!.nodeName === name) return attrs[i]!.value ?? null;
    return null;
  }

  getAttributeNS(ns: string | null, local: string): string | null {
    const attrs = this.attributes;
    if (attrs === null) return null;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.localName === local && (a.namespaceURI ?? null) === (ns || null)) return a.value ?? null;
    }
    return null;
  }
}

/** A NamedNodeMap as `xpath` reads it: `length` and `item(i)`. @internal */
export class XAttributes extends Array<XNode> {
  item(i: number): XNode | null {
    return this[i] ?? null;
  }
}

/** The view of one document. @internal */
export interface XDocument {
  root: XNode;
  /** domhandler node → its view node (elements, text, comments, PIs). */
  nodes: Map<AnyNode, XNode>;
}

function isElementNode(n: AnyNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}

const BLANK = /^[ \t\n\r\f]*$/;

/**
 * Builds the view of `doc`. HTML documents (`xml` false): elements in no namespace, as lxml's
 * HTML parser makes them; the whitespace-only text libxml2 drops (directly in the document,
 * `<html>` or `<head>`) is left out, so `//text()` and `string()` see what lxml sees. XML
 * documents: `prefix:name` resolved against the `xmlns` declarations in scope (which are not
 * attributes, as in lxml), comments and processing instructions kept, the XML declaration and
 * the doctype left out.
 */
export function buildXDocument(doc: AnyNode, xml: boolean): XDocument {
  const nodes = new Map<AnyNode, XNode>();
  const root = new XNode(DOCUMENT, '#document', doc);
  root.ownerDocument = null;
  nodes.set(doc, root);
  let order = 0;
  root.order = order++;

  // Iterative walk (pages nest deeper than the call stack): pairs of (view parent, children, index, in-scope namespaces).
  interface Frame {
    parent: XNode;
    kids: AnyNode[];
    i: number;
    ns: Map<string, string> | null;
  }
  const baseNs = xml ? new Map<string, string>([['xml', XML_NS]]) : null;
  const stack: Frame[] = [{ parent: root, kids: (doc as ParentNode).children ?? [], i: 0, ns: baseNs }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.kids.length) {
      stack.pop();
      continue;
    }
    const n = f.kids[f.i++]!;
    let x: XNode | null = null;
    let childNs = f.ns;
    if (isElementNode(n)) {
      x = new XNode(ELEMENT, n.name, n);
      x.order = order++;
      const attrs = new XAttributes();
      if (xml) {
        // Namespace declarations first: they apply to the element's own name and attributes.
        for (const name in n.attribs) {
          if (name === 'xmlns' || name.startsWith('xmlns:')) {
            if (childNs === f.ns) childNs = new Map(f.ns!);
            childNs!.set(name === 'xmlns' ? '' : name.slice(6), n.attribs[name]!);
          }
        }
        const colon = n.name.indexOf(':');
        x.prefix = colon === -1 ? null : n.name.slice(0, colon);
        x.localName = colon === -1 ? n.name : n.name.slice(colon + 1);
        x.namespaceURI = childNs!.get(x.prefix ?? '') || null;
      } else {
        x.localName = n.name;
      }
      for (const name in n.attribs) {
        if (xml && (name === 'xmlns' || name.startsWith('xmlns:'))) continue;
        const a = new XNode(ATTRIBUTE, name, n);
        a.attrName = name;
        a.value = a.nodeValue = n.attribs[name]!;
        a.ownerElement = x;
        a.order = order++;
        if (xml) {
          const colon = name.indexOf(':');
          // An unprefixed attribute is in no namespace, whatever the default namespace.
          a.prefix = colon === -1 ? null : name.slice(0, colon);
          a.localName = colon === -1 ? name : name.slice(colon + 1);
          a.namespaceURI = a.prefix === null ? null : (childNs!.get(a.prefix) ?? null);
        } else a.localName = name;
        attrs.push(a);
      }
      x.attributes = attrs;
    } else if (n.type === 'text') {
      const parentName = f.parent.nodeType === DOCUMENT ? '' : f.parent.nodeName;
      if (!xml && (parentName === '' || parentName === 'html' || parentName === 'head') && BLANK.test(n.data)) continue;
      if (xml && f.parent.nodeType === DOCUMENT) continue;
      x = new XNode(TEXT, '#text', n);
      x.nodeValue = n.data;
      x.order = order++;
    } else if (n.type === 'comment') {
      x = new XNode(COMMENT, '#comment', n);
      x.nodeValue = n.data;
      x.order = order++;
    } else if (n.type === 'directive' && xml && n.name.startsWith('?') && n.name.toLowerCase() !== '?xml') {
      // htmlparser2 keeps `<?target data?>` as a directive: in XML it is a processing instruction.
      const target = n.name.slice(1);
      const data = n.data
        .slice(n.name.length)
        .replace(/\?$/, '')
        .replace(/^\s+/, '');
      x = new XNode(PI, target, n);
      x.target = target;
      x.nodeValue = data;
      x.order = order++;
    }
    if (x === null) continue;
    x.ownerDocument = root;
    const parent = f.parent;
    x.parentNode = parent;
    const prev = parent.lastChild;
    if (prev !== null) {
      prev.nextSibling = x;
      x.previousSibling = prev;
    } else parent.firstChild = x;
    parent.lastChild = x;
    parent.childNodes.push(x);
    nodes.set(n, x);
    if (x.nodeType === ELEMENT) {
      const kids = (n as ParentNode).children;
      if (kids.length > 0) stack.push({ parent: x, kids, i: 0, ns: childNs });
    }
  }
  return { root, nodes };
}

// ---------------------------------------------------------------------------------------------
// The engine, loaded on first use.

/** The part of the `xpath` package's API used here. */
interface XPathEngine {
  parse(expr: string): { evaluate(options: EvaluateOptions): XResult };
}

interface EvaluateOptions {
  node: XNode;
  namespaces: (prefix: string) => string | undefined;
  functions: (name: string, namespace: string) => ((...args: never[]) => unknown) | undefined;
  variables: (name: string) => unknown;
}

/** An XPath value as `xpath` returns it. */
export interface XResult {
  stringValue(): string;
  numberValue(): number;
  booleanValue(): boolean;
  toArray?(): XNode[];
  nodeset?(): { toArray(): XNode[] };
  constructor: { name: string };
}

let engine: XPathEngine | undefined;
let engineModule: { XNodeSet?: unknown; XString?: unknown; XNumber?: unknown; XBoolean?: unknown } | undefined;

/** Whether the XPath engine module has been loaded (it is, only after the first xpath()). @internal */
export function xpathEngineLoaded(): boolean {
  return engine !== undefined;
}

function loadEngine(): XPathEngine {
  if (engine === undefined) {
    // A synchronous, lazy require: xpath() is synchronous, and loading the engine costs ~25 ms
    // a process that CSS-only spiders must not pay.
    const req = createRequire(import.meta.url);
    engineModule = req('xpath') as typeof engineModule;
    fixFollowingAxis(engineModule as unknown as EngineInternals);
    cheapenContexts(engineModule as unknown as EngineInternals);
    engine = engineModule as unknown as XPathEngine;
  }
  return engine;
}

interface EngineInternals {
  PathExpr: { applyStep(step: { axis: number; nodeTest: { matches(n: XNode, xpc: unknown): boolean } }, xpc: { contextNode: XNode }, node: XNode): XNode[] };
  Step: { FOLLOWING: number };
  XPathContext: { prototype: { extend(props: object): object } };
  FunctionResolver: { prototype: { functions: Record<string, unknown>; addStandardFunctions(this: { functions: Record<string, unknown> }): void } };
}

/**
 * xpath 0.0.34 makes a fresh evaluation context for every path expression it evaluates (so once
 * per node a predicate such as `[@class="price"]` is tried on) and for every predicate list;
 * each fresh context builds a function resolver by writing the 30-odd standard functions into a
 * new object. That table never changes, so it is built once here and every resolver inherits it
 * (its own additions still land on itself), and `extend` copies the context without first
 * building three resolvers it then overwrites. Results are unchanged; the `class match` row of
 * bench/selectors.bench.ts measures the difference.
 */
function cheapenContexts(m: EngineInternals): void {
  const resolver = m.FunctionResolver.prototype;
  const table: Record<string, unknown> = {};
  resolver.addStandardFunctions.call({ functions: table });
  resolver.addStandardFunctions = function () {
    this.functions = Object.create(table) as Record<string, unknown>;
  };
  const contextPrototype = m.XPathContext.prototype;
  contextPrototype.extend = function (this: object, props: object) {
    return Object.assign(Object.create(contextPrototype) as object, this, props);
  };
}

/**
 * xpath 0.0.34's `following::` axis starts at the context node's first child (descendants are
 * not following nodes) and skips the context node's own next siblings: `//li[1]/following::li`
 * found nothing where lxml finds the later items. The axis is walked here instead: the
 * following siblings of the node and of each ancestor, each with its subtree, in document order.
 */
function fixFollowingAxis(m: EngineInternals): void {
  const original = m.PathExpr.applyStep;
  const FOLLOWING = m.Step.FOLLOWING;
  m.PathExpr.applyStep = function (step, xpc, node) {
    if (step.axis !== FOLLOWING || !node || !(node instanceof XNode)) return original.call(this, step, xpc, node);
    xpc.contextNode = node;
    const out: XNode[] = [];
    const visit = (top: XNode): void => {
      const stack: XNode[] = [top];
      while (stack.length > 0) {
        const n = stack.pop()!;
        if (step.nodeTest.matches(n, xpc)) out.push(n);
        for (let c = n.lastChild; c !== null; c = c.previousSibling) stack.push(c);
      }
    };
    let start = node;
    if (node.nodeType === ATTRIBUTE) {
      // An attribute's following nodes begin with its element's children.
      start = node.ownerElement!;
      for (let c = start.firstChild; c !== null; c = c.nextSibling) visit(c);
    }
    for (let a: XNode | null = start; a !== null && a.nodeType !== DOCUMENT; a = a.parentNode) {
      for (let s = a.nextSibling; s !== null; s = s.nextSibling) visit(s);
    }
    return out;
  };
}

/** A compiled expression, cached: spiders run the same few queries on every page. */
const compiled = new Map<string, { evaluate(options: EvaluateOptions): XResult }>();

/**
 * Thrown for an XPath expression that does not parse or cannot be evaluated: `XPath error:
 * <what> in <expression>`, as parsel words it.
 *
 * Mirrors parsel's `ValueError("XPath error: …")`.
 */
export class XPathError extends Error {
  /** The expression. */
  readonly expression: string;

  /**
   * @param what - what is wrong, e.g. `Invalid expression`.
   * @param expression - the XPath expression.
   * @param hint - how to fix it.
   */
  constructor(what: string, expression: string, hint = '') {
    super(`XPath error: ${what} in ${expression}${hint === '' ? '' : ` (${hint})`}`);
    this.name = 'XPathError';
    this.expression = expression;
  }
}

function compile(expr: string): { evaluate(options: EvaluateOptions): XResult } {
  let c = compiled.get(expr);
  if (c !== undefined) return c;
  const xp = loadEngine();
  if (typeof expr !== 'string' || expr.trim() === '') throw new XPathError('Invalid expression', JSON.stringify(expr), 'the query must be a non-empty string');
  try {
    c = xp.parse(expr);
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/^Invalid expression\s*/, '') : '';
    throw new XPathError('Invalid expression', expr, detail === '' ? 'check the brackets, quotes and operators' : detail.replace(/^[:\s-]+/, ''));
  }
  if (compiled.size >= 512) compiled.clear();
  compiled.set(expr, c);
  return c;
}

/** What one XPath result is, before it becomes a Selector. @internal */
export type XItem =
  | { kind: 'node'; node: AnyNode }
  | { kind: 'attr'; value: string }
  | { kind: 'text'; value: string }
  | { kind: 'value'; value: string };

/** Python's `str(float)`: `3.0`, `0.5`, `1e+16`, `inf`, `nan`, `-0.0`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expPart] = x.toExponential().split('e') as [string, string];
  const exp = Number(expPart);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let s: string;
  if (exp >= -5 + 1 && exp < 16) {
    // Fixed notation (Python's repr switches to exponents below 1e-4 and from 1e16 on).
    if (exp < 0) s = '0.' + '0'.repeat(-exp - 1) + digits;
    else if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
    else s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    s = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return neg ? '-' + s : s;
}

/** The options of one evaluation. @internal */
export interface EvalOptions {
  namespaces: Record<string, string>;
  variables: Record<string, unknown>;
}

const HTML5_SPACE = /[ \t\n\r\f]/g;

/** An XPath regular expression (EXSLT flags: `g` global, `i` ignore case) as a JavaScript one. */
function exsltRegex(pattern: string, flags: string, expr: string): RegExp {
  let f = '';
  for (const ch of flags) {
    if (ch === 'i' && !f.includes('i')) f += 'i';
    else if (ch === 'g' && !f.includes('g')) f += 'g';
  }
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'), f);
  } catch (e) {
    throw new XPathError(`Invalid regular expression ${JSON.stringify(pattern)}`, expr, (e as Error).message);
  }
}

type Ctx = { contextNode: XNode };
type Arg = XResult;

function nodesOf(a: Arg): XNode[] {
  if (typeof a.toArray === 'function') return a.toArray();
  if (typeof a.nodeset === 'function') return a.nodeset().toArray();
  return [];
}

/**
 * The extension functions parsel registers: `has-class()`, EXSLT `re:test`, `re:match`,
 * `re:replace` and the EXSLT set functions libxslt has.
 */
function makeFunctions(expr: string, doc: XDocument, xml: boolean) {
  return (name: string, namespace: string): ((...args: never[]) => unknown) | undefined => {
    if ((namespace === '' || namespace == null) && name === 'has-class') {
      return ((ctx: Ctx, ...classes: Arg[]) => {
        if (classes.length === 0) throw new XPathError('has-class must have at least 1 argument', expr);
        for (const c of classes) if (c.constructor.name !== 'XString') throw new XPathError('has-class arguments must be strings', expr);
        const n = ctx.contextNode;
        const cls = n.nodeType === ELEMENT ? n.getAttribute('class') : null;
        if (cls === null) return false;
        const padded = ' ' + cls.replace(HTML5_SPACE, ' ') + ' ';
        return classes.every((c) => padded.includes(' ' + c.stringValue() + ' '));
      }) as never;
    }
    if (namespace === EXSLT_RE) {
      if (name === 'test') {
        return ((_ctx: Ctx, input: Arg, pattern: Arg, flags?: Arg) => {
          const r = exsltRegex(pattern.stringValue(), flags?.stringValue() ?? '', expr);
          return r.test(firstString(input));
        }) as never;
      }
      if (name === 'replace') {
        return ((_ctx: Ctx, input: Arg, pattern: Arg, flags: Arg, replacement: Arg) => {
          const r = exsltRegex(pattern.stringValue(), flags.stringValue(), expr);
          const rep = replacement.stringValue();
          return firstString(input).replace(r, () => rep);
        }) as never;
      }
      if (name === 'match') {
        // Returns <match> elements: the whole match, then each group (libxslt's result tree).
        return ((_ctx: Ctx, input: Arg, pattern: Arg, flags?: Arg) => {
          const r = exsltRegex(pattern.stringValue(), flags?.stringValue() ?? '', expr);
          const text = firstString(input);
          const found: string[] = [];
          if (r.global) for (const m of text.matchAll(r)) found.push(m[0]);
          else {
            const m = r.exec(text);
            if (m !== null) for (let i = 0; i < m.length; i++) found.push(m[i] ?? '');
          }
          return found.map((s) => matchElement(doc, s, xml));
        }) as never;
      }
    }
    if (namespace === EXSLT_SET) {
      const byOrder = (a: XNode, b: XNode) => a.order - b.order;
      if (name === 'difference') {
        return ((_c: Ctx, a: Arg, b: Arg) => {
          const drop = new Set(nodesOf(b));
          return nodesOf(a).filter((n) => !drop.has(n));
        }) as never;
      }
      if (name === 'intersection') {
        return ((_c: Ctx, a: Arg, b: Arg) => {
          const keep = new Set(nodesOf(b));
          return nodesOf(a).filter((n) => keep.has(n));
        }) as never;
      }
      if (name === 'has-same-node') {
        return ((_c: Ctx, a: Arg, b: Arg) => {
          const other = new Set(nodesOf(b));
          return nodesOf(a).some((n) => other.has(n));
        }) as never;
      }
      if (name === 'distinct') {
        return ((_c: Ctx, a: Arg) => {
          const seen = new Set<string>();
          return nodesOf(a)
            .sort(byOrder)
            .filter((n) => {
              const v = stringValue(n);
              if (seen.has(v)) return false;
              seen.add(v);
              return true;
            });
        }) as never;
      }
      if (name === 'leading' || name === 'trailing') {
        return ((_c: Ctx, a: Arg, b: Arg) => {
          const set = nodesOf(a).sort(byOrder);
          const pivots = nodesOf(b).sort(byOrder);
          if (pivots.length === 0) return set;
          const p = pivots[0]!;
          if (!set.includes(p)) return [];
          return name === 'leading' ? set.filter((n) => n.order < p.order) : set.filter((n) => n.order > p.order);
        }) as never;
      }
    }
    return undefined;
  };
}

/** The XPath string-value of a view node. */
function stringValue(n: XNode): string {
  if (n.nodeType === ELEMENT || n.nodeType === DOCUMENT) {
    let s = '';
    const stack: XNode[] = [n];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x.nodeType === TEXT) s += x.nodeValue;
      else for (let c = x.lastChild; c !== null; c = c.previousSibling) stack.push(c);
    }
    return s;
  }
  return n.nodeValue ?? '';
}

/** A string argument: a node-set's first node in document order, else the value. */
function firstString(a: Arg): string {
  if (typeof a.toArray === 'function') {
    const ns = a.toArray();
    return ns.length === 0 ? '' : stringValue(ns.sort((x, y) => x.order - y.order)[0]!);
  }
  return a.stringValue();
}

/** A detached `<match>text</match>` element (re:match's result). */
function matchElement(doc: XDocument, text: string, xml: boolean): XNode {
  // A domhandler element so that get() serialises it like any other node.
  const el = { type: 'tag', name: 'match', attribs: {}, children: [] as AnyNode[], parent: null, prev: null, next: null } as unknown as Element;
  const t = { type: 'text', data: text, parent: el, prev: null, next: null } as unknown as AnyNode;
  if (text !== '') (el.children as AnyNode[]).push(t);
  const view = buildXDocument({ type: 'root', children: [el] } as unknown as AnyNode, xml);
  const x = view.nodes.get(el)!;
  // After every node of the document, in the order made.
  x.order = Number.MAX_SAFE_INTEGER / 2 + doc.nodes.size + matchCounter++;
  x.parentNode = null;
  for (const [k, v] of view.nodes) if (k !== el && v.nodeType !== DOCUMENT) doc.nodes.set(k, v);
  doc.nodes.set(el, x);
  return x;
}
let matchCounter = 0;

/**
 * Evaluates `expr` with `context` as the context node. Node-sets come back in document order;
 * numbers, strings and booleans as parsel's `get()` writes them (`'3.0'`, `'1'`/`'0'`).
 * @internal
 */
export function evaluateXPath(doc: XDocument, context: AnyNode, expr: string, options: EvalOptions, xml: boolean): XItem[] {
  const c = compile(expr);
  const node = doc.nodes.get(context) ?? doc.root;
  const namespaces = options.namespaces;
  const variables = options.variables;
  let result: XResult;
  try {
    result = c.evaluate({
      node,
      namespaces: (prefix) => (Object.prototype.hasOwnProperty.call(namespaces, prefix) ? namespaces[prefix] : undefined),
      functions: makeFunctions(expr, doc, xml),
      variables: (name) => {
        if (!Object.prototype.hasOwnProperty.call(variables, name)) return undefined;
        return variables[name];
      },
    });
  } catch (e) {
    if (e instanceof XPathError) throw e;
    throw translateError(e, expr, namespaces, variables);
  }
  const kind = result.constructor.name;
  if (kind === 'XNodeSet') {
    const nodes = result.toArray!();
    const out: XItem[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.nodeType === ATTRIBUTE) out.push({ kind: 'attr', value: n.value ?? '' });
      else if (n.nodeType === TEXT) out.push({ kind: 'text', value: n.nodeValue ?? '' });
      else if ((n as { isNamespaceNode?: boolean }).isNamespaceNode) out.push({ kind: 'value', value: String((n as { namespace?: string }).namespace ?? '') });
      else out.push({ kind: 'node', node: n.src });
    }
    return out;
  }
  if (kind === 'XNumber') return [{ kind: 'value', value: pyFloat(result.numberValue()) }];
  if (kind === 'XBoolean') return [{ kind: 'value', value: result.booleanValue() ? '1' : '0' }];
  return [{ kind: 'value', value: result.stringValue() }];
}

function translateError(e: unknown, expr: string, namespaces: Record<string, string>, variables: Record<string, unknown>): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Undeclared variable/.test(msg)) {
    const name = /\$(\S+)/.exec(msg)?.[1] ?? '';
    return new XPathError('Undefined variable', expr, `pass it as a variable: xpath(query, { ${name || 'name'}: value }); defined: ${Object.keys(variables).join(', ') || 'none'}`);
  }
  if (/Unknown function/.test(msg)) {
    return new XPathError('Unregistered function', expr, `${msg.replace(/^Unknown function\s*/, '')} is not an XPath 1.0 function nor one of parsel's extensions (has-class, re:test, re:match, re:replace, set:*)`);
  }
  if (/Cannot resolve QName/.test(msg)) {
    const prefix = /QName\s+(\S+)/.exec(msg)?.[1] ?? '';
    return new XPathError('Undefined namespace prefix', expr, `register it: selector.registerNamespace('${prefix.split(':')[0]}', uri) or xpath(query, { namespaces: { ${prefix.split(':')[0]}: uri } }); known: ${Object.keys(namespaces).join(', ')}`);
  }
  return new XPathError('Error in xpath expression', expr, msg);
}
