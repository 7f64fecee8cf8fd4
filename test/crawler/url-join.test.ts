// response.follow() / urljoin() resolve the common links without the URL parser (joinSimple);
// whatever joinSimple answers must be exactly what `new URL(ref, base).href` gives, and a
// Request built from it must be the Request the parser's URL would have made.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Request, Response } from '../../packages/crawler/src/index.js';
import { joinBase, joinSimple, urlparseCached } from '../../packages/crawler/src/utils/url.js';

const BASES = [
  'http://127.0.0.1:8080/p/0.html',
  'http://example.com/',
  'https://example.com/a/b/c?x=1#frag',
  'http://user:pw@example.com:81/dir/',
  'http://[::1]:9000/x/y',
  'https://example.com/a%2Fb/c.html',
  'http://example.com/a/b/',
];

// Characters that matter to the parser: separators, dots and %2e, escapes, the ones it
// percent-encodes or strips, a colon (scheme), a backslash (read as '/' in http).
const refChar = fc.constantFrom(
  ...'/./..%2e%2E%41%zz?&=#:@\\ \t\n\'"<>`{}[]|^~é+,;!$()*aZ09-_'.split(''),
  'http:',
  'https:',
  '//',
  'http://example.com',
  'http://127.0.0.1:8080',
  'page.html',
  '..',
  '%2e%2e',
);
const ref = fc.array(refChar, { maxLength: 12 }).map((parts) => parts.join(''));

describe('joinSimple (the URL parser skipped for simple links)', () => {
  it('J-URL1 any link it resolves is resolved exactly as new URL(ref, base) resolves it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BASES), ref, (base, r) => {
        const jb = joinBase(new URL(base).href);
        const fast = jb === null ? null : joinSimple(jb, r);
        if (fast !== null) expect(fast).toBe(new URL(r, base).href);
      }),
      { numRuns: 20_000 },
    );
  });

  it('J-URL2 resolves the links pages are made of (so the fast path is taken at all)', () => {
    const jb = joinBase('http://127.0.0.1:8080/p/0.html')!;
    expect(joinSimple(jb, '/p/1.html')).toBe('http://127.0.0.1:8080/p/1.html');
    expect(joinSimple(jb, '2.html')).toBe('http://127.0.0.1:8080/p/2.html');
    expect(joinSimple(jb, 'q/list?page=2&s=a')).toBe('http://127.0.0.1:8080/p/q/list?page=2&s=a');
    expect(joinSimple(jb, 'http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/x');
    // Not simple: the parser decides.
    for (const r of ['../up.html', './x', '//other.host/', 'http://other/', '#top', '?q', '', 'a b', 'mailto:x@y', '/%2e%2e/x', '/a\\b']) {
      expect(joinSimple(jb, r)).toBeNull();
    }
  });

  it('J-URL3 follow() gives the same Request through either path, and its URL parses on first use', () => {
    const response = new Response('http://EXAMPLE.com:80/dir/page.html', { body: '<a href="x">x</a>', headers: { 'Content-Type': 'text/html' } });
    for (const href of ['/a/b.html', 'c.html', 'sub/d?x=1', '  e.html  ', 'http://example.com/f', '../g.html', 'h i.html']) {
      const followed = response.follow(href);
      const expected = new Request(new URL(href.trim(), 'http://EXAMPLE.com:80/dir/page.html').href);
      expect(followed.url).toBe(expected.url);
      expect(urlparseCached(followed)?.href).toBe(expected.url);
      expect(urlparseCached(followed)).toBe(urlparseCached(followed));
      expect(response.urljoin(href.trim())).toBe(expected.url);
    }
  });

  it("J-URL4 follow() calls a subclass's own urljoin(), as Scrapy's follow() calls self.urljoin()", () => {
    class Rewriting extends Response {
      override urljoin(url: string): string {
        return super.urljoin(url).replace('/old/', '/new/');
      }
    }
    const r = new Rewriting('http://example.com/old/index.html');
    expect(r.follow('/old/page.html').url).toBe('http://example.com/new/page.html');
  });
});
