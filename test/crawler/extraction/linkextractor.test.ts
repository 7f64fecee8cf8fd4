// LinkExtractor and canonicalizeUrl: each test is one of Scrapy's (or w3lib's) rules.

import { describe, expect, it } from 'vitest';
import { IGNORED_EXTENSIONS, Link, LinkExtractor, Response, canonicalizeUrl } from '@deferkit/crawler';

const page = (body: string, url = 'http://example.com/dir/page.html', contentType = 'text/html'): Response =>
  new Response(url, { headers: { 'Content-Type': contentType }, body });

const urls = (links: Link[]): string[] => links.map((l) => l.url);

describe('LinkExtractor', () => {
  it('takes href of <a> and <area> by default, resolved against the response URL, in document order', () => {
    const r = page('<a href="a.html">A</a><map><area href="/b.html"></map><link href="/c.css"><img src="d.html">');
    expect(urls(new LinkExtractor().extractLinks(r))).toEqual(['http://example.com/dir/a.html', 'http://example.com/b.html']);
  });

  it('resolves relative links against <base href>', () => {
    const r = page('<head><base href="http://other.example/base/"></head><a href="x">x</a>');
    expect(urls(new LinkExtractor().extractLinks(r))).toEqual(['http://other.example/base/x']);
  });

  it('strips HTML whitespace around href (strip=true), and keeps it percent-encoded when strip=false', () => {
    const r = page('<a href="\n  /sp.html \t">x</a>');
    expect(urls(new LinkExtractor().extractLinks(r))).toEqual(['http://example.com/sp.html']);
    // The URL parser itself trims C0 controls and spaces, so only the text inside matters here.
    const inner = page('<a href="/a b.html">x</a>');
    expect(urls(new LinkExtractor({ strip: false }).extractLinks(inner))).toEqual(['http://example.com/a%20b.html']);
  });

  it('link text is string() of the element: every descendant text node joined, not stripped', () => {
    const r = page('<a href="/x"> Hello <b>big</b> world </a><a href="/y"><img src="i.png"></a>');
    const links = new LinkExtractor().extractLinks(r);
    expect(links.map((l) => l.text)).toEqual([' Hello big world ', '']);
    expect(links.map((l) => l.fragment)).toEqual(['', '']);
  });

  it('nofollow comes from rel tokens separated by spaces or commas', () => {
    const r = page('<a href="/1" rel="nofollow">1</a><a href="/2" rel="noopener,nofollow">2</a><a href="/3" rel="nofollowing">3</a><a href="/4">4</a>');
    expect(new LinkExtractor().extractLinks(r).map((l) => l.nofollow)).toEqual([true, true, false, false]);
  });

  it('drops links whose scheme is not http, https, file or ftp', () => {
    const r = page('<a href="mailto:a@b.c">m</a><a href="javascript:void(0)">j</a><a href="ftp://example.com/f">f</a><a href="tel:1">t</a>');
    expect(urls(new LinkExtractor().extractLinks(r))).toEqual(['ftp://example.com/f']);
  });

  it('allow keeps URLs some pattern matches (searched anywhere); deny drops them and wins over allow', () => {
    const r = page('<a href="/item/1">1</a><a href="/item/2?sold=1">2</a><a href="/about">a</a>');
    expect(urls(new LinkExtractor({ allow: '/item/' }).extractLinks(r))).toEqual(['http://example.com/item/1', 'http://example.com/item/2?sold=1']);
    expect(urls(new LinkExtractor({ allow: [/item/], deny: 'sold=' }).extractLinks(r))).toEqual(['http://example.com/item/1']);
    expect(urls(new LinkExtractor({ deny: [/item/] }).extractLinks(r))).toEqual(['http://example.com/about']);
  });

  it('allowDomains keeps a domain and its subdomains; denyDomains drops them', () => {
    const r = page('<a href="http://example.com/a">a</a><a href="http://sub.example.com/b">b</a><a href="http://notexample.com/c">c</a><a href="http://other.org/d">d</a>');
    expect(urls(new LinkExtractor({ allowDomains: 'example.com' }).extractLinks(r))).toEqual(['http://example.com/a', 'http://sub.example.com/b']);
    expect(urls(new LinkExtractor({ denyDomains: ['example.com'] }).extractLinks(r))).toEqual(['http://notexample.com/c', 'http://other.org/d']);
  });

  it('a domain is compared with the netloc, port included, as Scrapy does', () => {
    const r = page('<a href="http://127.0.0.1:8080/a">a</a>', 'http://127.0.0.1:8080/');
    expect(new LinkExtractor({ allowDomains: '127.0.0.1' }).extractLinks(r)).toEqual([]);
    expect(urls(new LinkExtractor({ allowDomains: '127.0.0.1:8080' }).extractLinks(r))).toEqual(['http://127.0.0.1:8080/a']);
  });

  it("denyExtensions defaults to IGNORED_EXTENSIONS (case-insensitive on the path); [] keeps every extension", () => {
    const r = page('<a href="/f.PDF">p</a><a href="/g.jpg?x=1">j</a><a href="/h.tar.gz">t</a><a href="/page.html">h</a><a href="/x?f=a.pdf">q</a>');
    expect(urls(new LinkExtractor().extractLinks(r))).toEqual(['http://example.com/page.html', 'http://example.com/x?f=a.pdf']);
    expect(new LinkExtractor({ denyExtensions: [] }).extractLinks(r)).toHaveLength(5);
    expect(urls(new LinkExtractor({ denyExtensions: 'html' }).extractLinks(r))).not.toContain('http://example.com/page.html');
    expect(IGNORED_EXTENSIONS).toContain('tar.gz');
    expect(IGNORED_EXTENSIONS).toHaveLength(70);
  });

  it('restrictCss looks only inside the selected regions (the region element itself included)', () => {
    const r = page('<div id="nav"><a href="/n1">n1</a></div><a href="/out">o</a><a id="self" href="/self">s</a>');
    expect(urls(new LinkExtractor({ restrictCss: '#nav' }).extractLinks(r))).toEqual(['http://example.com/n1']);
    expect(urls(new LinkExtractor({ restrictCss: ['#self', '#nav'] }).extractLinks(r))).toEqual(['http://example.com/self', 'http://example.com/n1']);
  });

  it('restrictText keeps links whose text some pattern matches', () => {
    const r = page('<a href="/1">Next page</a><a href="/2">Previous</a>');
    expect(urls(new LinkExtractor({ restrictText: /next/i }).extractLinks(r))).toEqual(['http://example.com/1']);
  });

  it('tags and attrs choose where URLs come from; every matching attribute of an element counts', () => {
    const r = page('<img src="/i.html" data-big="/big.html"><a href="/a">a</a><iframe src="/frame"></iframe>');
    expect(urls(new LinkExtractor({ tags: ['img', 'iframe'], attrs: ['src', 'data-big'] }).extractLinks(r))).toEqual([
      'http://example.com/i.html',
      'http://example.com/big.html',
      'http://example.com/frame',
    ]);
  });

  it('unique drops duplicates by URL (fragments kept in the comparison); unique=false keeps them', () => {
    const r = page('<a href="/a?y=1&x=2">first</a><a href="/a?x=2&y=1">second</a><a href="/a?x=2&y=1#f">frag</a>');
    const links = new LinkExtractor().extractLinks(r);
    expect(links.map((l) => l.text)).toEqual(['first', 'frag']);
    expect(links.map((l) => l.url)).toEqual(['http://example.com/a?y=1&x=2', 'http://example.com/a?x=2&y=1#f']);
    expect(new LinkExtractor({ unique: false }).extractLinks(r)).toHaveLength(3);
  });

  it('canonicalize rewrites each URL with canonicalizeUrl (fragment dropped) and dedupes on it', () => {
    const r = page('<a href="/a?y=1&x=2#top">1</a><a href="/a?x=2&y=1">2</a>');
    const links = new LinkExtractor({ canonicalize: true }).extractLinks(r);
    expect(links.map((l) => [l.url, l.text])).toEqual([['http://example.com/a?x=2&y=1', '1']]);
  });

  it('processValue changes each absolute URL; null drops the link; a relative result is resolved again', () => {
    const r = page('<a href="javascript:go(\'/item/7\')">7</a><a href="/skip">s</a>');
    const le = new LinkExtractor({
      processValue: (v) => {
        const m = /go\('([^']+)'\)/.exec(v);
        return m === null ? null : m[1];
      },
    });
    expect(urls(le.extractLinks(r))).toEqual(['http://example.com/item/7']);
  });

  it('matches() applies the domain and allow/deny filters to a URL', () => {
    const le = new LinkExtractor({ allow: '/item/', deny: 'draft', allowDomains: 'example.com' });
    expect(le.matches('http://example.com/item/1')).toBe(true);
    expect(le.matches('http://example.com/item/draft')).toBe(false);
    expect(le.matches('http://other.org/item/1')).toBe(false);
  });

  it("an unknown option is an error naming the camelCase spelling of Scrapy's snake_case one", () => {
    expect(() => new LinkExtractor({ allow_domains: 'x' } as never)).toThrow(/deferkit spells Scrapy's allow_domains as allowDomains/);
    expect(() => new LinkExtractor({ allow: '(' })).toThrow(/not a valid regular expression/);
    expect(() => new LinkExtractor({ tags: 'a b' })).toThrow(/not an element name/);
  });

  it('restrictXpaths looks only inside what the expressions select; XPath regions come before CSS ones', () => {
    const r = page('<body><div id="a"><a href="/a">a</a></div><p><a href="/p">p</a></p><span><a href="/s">s</a></span></body>');
    expect(urls(new LinkExtractor({ restrictXpaths: '//div[@id="a"]' }).extractLinks(r))).toEqual(['http://example.com/a']);
    expect(urls(new LinkExtractor({ restrictCss: 'span', restrictXpaths: ['//p', '//div'] }).extractLinks(r))).toEqual([
      'http://example.com/p',
      'http://example.com/a',
      'http://example.com/s',
    ]);
    // A region that is a string (an attribute, a text node) has no links.
    expect(new LinkExtractor({ restrictXpaths: '//a/@href' }).extractLinks(r)).toEqual([]);
  });
});

describe('Link', () => {
  it('equality is by url, text, fragment and nofollow; toString is Scrapy-like', () => {
    const a = new Link('http://x/', 't');
    expect(a.equals(new Link('http://x/', 't'))).toBe(true);
    expect(a.equals(new Link('http://x/', 't', '', true))).toBe(false);
    expect(String(a)).toBe('Link(url="http://x/", text="t", fragment="", nofollow=false)');
    expect(() => new Link(1 as never)).toThrow(/Link urls must be strings/);
  });
});

describe('canonicalizeUrl (w3lib canonicalize_url)', () => {
  it('sorts query arguments by key then value, keeping blank values', () => {
    expect(canonicalizeUrl('http://www.example.com/do?c=3&b=5&b=2&a=50')).toBe('http://www.example.com/do?a=50&b=2&b=5&c=3');
    expect(canonicalizeUrl('http://example.com/?b&a=')).toBe('http://example.com/?a=&b=');
    expect(canonicalizeUrl('http://example.com/?b&a=', { keepBlankValues: false })).toBe('http://example.com/');
  });

  it('re-encodes the query with + for spaces and upper-case escapes', () => {
    expect(canonicalizeUrl('http://example.com/?q=a%20b&r=x+y&s=%e2%82%ac')).toBe('http://example.com/?q=a+b&r=x+y&s=%E2%82%AC');
    expect(canonicalizeUrl('http://example.com/?p=a/b')).toBe('http://example.com/?p=a%2Fb');
  });

  it('normalises path escapes: unreserved unescaped, others upper-cased, %2F and %3F kept', () => {
    expect(canonicalizeUrl('http://example.com/a%7Eb/%c3%a9/%2f%3f')).toBe('http://example.com/a~b/%C3%A9/%2F%3F');
    expect(canonicalizeUrl('http://example.com/r\u00e9sum\u00e9')).toBe('http://example.com/r%C3%A9sum%C3%A9');
  });

  it('drops the fragment unless keepFragments; lower-cases scheme and host', () => {
    expect(canonicalizeUrl('HTTP://WWW.Example.COM/Path#frag')).toBe('http://www.example.com/Path');
    expect(canonicalizeUrl('http://example.com/a#frag', { keepFragments: true })).toBe('http://example.com/a#frag');
  });

  it('returns what is no absolute URL unchanged', () => {
    expect(canonicalizeUrl('not a url')).toBe('not a url');
  });
});
