// Issue 17 item 1: XPath selectors with parsel's API and semantics — results, chaining, values,
// extensions, errors, XML namespaces, re()/reFirst(), jmespath(), and lazy loading.

import { describe, expect, it } from 'vitest';
import { Response, Selector, XmlResponse, XPathError } from '@deferkit/crawler';

const PAGE = `<html><head><title>Shop</title></head><body>
<div id="main" class="list  wide"><ul>
<li class="item" data-id="1"><a href="/a">Alpha</a> <span>£10.50</span></li>
<li class="item new" data-id="2"><a href="/b">Beta &amp; Co</a> <span>£7.00</span></li>
</ul><p>Price: &quot;low&quot; &#163;3</p><!-- note --></div></body></html>`;

const html = (body = PAGE): Response => new Response('http://127.0.0.1/', { headers: { 'Content-Type': 'text/html' }, body });

describe('xpath() results (parsel Selector.xpath)', () => {
  it('selects elements, text nodes and attribute values in document order', () => {
    const r = html();
    expect(r.xpath('//li/a/text()').getall()).toEqual(['Alpha', 'Beta & Co']);
    expect(r.xpath('//li/@data-id').getall()).toEqual(['1', '2']);
    expect(r.xpath('//a | //title').getall()).toEqual(['<title>Shop</title>', '<a href="/a">Alpha</a>', '<a href="/b">Beta &amp; Co</a>']);
  });

  it('writes numbers as Python floats and booleans as 1/0, as parsel does', () => {
    const r = html();
    expect(r.xpath('count(//li)').get()).toBe('2.0');
    expect(r.xpath('count(//li) > 1').get()).toBe('1');
    expect(r.xpath('boolean(//table)').get()).toBe('0');
    expect(r.xpath('sum(//li/@data-id) div 4').get()).toBe('0.75');
    expect(r.xpath('1 div 0').get()).toBe('inf');
    expect(r.xpath('string(//li[2]/a)').get()).toBe('Beta & Co');
  });

  it('get(default) and getall() on an empty result', () => {
    const r = html();
    expect(r.xpath('//table').get()).toBeUndefined();
    expect(r.xpath('//table').get('none')).toBe('none');
    expect(r.xpath('//table').getall()).toEqual([]);
  });

  it('attrib gives the attributes of the (first) element, {} for strings and empty lists', () => {
    const r = html();
    expect(r.xpath('//li').attrib).toEqual({ class: 'item', 'data-id': '1' });
    expect(r.xpath('//li[2]')[0]!.attrib).toEqual({ class: 'item new', 'data-id': '2' });
    expect(r.xpath('//li/@class')[0]!.attrib).toEqual({});
    expect(r.xpath('//table').attrib).toEqual({});
  });

  it('the top-level selector stands for the root element: relative paths start at <html>', () => {
    const r = html();
    expect(r.xpath('head/title/text()').get()).toBe('Shop');
    expect(r.xpath('name(.)').get()).toBe('html');
    expect(r.xpath('/').getall()).toEqual([]);
  });
});

describe('axes', () => {
  it('following:: is the nodes after the context node, not its descendants (xpath 0.0.34 got this wrong; patched)', () => {
    const r = html();
    expect(r.xpath('//li[1]/following::li/@data-id').getall()).toEqual(['2']);
    expect(r.xpath('//li[1]/following::a/text()').getall()).toEqual(['Beta & Co']);
    expect(r.xpath('//li[1]/@data-id/following::a[1]/text()').getall()).toEqual(['Alpha']);
  });

  it('preceding::, ancestor::, following-sibling:: and parent:: as lxml', () => {
    const r = html();
    expect(r.xpath('//li[2]/preceding::a/@href').getall()).toEqual(['/a']);
    expect(r.xpath('//span[1]/ancestor::*/@id').getall()).toEqual(['main']);
    expect(r.xpath('//li[1]/following-sibling::li/@data-id').getall()).toEqual(['2']);
    expect(r.xpath('//a[@href="/b"]/parent::li/@class').get()).toBe('item new');
  });
});

describe('chaining css() and xpath() in any mix', () => {
  it("'.//x' is relative to the selected node, '//x' searches the whole document", () => {
    const li = html().css('li.new')[0]!;
    expect(li.xpath('.//a/text()').getall()).toEqual(['Beta & Co']);
    expect(li.xpath('//a/text()').getall()).toEqual(['Alpha', 'Beta & Co']);
  });

  it('css() on xpath() results and xpath() on css() results', () => {
    const r = html();
    expect(r.xpath('//li').css('span::text').getall()).toEqual(['£10.50', '£7.00']);
    expect(r.css('li').xpath('./a/@href').getall()).toEqual(['/a', '/b']);
    expect(r.xpath('//ul').xpath('li').css('a').xpath('text()').getall()).toEqual(['Alpha', 'Beta & Co']);
  });

  it('a text or attribute result selects nothing further (parsel 1.7/1.8 for html selectors)', () => {
    const t = html().xpath('//a/text()')[0]!;
    expect(t.xpath('.').getall()).toEqual([]);
    expect(t.css('a').getall()).toEqual([]);
  });
});

describe('XPath variables and extensions', () => {
  it('$name variables: strings, numbers, booleans', () => {
    const r = html();
    expect(r.xpath('//a[@href=$h]/text()', { h: '/b' }).get()).toBe('Beta & Co');
    expect(r.xpath('//li[$n]/@data-id', { n: 2 }).get()).toBe('2');
    expect(r.xpath('//li[$yes]/@data-id', { yes: false }).getall()).toEqual([]);
  });

  it('has-class() tests whitespace-separated class tokens (all of them)', () => {
    const r = html();
    expect(r.xpath('//li[has-class("new")]/@data-id').getall()).toEqual(['2']);
    expect(r.xpath('//li[has-class("item", "new")]/@data-id').getall()).toEqual(['2']);
    expect(r.xpath('//div[has-class("wide")]/@id').get()).toBe('main');
    expect(r.xpath('//li[has-class("ite")]').getall()).toEqual([]);
  });

  it('EXSLT re:test, re:replace, re:match and set:difference', () => {
    const r = html();
    expect(r.xpath('//a[re:test(@href, "^/b$")]/text()').get()).toBe('Beta & Co');
    expect(r.xpath('//a[re:test(text(), "alpha", "i")]/@href').get()).toBe('/a');
    expect(r.xpath('re:replace(//li[1]//span, "\\d", "g", "#")').get()).toBe('£##.##');
    expect(r.xpath('re:match("2024-05", "(\\d+)-(\\d+)")').getall()).toEqual(['<match>2024-05</match>', '<match>2024</match>', '<match>05</match>']);
    expect(r.xpath('set:difference(//li, //li[has-class("new")])/@data-id').getall()).toEqual(['1']);
  });
});

describe('XPath errors name the expression (parsel: ValueError "XPath error: … in <query>")', () => {
  it('an expression that does not parse', () => {
    expect(() => html().xpath('//a[')).toThrow(XPathError);
    expect(() => html().xpath('//a[')).toThrow(/^XPath error: Invalid expression in \/\/a\[/);
  });

  it('an undefined variable, namespace prefix or function says how to fix it', () => {
    expect(() => html().xpath('//a[@href=$url]')).toThrow(/Undefined variable in \/\/a\[@href=\$url\].*xpath\(query, \{ url: value \}\)/);
    expect(() => html().xpath('//atom:a')).toThrow(/Undefined namespace prefix in \/\/atom:a.*registerNamespace\('atom'/);
    expect(() => html().xpath('nosuch(1)')).toThrow(/Unregistered function in nosuch\(1\)/);
  });

  it('has-class() without arguments', () => {
    expect(() => html().xpath('//li[has-class()]')).toThrow('XPath error: has-class must have at least 1 argument in //li[has-class()]');
  });
});

describe('re() and reFirst() (parsel extract_regex)', () => {
  it('no group: whole matches; groups: every group, flattened; named "extract": that group of the first match', () => {
    const r = html();
    expect(r.xpath('//span/text()').re(/\d+/)).toEqual(['10', '50', '7', '00']);
    expect(r.xpath('//span/text()').re(/(\d+)\.(\d+)/)).toEqual(['10', '50', '7', '00']);
    expect(r.xpath('//span/text()').re('(?P<extract>\\d+)\\.\\d+')).toEqual(['10', '7']);
  });

  it('replaces character references but &amp; and &lt;, unless replaceEntities is false', () => {
    // The markup of <p>a &gt; b</p> keeps &gt;, which re() turns back into >.
    const p = html('<p>a &gt; b &amp;quot;x&amp;quot;</p>').xpath('//p');
    expect(p.re(/a (\S+) b/)).toEqual(['>']);
    expect(p.re(/a (\S+) b/, { replaceEntities: false })).toEqual(['&gt;']);
    expect(p.xpath('text()').re(/b (.*)/)).toEqual(['"x"']);
    expect(p.xpath('text()').re(/b (.*)/, { replaceEntities: false })).toEqual(['&quot;x&quot;']);
    expect(html().xpath('//li[2]/a').re(/>(.*)</)).toEqual(['Beta &amp; Co']);
    expect(html().xpath('//p').re(/Price: (.*)</)).toEqual(['"low" £3']);
  });

  it('reFirst returns the first match or the default, and stops at the first item that matches', () => {
    const r = html();
    expect(r.xpath('//span/text()').reFirst(/\d+/)).toBe('10');
    expect(r.xpath('//span/text()').reFirst(/€/)).toBeUndefined();
    expect(r.xpath('//span/text()').reFirst(/€/, 'n/a')).toBe('n/a');
    expect(r.xpath('//span')[1]!.reFirst(/(\d+)/)).toBe('7');
  });
});

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title>Feed</title>
  <entry><title>One</title><media:thumbnail url="http://127.0.0.1/1.png"/><summary><![CDATA[<b>bold</b> & more]]></summary></entry>
</feed>`;

describe('XML responses and namespaces (XmlResponse, register_namespace, remove_namespaces)', () => {
  it('text/xml and application/atom+xml are XML; an XmlResponse always is', () => {
    expect(new Response('http://127.0.0.1/f', { headers: { 'Content-Type': 'application/atom+xml' }, body: ATOM }).isXml).toBe(true);
    expect(new Response('http://127.0.0.1/f', { headers: { 'Content-Type': 'text/html' }, body: ATOM }).isXml).toBe(false);
    expect(new Response('http://127.0.0.1/sitemap.xml', { body: '<urlset/>' }).isXml).toBe(true);
    expect(new XmlResponse('http://127.0.0.1/f', { headers: { 'Content-Type': 'text/plain' }, body: ATOM }).isXml).toBe(true);
  });

  it('a default namespace needs a prefix, as in lxml; declared prefixes are registered per query or per selector', () => {
    const r = new XmlResponse('http://127.0.0.1/f', { body: ATOM });
    expect(r.xpath('//title').getall()).toEqual([]);
    expect(r.xpath('//a:entry/a:title/text()', { namespaces: { a: 'http://www.w3.org/2005/Atom' } }).getall()).toEqual(['One']);
    // namespaces given to one query are not kept
    expect(() => r.xpath('//a:title')).toThrow(/Undefined namespace prefix/);
    r.selector.registerNamespace('a', 'http://www.w3.org/2005/Atom');
    r.selector.registerNamespace('m', 'http://search.yahoo.com/mrss/');
    expect(r.xpath('//m:thumbnail/@url').get()).toBe('http://127.0.0.1/1.png');
    expect(r.xpath('//a:entry')[0]!.xpath('a:title/text()').get()).toBe('One');
  });

  it('CDATA is text, joined with the text around it', () => {
    const r = new XmlResponse('http://127.0.0.1/f', { body: ATOM });
    expect(r.xpath('//a:summary/text()', { namespaces: { a: 'http://www.w3.org/2005/Atom' } }).getall()).toEqual(['<b>bold</b> & more']);
  });

  it('removeNamespaces() lets namespace-less XPath find every element', () => {
    const r = new XmlResponse('http://127.0.0.1/f', { body: ATOM });
    r.selector.removeNamespaces();
    expect(r.xpath('//title/text()').getall()).toEqual(['Feed', 'One']);
    expect(r.xpath('//thumbnail/@url').get()).toBe('http://127.0.0.1/1.png');
  });

  it('XML keeps the case of names, for CSS too', () => {
    const r = new XmlResponse('http://127.0.0.1/f', { body: '<Root><Item>1</Item><item>2</item></Root>' });
    expect(r.xpath('//Item/text()').getall()).toEqual(['1']);
    expect(r.css('Item::text').getall()).toEqual(['1']);
  });
});

describe('jmespath() (parsel 1.8 Selector.jmespath) and json()', () => {
  const api = () =>
    new Response('http://127.0.0.1/api', {
      headers: { 'Content-Type': 'application/json' },
      body: '{"items": [{"name": "A", "price": 3}, {"name": "B", "html": "<p>hi</p>"}], "total": 2}',
    });

  it('strings come back as text, other values as JSON text and value', () => {
    const r = api();
    expect(r.jmespath('items[*].name').getall()).toEqual(['A', 'B']);
    expect(r.jmespath('total').get()).toBe('2');
    expect(r.jmespath('total')[0]!.value).toBe(2);
    expect(r.jmespath('items[0]').get()).toBe('{"name": "A", "price": 3}');
    expect(r.jmespath('nothing').getall()).toEqual([]);
  });

  it('a string result is read as HTML by css()/xpath()', () => {
    expect(api().jmespath('items[1].html').xpath('//p/text()').get()).toBe('hi');
  });

  it('JSON inside a <script> (the element text) is queried from the HTML', () => {
    const r = html('<html><body><script type="application/json">{"sku": "X1"}</script></body></html>');
    expect(r.css('script').jmespath('sku').get()).toBe('X1');
    expect(r.css('script::text').jmespath('sku').get()).toBe('X1');
  });

  it('json() parses the body once', () => {
    const r = api();
    expect(r.json()).toBe(r.json());
  });
});

describe('Selector.fromText (parsel Selector(text=…))', () => {
  it('html, xml, json and text types', () => {
    expect(Selector.fromText('<p>x</p>').xpath('//p/text()').get()).toBe('x');
    expect(Selector.fromText('<A><B>x</B></A>', { type: 'xml' }).xpath('/A/B/text()').get()).toBe('x');
    expect(Selector.fromText('[1, 2]', { type: 'json' }).jmespath('[1]').get()).toBe('2');
    expect(Selector.fromText('<b>y</b>', { type: 'text' }).css('b::text').get()).toBe('y');
    expect(() => Selector.fromText('{}', { type: 'json' }).xpath('//a')).toThrow(/Cannot use xpath\(\) on a Selector of type 'json'/);
  });
});

describe('lazy: a spider that only uses CSS pays nothing for XPath', () => {
  it('css() loads neither the XPath nor the JMESPath engine; the first xpath() and jmespath() do', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { createRequire } from 'node:module';
      import { Response } from '@deferkit/crawler';
      const loaded = (name) => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/' + name + '/'));
      const r = new Response('http://127.0.0.1/', { headers: { 'Content-Type': 'text/html' }, body: '<p><a href="/x">x</a></p>' });
      r.css('a::attr(href)').getall();
      const before = [loaded('xpath'), loaded('jmespath')];
      r.xpath('//a/@href').getall();
      Response.prototype.jmespath.call(new Response('http://127.0.0.1/', { headers: { 'Content-Type': 'application/json' }, body: '{}' }), 'a');
      console.log(JSON.stringify({ before, after: [loaded('xpath'), loaded('jmespath')] }));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions', '@deferkit/source', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ before: [false, false], after: [true, true] });
  });
});
