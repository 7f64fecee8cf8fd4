// Issue 16, item 5: HttpCacheMiddleware with DummyPolicy, RFC2616Policy and
// FilesystemCacheStorage, as Scrapy 2.8's (scrapy/downloadermiddlewares/httpcache.py,
// scrapy/extensions/httpcache.py): a second crawl of a stopped site answers from the cache,
// RFC 2616 freshness and revalidation (ETag → If-None-Match → 304), Scrapy's storage layout,
// expiration by the meta file's mtime, gzip, and entries that are broken, half-written (SIGKILL)
// or not regular files.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Crawler,
  DummyPolicy,
  FilesystemCacheStorage,
  HttpCacheMiddleware,
  IgnoreRequest,
  Request,
  RFC2616Policy,
  Response,
  Settings,
  Spider,
  requestFingerprint,
  type CacheStorage,
  type LogRecord,
} from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { Logger } from '../../packages/crawler/src/log.js';
import { cacheFs, dataPath, httpDateToEpoch, parseCacheControl } from '../../packages/crawler/src/extensions/httpcache.js';
import { freshDirs, ROOT } from './cli-harness.js';
import { listSpider, REACTORS, runCrawl, type CrawlResult } from './crawl-harness.js';

const freshDir = freshDirs('deferkit-httpcache-');
const isRoot = process.getuid?.() === 0;

interface Site {
  url: string;
  /** Requests seen, `METHOD path`, with the validators they carried. */
  log: string[];
  /** How many times each path was requested. */
  hits(path: string): number;
  /** The version /changing serves (its ETag is "v<version>"). */
  version: number;
  close(): Promise<void>;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]);

/** A loopback site; each test gets its own, so that it can stop it. */
async function startSite(): Promise<Site> {
  const log: string[] = [];
  const site = { version: 1 } as Site;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    log.push(`${req.method} ${u.pathname}${u.search}${inm !== undefined ? ` If-None-Match=${inm}` : ''}${ims !== undefined ? ` If-Modified-Since=${ims}` : ''}`);
    const html = (body: string, headers: Record<string, string> = {}, status = 200): void => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
      res.end(`<html><head><title>${u.pathname}</title></head><body>${body}</body></html>`);
    };
    const p = u.pathname;
    if (p === '/') return html('<h1>index</h1><a href="/a">a</a> <a href="/b">b</a> <a href="/json">j</a> <a href="/img.png">i</a> <a href="/gz">g</a>');
    if (p === '/a' || p === '/b') return html(`<h1>page ${p}</h1><a href="/">home</a>`);
    if (p === '/json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end('{"h1": "json"}');
    }
    if (p === '/img.png') {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      return void res.end(PNG);
    }
    if (p === '/octet') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      return void res.end('plain text sent as octet-stream');
    }
    if (p === '/latin1') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end(Buffer.from('<h1>caf\xe9</h1>', 'latin1'));
    }
    if (p === '/gz') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' });
      return void res.end(gzipSync('<html><body><h1>gzipped</h1></body></html>'));
    }
    if (p.startsWith('/status/')) return html(`<h1>status</h1>`, {}, Number(p.slice(8)));
    if (p === '/nodate') {
      res.sendDate = false;
      return html('<h1>no date</h1>');
    }
    if (p === '/etag' || p === '/changing') {
      const etag = p === '/etag' ? '"v1"' : `"v${site.version}"`;
      if (inm === etag) {
        res.writeHead(304, { ETag: etag });
        return void res.end();
      }
      return html(`<h1>${p} ${etag}</h1>`, { ETag: etag, 'Cache-Control': 'max-age=0' });
    }
    if (p === '/lastmod') {
      const lm = new Date(Date.now() - 3600_000).toUTCString();
      if (ims === lm) {
        res.writeHead(304);
        return void res.end();
      }
      // Date − Last-Modified = 1 h: fresh for 6 min by the 10% heuristic.
      return html('<h1>lastmod</h1>', { 'Last-Modified': lm });
    }
    if (p === '/maxage') return html('<h1>maxage</h1>', { 'Cache-Control': `max-age=${u.searchParams.get('s') ?? '3600'}` });
    if (p === '/nostore') return html('<h1>nostore</h1>', { 'Cache-Control': 'no-store' });
    if (p === '/plain200') return html('<h1>no validator</h1>');
    html('<h1>not found</h1>', {}, 404);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.log = log;
  site.hits = (path) => log.filter((l) => l.split(' ')[1] === path).length;
  site.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return site;
}

/** The spider of the end-to-end tests: every page's h1, following links; binary pages by size. */
class SiteSpider extends Spider {
  override name = 'site';
  base = '';
  override async *start(): AsyncGenerator<unknown, void, undefined> {
    yield new Request(`${this.base}/`);
  }
  override *parse(response: Response): Generator<unknown> {
    if (!response.isText) {
      yield { url: response.url, size: response.body.length };
      return;
    }
    yield { url: response.url, status: response.status, h1: response.css('h1::text').get() ?? response.text };
    for (const href of response.css('a::attr(href)').getall()) yield response.follow(href);
  }
}

function siteSpider(base: string): typeof SiteSpider {
  return class extends SiteSpider {
    override base = base;
  };
}

const cacheSettings = (dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ HTTPCACHE_ENABLED: true, HTTPCACHE_DIR: dir, ...extra });
const byUrl = (items: Array<Record<string, unknown>>) => [...items].sort((a, b) => String(a.url).localeCompare(String(b.url)));
const httpcacheStats = (r: CrawlResult) => Object.fromEntries(Object.entries(r.stats).filter(([k]) => k.startsWith('httpcache/')));
const warnings = (r: CrawlResult) => r.logs.filter((l) => l.level === 'WARNING').map((l) => l.message);

/** The entry directory of `url` (a GET without body) for spider `name`. */
function entryDir(cache: string, name: string, url: string): string {
  const fp = requestFingerprint(new Request(url));
  return join(cache, name, fp.slice(0, 2), fp);
}

describe('HttpCacheMiddleware is off by default (HTTPCACHE_ENABLED)', () => {
  it('HTTPCACHE_ENABLED defaults to false: the middleware is not in the chain, nothing is written', async () => {
    const site = await startSite();
    try {
      const r = await runCrawl(siteSpider(site.url));
      expect(r.grep('Enabled downloader middlewares')[0]).not.toContain('HttpCacheMiddleware');
      expect(httpcacheStats(r)).toEqual({});
      const on = await runCrawl(siteSpider(site.url), cacheSettings(freshDir()));
      // Order 900: after DownloaderStats (850), the last of the built-ins.
      expect(on.grep('Enabled downloader middlewares')[0]).toMatch(/'DownloaderStats',\n 'HttpCacheMiddleware'\]$/);
    } finally {
      await site.close();
    }
  });
});

describe('a second run against a stopped server yields the same items from the cache', () => {
  for (const reactor of REACTORS) {
    it(`DummyPolicy: run 1 downloads and stores every page, run 2 (server stopped) gets them all from the cache [${reactor}]`, async () => {
      const cache = freshDir();
      const site = await startSite();
      let first: CrawlResult;
      try {
        first = await runCrawl(siteSpider(site.url), { REACTOR: reactor, ...cacheSettings(cache) });
      } finally {
        await site.close();
      }
      expect(first.items).toHaveLength(6);
      expect(httpcacheStats(first)).toEqual({ 'httpcache/miss': 6, 'httpcache/firsthand': 6, 'httpcache/store': 6 });
      const second = await runCrawl(siteSpider(site.url), { REACTOR: reactor, ...cacheSettings(cache) });
      expect(byUrl(second.items)).toEqual(byUrl(first.items));
      expect(httpcacheStats(second)).toEqual({ 'httpcache/hit': 6 });
      expect(second.stat('downloader/exception_count')).toBeUndefined();
      // The cached gzip body is decoded again on the way out, as a live one.
      expect(second.stat('httpcompression/response_count')).toBe(1);
      expect(second.grep(`DEBUG Crawled (200) <GET ${site.url}/> (referer: None) ['cached']`)).toHaveLength(1);
      expect(second.grep("['cached']")).toHaveLength(6);
      expect(second.grep('DEBUG Using filesystem cache storage in')).toEqual([`DEBUG Using filesystem cache storage in ${cache}`]);
    });
  }
});

describe('FilesystemCacheStorage layout (Scrapy: <dir>/<spider>/<fp[0:2]>/<fp>/)', () => {
  it('each request has its directory named by the dupefilter fingerprint, with meta (JSON), request_* and response_* files', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      await runCrawl(listSpider([`${site.url}/gz`]), cacheSettings(cache));
    } finally {
      await site.close();
    }
    const dir = entryDir(cache, 'list', `${site.url}/gz`);
    expect(readdirSync(dir).sort()).toEqual(['meta', 'request_body', 'request_headers', 'response_body', 'response_headers']);
    const meta = JSON.parse(readFileSync(join(dir, 'meta'), 'utf8'));
    expect(Object.keys(meta).sort()).toEqual(['method', 'response_url', 'status', 'timestamp', 'url']);
    expect(meta).toMatchObject({ url: `${site.url}/gz`, method: 'GET', status: 200, response_url: `${site.url}/gz` });
    expect(Math.abs(meta.timestamp - Date.now() / 1000)).toBeLessThan(3600);
    // w3lib's raw format: "Name: value" lines joined by CRLF, no status line, no final CRLF.
    const headers = readFileSync(join(dir, 'response_headers'), 'latin1');
    expect(headers.split('\r\n')).toContain('Content-Encoding: gzip');
    expect(headers).not.toMatch(/^HTTP\//);
    expect(headers.endsWith('\r\n')).toBe(false);
    for (const line of headers.split('\r\n')) expect(line).toMatch(/^[A-Za-z-]+: /);
    // The body as downloaded (order 900 is before HttpCompressionMiddleware decodes it).
    expect(gunzipSync(readFileSync(join(dir, 'response_body'))).toString()).toContain('<h1>gzipped</h1>');
    const requestHeaders = readFileSync(join(dir, 'request_headers'), 'latin1').split('\r\n');
    expect(requestHeaders).toContain('User-Agent: deferkit/0.1 (+https://github.com/deferkit/deferkit)');
    expect(requestHeaders.some((l) => l.startsWith('Accept-Encoding: '))).toBe(true);
    expect(readFileSync(join(dir, 'request_body')).length).toBe(0);
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a POST is its own entry (method and body are in the fingerprint), with its body in request_body', async () => {
    const cache = freshDir();
    const site = await startSite();
    const post = new Request(`${site.url}/a`, { method: 'POST', body: 'q=1' });
    try {
      await runCrawl(listSpider([post, `${site.url}/a`]), cacheSettings(cache));
    } finally {
      await site.close();
    }
    const fp = requestFingerprint(post);
    expect(readFileSync(join(cache, 'list', fp.slice(0, 2), fp, 'request_body'), 'utf8')).toBe('q=1');
    expect(existsSync(entryDir(cache, 'list', `${site.url}/a`))).toBe(true);
  });

  it('a response without a Date header gets one before it is stored (RFC 2616 wants one; the policy reads it)', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      await runCrawl(listSpider([`${site.url}/nodate`]), cacheSettings(cache));
    } finally {
      await site.close();
    }
    const headers = readFileSync(join(entryDir(cache, 'list', `${site.url}/nodate`), 'response_headers'), 'latin1').split('\r\n');
    const date = headers.find((l) => l.startsWith('Date: '));
    expect(date).toMatch(/^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
  });

  it('a relative HTTPCACHE_DIR is under .deferkit/ in the project (nearest package.json upwards), else in the working directory; an absolute one as is', () => {
    const root = freshDir();
    mkdirSync(join(root, 'proj', 'src', 'deep'), { recursive: true });
    writeFileSync(join(root, 'proj', 'package.json'), '{}');
    expect(dataPath('httpcache', join(root, 'proj', 'src', 'deep'))).toBe(join(root, 'proj', '.deferkit', 'httpcache'));
    expect(dataPath('httpcache', join(root, 'proj'))).toBe(join(root, 'proj', '.deferkit', 'httpcache'));
    // The test's temporary directory has no package.json above it (os.tmpdir()).
    if (!existsSync('/package.json') && !existsSync('/tmp/package.json')) {
      expect(dataPath('cache', root)).toBe(join(root, '.deferkit', 'cache'));
    }
    expect(dataPath('/var/cache/x', join(root, 'proj'))).toBe('/var/cache/x');
    expect(new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: root })).cacheDir).toBe(root);
    expect(new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: 'httpcache' })).cacheDir).toBe(join(ROOT, '.deferkit', 'httpcache'));
  });
});

describe('HTTPCACHE_EXPIRATION_SECS (by the mtime of the meta file, as Scrapy)', () => {
  it('an entry older than HTTPCACHE_EXPIRATION_SECS is a miss and is downloaded and stored again; a younger one is a hit', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      const settings = cacheSettings(cache, { HTTPCACHE_EXPIRATION_SECS: 60 });
      await runCrawl(listSpider([`${site.url}/a`, `${site.url}/b`]), settings);
      // /a's entry was written two minutes ago, /b's just now.
      const old = Date.now() / 1000 - 120;
      utimesSync(join(entryDir(cache, 'list', `${site.url}/a`), 'meta'), old, old);
      const r = await runCrawl(listSpider([`${site.url}/a`, `${site.url}/b`]), settings);
      expect(httpcacheStats(r)).toEqual({ 'httpcache/hit': 1, 'httpcache/miss': 1, 'httpcache/firsthand': 1, 'httpcache/store': 1 });
      expect(site.hits('/a')).toBe(2);
      expect(site.hits('/b')).toBe(1);
      // Without a limit (0, the default) the same old entry is a hit.
      utimesSync(join(entryDir(cache, 'list', `${site.url}/a`), 'meta'), old, old);
      const r0 = await runCrawl(listSpider([`${site.url}/a`]), cacheSettings(cache));
      expect(httpcacheStats(r0)).toEqual({ 'httpcache/hit': 1 });
    } finally {
      await site.close();
    }
  });
});

describe('HTTPCACHE_GZIP', () => {
  it('every file of an entry is gzipped (Scrapy gzips them all), and read back the same; an entry keeps being readable when HTTPCACHE_GZIP changes', async () => {
    const cache = freshDir();
    const site = await startSite();
    let first: CrawlResult;
    try {
      first = await runCrawl(siteSpider(site.url), cacheSettings(cache, { HTTPCACHE_GZIP: true }));
    } finally {
      await site.close();
    }
    const dir = entryDir(cache, 'site', `${site.url}/`);
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      expect([bytes[0], bytes[1]], f).toEqual([0x1f, 0x8b]);
    }
    expect(JSON.parse(gunzipSync(readFileSync(join(dir, 'meta'))).toString()).status).toBe(200);
    for (const gzip of [true, false]) {
      const r = await runCrawl(siteSpider(site.url), cacheSettings(cache, { HTTPCACHE_GZIP: gzip }));
      expect(byUrl(r.items)).toEqual(byUrl(first.items));
      expect(httpcacheStats(r)).toEqual({ 'httpcache/hit': 6 });
    }
  });
});

describe('broken and foreign entries', () => {
  /** Store /a and /b, break /a's entry with `breakIt`, crawl again: what happened. */
  async function afterBreaking(breakIt: (dir: string) => void, gzip = false): Promise<{ r: CrawlResult; site: Site; dir: string }> {
    const cache = freshDir();
    const site = await startSite();
    try {
      const settings = cacheSettings(cache, { HTTPCACHE_GZIP: gzip });
      await runCrawl(listSpider([`${site.url}/a`, `${site.url}/b`]), settings);
      const dir = entryDir(cache, 'list', `${site.url}/a`);
      breakIt(dir);
      const r = await runCrawl(listSpider([`${site.url}/a`, `${site.url}/b`]), settings);
      return { r, site, dir };
    } finally {
      await site.close();
    }
  }

  const cases: Array<[string, (dir: string) => void, boolean]> = [
    ['meta is not JSON', (d) => writeFileSync(join(d, 'meta'), '{"status": 200, "respo'), false],
    ['response_body is missing', (d) => rmSync(join(d, 'response_body')), false],
    ['a gzip stream cut short', (d) => writeFileSync(join(d, 'response_body'), readFileSync(join(d, 'response_body')).subarray(0, 12)), true],
    ['meta lacks the status', (d) => writeFileSync(join(d, 'meta'), '{"url": "x"}'), false],
  ];
  for (const [what, breakIt, gzip] of cases) {
    it(`a corrupt entry (${what}) is a miss with a WARNING, downloaded again and stored anew`, async () => {
      const { r, site, dir } = await afterBreaking(breakIt, gzip);
      expect(httpcacheStats(r)).toEqual({ 'httpcache/hit': 1, 'httpcache/miss': 1, 'httpcache/firsthand': 1, 'httpcache/store': 1 });
      const w = warnings(r);
      expect(w).toHaveLength(1);
      expect(w[0]).toMatch(new RegExp(`^Ignoring the unreadable HTTP cache entry of <GET ${site.url}/a> in ${dir} \\(.+\\); downloading it again\\. Delete the directory if this repeats\\.$`));
      expect(r.items.map((i) => i.h1).sort()).toEqual(['page /a', 'page /b']);
      expect(site.hits('/a')).toBe(2);
      // Stored anew: readable again.
      const read = new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: join(dir, '..', '..', '..'), HTTPCACHE_GZIP: gzip }));
      expect(read.retrieveResponse(spiderNamed('list'), new Request(`${site.url}/a`))?.css('h1::text').get()).toBe('page /a');
    });
  }

  it('a FIFO in place of response_body is never opened (reading it would hang): a miss with a WARNING, and it is not replaced', async () => {
    const { r, dir, site } = await afterBreaking((d) => {
      rmSync(join(d, 'response_body'));
      execFileSync('mkfifo', [join(d, 'response_body')]);
    });
    const w = warnings(r);
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('(response_body is not a regular file)');
    expect(w[1]).toBe(`Not storing <GET ${site.url}/a> in the HTTP cache: ${join(dir, 'response_body')} is not a regular file, which deferkit never replaces; remove it to cache this request.`);
    expect(lstatSync(join(dir, 'response_body')).isFIFO()).toBe(true);
    expect(httpcacheStats(r)).toMatchObject({ 'httpcache/miss': 1, 'httpcache/hit': 1 });
  });

  it('a symlink in place of response_body is not replaced (nor written through): its target keeps its bytes', async () => {
    const outside = join(freshDir(), 'precious.txt');
    writeFileSync(outside, 'keep me');
    const { r, dir } = await afterBreaking((d) => {
      // An expired entry: downloaded again, and the store meets the symlink.
      const old = Date.now() / 1000 - 7200;
      utimesSync(join(d, 'meta'), old, old);
      rmSync(join(d, 'response_body'));
      symlinkSync(outside, join(d, 'response_body'));
    });
    void r;
    expect(readlinkSync(join(dir, 'response_body'))).toBe(outside);
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
  });

  it('the store refuses an entry path that is a symlink, with a WARNING naming it', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      const dir = entryDir(cache, 'list', `${site.url}/a`);
      mkdirSync(join(dir, '..'), { recursive: true });
      const elsewhere = freshDir();
      symlinkSync(elsewhere, dir);
      const r = await runCrawl(listSpider([`${site.url}/a`]), cacheSettings(cache));
      expect(warnings(r)).toEqual([`Not storing <GET ${site.url}/a> in the HTTP cache: ${dir} is not a directory (a symlink or a file: deferkit does not write through it; remove it).`]);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      await site.close();
    }
  });

  it.skipIf(isRoot)('a file that cannot be read is not replaced', async () => {
    const { r, dir } = await afterBreaking((d) => {
      const old = Date.now() / 1000 - 7200;
      utimesSync(join(d, 'meta'), old, old);
      chmodSync(join(d, 'response_body'), 0o200);
    });
    expect(warnings(r).some((w) => w.includes(`${join(dir, 'response_body')} cannot be read, so deferkit does not replace it`))).toBe(true);
  });

  for (const gzip of [false, true]) {
    it(`a crash at any point of a rewrite leaves the old entry, a miss, or the new entry, never a mix (the disk as it is before each file operation; HTTPCACHE_GZIP=${gzip})`, () => {
      const cache = freshDir();
      const storage = new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: cache, HTTPCACHE_GZIP: gzip }));
      const spider = spiderNamed('writer');
      const request = new Request('http://127.0.0.1/entry');
      const version = (v: number) =>
        new Response(`http://127.0.0.1/entry?v=${v}`, { status: 200 + v, headers: { 'Content-Type': 'text/plain', 'X-Version': String(v) }, body: `version ${v}` });
      storage.storeResponse(spider, request, version(1));
      // Copy the whole cache before every write, rename and removal of the second store: each
      // copy is what a process killed at that moment leaves behind.
      const snapshots: string[] = [];
      const ops: string[] = [];
      const real = { ...cacheFs };
      for (const op of ['writeFileSync', 'renameSync', 'rmSync'] as const) {
        (cacheFs as Record<string, unknown>)[op] = (...args: unknown[]) => {
          const snap = join(freshDir(), 'cache');
          cpSync(cache, snap, { recursive: true });
          snapshots.push(snap);
          ops.push(op);
          return (real[op] as (...a: unknown[]) => unknown)(...args);
        };
      }
      try {
        storage.storeResponse(spider, request, version(2));
      } finally {
        Object.assign(cacheFs, real);
      }
      snapshots.push(cache);
      // Five temporary files, the old meta removed, five renames (meta last).
      expect(ops).toEqual([...Array(5).fill('writeFileSync'), 'rmSync', ...Array(5).fill('renameSync')]);
      const outcomes = snapshots.map((snap) => {
        const records: LogRecord[] = [];
        const reader = new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: snap }));
        reader.logger = new Logger('scrapy.extensions.httpcache', (rec) => records.push(rec));
        const r = reader.retrieveResponse(spider, request);
        expect(records).toEqual([]);
        if (r === undefined) return 'miss';
        const v = new URL(r.url).searchParams.get('v');
        expect([r.status, r.headers.get('X-Version'), r.text]).toEqual([200 + Number(v), v, `version ${v}`]);
        return `v${v}`;
      });
      expect(outcomes).toEqual([...Array(6).fill('v1'), ...Array(5).fill('miss'), 'v2']);
    });
  }

  it('a write that fails midway (ENOSPC) keeps the old entry whole, removes its temporary files, and says so in a WARNING', () => {
    const cache = freshDir();
    const storage = new FilesystemCacheStorage(new Settings({ HTTPCACHE_DIR: cache }));
    const records: LogRecord[] = [];
    storage.logger = new Logger('scrapy.extensions.httpcache', (rec) => records.push(rec));
    const spider = spiderNamed('writer');
    const request = new Request('http://127.0.0.1/entry');
    storage.storeResponse(spider, request, new Response('http://127.0.0.1/entry', { body: 'old' }));
    const write = cacheFs.writeFileSync;
    let calls = 0;
    cacheFs.writeFileSync = ((...args: Parameters<typeof write>) => {
      if (++calls === 3) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return write(...args);
    }) as typeof write;
    try {
      storage.storeResponse(spider, request, new Response('http://127.0.0.1/entry', { body: 'new' }));
    } finally {
      cacheFs.writeFileSync = write;
    }
    const dir = storage.entryPath(spider, request);
    expect(records.map((r) => `${r.level} ${r.message}`)).toEqual([`WARNING Not storing <GET http://127.0.0.1/entry> in the HTTP cache: writing to ${dir} failed (ENOSPC).`]);
    expect(readdirSync(dir).sort()).toEqual(['meta', 'request_body', 'request_headers', 'response_body', 'response_headers']);
    expect(storage.retrieveResponse(spider, request)?.text).toBe('old');
  });
});

function spiderNamed(name: string): Spider {
  const s = new Spider();
  s.name = name;
  return s;
}

describe('what is not cached', () => {
  it('meta.dont_cache: the request is neither looked up nor stored, and counts in no httpcache stat', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      for (let i = 0; i < 2; i++) {
        const r = await runCrawl(listSpider([new Request(`${site.url}/a`, { meta: { dont_cache: true } }), `${site.url}/b`]), cacheSettings(cache));
        expect(httpcacheStats(r)).toEqual(i === 0 ? { 'httpcache/miss': 1, 'httpcache/firsthand': 1, 'httpcache/store': 1 } : { 'httpcache/hit': 1 });
      }
      expect(site.hits('/a')).toBe(2);
      expect(existsSync(entryDir(cache, 'list', `${site.url}/a`))).toBe(false);
    } finally {
      await site.close();
    }
  });

  it('HTTPCACHE_IGNORE_HTTP_CODES: a 404 listed there is not stored (httpcache/uncacheable) and is downloaded again', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      // No retries: a retried 500 would be answered from the cache (the retry is a new lookup, as in Scrapy).
      const settings = cacheSettings(cache, { HTTPCACHE_IGNORE_HTTP_CODES: [404], HTTPERROR_ALLOWED_CODES: [404, 500], RETRY_ENABLED: false });
      const urls = [`${site.url}/status/404`, `${site.url}/status/500`];
      const r1 = await runCrawl(listSpider(urls), settings);
      expect(httpcacheStats(r1)).toEqual({ 'httpcache/miss': 2, 'httpcache/firsthand': 2, 'httpcache/store': 1, 'httpcache/uncacheable': 1 });
      const r2 = await runCrawl(listSpider(urls), settings);
      expect(httpcacheStats(r2)).toEqual({ 'httpcache/hit': 1, 'httpcache/miss': 1, 'httpcache/firsthand': 1, 'httpcache/uncacheable': 1 });
      expect(site.hits('/status/404')).toBe(2);
      expect(site.hits('/status/500')).toBe(1);
    } finally {
      await site.close();
    }
  });

  for (const policy of ['DummyPolicy', 'RFC2616Policy']) {
    it(`HTTPCACHE_IGNORE_SCHEMES: a scheme listed there is not cached at all (${policy})`, async () => {
      const cache = freshDir();
      const site = await startSite();
      try {
        for (let i = 0; i < 2; i++) {
          const r = await runCrawl(listSpider([`${site.url}/maxage`]), cacheSettings(cache, { HTTPCACHE_IGNORE_SCHEMES: ['http'], HTTPCACHE_POLICY: policy }));
          expect(httpcacheStats(r)).toEqual({});
        }
        expect(site.hits('/maxage')).toBe(2);
        expect(existsSync(join(cache, 'list'))).toBe(false);
      } finally {
        await site.close();
      }
    });
  }

  it("HTTPCACHE_IGNORE_SCHEMES defaults to ['file']", () => {
    const file = new Request('file:///etc/hostname');
    const settings = new Crawler(Spider).settings;
    expect(settings.get('HTTPCACHE_IGNORE_SCHEMES')).toEqual(['file']);
    expect(new DummyPolicy(settings).shouldCacheRequest(file)).toBe(false);
    expect(new RFC2616Policy(settings).shouldCacheRequest(file)).toBe(false);
    expect(new DummyPolicy(settings).shouldCacheRequest(new Request('http://127.0.0.1/'))).toBe(true);
  });

  it('HTTPCACHE_IGNORE_MISSING: a request not in the cache is dropped with IgnoreRequest (httpcache/ignore) and never downloaded', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      await runCrawl(listSpider([`${site.url}/a`]), cacheSettings(cache));
      const failures: unknown[] = [];
      const r = await runCrawl(
        listSpider([`${site.url}/a`, `${site.url}/b`], { errback: (f: Failure) => void failures.push(f.value) }),
        cacheSettings(cache, { HTTPCACHE_IGNORE_MISSING: true }),
      );
      expect(httpcacheStats(r)).toEqual({ 'httpcache/hit': 1, 'httpcache/miss': 1, 'httpcache/ignore': 1 });
      expect(r.items.map((i) => i.h1)).toEqual(['page /a']);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(IgnoreRequest);
      expect((failures[0] as Error).message).toBe(`Ignored request not in cache: <GET ${site.url}/b>`);
      expect(site.hits('/b')).toBe(0);
    } finally {
      await site.close();
    }
  });
});

describe('a cached response is the response a download would give', () => {
  it('the same kind of Response (text or binary), encoding, text and body as the live download, for HTML, JSON, PNG, sniffed octet-stream and latin-1', async () => {
    const cache = freshDir();
    const site = await startSite();
    const paths = ['/a', '/json', '/img.png', '/octet', '/latin1', '/gz'];
    const describeResponse = (response: Response) => ({
      url: response.url,
      status: response.status,
      isText: response.isText,
      encoding: response.isText ? response.encoding : null,
      text: response.isText ? response.text : null,
      body: Buffer.from(response.body).toString('base64'),
      instance: response instanceof Response,
    });
    let live: CrawlResult;
    try {
      live = await runCrawl(listSpider(paths.map((p) => site.url + p), { parse: describeResponse }), cacheSettings(cache));
    } finally {
      await site.close();
    }
    const cached = await runCrawl(listSpider(paths.map((p) => site.url + p), { parse: describeResponse }), cacheSettings(cache));
    expect(httpcacheStats(cached)).toEqual({ 'httpcache/hit': paths.length });
    expect(byUrl(cached.items)).toEqual(byUrl(live.items));
    const kinds = Object.fromEntries(live.items.map((i) => [new URL(String(i.url)).pathname, [i.isText, i.encoding]]));
    expect(kinds).toEqual({
      '/a': [true, 'utf-8'],
      '/json': [true, 'utf-8'],
      '/img.png': [false, null],
      '/octet': [true, 'utf-8'],
      '/latin1': [true, 'windows-1252'],
      '/gz': [true, 'utf-8'],
    });
  });
});

describe('RFC2616Policy in a crawl', () => {
  it('ETag revalidation: a stale entry is asked for with If-None-Match, the 304 gives the cached response (httpcache/revalidate)', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      const settings = cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy' });
      const r1 = await runCrawl(listSpider([`${site.url}/etag`]), settings);
      expect(httpcacheStats(r1)).toEqual({ 'httpcache/miss': 1, 'httpcache/firsthand': 1, 'httpcache/store': 1 });
      const r2 = await runCrawl(listSpider([`${site.url}/etag`]), settings);
      expect(site.log).toEqual(['GET /etag', 'GET /etag If-None-Match="v1"']);
      expect(httpcacheStats(r2)).toEqual({ 'httpcache/revalidate': 1 });
      expect(r2.items).toEqual([{ url: `${site.url}/etag`, status: 200, h1: '/etag "v1"' }]);
      // The 304 was downloaded, but DownloaderStats (850) sees what the cache (900) made of it: the cached 200.
      expect(r2.stat('downloader/response_status_count/304')).toBeUndefined();
      expect(r2.stat('downloader/response_status_count/200')).toBe(1);
      expect(r2.grep(`DEBUG Crawled (200) <GET ${site.url}/etag> (referer: None) ['cached']`)).toHaveLength(1);
    } finally {
      await site.close();
    }
  });

  it('a changed resource (another ETag) answers the revalidation with a 200: httpcache/invalidate, stored anew, the new version next time', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      const settings = cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy' });
      await runCrawl(listSpider([`${site.url}/changing`]), settings);
      site.version = 2;
      const r2 = await runCrawl(listSpider([`${site.url}/changing`]), settings);
      expect(httpcacheStats(r2)).toEqual({ 'httpcache/invalidate': 1, 'httpcache/store': 1 });
      expect(r2.items.map((i) => i.h1)).toEqual(['/changing "v2"']);
      const r3 = await runCrawl(listSpider([`${site.url}/changing`]), settings);
      expect(httpcacheStats(r3)).toEqual({ 'httpcache/revalidate': 1 });
      expect(site.log.slice(-1)).toEqual(['GET /changing If-None-Match="v2"']);
    } finally {
      await site.close();
    }
  });

  it('Last-Modified: fresh for 10% of its age (no request at all), then revalidated with If-Modified-Since', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      const settings = cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy' });
      await runCrawl(listSpider([`${site.url}/lastmod`]), settings);
      const r2 = await runCrawl(listSpider([`${site.url}/lastmod`]), settings);
      expect(httpcacheStats(r2)).toEqual({ 'httpcache/hit': 1 });
      expect(site.hits('/lastmod')).toBe(1);
    } finally {
      await site.close();
    }
  });

  it('max-age: fresh entries are hits with the server stopped; no-store and validator-less 200s are not stored', async () => {
    const cache = freshDir();
    const site = await startSite();
    const urls = ['/maxage', '/nostore', '/plain200', '/status/301'].map((p) => site.url + p);
    let r1: CrawlResult;
    try {
      r1 = await runCrawl(listSpider(urls), cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy', REDIRECT_ENABLED: false, HTTPERROR_ALLOW_ALL: true }));
    } finally {
      await site.close();
    }
    // 301s are kept (a year) without any expiration header; no-store and a bare 200 are not.
    expect(httpcacheStats(r1)).toEqual({ 'httpcache/miss': 4, 'httpcache/firsthand': 4, 'httpcache/store': 2, 'httpcache/uncacheable': 2 });
    const r2 = await runCrawl(listSpider(urls), cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy', REDIRECT_ENABLED: false, HTTPERROR_ALLOW_ALL: true, RETRY_ENABLED: false }));
    expect(r2.items.map((i) => i.h1).sort()).toEqual(['maxage', 'status']);
    expect(r2.stat('httpcache/hit')).toBe(2);
    expect(r2.stat('downloader/exception_type_count/ConnectionError')).toBe(2);
  });

  it('a stale entry whose revalidation fails to connect is used anyway (httpcache/errorrecovery)', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      await runCrawl(listSpider([`${site.url}/etag`]), cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy' }));
    } finally {
      await site.close();
    }
    const r = await runCrawl(listSpider([`${site.url}/etag`]), cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy', RETRY_ENABLED: false }));
    expect(httpcacheStats(r)).toEqual({ 'httpcache/errorrecovery': 1 });
    expect(r.items.map((i) => i.h1)).toEqual(['/etag "v1"']);
  });

  it('HTTPCACHE_ALWAYS_STORE stores what RFC 2616 would not (but never no-store)', async () => {
    const cache = freshDir();
    const site = await startSite();
    try {
      const r = await runCrawl(listSpider([`${site.url}/plain200`, `${site.url}/nostore`]), cacheSettings(cache, { HTTPCACHE_POLICY: 'RFC2616Policy', HTTPCACHE_ALWAYS_STORE: true }));
      expect(httpcacheStats(r)).toMatchObject({ 'httpcache/store': 1, 'httpcache/uncacheable': 1 });
    } finally {
      await site.close();
    }
  });
});

const now = () => new Date().toUTCString();
const ago = (s: number) => new Date(Date.now() - s * 1000).toUTCString();
const resp = (headers: Record<string, string>, status = 200) => new Response('http://127.0.0.1/x', { status, headers });
const req = (headers: Record<string, string> = {}) => new Request('http://127.0.0.1/x', { headers });
const rfc = (settings: Record<string, unknown> = {}) => new RFC2616Policy(new Settings(settings));

describe('RFC2616Policy rules (as Scrapy 2.8)', () => {
  it('shouldCacheRequest: not with Cache-Control: no-store on the request', () => {
    expect(rfc().shouldCacheRequest(req())).toBe(true);
    expect(rfc().shouldCacheRequest(req({ 'Cache-Control': 'no-store' }))).toBe(false);
    expect(rfc().shouldCacheRequest(req({ 'Cache-Control': 'max-age=0, NO-STORE' }))).toBe(false);
  });

  it('shouldCacheResponse: no-store and 304 never; max-age or Expires yes; 300/301/308 yes; 200/203/401 only with a validator; others no', () => {
    const p = rfc();
    const r = req();
    const cases: Array<[Record<string, string>, number, boolean]> = [
      [{ 'Cache-Control': 'no-store, max-age=60' }, 200, false],
      [{ 'Cache-Control': 'max-age=60' }, 304, false],
      [{ 'Cache-Control': 'max-age=60' }, 500, true],
      [{ Expires: 'garbage' }, 404, true],
      [{}, 300, true],
      [{}, 301, true],
      [{}, 308, true],
      [{}, 302, false],
      [{}, 200, false],
      [{ ETag: '"x"' }, 200, true],
      [{ 'Last-Modified': ago(10) }, 203, true],
      [{ ETag: '"x"' }, 401, true],
      [{ ETag: '"x"' }, 404, false],
    ];
    for (const [headers, status, expected] of cases) expect(p.shouldCacheResponse(resp(headers, status), r), `${status} ${JSON.stringify(headers)}`).toBe(expected);
    const always = rfc({ HTTPCACHE_ALWAYS_STORE: true });
    expect(always.shouldCacheResponse(resp({}, 302), r)).toBe(true);
    expect(always.shouldCacheResponse(resp({}, 304), r)).toBe(false);
    expect(always.shouldCacheResponse(resp({ 'Cache-Control': 'no-store' }), r)).toBe(false);
  });

  it('HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS: the listed response directives are disregarded (request ones are not)', () => {
    const p = rfc({ HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS: ['no-store', 'no-cache'] });
    expect(p.shouldCacheResponse(resp({ 'Cache-Control': 'no-store, max-age=60' }), req())).toBe(true);
    expect(p.isCachedResponseFresh(resp({ Date: now(), 'Cache-Control': 'no-cache, max-age=60' }), req())).toBe(true);
    expect(p.shouldCacheRequest(req({ 'Cache-Control': 'no-store' }))).toBe(false);
  });

  it('freshness: max-age, then Expires − Date, then 10% of Date − Last-Modified, then a year for 300/301/308, else 0', () => {
    const p = rfc();
    const fresh = (headers: Record<string, string>, status = 200) => p.isCachedResponseFresh(resp(headers, status), req());
    expect(fresh({ Date: ago(30), 'Cache-Control': 'max-age=60' })).toBe(true);
    expect(fresh({ Date: ago(90), 'Cache-Control': 'max-age=60' })).toBe(false);
    // max-age wins over Expires.
    expect(fresh({ Date: ago(30), 'Cache-Control': 'max-age=60', Expires: ago(3600) })).toBe(true);
    expect(fresh({ Date: ago(30), Expires: new Date(Date.now() + 60_000).toUTCString() })).toBe(true);
    expect(fresh({ Date: ago(30), Expires: ago(10) })).toBe(false);
    // An unreadable Expires is in the past.
    expect(fresh({ Date: now(), Expires: '0' })).toBe(false);
    // Last-Modified 1000 s before Date: fresh for 100 s.
    expect(fresh({ Date: ago(50), 'Last-Modified': ago(1050) })).toBe(true);
    expect(fresh({ Date: ago(150), 'Last-Modified': ago(1150) })).toBe(false);
    expect(fresh({ Date: ago(86400) }, 301)).toBe(true);
    expect(fresh({ Date: ago(86400) }, 302)).toBe(false);
    expect(fresh({ Date: now() })).toBe(false);
  });

  it('age: the larger of now − Date and the Age header; no Date means age 0', () => {
    const p = rfc();
    expect(p.isCachedResponseFresh(resp({ Date: now(), 'Cache-Control': 'max-age=60', Age: '120' }), req())).toBe(false);
    expect(p.isCachedResponseFresh(resp({ Date: now(), 'Cache-Control': 'max-age=60', Age: 'soon' }), req())).toBe(true);
    expect(p.isCachedResponseFresh(resp({ 'Cache-Control': 'max-age=60' }), req())).toBe(true);
  });

  it('the request: no-cache forces revalidation, max-age shortens the lifetime, max-stale accepts stale entries unless must-revalidate', () => {
    const p = rfc();
    const cached = (cc: string, age = 90) => resp({ Date: ago(age), 'Cache-Control': cc });
    expect(p.isCachedResponseFresh(cached('max-age=3600', 0), req({ 'Cache-Control': 'no-cache' }))).toBe(false);
    expect(p.isCachedResponseFresh(cached('no-cache, max-age=3600', 0), req())).toBe(false);
    expect(p.isCachedResponseFresh(cached('max-age=3600'), req({ 'Cache-Control': 'max-age=60' }))).toBe(false);
    expect(p.isCachedResponseFresh(cached('max-age=3600'), req({ 'Cache-Control': 'max-age=120' }))).toBe(true);
    expect(p.isCachedResponseFresh(cached('max-age=60'), req({ 'Cache-Control': 'max-stale' }))).toBe(true);
    expect(p.isCachedResponseFresh(cached('max-age=60'), req({ 'Cache-Control': 'max-stale=60' }))).toBe(true);
    expect(p.isCachedResponseFresh(cached('max-age=60'), req({ 'Cache-Control': 'max-stale=10' }))).toBe(false);
    expect(p.isCachedResponseFresh(cached('max-age=60'), req({ 'Cache-Control': 'max-stale=soon' }))).toBe(false);
    expect(p.isCachedResponseFresh(cached('max-age=60, must-revalidate'), req({ 'Cache-Control': 'max-stale' }))).toBe(false);
  });

  it('a stale entry adds its validators to the request: If-None-Match from ETag, If-Modified-Since from Last-Modified', () => {
    const p = rfc();
    const lm = ago(100000);
    const r = req();
    expect(p.isCachedResponseFresh(resp({ Date: ago(20000), ETag: '"abc"', 'Last-Modified': lm }), r)).toBe(false);
    expect(r.headers.get('If-None-Match')).toBe('"abc"');
    expect(r.headers.get('If-Modified-Since')).toBe(lm);
    const fresh = req();
    expect(p.isCachedResponseFresh(resp({ Date: now(), ETag: '"abc"', 'Cache-Control': 'max-age=60' }), fresh)).toBe(true);
    expect(fresh.headers.has('If-None-Match')).toBe(false);
  });

  it('isCachedResponseValid: a 304 yes; a 5xx yes unless the entry says must-revalidate; a 200 no', () => {
    const p = rfc();
    expect(p.isCachedResponseValid(resp({}), resp({}, 304), req())).toBe(true);
    expect(p.isCachedResponseValid(resp({}), resp({}, 503), req())).toBe(true);
    expect(p.isCachedResponseValid(resp({ 'Cache-Control': 'must-revalidate' }), resp({}, 503), req())).toBe(false);
    expect(p.isCachedResponseValid(resp({}), resp({}, 200), req())).toBe(false);
  });

  it('parseCacheControl: lower-case names, values as written, bare directives null (Scrapy\'s parse_cachecontrol)', () => {
    expect([...parseCacheControl('public, Max-Age=3600, no-cache,, s-maxage="5"')]).toEqual([
      ['public', null],
      ['max-age', '3600'],
      ['no-cache', null],
      ['s-maxage', '"5"'],
    ]);
    expect([...parseCacheControl('')]).toEqual([]);
  });

  it("httpDateToEpoch reads what Python's parsedate_tz reads (values from Python 3 email.utils.mktime_tz)", () => {
    expect(httpDateToEpoch('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777);
    expect(httpDateToEpoch('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(784111777);
    expect(httpDateToEpoch('Sun Nov  6 08:49:37 1994')).toBe(784111777);
    expect(httpDateToEpoch('06 Nov 1994 08:49:37 +0100')).toBe(784108177);
    expect(httpDateToEpoch('Sun, 06 Nov 1994 08:49:37 EST')).toBe(784129777);
    expect(httpDateToEpoch('Sun, 6 Nov 94 8:49:37 gmt')).toBe(784111777);
    expect(httpDateToEpoch('Sun, 06 Nov 1994 08:49 GMT')).toBe(784111740);
    expect(httpDateToEpoch('Thu, 01 Jan 1970 00:00:00 GMT')).toBe(0);
    for (const bad of ['0', '-1', '2020-01-01', '', 'Sun, 06 Nov 1994 08:49:37.5 GMT']) expect(httpDateToEpoch(bad), bad).toBeNull();
  });
});

describe('HTTPCACHE_POLICY and HTTPCACHE_STORAGE', () => {
  const build = (settings: Record<string, unknown>) => new HttpCacheMiddleware(new Crawler(Spider, { HTTPCACHE_ENABLED: true, HTTPCACHE_DIR: freshDir(), ...settings }));

  it("built-ins by name, by Scrapy's import path, or a class of your own", () => {
    expect(build({}).policy).toBeInstanceOf(DummyPolicy);
    expect(build({ HTTPCACHE_POLICY: 'RFC2616Policy' }).policy).toBeInstanceOf(RFC2616Policy);
    expect(build({ HTTPCACHE_POLICY: 'scrapy.extensions.httpcache.RFC2616Policy' }).policy).toBeInstanceOf(RFC2616Policy);
    expect(build({ HTTPCACHE_STORAGE: 'scrapy.extensions.httpcache.FilesystemCacheStorage' }).storage).toBeInstanceOf(FilesystemCacheStorage);
    class Mine extends DummyPolicy {}
    expect(build({ HTTPCACHE_POLICY: Mine }).policy).toBeInstanceOf(Mine);
  });

  it('an unknown name or DbmCacheStorage is a usage error naming what to use instead', () => {
    expect(() => build({ HTTPCACHE_POLICY: 'Nope' })).toThrow("HTTPCACHE_POLICY='Nope' is not a cache policy: use one of 'DummyPolicy', 'RFC2616Policy', or pass your own class.");
    expect(() => build({ HTTPCACHE_STORAGE: 'scrapy.extensions.httpcache.DbmCacheStorage' })).toThrow(
      "HTTPCACHE_STORAGE='scrapy.extensions.httpcache.DbmCacheStorage': deferkit has no DBM storage yet; use FilesystemCacheStorage (the default) or your own class.",
    );
    expect(() => build({ HTTPCACHE_IGNORE_HTTP_CODES: ['x'] })).toThrow('HTTPCACHE_IGNORE_HTTP_CODES must be a list of HTTP status codes (whole numbers), got "x" in it.');
  });

  it('a storage of your own, async, is asked through the same interface (openSpider, retrieveResponse, storeResponse, closeSpider)', async () => {
    const calls: string[] = [];
    const entries = new Map<string, Response>();
    class MemoryStorage implements CacheStorage {
      openSpider(spider: Spider) {
        calls.push(`open ${spider.name}`);
      }
      closeSpider() {
        calls.push('close');
      }
      async retrieveResponse(_spider: Spider, request: Request) {
        calls.push(`retrieve ${new URL(request.url).pathname}`);
        return entries.get(request.url)?.replace({ flags: [] });
      }
      async storeResponse(_spider: Spider, request: Request, response: Response) {
        calls.push(`store ${new URL(request.url).pathname}`);
        entries.set(request.url, response);
      }
    }
    const site = await startSite();
    try {
      const settings = { HTTPCACHE_ENABLED: true, HTTPCACHE_STORAGE: MemoryStorage };
      await runCrawl(listSpider([`${site.url}/a`]), settings);
      const r = await runCrawl(listSpider([`${site.url}/a`]), settings);
      expect(calls).toEqual(['open list', 'retrieve /a', 'store /a', 'close', 'open list', 'retrieve /a', 'close']);
      expect(httpcacheStats(r)).toEqual({ 'httpcache/hit': 1 });
      expect(site.hits('/a')).toBe(1);
    } finally {
      await site.close();
    }
  });
});
