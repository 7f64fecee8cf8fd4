// Request, Response, Headers and Selector: the HTTP objects spiders handle (scrapy.http and
// parsel), unit by unit.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Headers, Request, requestFingerprint, Response, Selector, SelectorList } from '@deferkit/crawler';

const PAGE = `<!doctype html>
<html><head><title>Books</title></head>
<body>
  <h1>All <em>the</em> books</h1>
  <ul class="books">
    <li class="book"><a href="/catalogue/book-1.html" title="One">The First</a> <span class="price">£10.00</span></li>
    <li class="book"><a href="book-2.html" title="Two">The Second</a> <span class="price">£12.50</span></li>
    <li class="book"><a title="no href">No link</a></li>
  </ul>
  <ul class="pager"><li class="next"><a href="?page=2">next</a></li></ul>
</body></html>`;

function page(body: string | Uint8Array, init: { url?: string; headers?: Record<string, string>; encoding?: string } = {}): Response {
  return new Response(init.url ?? 'http://books.local/catalogue/index.html', {
    body,
    headers: init.headers ?? { 'Content-Type': 'text/html; charset=utf-8' },
    ...(init.encoding !== undefined ? { encoding: init.encoding } : {}),
  });
}

describe('Headers', () => {
  it('is case-insensitive and keeps every value of a repeated header (get → first, getList → all)', () => {
    const h = new Headers([
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['Content-Type', 'text/html'],
    ]);
    expect(h.get('SET-COOKIE')).toBe('a=1');
    expect(h.getList('Set-Cookie')).toEqual(['a=1', 'b=2']);
    expect(h.get('content-type')).toBe('text/html');
    expect(h.get('missing')).toBeNull();
    expect(h.getList('missing')).toEqual([]);
    expect(h.size).toBe(2);
    expect(h.toObject()).toEqual({ 'Set-Cookie': 'a=1, b=2', 'Content-Type': 'text/html' });
    expect(h.toNodeHeaders()).toEqual({ 'Set-Cookie': ['a=1', 'b=2'], 'Content-Type': 'text/html' });
  });

  it('setDefault only sets an absent header; set replaces; delete removes; a record with arrays and numbers works', () => {
    const h = new Headers({ Accept: 'a/b', 'X-N': 3, 'X-Multi': ['1', '2'], Skip: undefined });
    h.setDefault('accept', 'ignored');
    h.setDefault('User-Agent', 'ua');
    expect(h.get('Accept')).toBe('a/b');
    expect(h.get('user-agent')).toBe('ua');
    expect(h.get('x-n')).toBe('3');
    expect(h.getList('x-multi')).toEqual(['1', '2']);
    expect(h.has('skip')).toBe(false);
    h.set('ACCEPT', 'c/d');
    expect(h.getList('accept')).toEqual(['c/d']);
    h.delete('Accept');
    expect(h.has('accept')).toBe(false);
    const copy = new Headers(h);
    copy.set('X-N', '4');
    expect(h.get('X-N')).toBe('3');
  });
});

describe('Request', () => {
  it('has Scrapy defaults and prints as <GET url>', () => {
    const r = new Request('http://example.com/a?b=1');
    expect(r.method).toBe('GET');
    expect(r.priority).toBe(0);
    expect(r.dontFilter).toBe(false);
    expect(r.body.length).toBe(0);
    expect(r.callback).toBeNull();
    expect(r.meta).toEqual({});
    expect(String(r)).toBe('<GET http://example.com/a?b=1>');
    expect(String(new Request('http://example.com', { method: 'post', body: 'x=1' }))).toBe('<POST http://example.com/>');
    expect(new TextDecoder().decode(new Request('http://e.com', { body: 'héllo' }).body)).toBe('héllo');
  });

  it('a URL without a scheme is a TypeError naming the URL (Scrapy: "Missing scheme in request url")', () => {
    expect(() => new Request('/relative/path')).toThrow(TypeError);
    expect(() => new Request('/relative/path')).toThrow('Missing scheme in request URL: /relative/path');
    expect(() => new Request('example.com/page')).toThrow('Missing scheme in request URL: example.com/page');
  });

  it("like Scrapy, only URLs with '://' (and about:/data:) are accepted: mailto: and javascript: are missing a scheme", () => {
    expect(() => new Request('mailto:x@y')).toThrow("Missing scheme in request URL: mailto:x@y (only URLs with '://'");
    expect(() => new Request('javascript:void(0)')).toThrow('Missing scheme in request URL: javascript:void(0)');
    expect(new Request('about:blank').url).toBe('about:blank');
    expect(new Request('data:text/plain,hi').url).toBe('data:text/plain,hi');
    expect(new Request('ftp://h/f').url).toBe('ftp://h/f');
  });

  it('an unparsable URL is a TypeError, not a crash later', () => {
    expect(() => new Request('http://[broken')).toThrow('Invalid request URL: http://[broken');
    expect(() => new Request(42 as unknown as string)).toThrow('Request url must be a string, got number');
  });

  it('replace() copies with changes; meta and cbKwargs are shallow copies', () => {
    const cb = (): void => {};
    const r = new Request('http://e.com/1', { callback: cb, meta: { a: 1 }, cbKwargs: { k: 'v' }, priority: 3, headers: { 'X-A': '1' } });
    const r2 = r.replace({ url: 'http://e.com/2', priority: 5 });
    expect(r2.url).toBe('http://e.com/2');
    expect(r2.priority).toBe(5);
    expect(r2.callback).toBe(cb);
    expect(r2.meta).toEqual({ a: 1 });
    r2.meta.a = 2;
    expect(r.meta.a).toBe(1);
    expect(r2.headers.get('x-a')).toBe('1');
    expect(r.replace({ callback: null }).callback).toBeNull();
  });

  it('rejects bad callbacks and priorities with a TypeError', () => {
    expect(() => new Request('http://e.com', { callback: 42 as never })).toThrow('Request callback must be a function or a spider method name, got number');
    expect(() => new Request('http://e.com', { priority: Number.NaN })).toThrow('Request priority must be a finite number');
  });
});

describe('requestFingerprint', () => {
  const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
  const fp = (url: string, init?: ConstructorParameters<typeof Request>[1]): string => requestFingerprint(new Request(url, init));

  it('is the SHA-1 of method, canonical URL and body, one per line', () => {
    expect(fp('http://e.com/a')).toBe(sha1('GET\nhttp://e.com/a\n'));
    expect(fp('http://e.com/a?b=2&a=1')).toBe(sha1('GET\nhttp://e.com/a?a=1&b=2\n'));
    expect(fp('http://e.com/a', { method: 'POST', body: 'x=1' })).toBe(sha1('POST\nhttp://e.com/a\nx=1'));
  });

  it('the canonical URL drops the fragment, sorts the query and is the parsed form of the URL', () => {
    expect(fp('http://e.com/a#frag')).toBe(fp('http://e.com/a'));
    expect(fp('http://e.com/a?')).toBe(fp('http://e.com/a'));
    expect(fp('http://e.com/a?b=2&a=1#x')).toBe(fp('http://e.com/a?a=1&b=2'));
    expect(fp('HTTP://E.COM:80/a/../b')).toBe(fp('http://e.com/b'));
    expect(fp('http://e.com/a?b=1')).not.toBe(fp('http://e.com/a'));
    expect(fp('http://e.com/a', { method: 'POST' })).not.toBe(fp('http://e.com/a'));
    expect(fp('http://e.com/a', { method: 'POST', body: 'x=1' })).not.toBe(fp('http://e.com/a', { method: 'POST', body: 'x=2' }));
  });
});

describe('Response: selectors', () => {
  it("css('h1::text').get() is the element's own text (not its children's), ::attr(name) the attribute", () => {
    const r = page(PAGE);
    expect(r.css('h1::text').get()).toBe('All ');
    expect(r.css('h1::text').getall()).toEqual(['All ', ' books']);
    expect(r.css('h1 em::text').get()).toBe('the');
    expect(r.css('title::text').get()).toBe('Books');
    expect(r.css('.book a::attr(href)').getall()).toEqual(['/catalogue/book-1.html', 'book-2.html']);
    expect(r.css('.book a::attr(title)').getall()).toEqual(['One', 'Two', 'no href']);
    expect(r.css('.price::text').getall()).toEqual(['£10.00', '£12.50']);
  });

  it('get() of nothing is undefined (or the default); getall() of nothing is []', () => {
    const r = page(PAGE);
    expect(r.css('h2::text').get()).toBeUndefined();
    expect(r.css('h2::text').get('none')).toBe('none');
    expect(r.css('h2::text').getall()).toEqual([]);
  });

  it('nested queries, attrib, re(), and element get() returns HTML', () => {
    const r = page(PAGE);
    const books = r.css('li.book');
    expect(books).toBeInstanceOf(SelectorList);
    expect(books.length).toBe(3);
    expect(books[0]).toBeInstanceOf(Selector);
    expect(books.map((b) => b.css('a::text').get())).toEqual(['The First', 'The Second', 'No link']);
    expect(books.css('.price::text').getall()).toEqual(['£10.00', '£12.50']);
    expect(r.css('.book a')[0]!.attrib).toEqual({ href: '/catalogue/book-1.html', title: 'One' });
    expect(r.css('.price::text').re(/£(\d+)\.\d+/)).toEqual(['10', '12']);
    expect(r.css('.next a').get()).toBe('<a href="?page=2">next</a>');
  });
});

describe('Response: simple selectors (tag, *, .class, #id) are matched without css-select, with its results', () => {
  const HTML = `<!doctype html><html><head><title>T</title><style class="s">x</style><script id="j">1</script></head><body>
  <DIV id="Main" class="a  b\tc"><p class="A">1<span class="a">s</span></p><p class="ab a-b">2</p><p id="x" class="b a">3</p></DIV>
  <div class="a"><div class="a"><p>4</p></div></div><svg><circle class="a"/></svg><template><p class="a">t</p></template>
  <p class="a\u00a0b">nbsp</p><p class="_u-1">u</p></body></html>`;
  const r = page(HTML);
  // `:is(…)` is not simple: it goes through cheerio/css-select, the reference.
  const simple = ['p', 'P', 'div', 'DIV', '*', '.a', '.A', '.b', '.c', '#Main', '#main', 'div.a', 'DIV#Main.a.b', '*.a', 'p.a.b', '.a-b', '#x.b', '#x#x', 'style', 'script', '.s', 'circle', 'template', 'title', 'html', 'body', 'span.a', 'p#x', 'nope', '._u-1'];
  for (const sel of simple) {
    it(`'${sel}'`, () => {
      expect(r.css(sel).getall()).toEqual(r.css(`:is(${sel})`).getall());
      expect(r.css(`${sel}::text`).getall()).toEqual(r.css(`:is(${sel})::text`).getall());
      expect(r.css(`${sel}::attr(class)`).getall()).toEqual(r.css(`:is(${sel})::attr(class)`).getall());
      for (const inner of ['p', '.a', '*']) expect(r.css(sel).css(inner).getall()).toEqual(r.css(`:is(${sel})`).css(`:is(${inner})`).getall());
    });
  }

  it('tag names are case-insensitive, classes and ids are not; a class is a whole whitespace-separated token', () => {
    expect(r.css('P').length).toBe(r.css('p').length);
    expect(r.css('.A::text').getall()).toEqual(['1']);
    expect(r.css('#main')).toHaveLength(0);
    expect(r.css('.ab::text').getall()).toEqual(['2']);
    expect(r.css('p.a::text').getall()).toEqual(['3', 't', 'nbsp']);
  });

  it('anything else (escapes, attributes, combinators, lists) goes to css-select', () => {
    const q = page('<p id="a:b" data-x="1">colon</p><ul><li><a href="/1">1</a></li></ul><a href="/2">2</a>');
    expect(q.css('#a\\:b::text').get()).toBe('colon');
    expect(q.css('[data-x]::text').get()).toBe('colon');
    expect(q.css('ul a::attr(href)').getall()).toEqual(['/1']);
    expect(q.css('li > a, ul + a').getall()).toEqual(['<a href="/1">1</a>', '<a href="/2">2</a>']);
  });
});

describe('Response: parsing', () => {
  it("a page whose first '<' opens no tag, and plain text, still parse", () => {
    const odd = page('1 < 2 and <p class="a">x</p>');
    expect(odd.css('p::text').get()).toBe('x');
    expect(odd.css('.a')).toHaveLength(1);
    expect(odd.css('::text').get()).toBe('1 < 2 and ');
    const plain = page('just text');
    expect(plain.css('p')).toHaveLength(0);
    expect(plain.css('::text').getall()).toEqual(['just text']);
    expect(page('').css('*')).toHaveLength(0);
  });

  it('each response has its own document; selectors of one response keep working after others are parsed', () => {
    const a = page('<h1>a</h1>');
    const h1 = a.css('h1');
    const b = page('<h1>b</h1>');
    expect(b.css('h1::text').get()).toBe('b');
    expect(h1.get()).toBe('<h1>a</h1>');
    expect(h1.css('::text').get()).toBe('a');
  });
});

describe('Response: urljoin, follow, followAll', () => {
  it('urljoin resolves against the response URL', () => {
    const r = page(PAGE);
    expect(r.urljoin('book-2.html')).toBe('http://books.local/catalogue/book-2.html');
    expect(r.urljoin('/x')).toBe('http://books.local/x');
    expect(r.urljoin('?page=2')).toBe('http://books.local/catalogue/index.html?page=2');
    expect(r.urljoin('http://other.local/y')).toBe('http://other.local/y');
  });

  it('urljoin honours <base href> (itself relative to the response URL)', () => {
    const r = page('<html><head><base href="/shop/v2/"></head><body><a href="item">i</a></body></html>');
    expect(r.urljoin('item')).toBe('http://books.local/shop/v2/item');
    expect(r.follow('item').url).toBe('http://books.local/shop/v2/item');
    const abs = page('<html><head><base href="http://cdn.local/base/"></head></html>');
    expect(abs.urljoin('a.html')).toBe('http://cdn.local/base/a.html');
  });

  it('follow() builds a Request from a relative URL, a link Selector or an attribute Selector, with options', () => {
    const r = page(PAGE);
    const cb = (): void => {};
    const req = r.follow('book-2.html', { callback: cb, meta: { from: 'index' }, priority: 2 });
    expect(req).toBeInstanceOf(Request);
    expect(req.url).toBe('http://books.local/catalogue/book-2.html');
    expect(req.callback).toBe(cb);
    expect(req.meta).toEqual({ from: 'index' });
    expect(req.priority).toBe(2);
    expect(r.follow(r.css('.book a')[0]!).url).toBe('http://books.local/catalogue/book-1.html');
    expect(r.follow(r.css('.book a::attr(href)')[1]!).url).toBe('http://books.local/catalogue/book-2.html');
    expect(r.follow('  /spaced  ').url).toBe('http://books.local/spaced');
    const same = new Request('http://x.local/');
    expect(r.follow(same)).toBe(same);
  });

  it('follow() of a bad link is a clear TypeError: malformed, mailto:/javascript: (missing scheme), a non-link Selector', () => {
    const r = page(PAGE);
    expect(() => r.follow('http://[broken')).toThrow('Response.follow(): cannot build a URL from "http://[broken" relative to http://books.local/catalogue/index.html.');
    expect(() => r.follow('mailto:x@y')).toThrow('Missing scheme in request URL: mailto:x@y');
    expect(() => r.follow('javascript:void(0)')).toThrow('Missing scheme in request URL: javascript:void(0)');
    expect(() => r.follow(r.css('h1')[0]!)).toThrow('Unsupported selector: <h1>');
    expect(() => r.follow(r.css('.book a')[2]!)).toThrow('<a> element has no href attribute');
    // ftp:// is a valid Request; it fails at download time (NotSupported), as in Scrapy.
    expect(r.follow('ftp://h/f').url).toBe('ftp://h/f');
  });

  it('followAll({ css }) follows every link, skipping selected nodes without href', () => {
    const r = page(PAGE);
    const reqs = [...r.followAll({ css: '.book a' })];
    expect(reqs.map((q) => q.url)).toEqual(['http://books.local/catalogue/book-1.html', 'http://books.local/catalogue/book-2.html']);
    expect([...r.followAll({ css: '.next a' }, { priority: 7 })].map((q) => [q.url, q.priority])).toEqual([
      ['http://books.local/catalogue/index.html?page=2', 7],
    ]);
  });

  it('followAll is lazy like Scrapy: requests before a bad link are produced, then the bad link throws', () => {
    const r = page(PAGE);
    const got: string[] = [];
    expect(() => {
      for (const q of r.followAll(['book-2.html', '/a', 'mailto:x@y', '/never'])) got.push(q.url);
    }).toThrow('Missing scheme in request URL: mailto:x@y');
    expect(got).toEqual(['http://books.local/catalogue/book-2.html', 'http://books.local/a']);
  });
});

describe('Response: text encoding (BOM > Content-Type header > <meta> > utf-8)', () => {
  const cafeLatin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // 'café' in latin1
  const html = (head: string, bodyBytes: Uint8Array): Uint8Array => {
    const pre = new TextEncoder().encode(`<html><head>${head}</head><body><h1>`);
    const post = new TextEncoder().encode('</h1></body></html>');
    return new Uint8Array([...pre, ...bodyBytes, ...post]);
  };

  it('the header charset decodes the body (iso-8859-1 is windows-1252, as in browsers and w3lib)', () => {
    const r = page(html('', cafeLatin1), { headers: { 'Content-Type': 'text/html; charset=ISO-8859-1' } });
    expect(r.encoding).toBe('windows-1252');
    expect(r.css('h1::text').get()).toBe('café');
  });

  it('without a header charset, <meta charset> decides; then <meta http-equiv content=charset=…>', () => {
    const meta = page(html('<meta charset="windows-1252">', new Uint8Array([...cafeLatin1, 0x20, 0x80])), { headers: { 'Content-Type': 'text/html' } });
    expect(meta.encoding).toBe('windows-1252');
    expect(meta.css('h1::text').get()).toBe('café €');
    const equiv = page(html('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">', new Uint8Array([0xa4])), {
      headers: { 'Content-Type': 'text/html' },
    });
    expect(equiv.encoding).toBe('iso-8859-15');
    expect(equiv.css('h1::text').get()).toBe('€');
  });

  it('the header beats <meta>; a BOM beats both; an explicit encoding beats everything', () => {
    const body = html('<meta charset="utf-8">', cafeLatin1);
    const headerWins = page(body, { headers: { 'Content-Type': 'text/html; charset=latin1' } });
    expect(headerWins.css('h1::text').get()).toBe('café');
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('<h1>naïve</h1>')]);
    const bomWins = page(bom, { headers: { 'Content-Type': 'text/html; charset=iso-8859-1' } });
    expect(bomWins.encoding).toBe('utf-8');
    expect(bomWins.text.startsWith('<h1>')).toBe(true);
    expect(bomWins.css('h1::text').get()).toBe('naïve');
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('<h1>hi</h1>', 'utf16le')]);
    expect(page(utf16, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }).css('h1::text').get()).toBe('hi');
    const forced = page(body, { headers: { 'Content-Type': 'text/html; charset=utf-8' }, encoding: 'latin1' });
    expect(forced.css('h1::text').get()).toBe('café');
  });

  it('no declaration at all → utf-8; an unknown charset label is skipped, not an error', () => {
    const plain = page(new TextEncoder().encode('<h1>żółw</h1>'), { headers: { 'Content-Type': 'text/html' } });
    expect(plain.encoding).toBe('utf-8');
    expect(plain.css('h1::text').get()).toBe('żółw');
    const unknown = page(html('<meta charset="windows-1252">', cafeLatin1), { headers: { 'Content-Type': 'text/html; charset=x-no-such-charset' } });
    expect(unknown.encoding).toBe('windows-1252');
    expect(unknown.css('h1::text').get()).toBe('café');
  });

  it('windows-1252 maps 0x80–0x9F to their characters (€, curly quotes, …), whatever the Node version', () => {
    const r = page(html('', new Uint8Array([0x93, 0x68, 0x69, 0x94, 0x20, 0x80, 0x85, 0x99])), { headers: { 'Content-Type': 'text/html; charset=windows-1252' } });
    expect(r.css('h1::text').get()).toBe('\u201chi\u201d \u20ac\u2026\u2122');
    expect(page(html('', new Uint8Array([0x93])), { headers: { 'Content-Type': 'text/html; charset=iso-8859-1' } }).css('h1::text').get()).toBe('\u201c');
  });

  it('a wrong charset (utf-8 declared, latin1 bytes) decodes with U+FFFD, never throws', () => {
    const r = page(html('', cafeLatin1), { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    expect(r.css('h1::text').get()).toBe('caf\uFFFD');
  });

  it('decoding one response does not affect the next (labels in any case, unknown labels, BOMs, one encoding after another)', () => {
    for (let round = 0; round < 2; round++) {
      expect(page(html('', cafeLatin1), { headers: { 'Content-Type': 'text/html; charset=LATIN1' } }).css('h1::text').get()).toBe('café');
      expect(page(html('', cafeLatin1), { headers: { 'Content-Type': 'text/html; charset=latin1' } }).encoding).toBe('windows-1252');
      expect(page(new TextEncoder().encode('<h1>żółw</h1>'), { headers: { 'Content-Type': 'text/html; charset=x-nope' } }).encoding).toBe('utf-8');
      const bom = page(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('<h1>b</h1>')]), { headers: { 'Content-Type': 'text/html' } });
      expect(bom.text).toBe('<h1>b</h1>');
      expect(page(html('', new Uint8Array([0x80])), { headers: { 'Content-Type': 'text/html; charset=windows-1252' } }).css('h1::text').get()).toBe('€');
      expect(page(html('', new Uint8Array([0xe2, 0x82, 0xac])), { headers: { 'Content-Type': 'text/html; charset=utf-8' } }).css('h1::text').get()).toBe('€');
    }
  });

  it('json() parses the decoded text; bad JSON is a SyntaxError', () => {
    expect(new Response('http://e.com/a.json', { body: '{"a":[1,2]}', headers: { 'Content-Type': 'application/json' } }).json()).toEqual({ a: [1, 2] });
    expect(() => new Response('http://e.com/a.json', { body: '{nope' }).json()).toThrow(SyntaxError);
  });
});

describe('Response: misc', () => {
  it('prints as <status url>, meta is the request meta, and meta without a request is a clear error', () => {
    const req = new Request('http://e.com/x', { meta: { k: 1 } });
    const r = new Response('http://e.com/x', { status: 404, request: req });
    expect(String(r)).toBe('<404 http://e.com/x>');
    expect(r.meta).toBe(req.meta);
    expect(() => new Response('http://e.com/').meta).toThrow('Response.meta is not available');
  });

  it('replace() keeps the request and flags and recomputes the text', () => {
    const req = new Request('http://e.com/x');
    const r = new Response('http://e.com/x', { body: '<h1>a</h1>', request: req, flags: ['cached'] });
    const r2 = r.replace({ body: '<h1>b</h1>' });
    expect(r2.request).toBe(req);
    expect(r2.flags).toEqual(['cached']);
    expect(r2.css('h1::text').get()).toBe('b');
    expect(r.css('h1::text').get()).toBe('a');
  });

  it('replace() keeps ip, certificate and protocol, and takes new ones when given', () => {
    const certificate = { subject: { CN: 'a' } } as unknown as import('node:tls').PeerCertificate;
    const r = new Response('https://e.com/x', { ip: '10.0.0.1', certificate, protocol: 'HTTP/1.1' });
    const kept = r.replace({ status: 304 });
    expect([kept.ip, kept.certificate, kept.protocol]).toEqual(['10.0.0.1', certificate, 'HTTP/1.1']);
    const changed = r.replace({ ip: '10.0.0.2', protocol: 'HTTP/1.0' });
    expect([changed.ip, changed.certificate, changed.protocol]).toEqual(['10.0.0.2', certificate, 'HTTP/1.0']);
    const bare = new Response('http://e.com/').replace({});
    expect([bare.ip, bare.certificate, bare.protocol]).toEqual([undefined, undefined, undefined]);
  });
});

describe('Response: constructor', () => {
  it('refuses a url that is not a string, naming the fix', () => {
    expect(() => new Response({ url: 'http://127.0.0.1/' } as unknown as string)).toThrow(
      /new Response\(url, init\): url must be a string, got object; pass status, headers and body in init/,
    );
  });
});
