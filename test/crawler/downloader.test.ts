// The downloader on real HTTP: slots and concurrency, delays, keep-alive, timeouts, size limits,
// decompression, charsets — real crawls against the loopback fault server, counted on the
// server side (the Scrapy reference (docs/rules.md) §2.9).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IgnoreRequest, Request, signals, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';
import { startFaultServer, type FaultServer } from './fault-server.js';

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const slow = (n: number, ms = 60): string[] => range(n).map((i) => `${server.url}/slow?ms=${ms}&p=${i}`);

for (const REACTOR of REACTORS) {
  describe(`slots and concurrency [${REACTOR}]`, () => {
    it('CONCURRENT_REQUESTS_PER_DOMAIN=2: the server never sees more than 2 requests at once, and does see 2', async () => {
      const r = await runCrawl(listSpider(slow(8)), { REACTOR, CONCURRENT_REQUESTS_PER_DOMAIN: 2 });
      expect(r.items).toHaveLength(8);
      expect(server.hitCount('/slow')).toBe(8);
      expect(server.peak).toBe(2);
      const slot = r.crawler.engine!.downloader.slots.get('127.0.0.1');
      expect(slot?.concurrency).toBe(2);
      expect(r.stat('finish_reason')).toBe('finished');
    });

    it('the default per-domain concurrency is 8 (CONCURRENT_REQUESTS=16 does not bind)', async () => {
      const r = await runCrawl(listSpider(slow(12, 80)), { REACTOR });
      expect(r.items).toHaveLength(12);
      expect(server.peak).toBe(8);
    });

    it('CONCURRENT_REQUESTS=3 caps the total across slots (meta.download_slot makes three slots of 8)', async () => {
      const reqs = range(9).map((i) => new Request(`${server.url}/slow?ms=60&p=${i}`, { meta: { download_slot: `slot-${i % 3}` } }));
      const r = await runCrawl(listSpider(reqs), { REACTOR, CONCURRENT_REQUESTS: 3 });
      expect(r.items).toHaveLength(9);
      expect(server.peak).toBe(3);
      expect([...r.crawler.engine!.downloader.slots.keys()].sort()).toEqual(['slot-0', 'slot-1', 'slot-2']);
    });

    it('CONCURRENT_REQUESTS=0 means no global limit: the per-domain limit alone applies', async () => {
      const r = await runCrawl(listSpider(slow(10, 80)), { REACTOR, CONCURRENT_REQUESTS: 0, CONCURRENT_REQUESTS_PER_DOMAIN: 5 });
      expect(r.items).toHaveLength(10);
      expect(server.peak).toBe(5);
    });

    it('DOWNLOAD_SLOTS sets one slot’s concurrency', async () => {
      const r = await runCrawl(listSpider(slow(4, 40)), { REACTOR, DOWNLOAD_SLOTS: { '127.0.0.1': { concurrency: 1 } } });
      expect(r.items).toHaveLength(4);
      expect(server.peak).toBe(1);
    });

    it('keep-alive: the server sees far fewer TCP connections than requests', async () => {
      const urls = range(12).map((i) => `${server.url}/ok?p=${i}`);
      const r = await runCrawl(listSpider(urls), { REACTOR, CONCURRENT_REQUESTS_PER_DOMAIN: 2 });
      expect(r.items).toHaveLength(12);
      expect(server.arrivals).toHaveLength(12);
      expect(server.connections).toBeGreaterThanOrEqual(1);
      expect(server.connections).toBeLessThanOrEqual(2);
      expect(new Set(server.arrivals.map((a) => a.connection)).size).toBe(server.connections);
    });
  });

  describe(`DOWNLOAD_DELAY [${REACTOR}]`, () => {
    it('requests to one slot are spaced by the delay (no burst), in order', async () => {
      const urls = range(4).map((i) => `${server.url}/ok?p=${i}`);
      const r = await runCrawl(listSpider(urls), { REACTOR, DOWNLOAD_DELAY: 0.1, RANDOMIZE_DOWNLOAD_DELAY: false });
      expect(r.items).toHaveLength(4);
      const at = server.arrivalsOf('/ok').map((a) => a.at);
      expect(at).toHaveLength(4);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(85);
      expect(server.peak).toBe(1);
      expect(r.crawler.engine!.downloader.slots.get('127.0.0.1')?.delay).toBe(0.1);
    });

    it('RANDOMIZE_DOWNLOAD_DELAY keeps each gap within 0.5×–1.5× of the delay (loosely)', async () => {
      const urls = range(4).map((i) => `${server.url}/ok?p=${i}`);
      await runCrawl(listSpider(urls), { REACTOR, DOWNLOAD_DELAY: 0.1 });
      const at = server.arrivalsOf('/ok').map((a) => a.at);
      expect(at).toHaveLength(4);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(40);
    });
  });
}

describe('timeouts', () => {
  it('meta.download_timeout bounds one request: TimeoutError "Getting <url> took longer than 0.2 seconds."', async () => {
    const errors: Failure[] = [];
    const url = `${server.url}/slow?ms=2000&p=late`;
    const r = await runCrawl(listSpider([url, `${server.url}/ok?p=fast`], { meta: { download_timeout: 0.2 }, errback: (f) => void errors.push(f) }), {
      RETRY_ENABLED: false,
    });
    expect(r.items.map((i) => i.h1)).toEqual(['ok fast']);
    expect(errors).toHaveLength(1);
    expect((errors[0]!.value as Error).name).toBe('TimeoutError');
    expect((errors[0]!.value as Error).message).toBe(`Getting ${url} took longer than 0.2 seconds.`);
    expect(r.stat('downloader/exception_type_count/TimeoutError')).toBe(1);
    // The timeout came first: the 2 s response was never received.
    expect(r.stat('downloader/response_count')).toBe(1);
  });

  it('a spider downloadTimeout attribute becomes meta.download_timeout (DownloadTimeoutMiddleware)', async () => {
    const metas: unknown[] = [];
    const r = await runCrawl(
      listSpider([`${server.url}/slow?ms=2000`], { props: { downloadTimeout: 0.15 }, errback: (f) => void metas.push((f.value as Error).message) }),
      { RETRY_ENABLED: false },
    );
    expect(metas).toEqual([`Getting ${server.url}/slow?ms=2000 took longer than 0.15 seconds.`]);
    expect(r.stat('downloader/exception_type_count/TimeoutError')).toBe(1);
  });
});

describe('DOWNLOAD_MAXSIZE and DOWNLOAD_WARNSIZE', () => {
  it('Content-Length over DOWNLOAD_MAXSIZE: cancelled before the body, warned, "Error downloading", not retried', async () => {
    const url = `${server.url}/big?size=5000`;
    const r = await runCrawl(listSpider([url, `${server.url}/ok?p=small`]), { DOWNLOAD_MAXSIZE: 1000 });
    expect(r.items.map((i) => i.h1)).toEqual(['ok small']);
    expect(r.grep(`WARNING Expected to receive 5000 bytes which is larger than download max size (1000) in request <GET ${url}>.`)).toHaveLength(1);
    expect(r.grep(`ERROR Error downloading <GET ${url}>: ResponseTooLarge:`)).toHaveLength(1);
    expect(r.stat('downloader/exception_type_count/ResponseTooLarge')).toBe(1);
    expect(r.stat('retry/count')).toBeUndefined();
    expect(server.hitCount('/big')).toBe(1);
  });

  it('a chunked body (no Content-Length) over DOWNLOAD_MAXSIZE is cancelled once received bytes pass it', async () => {
    const url = `${server.url}/big-chunked?size=20000`;
    const errors: string[] = [];
    const r = await runCrawl(listSpider([url], { errback: (f) => void errors.push((f.value as Error).name) }), { DOWNLOAD_MAXSIZE: 2500 });
    expect(errors).toEqual(['ResponseTooLarge']);
    const warning = r.grep('bytes which is larger than download max size (2500)');
    expect(warning).toHaveLength(1);
    const received = Number(/WARNING Received (\d+) bytes/.exec(warning[0]!)?.[1]);
    expect(received).toBeGreaterThan(2500);
    expect(received).toBeLessThan(20000);
    expect(r.stat('retry/count')).toBeUndefined();
  });

  it('meta.download_maxsize overrides the setting for one request', async () => {
    const r = await runCrawl(listSpider([new Request(`${server.url}/big?size=3000`, { meta: { download_maxsize: 100 } }), `${server.url}/big?size=3001`]));
    expect(r.items.map((i) => i.url)).toEqual([`${server.url}/big?size=3001`]);
    expect(r.stat('downloader/exception_type_count/ResponseTooLarge')).toBe(1);
  });

  it('DOWNLOAD_WARNSIZE only warns: the declared size when the headers come, the received size while reading (both, as Scrapy 2.8)', async () => {
    const lengths: number[] = [];
    const r = await runCrawl(
      listSpider([`${server.url}/big?size=3000`, `${server.url}/big-chunked?size=3000`], {
        parse: (resp) => void lengths.push(resp.body.length),
      }),
      { DOWNLOAD_WARNSIZE: 1000, CONCURRENT_REQUESTS_PER_DOMAIN: 1 },
    );
    expect(lengths.sort()).toEqual([3000, 3000]);
    expect(r.grep(`WARNING Expected to receive 3000 bytes which is larger than download warn size (1000) in request <GET ${server.url}/big?size=3000>.`)).toHaveLength(1);
    expect(r.grep(`larger than download warn size (1000) in request <GET ${server.url}/big-chunked?size=3000>.`)).toHaveLength(1);
    // Scrapy 2.8's _ResponseReader warns on the bytes too, whatever the headers said.
    expect(r.grep(`WARNING Received 3000 bytes which is larger than download warn size (1000) in request <GET ${server.url}/big?size=3000>.`)).toHaveLength(1);
    expect(r.grep('WARNING Received')).toHaveLength(2);
    expect(r.stat('downloader/exception_count')).toBeUndefined();
  });
});

describe('decompression (HttpCompressionMiddleware) and charsets', () => {
  for (const REACTOR of REACTORS) {
    it(`gzip, deflate (zlib and raw), br and gzip+br are decoded; Accept-Encoding is sent; the header is dropped [${REACTOR}]`, async () => {
      const paths = ['/gzip-ok', '/deflate-ok', '/deflate-raw-ok', '/br-ok', '/gzip-br-ok'];
      const encodings: Array<string | null> = [];
      const r = await runCrawl(
        listSpider(
          paths.map((p) => server.url + p),
          {
            parse: (resp) => {
              encodings.push(resp.headers.get('content-encoding'));
              return { path: new URL(resp.url).pathname, h1: resp.css('h1::text').get() };
            },
          },
        ),
        { REACTOR },
      );
      const byPath = Object.fromEntries(r.items.map((i) => [i.path, i.h1]));
      expect(byPath).toEqual({
        '/gzip-ok': 'gzip ok',
        '/deflate-ok': 'deflate ok',
        '/deflate-raw-ok': 'raw deflate ok',
        '/br-ok': 'br ok',
        '/gzip-br-ok': 'gzip br ok',
      });
      expect(encodings).toEqual([null, null, null, null, null]);
      expect(server.arrivals.map((a) => a.headers['accept-encoding'])).toEqual(Array(5).fill('gzip, deflate, br'));
      expect(r.stat('httpcompression/response_count')).toBe(5);
      expect(r.stat('httpcompression/response_bytes')).toBeGreaterThan(r.stat('downloader/response_bytes') as number);
    });
  }

  it('COMPRESSION_ENABLED=false: no Accept-Encoding is sent and the body stays compressed', async () => {
    let head: number[] = [];
    let encoding: string | null = null;
    const r = await runCrawl(
      listSpider([`${server.url}/gzip-ok`], {
        parse: (resp) => {
          head = [...resp.body.subarray(0, 2)];
          encoding = resp.headers.get('content-encoding');
        },
      }),
      { COMPRESSION_ENABLED: false },
    );
    expect(server.arrivals[0]!.headers['accept-encoding']).toBeUndefined();
    expect(head).toEqual([0x1f, 0x8b]);
    expect(encoding).toBe('gzip');
    expect(r.stat('httpcompression/response_count')).toBeUndefined();
  });

  it('a body over DOWNLOAD_MAXSIZE once decompressed is dropped with IgnoreRequest and a warning (no "Error downloading")', async () => {
    const url = `${server.url}/gzip-bomb?size=200000`;
    const failures: unknown[] = [];
    const r = await runCrawl(listSpider([url], { errback: (f) => void failures.push(f.value) }), { DOWNLOAD_MAXSIZE: 10000 });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(IgnoreRequest);
    const warning = r.grep(`WARNING Ignored response <200 ${url}> because its body (`);
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/\(\d+ B compressed\) exceeded DOWNLOAD_MAXSIZE \(10000 B\) during decompression\.$/);
    expect(r.grep('Error downloading')).toEqual([]);
    expect(r.stat('retry/count')).toBeUndefined();
  });

  it('an unknown Content-Encoding is kept, with a warning, and the body delivered as is', async () => {
    let enc: string | null = null;
    const r = await runCrawl(
      listSpider([`${server.url}/unknown-encoding`], {
        parse: (resp) => {
          enc = resp.headers.get('content-encoding');
          return { h1: resp.css('h1::text').get() };
        },
      }),
    );
    expect(r.items).toEqual([{ h1: 'zork' }]);
    expect(enc).toBe('zork');
    expect(r.grep(`WARNING HttpCompressionMiddleware cannot decode the response for ${server.url}/unknown-encoding from unsupported encoding(s) 'zork'.`)).toHaveLength(1);
  });

  for (const REACTOR of REACTORS) {
    it(`charsets: header iso-8859-1, <meta> windows-1252, and a wrong header charset (U+FFFD, no crash) [${REACTOR}]`, async () => {
      const r = await runCrawl(
        listSpider(['/charset-latin1', '/charset-meta', '/charset-wrong'].map((p) => server.url + p), {
          parse: (resp) => ({ path: new URL(resp.url).pathname, h1: resp.css('h1::text').get(), encoding: resp.encoding }),
        }),
        { REACTOR },
      );
      const byPath = Object.fromEntries(r.items.map((i) => [i.path, [i.h1, i.encoding]]));
      expect(byPath).toEqual({
        '/charset-latin1': ['café', 'windows-1252'],
        '/charset-meta': ['café €', 'windows-1252'],
        '/charset-wrong': ['caf\uFFFD', 'utf-8'],
      });
      expect(r.stat('spider_exceptions/count')).toBeUndefined();
    });
  }
});

describe('what the handler sends and returns', () => {
  it('POST with a body, default headers and the User-Agent reach the server', async () => {
    let echoed: { method: string; headers: Record<string, string>; body: string } | undefined;
    const req = new Request(`${server.url}/echo`, { method: 'POST', body: 'a=1&b=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    await runCrawl(listSpider([req], { parse: (resp) => void (echoed = resp.json() as typeof echoed) }), { USER_AGENT: 'fault-tests/1.0' });
    expect(echoed?.method).toBe('POST');
    expect(echoed?.body).toBe('a=1&b=2');
    expect(echoed?.headers['content-length']).toBe('7');
    expect(echoed?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(echoed?.headers['user-agent']).toBe('fault-tests/1.0');
    expect(echoed?.headers.accept).toBe('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    expect(echoed?.headers['accept-language']).toBe('en');
  });

  it('the Response has the status, every header value, the IP, the request, and meta.download_slot', async () => {
    let seen: Response | undefined;
    const r = await runCrawl(listSpider([`${server.url}/set-cookie`], { parse: (resp) => void (seen = resp) }));
    expect(seen?.status).toBe(200);
    expect(seen?.headers.getList('Set-Cookie')).toEqual(['a=1', 'b=2']);
    expect(seen?.headers.get('x-custom')).toBe('yes');
    expect(seen?.ip).toBe('127.0.0.1');
    expect(seen?.request?.url).toBe(`${server.url}/set-cookie`);
    expect(seen?.meta.download_slot).toBe('127.0.0.1');
    expect(r.grep(`DEBUG Crawled (200) <GET ${server.url}/set-cookie> (referer: None)`)).toHaveLength(1);
    expect(r.stat('downloader/response_status_count/200')).toBe(1);
    expect(r.stat('downloader/request_method_count/GET')).toBe(1);
  });

  it('downloader signals fire once per request: requestReachedDownloader, headersReceived, responseDownloaded, requestLeftDownloader', async () => {
    const counts: Record<string, number> = {};
    const names = [signals.requestReachedDownloader, signals.headersReceived, signals.responseDownloaded, signals.requestLeftDownloader];
    const urls = range(3).map((i) => `${server.url}/ok?p=${i}`);
    const r = await runCrawl(listSpider(urls), {}, (c) => {
      for (const n of names) c.signals.connect(() => void (counts[n] = (counts[n] ?? 0) + 1), n);
    });
    expect(r.items).toHaveLength(3);
    expect(counts).toEqual(Object.fromEntries(names.map((n) => [n, 3])));
  });
});
