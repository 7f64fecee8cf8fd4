// B4 (issue 14): MetaRefreshMiddleware — Scrapy 2.8's, on by default at 580, following
// <meta http-equiv="refresh"> in HTML responses through the same redirect bookkeeping as the
// 3xx RedirectMiddleware. Expected values were checked against Scrapy 2.8 / w3lib 2.1.1 runs
// on a loopback server (redirect_reasons [302, 'meta refresh'], the DEBUG lines, which
// responses are followed).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Crawler, DEFAULT_SETTINGS, IgnoreRequest, MetaRefreshMiddleware, NotConfigured, Request, Response, Spider } from '@deferkit/crawler';
import { getMetaRefresh } from '../../packages/crawler/src/downloadermiddlewares/metarefresh.js';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';

let base: string;
let server: http.Server;
const hits: string[] = [];

// /page?refresh=<content>&wrap=<tag>&type=<content-type>: a page with one meta refresh.
// /r302?to=<url>: a 302. Anything else: a plain target page.
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    hits.push(u.pathname + u.search);
    if (u.pathname === '/r302') {
      res.writeHead(302, { Location: u.searchParams.get('to') ?? '/' });
      res.end();
      return;
    }
    if (u.pathname.startsWith('/page')) {
      const meta = `<meta http-equiv="refresh" content="${u.searchParams.get('refresh') ?? ''}">`;
      const wrap = u.searchParams.get('wrap');
      const body = `<html><head>${wrap !== null ? `<${wrap}>${meta}</${wrap}>` : meta}</head><body><h1>page</h1></body></html>`;
      res.writeHead(200, { 'Content-Type': u.searchParams.get('type') ?? 'text/html; charset=utf-8' });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<html><body><h1>target ${u.pathname}</h1></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function page(refresh: string, extra: Record<string, string> = {}): string {
  return `${base}/page?${new URLSearchParams({ refresh, ...extra })}`;
}

const seen = (resp: Response) => ({
  url: resp.url,
  h1: resp.css('h1::text').get(),
  urls: resp.meta.redirect_urls,
  reasons: resp.meta.redirect_reasons,
  times: resp.meta.redirect_times,
  ttl: resp.meta.redirect_ttl,
});

describe('B4 MetaRefreshMiddleware in a crawl', () => {
  for (const reactor of REACTORS) {
    it(`B4 follows a meta refresh with redirect_urls and redirect_reasons as Scrapy sets them (a 302, then the refresh) [${reactor}]`, async () => {
      const refreshing = page('0; url=/target?x=1&amp;y=2');
      const start = `${base}/r302?to=${encodeURIComponent(refreshing)}`;
      const r = await runCrawl(listSpider([start], { parse: seen }), { REACTOR: reactor });
      expect(r.items).toEqual([
        { url: `${base}/target?x=1&y=2`, h1: 'target /target', urls: [start, refreshing], reasons: [302, 'meta refresh'], times: 2, ttl: 18 },
      ]);
      expect(r.grep('DEBUG Redirecting')).toEqual([
        `DEBUG Redirecting (302) to <GET ${refreshing}> from <GET ${start}>`,
        `DEBUG Redirecting (meta refresh) to <GET ${base}/target?x=1&y=2> from <GET ${refreshing}>`,
      ]);
      // As in Scrapy 2.8: no stats of its own; the refreshing page was downloaded, not scraped.
      expect(Object.keys(r.stats).filter((k) => /redirect|refresh/i.test(k))).toEqual([]);
      expect(r.stat('downloader/response_count')).toBe(3);
      expect(r.stat('response_received_count')).toBe(1);
    });
  }

  it('B4 a delay not below METAREFRESH_MAXDELAY is not followed (100 with the default 100), 99.5 is', async () => {
    const r = await runCrawl(listSpider([page('100; url=/slow'), page('99.5; url=/fast')], { parse: seen }));
    const byUrl = Object.fromEntries(r.items.map((i) => [i.url, i.h1]));
    expect(byUrl).toEqual({ [page('100; url=/slow')]: 'page', [`${base}/fast`]: 'target /fast' });
    const low = await runCrawl(listSpider([page('2; url=/two')], { parse: seen }), { METAREFRESH_MAXDELAY: 2 });
    expect(low.items.map((i) => i.h1)).toEqual(['page']);
  });

  it('B4 METAREFRESH_IGNORE_TAGS defaults to [] as in Scrapy 2.8: a refresh inside <noscript> is followed unless the setting names it', async () => {
    expect(DEFAULT_SETTINGS.METAREFRESH_IGNORE_TAGS).toEqual([]);
    const url = page('1; url=/from-noscript', { wrap: 'noscript' });
    const followed = await runCrawl(listSpider([url], { parse: seen }));
    expect(followed.items.map((i) => i.h1)).toEqual(['target /from-noscript']);
    const ignored = await runCrawl(listSpider([url], { parse: seen }), { METAREFRESH_IGNORE_TAGS: ['noscript'] });
    expect(ignored.items.map((i) => i.h1)).toEqual(['page']);
  });

  it('B4 only HTML responses are looked at: the same meta in a text/plain body is not followed', async () => {
    const r = await runCrawl(listSpider([page('0; url=/plain', { type: 'text/plain' }), page('0; url=/xhtml', { type: 'application/xhtml+xml' })], { parse: seen }));
    expect(r.items.map((i) => i.h1).sort()).toEqual(['page', 'target /xhtml']);
  });

  it('B4 REDIRECT_MAX_TIMES counts 3xx and meta refreshes together: past it the request is discarded ("max redirections reached")', async () => {
    const failures: unknown[] = [];
    const refreshing = page('0; url=/never');
    const start = `${base}/r302?to=${encodeURIComponent(refreshing)}`;
    const r = await runCrawl(listSpider([start], { parse: seen, errback: (f) => void failures.push(f.value) }), { REDIRECT_MAX_TIMES: 1 });
    expect(r.items).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(IgnoreRequest);
    expect(r.grep('Discarding')).toEqual([`DEBUG Discarding <GET ${refreshing}>: max redirections reached`]);
    expect(hits).not.toContain('/never');
  });

  it('B4 MetaRefreshMiddleware is in DOWNLOADER_MIDDLEWARES_BASE at 580, between RetryMiddleware and HttpCompressionMiddleware', () => {
    const mws = DEFAULT_SETTINGS.DOWNLOADER_MIDDLEWARES_BASE as Record<string, number>;
    expect(mws.MetaRefreshMiddleware).toBe(580);
    expect(mws.RetryMiddleware! < 580 && 580 < mws.HttpCompressionMiddleware!).toBe(true);
  });
});

describe('B4 MetaRefreshMiddleware rules', () => {
  const html = (url: string, body: string, type = 'text/html') => new Response(url, { headers: { 'Content-Type': type }, body });
  const REFRESH = '<meta http-equiv="refresh" content="1; url=/next">';
  const mw = (settings: Record<string, unknown> = {}) => new MetaRefreshMiddleware(new Crawler(Spider, { LOG_ENABLED: false, ...settings }));

  it('B4 meta.dont_redirect and HEAD requests pass unchanged; the redirected request is a GET without a body, with the priority adjusted', () => {
    const m = mw();
    const resp = html('http://a.test/p', REFRESH);
    const noRedirect = new Request('http://a.test/p', { meta: { dont_redirect: true } });
    expect(m.processResponse(noRedirect, resp)).toBe(resp);
    expect(m.processResponse(new Request('http://a.test/p', { method: 'HEAD' }), resp)).toBe(resp);
    const post = new Request('http://a.test/p', { method: 'POST', body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, priority: 3 });
    const out = m.processResponse(post, resp) as Request;
    expect(out).toBeInstanceOf(Request);
    expect([out.method, out.url, out.body.length, out.headers.get('content-type'), out.priority]).toEqual(['GET', 'http://a.test/next', 0, null, 5]);
    expect(out.meta.redirect_reasons).toEqual(['meta refresh']);
  });

  it('B4 METAREFRESH_ENABLED false disables it (NotConfigured); REDIRECT_ENABLED false does not, as in Scrapy 2.8', () => {
    expect(() => mw({ METAREFRESH_ENABLED: false })).toThrow(NotConfigured);
    const m = mw({ REDIRECT_ENABLED: false });
    expect(m.processResponse(new Request('http://a.test/p'), html('http://a.test/p', REFRESH))).toBeInstanceOf(Request);
  });

  it('B4 a redirect_ttl of 0 on the request stops the refresh with IgnoreRequest', () => {
    const m = mw();
    expect(() => m.processResponse(new Request('http://a.test/p', { meta: { redirect_ttl: 0 } }), html('http://a.test/p', REFRESH))).toThrow(IgnoreRequest);
  });

  it('B4 only the first 4096 characters are searched, as Scrapy does', () => {
    const m = mw();
    const late = html('http://a.test/p', `${' '.repeat(4096)}${REFRESH}`);
    expect(m.processResponse(new Request('http://a.test/p'), late)).toBe(late);
  });

  it('B4 getMetaRefresh parses as w3lib 2.1.1 does: entities, comments, ignored tags, content before http-equiv, no <base>, no url= means none', () => {
    // Each expected value is what w3lib.html.get_meta_refresh returned for the same input.
    expect(
      getMetaRefresh(`<base href="http://b.test/z/"><meta http-equiv="refresh" content="2.5;URL='p q?a=&eacute;&#150;&bogus;&amp'">`, 'http://a.test/x/y', []),
    ).toEqual([2.5, 'http://a.test/x/p%20q?a=%C3%A9%E2%80%93&']);
    expect(getMetaRefresh('<meta content="3; url=/rev" http-equiv="refresh">', 'http://a.test/x/y', [])).toEqual([3, 'http://a.test/rev']);
    expect(
      getMetaRefresh(
        '<!-- <meta http-equiv="refresh" content="3; url=/c"> --><script><meta http-equiv="refresh" content="3; url=/s"></script><meta http-equiv="refresh" content="4; url=/real">',
        'http://a.test/x/y',
        ['script'],
      ),
    ).toEqual([4, 'http://a.test/real']);
    expect(getMetaRefresh('<meta http-equiv="refresh" content="5">', 'http://a.test/', [])).toEqual([null, null]);
  });
});
