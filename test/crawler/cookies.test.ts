// CookiesMiddleware: the jar rules one by one (through the middleware, as the engine calls it),
// then real crawls of a loopback site with a login form (test/scrapy-diff/scenarios/session's
// site): the CSRF login flow, two meta.cookiejar sessions kept apart, dont_merge_cookies, a
// cross-host redirect that must not leak the session cookie, a Secure cookie over http.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookiesMiddleware, Crawler, DEFAULT_SETTINGS, FormRequest, NotConfigured, Request, Response, Spider } from '@deferkit/crawler';
// @ts-expect-error -- a plain .mjs module without types
import { startSite } from '../scrapy-diff/scenarios/session/site.mjs';
import { REACTORS, runCrawl } from './crawl-harness.js';

class Named extends Spider {
  override name = 'named';
}

function middleware(settings: Record<string, unknown> = {}): { mw: CookiesMiddleware; crawler: Crawler } {
  const crawler = new Crawler(Named, { LOG_ENABLED: false, ...settings });
  return { mw: new CookiesMiddleware(crawler), crawler };
}

/** Send `request` through the middleware and return the Cookie header it gets. */
function send(mw: CookiesMiddleware, request: Request): string | null {
  mw.processRequest(request);
  return request.headers.get('Cookie');
}

function receive(mw: CookiesMiddleware, request: Request, setCookie: string | string[], status = 200): void {
  mw.processResponse(request, new Response(request.url, { status, headers: { 'Set-Cookie': setCookie }, request }));
}

describe('CookiesMiddleware: settings and order', () => {
  it('is on by default at order 700, after RedirectMiddleware (600), as in Scrapy', () => {
    expect(DEFAULT_SETTINGS.COOKIES_ENABLED).toBe(true);
    expect((DEFAULT_SETTINGS.DOWNLOADER_MIDDLEWARES_BASE as Record<string, number>).CookiesMiddleware).toBe(700);
  });
  it('COOKIES_ENABLED false disables it (NotConfigured)', () => {
    expect(() => middleware({ COOKIES_ENABLED: false })).toThrow(NotConfigured);
  });
});

describe('CookiesMiddleware: the jar rules', () => {
  it('sends back what a response set, to the same host only', () => {
    const { mw } = middleware();
    const first = new Request('http://127.0.0.1:1/a');
    send(mw, first);
    receive(mw, first, ['s=1; Path=/', 'other=2']);
    expect(send(mw, new Request('http://127.0.0.1:1/b'))).toBe('s=1; other=2');
    expect(send(mw, new Request('http://127.0.0.2:1/b'))).toBeNull();
  });
  it('honours Domain (subdomains), Path, Secure and expiry', () => {
    const { mw } = middleware();
    const r = new Request('http://www.example.com/shop/cart');
    receive(mw, r, ['dom=1; Domain=example.com; Path=/', 'p=2; Path=/shop', 'sec=3; Secure; Path=/', 'old=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'here=5']);
    expect(send(mw, new Request('http://api.example.com/'))).toBe('dom=1');
    expect(send(mw, new Request('http://www.example.com/other'))).toBe('dom=1');
    // Longest path first; for the same path, the host's own cookies before its domain's (http.cookiejar's order).
    // here=5 has the default path: the directory of /shop/cart.
    expect(send(mw, new Request('http://www.example.com/shop/x'))).toBe('p=2; here=5; dom=1');
    // A Secure cookie set over http is kept, but only sent over https.
    expect(send(mw, new Request('https://www.example.com/shop/x'))).toBe('p=2; here=5; sec=3; dom=1');
  });
  it('a Secure cookie is not sent to a loopback host over http', () => {
    const { mw } = middleware();
    const r = new Request('http://127.0.0.1:1/');
    receive(mw, r, 'sec=1; Secure');
    expect(send(mw, new Request('http://127.0.0.1:1/'))).toBeNull();
  });
  it('refuses a cookie for a public suffix unless it is the request host itself', () => {
    const { mw } = middleware();
    receive(mw, new Request('http://shop.co.uk/'), 'a=1; Domain=co.uk');
    expect(send(mw, new Request('http://other.co.uk/'))).toBeNull();
    expect(send(mw, new Request('http://shop.co.uk/'))).toBeNull();
    receive(mw, new Request('http://co.uk/'), 'b=2; Domain=co.uk');
    expect(send(mw, new Request('http://co.uk/'))).toBe('b=2');
  });
  it('Request({ cookies }) as an object or a list is stored in the jar and sent again later', () => {
    const { mw } = middleware();
    expect(send(mw, new Request('http://127.0.0.1:1/p/q', { cookies: { a: 1, b: true } }))).toBe('a=1; b=True');
    expect(send(mw, new Request('http://127.0.0.1:1/p/r', { cookies: [{ name: 'c', value: 'v', path: '/' }] }))).toBe('a=1; b=True; c=v');
    // The object form's default path is the request's directory (/p).
    expect(send(mw, new Request('http://127.0.0.1:1/z'))).toBe('c=v');
  });
  it('warns about a list cookie without a name or value, and skips it', () => {
    const { mw, crawler } = middleware();
    const lines: string[] = [];
    crawler.onLog((r) => lines.push(`${r.level} ${r.message}`));
    expect(send(mw, new Request('http://127.0.0.1:1/', { cookies: [{ name: 'x' } as never, { name: 'ok', value: '1' }] }))).toBe('ok=1');
    expect(lines).toContain("WARNING Invalid cookie found in request <GET http://127.0.0.1:1/>: {'name': 'x'} ('value' is missing)");
  });
  it('meta.cookiejar keeps separate jars, by any key', () => {
    const { mw } = middleware();
    receive(mw, new Request('http://127.0.0.1:1/', { meta: { cookiejar: 1 } }), 's=one');
    receive(mw, new Request('http://127.0.0.1:1/', { meta: { cookiejar: '1' } }), 's=string-one');
    expect(send(mw, new Request('http://127.0.0.1:1/', { meta: { cookiejar: 1 } }))).toBe('s=one');
    expect(send(mw, new Request('http://127.0.0.1:1/', { meta: { cookiejar: '1' } }))).toBe('s=string-one');
    expect(send(mw, new Request('http://127.0.0.1:1/'))).toBeNull();
    expect(mw.jar(1).getCookiesSync('http://127.0.0.1:1/').map((c) => c.key)).toEqual(['s']);
  });
  it('meta.dont_merge_cookies: the jar is neither used nor filled, a hand-set Cookie header stays', () => {
    const { mw } = middleware();
    receive(mw, new Request('http://127.0.0.1:1/'), 's=1');
    const own = new Request('http://127.0.0.1:1/', { headers: { Cookie: 'mine=1' }, meta: { dont_merge_cookies: true } });
    expect(send(mw, own)).toBe('mine=1');
    receive(mw, own, 'new=2');
    expect(send(mw, new Request('http://127.0.0.1:1/'))).toBe('s=1');
  });
  it('without dont_merge_cookies, a hand-set Cookie header is replaced by the jar (as in Scrapy)', () => {
    const { mw } = middleware();
    expect(send(mw, new Request('http://127.0.0.1:1/', { headers: { Cookie: 'mine=1' } }))).toBeNull();
  });
  it('COOKIES_DEBUG logs the Cookie sent and the Set-Cookie received with Scrapy\'s wording and logger', () => {
    const { mw, crawler } = middleware({ COOKIES_DEBUG: true });
    const logs: Array<{ logger: string; message: string }> = [];
    crawler.onLog((r) => logs.push({ logger: r.name, message: r.message }));
    const r = new Request('http://127.0.0.1:1/x');
    receive(mw, r, ['a=1', 'b=2']);
    send(mw, new Request('http://127.0.0.1:1/y'));
    expect(logs).toEqual([
      { logger: 'scrapy.downloadermiddlewares.cookies', message: 'Received cookies from: <200 http://127.0.0.1:1/x>\nSet-Cookie: a=1\n\nSet-Cookie: b=2\n' },
      { logger: 'scrapy.downloadermiddlewares.cookies', message: 'Sending cookies to: <GET http://127.0.0.1:1/y>\nCookie: a=1; b=2\n' },
    ]);
  });
});

interface Site {
  url: string;
  otherUrl: string;
  log: string[];
  close(): Promise<void>;
}
let site: Site;
beforeAll(async () => {
  site = (await startSite()) as Site;
});
afterAll(async () => {
  await site.close();
});

/** The login flow: GET /login, POST the form with fromResponse, follow the redirect to /members, then `then(user)`'s requests. */
function loginSpider(users: string[], then: (base: string, user: string) => Request[] = () => []): typeof Spider {
  return class LoginSpider extends Spider {
    override name = 'login';
    override async *start() {
      for (const user of users) yield new Request(`${site.url}/login?u=${user}`, { callback: this.parseLogin, cbKwargs: { user }, meta: { cookiejar: user } });
    }
    *parseLogin(response: Response, { user }: { user: string }) {
      yield FormRequest.fromResponse(response, { formname: 'login', formdata: { user, pass: 'secret' }, meta: { cookiejar: user }, callback: this.members, cbKwargs: { user }, dontFilter: true });
    }
    *members(response: Response, { user }: { user: string }) {
      yield { kind: 'members', user, status: response.status, h1: response.css('h1::text').get(), cookie: response.css('p.cookie::text').get() ?? '', via: response.meta.redirect_urls };
      for (const r of then(site.url, user)) yield r;
    }
    override parse(response: Response) {
      return { kind: response.meta.kind, user: response.meta.cookiejar ?? null, url: response.url, cookie: response.css('p.cookie::text').get() ?? '' };
    }
  };
}

describe.each(REACTORS)('CookiesMiddleware in a crawl (%s reactor)', (reactor) => {
  it('logs in: GET the form, POST credentials with the CSRF token, the session cookie opens /members after the redirect', async () => {
    const res = await runCrawl(loginSpider(['alice']), { REACTOR: reactor });
    expect(res.items).toEqual([{ kind: 'members', user: 'alice', status: 200, h1: 'Welcome alice', cookie: 'pre=alice; session=alice', via: [`${site.url}/login`] }]);
    expect(res.stat('downloader/request_method_count/POST')).toBe(1);
  });
  it('without cookies (COOKIES_ENABLED false) the CSRF check fails: 403', async () => {
    const res = await runCrawl(loginSpider(['alice']), { REACTOR: reactor, COOKIES_ENABLED: false });
    expect(res.items).toEqual([]);
    expect(res.stat('downloader/response_status_count/403')).toBe(1);
  });
  it('two meta.cookiejar sessions in one crawl stay apart; the default jar has neither', async () => {
    const res = await runCrawl(
      loginSpider(['alice', 'bob'], (base, user) => [
        new Request(`${base}/echo?who=${user}`, { meta: { cookiejar: user, kind: 'echo' } }),
        new Request(`${base}/echo?who=${user}&jar=default`, { meta: { kind: 'default' } }),
      ]),
      { REACTOR: reactor },
    );
    const got = res.items.map((i) => `${i.kind} ${i.user} ${i.cookie}`).sort();
    expect(got).toEqual([
      'default null ',
      'default null ',
      'echo alice pre=alice; session=alice',
      'echo bob pre=bob; session=bob',
      'members alice pre=alice; session=alice',
      'members bob pre=bob; session=bob',
    ]);
  });
  it('dont_merge_cookies sends only the hand-set header; a cross-host redirect does not carry the session; Secure stays off http', async () => {
    const res = await runCrawl(
      loginSpider(['alice'], (base, user) => [
        new Request(`${base}/echo?nomerge=1`, { headers: { Cookie: 'manual=1' }, meta: { cookiejar: user, dont_merge_cookies: true, kind: 'nomerge' } }),
        new Request(`${base}/away?who=${user}`, { meta: { cookiejar: user, kind: 'away' } }),
      ]),
      { REACTOR: reactor },
    );
    const byKind = Object.fromEntries(res.items.map((i) => [i.kind, i]));
    expect(byKind.nomerge!.cookie).toBe('manual=1');
    expect(byKind.away!.url).toBe(`${site.otherUrl}/echo?who=alice`);
    expect(byKind.away!.cookie).toBe('');
    // The login response set sec=alice; Secure: never sent over http.
    expect(res.items.every((i) => !String(i.cookie).includes('sec='))).toBe(true);
  });
});
