// requestToDict / requestFromDict (Scrapy's request_to_dict / request_from_dict): every field
// survives a JSON round trip, callbacks travel by spider method name, subclasses by registered
// name, what cannot be kept fails at serialise time naming the fix, and real Scrapy 2.8 reads a
// plain dict we write (and we read one it writes).

import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormRequest, JsonRequest, Request, Spider, registerRequestClass, requestFromDict, requestToDict, type Response } from '@deferkit/crawler';
import { CrawlSpider } from '@deferkit/crawler';

class Shop extends Spider {
  override name = 'shop';
  parseItem(response: Response): unknown {
    return { url: response.url };
  }
  onError(): void {}
  /** An instance field holding a function is a spider method too (looked up by name). */
  parseField = (_response: Response): unknown => null;
}

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The observable fields of a Request, for comparison. */
function fields(r: Request): Record<string, unknown> {
  return {
    cls: r.constructor.name,
    url: r.url,
    method: r.method,
    headers: r.headers.entriesList(),
    body: [...r.body],
    callback: r.callback,
    errback: r.errback,
    meta: r.meta,
    cbKwargs: r.cbKwargs,
    priority: r.priority,
    dontFilter: r.dontFilter,
    flags: r.flags,
    cookies: r.cookies,
  };
}

describe('requestToDict / requestFromDict round trip', () => {
  const spider = new Shop();

  it('keeps every Request field through JSON, with Scrapy snake_case keys', () => {
    const req = new Request('http://127.0.0.1:8080/item?id=1', {
      method: 'put',
      headers: [['X-A', '1'], ['x-a', '2'], ['Accept', 'text/html']],
      body: 'héllo',
      callback: spider.parseItem,
      errback: spider.onError,
      meta: { depth: 2, nested: { list: [1, 'two', null, true] } },
      cbKwargs: { page: 3 },
      priority: -7,
      dontFilter: true,
      flags: ['cached'],
      cookies: [{ name: 'sid', value: 'abc', domain: '127.0.0.1', path: '/' }],
    });
    const d = requestToDict(req, spider);
    expect(Object.keys(d).sort()).toEqual(['body', 'callback', 'cb_kwargs', 'cookies', 'dont_filter', 'encoding', 'errback', 'flags', 'headers', 'meta', 'method', 'priority', 'url']);
    expect(d).toMatchObject({ callback: 'parseItem', errback: 'onError', dont_filter: true, cb_kwargs: { page: 3 }, encoding: 'utf-8', body: 'héllo', headers: { 'X-A': ['1', '2'], Accept: ['text/html'] } });
    const back = requestFromDict(json(d), spider);
    expect(fields(back)).toEqual(fields(req));
  });

  it('stores a non-UTF-8 body as latin-1 text and gets the same bytes back', () => {
    const bytes = new Uint8Array([0, 0xff, 0xc3, 0x28, 0x80, 0x41]);
    const d = requestToDict(new Request('http://127.0.0.1/b', { method: 'POST', body: bytes }));
    expect(d.encoding).toBe('latin-1');
    expect([...requestFromDict(json(d)).body]).toEqual([...bytes]);
  });

  it('keeps a UTF-8 BOM at the start of the body', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    const d = requestToDict(new Request('http://127.0.0.1/b', { method: 'POST', body: bytes }));
    expect([...requestFromDict(json(d)).body]).toEqual([...bytes]);
  });

  it('writes a callback by the name of the spider method that holds it (own field or inherited)', () => {
    expect(requestToDict(new Request('http://127.0.0.1/', { callback: spider.parseField }), spider).callback).toBe('parseField');
    const crawl = new (class extends CrawlSpider {
      override name = 'c';
    })();
    // CrawlSpider's rule requests use methods of CrawlSpider.prototype.
    const d = requestToDict(new Request('http://127.0.0.1/', { callback: CrawlSpider.prototype._ruleCallback }), crawl);
    expect(d.callback).toBe('_ruleCallback');
    expect(requestFromDict(d, crawl).callback).toBe(CrawlSpider.prototype._ruleCallback);
  });

  it('keeps a callback given as a method name as that name, and leaves names unresolved without a spider', () => {
    const d = requestToDict(new Request('http://127.0.0.1/', { callback: 'parseItem' }));
    expect(d.callback).toBe('parseItem');
    expect(requestFromDict(d).callback).toBe('parseItem');
    expect(requestFromDict(d, spider).callback).toBe(Shop.prototype.parseItem);
  });

  it('rebuilds FormRequest and JsonRequest by their Scrapy class names', () => {
    const form = new FormRequest('http://127.0.0.1/login', { formdata: { u: 'a b' }, callback: spider.parseItem });
    const fd = requestToDict(form, spider);
    expect(fd._class).toBe('scrapy.http.request.form.FormRequest');
    const formBack = requestFromDict(json(fd), spider);
    expect(formBack).toBeInstanceOf(FormRequest);
    expect(fields(formBack)).toEqual(fields(form));

    const api = new JsonRequest('http://127.0.0.1/api', { data: { q: 'é' }, dumpsKwargs: { sortKeys: false, ensureAscii: false } });
    const jd = requestToDict(api);
    expect(jd._class).toBe('scrapy.http.request.json_request.JsonRequest');
    expect(jd.dumps_kwargs).toEqual({ sort_keys: false, ensure_ascii: false });
    const apiBack = requestFromDict(json(jd)) as JsonRequest;
    expect(apiBack).toBeInstanceOf(JsonRequest);
    expect(fields(apiBack)).toEqual(fields(api));
    expect(apiBack.dumpsKwargs).toEqual(api.dumpsKwargs);
  });

  it('rebuilds a registered subclass, and refuses an unregistered one naming registerRequestClass', () => {
    class Unregistered extends Request {}
    expect(() => requestToDict(new Unregistered('http://127.0.0.1/'))).toThrow(/class Unregistered is not registered; call registerRequestClass\('myproject\.Unregistered', Unregistered\)/);
    class Registered extends Request {}
    registerRequestClass('test.serde.Registered', Registered);
    expect(requestFromDict(json(requestToDict(new Registered('http://127.0.0.1/'))))).toBeInstanceOf(Registered);
    expect(() => registerRequestClass('test.serde.Registered', Unregistered)).toThrow(/already registered for Registered/);
    expect(() => requestFromDict({ url: 'http://127.0.0.1/', _class: 'nowhere.Missing' })).toThrow(/_class "nowhere\.Missing" is not registered; call registerRequestClass/);
  });

  it('property: any request of plain JSON fields survives requestToDict → JSON → requestFromDict', () => {
    const plain = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 });
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
    const arb = fc.record({
      path: fc.webPath(),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      headers: fc.array(fc.tuple(token, fc.stringMatching(/^[ -~]{0,20}$/)), { maxLength: 4 }),
      body: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 20 })),
      callback: fc.constantFrom(null, 'parseItem', Shop.prototype.parseItem, Shop.prototype.onError),
      errback: fc.constantFrom(null, 'onError', Shop.prototype.onError),
      meta: plain,
      cbKwargs: plain,
      priority: fc.integer({ min: -1000, max: 1000 }),
      dontFilter: fc.boolean(),
      flags: fc.array(fc.string(), { maxLength: 3 }),
      cookies: fc.dictionary(token, fc.string(), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const req = new Request(`http://127.0.0.1:8080${a.path}`, { ...a });
        const back = requestFromDict(json(requestToDict(req, spider)), spider);
        // With the spider, a callback name comes back as the spider's method (a function stays
        // that function). -0 in meta comes back as 0 (JSON has no -0), hence json(meta).
        const method = (m: unknown): unknown => (typeof m === 'string' ? (Shop.prototype as unknown as Record<string, unknown>)[m] : m);
        const expected = { ...fields(req), callback: method(req.callback), errback: method(req.errback), meta: json(req.meta), cbKwargs: json(req.cbKwargs) };
        expect(fields(back)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('requestToDict refuses what a queue cannot keep, naming the fix', () => {
  const spider = new Shop();

  it('a callback that is not a method of the spider → "make it a spider method"', () => {
    const req = new Request('http://127.0.0.1/x', { callback: (r: Response) => r.url });
    expect(() => requestToDict(req, spider)).toThrow(/Cannot serialise <GET http:\/\/127\.0\.0\.1\/x>: its callback .* is not a method of <Shop 'shop'>\..*make it a spider method/);
  });

  it('a bound method is not the spider method either', () => {
    const req = new Request('http://127.0.0.1/x', { errback: spider.onError.bind(spider) });
    expect(() => requestToDict(req, spider)).toThrow(/its errback bound onError\(\) is not a method of <Shop 'shop'>.*make it a spider method/);
  });

  it('a function callback without a spider → pass the spider', () => {
    expect(() => requestToDict(new Request('http://127.0.0.1/x', { callback: Shop.prototype.parseItem }))).toThrow(/no spider was given.*requestToDict\(request, spider\)/);
  });

  it('meta or cbKwargs holding a value JSON cannot keep → the path and the fix', () => {
    expect(() => requestToDict(new Request('http://127.0.0.1/x', { meta: { when: new Date(0) } }))).toThrow(/meta\.when is a Date, which JSON cannot keep\..*store an id or a plain copy instead/);
    expect(() => requestToDict(new Request('http://127.0.0.1/x', { cbKwargs: { n: Number.NaN } }))).toThrow(/cbKwargs\.n is NaN/);
    expect(() => requestToDict(new Request('http://127.0.0.1/x', { meta: { f: undefined } }))).toThrow(/meta\.f is undefined/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => requestToDict(new Request('http://127.0.0.1/x', { meta: { c: cyclic } }))).toThrow(/meta\.c\.self refers to itself/);
  });

  it('requestFromDict: a method name missing on the spider, and a wrongly typed field', () => {
    expect(() => requestFromDict({ url: 'http://127.0.0.1/', callback: 'gone' }, spider)).toThrow(/callback 'gone' is not a method of <Shop 'shop'>; define gone\(\) on the spider/);
    expect(() => requestFromDict({ url: 'http://127.0.0.1/', priority: '1' })).toThrow(/'priority' must be a finite number, got string/);
    expect(() => requestFromDict({ url: 'http://127.0.0.1/', encoding: 'cp1252', body: 'x' })).toThrow(/encoding 'cp1252' is not supported here/);
  });
});

describe('the dict format against real Scrapy 2.8 (request_from_dict / request_to_dict)', () => {
  const python = '/usr/bin/python3';
  const script = String.raw`
import json, sys
import scrapy
from scrapy.utils.request import request_from_dict
class Shop(scrapy.Spider):
    name = 'shop'
    def parse_item(self, response):
        pass
spider = Shop()
d = json.load(sys.stdin)
r = request_from_dict(d, spider=spider)
assert r.callback == spider.parse_item
out = r.to_dict(spider=spider)
out['headers'] = {k.decode('latin-1'): [v.decode('latin-1') for v in vs] for k, vs in out['headers'].items()}
out['body'] = out['body'].decode('latin-1')
out['encoding'] = 'latin-1'
print(json.dumps(out))
`;

  it('Scrapy reads our plain dict into the same request and writes back a dict we read the same', () => {
    const req = new Request('http://127.0.0.1:8080/p?q=1', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'X-Many': ['a', 'b'] },
      body: new Uint8Array([0x68, 0xc3, 0xa9, 0xff]),
      callback: 'parse_item',
      meta: { depth: 1, tag: 'x' },
      cbKwargs: { page: 2 },
      priority: 4,
      dontFilter: true,
      flags: ['f'],
      cookies: { sid: '1' },
    });
    const out = execFileSync(python, ['-c', script], { input: JSON.stringify(requestToDict(req)), encoding: 'utf8' });
    const fromScrapy = JSON.parse(out) as Record<string, unknown>;
    expect(fromScrapy).toMatchObject({ url: req.url, method: 'POST', callback: 'parse_item', priority: 4, dont_filter: true, cb_kwargs: { page: 2 }, flags: ['f'], cookies: { sid: '1' }, meta: { depth: 1, tag: 'x' } });
    expect(fields(requestFromDict(fromScrapy))).toEqual(fields(req));
  });
});
