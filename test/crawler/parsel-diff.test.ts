// Issue 17 item 1: the selectors against real parsel (Debian's python3-parsel, 1.7): a corpus of
// pages (HTML and XML) and expressions (XPath and CSS, chained, re/reFirst, attrib, values) run
// through both, results compared. Where parsel is absent the test says so and passes, except in
// CI (CI=true), where it fails: CI installs python3-parsel.
//
// Where lxml and htmlparser2 build different trees the case is left out, with the reason:
// - fragments: lxml wraps a fragment in <html><body> (and loose text in <p>), htmlparser2 does
//   not, so absolute paths like /html/body differ: every page here is a whole document;
// - markup each parser repairs its own way (a <p> inside <p>, unclosed <li>/<td> across a
//   table, a <table> without <tbody> — lxml adds none either, but misnested tables are moved by
//   neither the same way): left out, see EXCLUDED below;
// - whitespace-only text that libxml2 drops outside <body> is dropped by the XPath view too
//   (xpath.ts), so //text() agrees on whole documents; whitespace between <head> and <body>
//   after </head> is the one place libxml2 keeps it inside <html> while lxml moves it: excluded.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Selector, SelectorList } from '@deferkit/crawler';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import parsel; print(parsel.__version__)'], { encoding: 'utf8' });
const HAVE_PARSEL = probe.status === 0;

interface Case {
  doc: number;
  /** 'xpath' or 'css' */
  kind: 'xpath' | 'css';
  query: string;
  /** Run the query on each result of this XPath first (chaining). */
  ctx?: string;
  /** Kind of the context query. */
  ctxKind?: 'xpath' | 'css';
  /** What to take: getall, re (with `arg`), reFirst, attrib. */
  op: 'getall' | 're' | 'reRaw' | 'reFirst' | 'attrib';
  arg?: string;
  vars?: Record<string, string | number | boolean>;
  ns?: Record<string, string>;
  removeNs?: boolean;
}

interface Doc {
  type: 'html' | 'xml';
  text: string;
}

const DOCS: Doc[] = [
  {
    type: 'html',
    text: `<!DOCTYPE html>
<html><head><title>Shop &amp; more</title><meta charset="utf-8"></head>
<body>
<div id="main" class="list  wide"><h1>Books</h1>
<ul>
  <li class="item" data-id="1"><a href="/a?x=1&amp;y=2">Alpha</a> <span class="price">£10.50</span></li>
  <li class="item new" data-id="2"><a href="/b" title='say "hi"'>Beta &lt;Co&gt;</a> <span class="price">£7.00</span></li>
  <li class="item" data-id="3"><a href="/c">Gamma</a><br>line two<br/>three</li>
</ul>
<p>Price: &quot;low&quot; &#163;3 &nbsp;end</p>
<!-- a comment -->
<p class="x">nested <b>bold <i>it</i></b> tail</p>
</div>
<script>var s = "<b>not a tag</b>"; if (a < b) {}</script>
<script type="application/json">{"sku": "X1", "n": 3}</script>
</body></html>`,
  },
  {
    type: 'html',
    text: `<html><head><title>Tables</title></head><body>
<table id="t"><tbody>
<tr><th>Name</th><th>Qty</th></tr>
<tr><td>pen</td><td>3</td></tr>
<tr><td><table class="inner"><tbody><tr><td>in</td></tr></tbody></table></td><td>5</td></tr>
</tbody></table>
<form action="/s"><input type="text" name="q" value="a b"><input type="checkbox" name="c" checked=""><select name="s"><option value="1">one</option><option value="2" selected="">two</option></select></form>
<div lang="en"><p lang="fr">bonjour</p><p>hello</p></div>
<a href="mailto:x@y">mail</a><a href="/d/1.pdf">doc</a>
</body></html>`,
  },
  {
    type: 'xml',
    text: `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title type="text">News &amp; views</title>
  <!-- feed comment -->
  <entry>
    <title>One</title>
    <link rel="alternate" href="http://127.0.0.1/1"/>
    <media:thumbnail url="http://127.0.0.1/1.png" width="10"/>
    <summary><![CDATA[<b>bold</b> & more]]></summary>
  </entry>
  <entry>
    <title>Two</title>
    <link rel="alternate" href="http://127.0.0.1/2"/>
    <summary>plain &lt;text&gt;</summary>
  </entry>
</feed>`,
  },
  {
    type: 'xml',
    text: `<?xml version="1.0"?>
<catalog>
  <Book id="b1" lang="en"><Title>Dune</Title><Price cur="EUR">9.99</Price></Book>
  <Book id="b2"><Title>Emma</Title><Price cur="GBP">5</Price><Note/></Book>
  <?process me?>
</catalog>`,
  },
];

const ATOM = { a: 'http://www.w3.org/2005/Atom', m: 'http://search.yahoo.com/mrss/' };

const x = (doc: number, query: string, extra: Partial<Case> = {}): Case => ({ doc, kind: 'xpath', query, op: 'getall', ...extra });
const c = (doc: number, query: string, extra: Partial<Case> = {}): Case => ({ doc, kind: 'css', query, op: 'getall', ...extra });

const CASES: Case[] = [
  // HTML page 0: paths, text, attributes, values
  x(0, '//title/text()'),
  x(0, '//li/a/@href'),
  x(0, '//li'),
  x(0, '//a'),
  x(0, '//li[2]/a/@title'),
  x(0, '//li[@data-id="3"]/text()'),
  x(0, '//li[3]//text()'),
  x(0, '//p[1]/text()'),
  x(0, '//p[1]'),
  x(0, '//p[@class="x"]//text()'),
  x(0, 'string(//p[@class="x"])'),
  x(0, 'normalize-space(//p[@class="x"])'),
  x(0, '//comment()'),
  x(0, '//script/text()'),
  x(0, '//script'),
  x(0, '//br'),
  x(0, 'count(//li)'),
  x(0, 'count(//li) > 2'),
  x(0, 'count(//table) = 1'),
  x(0, 'sum(//li/@data-id)'),
  x(0, 'sum(//li/@data-id) div 4'),
  x(0, '1 div 0'),
  x(0, '-1 div 0'),
  x(0, '0 div 0'),
  x(0, '123456789 * 1000000000'),
  x(0, '0.0001'),
  x(0, '0.00001'),
  x(0, 'string-length(//h1)'),
  x(0, 'concat(//h1, "-", //li[1]/@data-id)'),
  x(0, 'substring-before(//li[1]/span, ".")'),
  x(0, 'translate(//h1, "ok", "OK")'),
  x(0, '//li[position() > 1]/@data-id'),
  x(0, '//li[last()]/a/text()'),
  x(0, '(//a)[2]/text()'),
  x(0, '//a[starts-with(@href, "/b")]/text()'),
  x(0, '//a[contains(., "mm")]/@href'),
  x(0, '//span[@class="price"]/following-sibling::text()'),
  x(0, '//b/ancestor::*/@id'),
  x(0, '//i/preceding::a/@href'),
  x(0, '//li[1]/following::li/@data-id'),
  x(0, '//a/parent::li/@class'),
  x(0, '//*[@data-id][a]/@data-id'),
  x(0, 'name(//*[@id="main"])'),
  x(0, 'local-name(//li[1])'),
  x(0, '//li/@*'),
  x(0, '//title | //h1 | //li[1]/a'),
  x(0, 'head/title/text()'),
  x(0, 'body/div/@id'),
  x(0, '.', { op: 'attrib' }),
  x(0, 'name(.)'),
  x(0, '//li', { op: 'attrib' }),
  x(0, '//li[has-class("new")]/@data-id'),
  x(0, '//li[has-class("item", "new")]/@data-id'),
  x(0, '//div[has-class("wide")]/@id'),
  x(0, '//li[has-class("ite")]'),
  x(0, '//a[re:test(@href, "^/[ab]")]/text()'),
  x(0, '//a[re:test(text(), "ALPHA", "i")]/@href'),
  x(0, 're:replace(//li[1]/span, "[0-9]", "g", "#")'),
  x(0, 're:match("2024-05-01", "([0-9]+)-([0-9]+)")'),
  x(0, 'set:difference(//li, //li[has-class("new")])/@data-id'),
  x(0, 'set:intersection(//li, //li[has-class("new")])/@data-id'),
  x(0, '//a[@href=$h]/text()', { vars: { h: '/c' } }),
  x(0, '//li[$n]/@data-id', { vars: { n: 2 } }),
  x(0, '//li[@data-id=$n]/a/text()', { vars: { n: 3 } }),
  // chaining: relative and absolute paths from a context, css from xpath and back
  x(0, './/a/text()', { ctx: '//li' }),
  x(0, '//h1/text()', { ctx: '//li' }),
  x(0, 'a/@href', { ctx: '//li' }),
  x(0, '..', { ctx: '//a', op: 'attrib' }),
  x(0, 'text()', { ctx: 'li a', ctxKind: 'css' }),
  c(0, 'span::text', { ctx: '//li' }),
  c(0, 'a::attr(href)', { ctx: '//ul' }),
  c(0, '::text', { ctx: '//li/a' }),
  x(0, 'count(.//text())', { ctx: '//p' }),
  // re / re_first
  x(0, '//span/text()', { op: 're', arg: '\\d+' }),
  x(0, '//span/text()', { op: 're', arg: '(\\d+)\\.(\\d+)' }),
  x(0, '//span/text()', { op: 're', arg: '(?P<extract>\\d+)\\.\\d+' }),
  x(0, '//span/text()', { op: 'reFirst', arg: '\\d+' }),
  x(0, '//span/text()', { op: 'reFirst', arg: 'euro' }),
  x(0, '//li[2]/a', { op: 're', arg: '>(.*)<' }),
  x(0, '//li[2]/a', { op: 'reRaw', arg: '>(.*)<' }),
  x(0, '//li[2]/a', { op: 're', arg: 'title="([^"]*)"' }),
  x(0, '//li[2]/a', { op: 'reRaw', arg: 'title="([^"]*)"' }),
  x(0, '//p[1]', { op: 're', arg: 'Price: (.*)<' }),
  x(0, '//li[1]/a', { op: 're', arg: 'href="([^"]*)"' }),
  c(0, 'li a', { op: 're', arg: '(?P<extract>[A-Z])\\w+' }),
  c(0, 'script::text', { op: 're', arg: '"sku": "(\\w+)"' }),
  // CSS the same page
  c(0, 'li.new a::text'),
  c(0, 'li:nth-child(2) span::text'),
  c(0, 'p.x ::text'),
  c(0, 'a[href^="/"]::attr(href)'),
  c(0, '#main > h1'),

  // HTML page 1: tables, forms, lang()
  x(1, '//table[@id="t"]//tr/td[1]//text()'),
  x(1, '//table[@id="t"]/tbody/tr[td]/td[2]/text()'),
  x(1, '//table[@class="inner"]'),
  x(1, 'count(//tr)'),
  x(1, '//input[@name="q"]/@value'),
  x(1, '//input[@checked]/@name'),
  x(1, '//input'),
  x(1, '//option[@selected]/text()'),
  x(1, '//p[lang("fr")]/text()'),
  x(1, '//a[not(starts-with(@href, "mailto:"))]/@href'),
  x(1, '//tr', { op: 'attrib' }),
  c(1, 'td::text', { ctx: '//table[@class="inner"]' }),
  x(1, 'td/text()', { ctx: 'table#t tr', ctxKind: 'css' }),

  // XML page 2: Atom with a default namespace and a prefixed one
  x(2, '//title'),
  x(2, '//a:title/text()', { ns: ATOM }),
  x(2, '//a:entry/a:title/text()', { ns: ATOM }),
  x(2, '//a:link/@href', { ns: ATOM }),
  x(2, '//m:thumbnail/@url', { ns: ATOM }),
  x(2, '//a:summary/text()', { ns: ATOM }),
  x(2, '//a:title[@type]', { ns: ATOM }),
  x(2, 'count(//a:entry)', { ns: ATOM }),
  x(2, '//comment()'),
  x(2, 'name(/*)'),
  x(2, 'local-name(//m:thumbnail)', { ns: ATOM }),
  x(2, 'namespace-uri(//m:thumbnail)', { ns: ATOM }),
  x(2, 'a:title/text()', { ns: ATOM, ctx: '//a:entry' }),
  x(2, '//title/text()', { removeNs: true }),
  x(2, '//thumbnail/@url', { removeNs: true }),
  x(2, '//entry[2]/summary', { removeNs: true }),
  x(2, '//link', { removeNs: true, op: 'attrib' }),
  x(2, '//a:entry[1]/a:summary', { ns: ATOM, op: 're', arg: '<b>(\\w+)' }),

  // XML page 3: case, empty elements, processing instructions
  x(3, '//Book/@id'),
  x(3, '//book/@id'),
  x(3, '//Book[Price > 6]/Title/text()'),
  x(3, '//Book[2]'),
  x(3, '//Note'),
  x(3, '//processing-instruction()'),
  x(3, 'sum(//Price)'),
  x(3, '//Book', { op: 'attrib' }),
  x(3, '//Price/@cur'),
  c(3, 'Book Title::text'),
  c(3, 'book Title::text'),
  c(3, 'Price::attr(cur)'),
];

/**
 * Left out on purpose, each with the reason the two parsers disagree (not the selectors):
 * - `//p` on `<p>a<p>b</p></p>`: lxml closes the first <p> at the second, htmlparser2 too, but
 *   lxml then drops the stray `</p>` as an empty <p>; htmlparser2 keeps `</p>` as `<p></p>`.
 * - `/html/body/*` on a fragment: lxml adds <html><body>, htmlparser2 adds nothing.
 * - `//text()` over the whitespace between `</head>` and `<body>`: libxml2 keeps it as a text
 *   child of <html>, then moves it; htmlparser2 keeps it where it is.
 * - `<table><tr>` without `<tbody>`: neither adds one, agreed; but a `<div>` inside `<table>`
 *   is moved out in front of the table by lxml ("foster parenting"), not by htmlparser2.
 * - The `namespace::` axis: xpath (the npm package) lists only the element's own declarations.
 */
export const EXCLUDED = 5;

const PY = String.raw`
import json, sys
from parsel import Selector
cases = json.load(sys.stdin)
docs = cases['docs']
out = []
def run(sel, kind, q, vars, ns):
    if kind == 'css':
        return sel.css(q)
    return sel.xpath(q, namespaces=ns, **vars)
for c in cases['cases']:
    try:
        d = docs[c['doc']]
        sel = Selector(text=d['text'], type=d['type'])
        if c.get('removeNs'):
            sel.remove_namespaces()
        ns = c.get('ns') or None
        vars = c.get('vars') or {}
        if c.get('ctx'):
            ctxs = run(sel, c.get('ctxKind') or 'xpath', c['ctx'], {}, ns)
            res = ctxs.__class__([r for s in ctxs for r in run(s, c['kind'], c['query'], vars, ns)])
        else:
            res = run(sel, c['kind'], c['query'], vars, ns)
        op = c['op']
        if op == 'getall': v = res.getall()
        elif op == 're': v = res.re(c['arg'])
        elif op == 'reRaw': v = res.re(c['arg'], replace_entities=False)
        elif op == 'reFirst': v = res.re_first(c['arg'])
        elif op == 'attrib': v = [dict(s.attrib) for s in res]
        out.append({'ok': v})
    except Exception as e:
        out.append({'error': str(e)})
print(json.dumps(out))
`;

type Outcome = { ok: unknown } | { error: string };

function ours(cs: Case): Outcome {
  try {
    const d = DOCS[cs.doc]!;
    const sel = Selector.fromText(d.text, { type: d.type });
    if (cs.removeNs) sel.removeNamespaces();
    const run = (s: Selector, kind: 'xpath' | 'css', q: string, vars: Record<string, unknown>) =>
      kind === 'css' ? s.css(q) : s.xpath(q, { ...vars, ...(cs.ns ? { namespaces: cs.ns } : {}) });
    let r: SelectorList;
    if (cs.ctx === undefined) r = run(sel, cs.kind, cs.query, cs.vars ?? {});
    else {
      // Each context's results one after the other, as parsel's SelectorList.xpath()/css() chain them.
      const all: Selector[] = [];
      for (const s of run(sel, cs.ctxKind ?? 'xpath', cs.ctx, {})) all.push(...run(s, cs.kind, cs.query, cs.vars ?? {}));
      r = new SelectorList(all);
    }
    switch (cs.op) {
      case 'getall':
        return { ok: r.getall() };
      case 're':
        return { ok: r.re(cs.arg!) };
      case 'reRaw':
        return { ok: r.re(cs.arg!, { replaceEntities: false }) };
      case 'reFirst':
        return { ok: r.reFirst(cs.arg!, null) };
      case 'attrib':
        return { ok: [...r].map((s) => s.attrib) };
    }
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const label = (cs: Case): string =>
  `doc ${cs.doc} ${cs.ctx ? `${cs.ctxKind ?? 'xpath'}(${cs.ctx}) → ` : ''}${cs.kind}(${cs.query})${cs.vars ? ' ' + JSON.stringify(cs.vars) : ''}${cs.removeNs ? ' after removeNamespaces' : ''} .${cs.op}${cs.arg ? `(${cs.arg})` : ''}`;

describe('selectors against parsel (python3-parsel): XPath, CSS, re, attrib on HTML and XML pages', () => {
  it.runIf(HAVE_PARSEL)(`the corpus (${CASES.length} cases on ${DOCS.length} pages) gives what parsel ${probe.stdout.trim()} gives`, () => {
    const py = spawnSync(PYTHON, ['-c', PY], { input: JSON.stringify({ docs: DOCS, cases: CASES }), encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(py.stderr).toBe('');
    const theirs = JSON.parse(py.stdout) as Outcome[];
    expect(theirs).toHaveLength(CASES.length);
    const diffs: string[] = [];
    CASES.forEach((cs, i) => {
      const want = theirs[i]!;
      const got = ours(cs);
      if ('error' in want) {
        // Both must fail; the message wording is ours (checked in xpath.test.ts).
        if (!('error' in got)) diffs.push(`${label(cs)}: parsel fails (${want.error}), we give ${JSON.stringify(got.ok)}`);
      } else if ('error' in got) diffs.push(`${label(cs)}: we fail (${got.error}), parsel gives ${JSON.stringify(want.ok)}`);
      else if (JSON.stringify(got.ok) !== JSON.stringify(want.ok)) diffs.push(`${label(cs)}:\n   parsel ${JSON.stringify(want.ok)}\n   ours   ${JSON.stringify(got.ok)}`);
    });
    expect(diffs.join('\n')).toBe('');
  });

  it.runIf(!HAVE_PARSEL)('python3-parsel is not installed: the differential test did not run (fails in CI)', () => {
    console.warn(`parsel-diff NOT RUN: ${PYTHON} cannot import parsel (apt-get install python3-parsel)`);
    expect(process.env.CI === 'true', 'CI must install python3-parsel (.ci/run)').toBe(false);
  });
});
