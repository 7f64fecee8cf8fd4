// B7: a binary response (an image, a PDF) is not text: css() and text raise NotSupported, as
// Scrapy's plain Response does; the Content-Type, else the body, decides (scrapy.responsetypes).

import { describe, expect, it } from 'vitest';
import { NotSupported, Response } from '@deferkit/crawler';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);

describe('Response.isText', () => {
  it('B7 css() on an image/png response raises NotSupported naming the fix, as Scrapy', () => {
    const r = new Response('http://127.0.0.1/logo.png', { body: PNG, headers: { 'Content-Type': 'image/png' } });
    expect(r.isText).toBe(false);
    expect(() => r.css('p::text')).toThrow(NotSupported);
    expect(() => r.css('p::text')).toThrow(
      `Response content isn't text: css("p::text") needs a text response, and http://127.0.0.1/logo.png is image/png. Check response.isText (or the Content-Type) first, and read response.body for binary content.`,
    );
    expect(() => r.text).toThrow(NotSupported);
    expect(r.body).toEqual(PNG);
    // Following a link needs no text: it resolves against the URL.
    expect(r.follow('other.png').url).toBe('http://127.0.0.1/other.png');
  });

  it('B7 text, HTML, XML, JSON and JavaScript types are text; PDF and octet-stream with binary bytes are not', () => {
    const isText = (ct: string, body: Uint8Array | string = 'x') => new Response('http://127.0.0.1/', { body, headers: { 'Content-Type': ct } }).isText;
    expect(['text/html; charset=utf-8', 'text/plain', 'application/json', 'application/xml', 'application/xhtml+xml', 'application/rss+xml', 'application/javascript', 'application/ld+json'].map((ct) => isText(ct))).toEqual(Array(8).fill(true));
    expect(isText('application/pdf')).toBe(false);
    expect(isText('image/jpeg')).toBe(false);
    expect(isText('application/octet-stream', PNG)).toBe(false);
    expect(isText('application/octet-stream', '<html>hi</html>')).toBe(true);
  });

  it('B7 a Response built in code with no Content-Type is text (as HtmlResponse(url, body=…)); a binary body without one is not', () => {
    expect(new Response('http://127.0.0.1/', { body: '<h1>hi</h1>' }).css('h1::text').get()).toBe('hi');
    expect(new Response('http://127.0.0.1/', { body: PNG }).isText).toBe(false);
  });
});
