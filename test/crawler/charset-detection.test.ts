// B2: a body that declares no charset is decoded as Scrapy's TextResponse guesses it (ascii,
// utf-8, then cp1252); Python's latin-1 labels mean cp1252. Expected text printed by Scrapy 2.8:
// HtmlResponse('http://x/', body=…, headers={'Content-Type': …}).text

import { describe, expect, it } from 'vitest';
import { Response } from '@deferkit/crawler';

const html = (body: Uint8Array, contentType = 'text/html'): Response =>
  new Response('http://127.0.0.1/', { body, headers: { 'Content-Type': contentType } });

describe('Response.text charset detection', () => {
  it('B2 a cp1252 page with no declared charset decodes as cp1252, not UTF-8 with U+FFFD', () => {
    const r = html(Uint8Array.from([...Buffer.from('<p>'), 0x93, ...Buffer.from('caf'), 0xe9, 0x94, 0x20, 0x80, ...Buffer.from('5</p>')]));
    expect(r.text).toBe('<p>\u201ccaf\u00e9\u201d \u20ac5</p>');
    expect(r.encoding).toBe('windows-1252');
  });

  it('B2 valid UTF-8 with no declared charset stays UTF-8; so does pure ASCII', () => {
    expect(html(Buffer.from('<p>caf\u00e9</p>')).text).toBe('<p>caf\u00e9</p>');
    expect(html(Buffer.from('<p>plain</p>')).text).toBe('<p>plain</p>');
  });

  it("B2 a declared 'latin-1' (Python's name, unknown to WHATWG) is cp1252, as w3lib reads it", () => {
    const r = html(Uint8Array.from([...Buffer.from('<p>'), 0x93, 0x78, 0x94, ...Buffer.from('</p>')]), 'text/html; charset=latin-1');
    expect(r.text).toBe('<p>\u201cx\u201d</p>');
  });

  it('B2 a declared charset still wins over the guess', () => {
    const r = html(Buffer.from('<p>caf\u00e9</p>'), 'text/html; charset=windows-1252');
    expect(r.text).toBe('<p>caf\u00c3\u00a9</p>');
  });
});
