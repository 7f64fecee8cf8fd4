// AutoThrottle (issue 16, item 4): Scrapy 2.8's algorithm — the delay moves halfway towards
// latency / AUTOTHROTTLE_TARGET_CONCURRENCY (all the way when that is higher), stays within
// [DOWNLOAD_DELAY, AUTOTHROTTLE_MAX_DELAY], is never lowered by a non-200 response — checked
// by hand-computed sequences under virtual time and by a loopback crawl whose server latency
// changes, asserting on the recorded delays against the recorded latencies.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoThrottle, autoThrottleDelay, Crawler, Request, Response, signals, Spider } from '@deferkit/crawler';
import { installReactor, isReactorInstalled, uninstallReactor, VirtualTimeEventLoop } from '@deferkit/reactor';
import { ExecutionEngine } from '../../packages/crawler/src/core/Engine.js';
import { Slot } from '../../packages/crawler/src/downloader/Downloader.js';
import { listSpider, runCrawl } from './crawl-harness.js';

class NoRequests extends Spider {
  override name = 'none';
  override parse(): void {}
}

describe('AutoThrottle delay policy (autoThrottleDelay)', () => {
  const opts = { target: 1, minDelay: 0, maxDelay: 60 };
  it('moves halfway from the current delay towards latency / target concurrency', () => {
    expect(autoThrottleDelay(5, 1, 200, opts)).toBe(3);
    expect(autoThrottleDelay(3, 1, 200, opts)).toBe(2);
    expect(autoThrottleDelay(4, 1, 200, { ...opts, target: 4 })).toBe(2.125);
  });
  it('goes straight to the target when the target is above the mean (a slow server slows the crawl at once)', () => {
    expect(autoThrottleDelay(1, 4, 200, opts)).toBe(4);
  });
  it('never goes below DOWNLOAD_DELAY nor above AUTOTHROTTLE_MAX_DELAY', () => {
    expect(autoThrottleDelay(1, 0, 200, { ...opts, minDelay: 0.75 })).toBe(0.75);
    expect(autoThrottleDelay(1, 100, 200, { ...opts, maxDelay: 8 })).toBe(8);
  });
  it('a non-200 response may raise the delay but never lowers it', () => {
    expect(autoThrottleDelay(4, 0.1, 404, opts)).toBe(4);
    expect(autoThrottleDelay(4, 0.1, 301, opts)).toBe(4);
    expect(autoThrottleDelay(1, 6, 503, opts)).toBe(6);
  });
});

describe('AutoThrottle extension under virtual time', () => {
  let loop: VirtualTimeEventLoop;
  beforeAll(() => {
    if (isReactorInstalled()) uninstallReactor();
    loop = new VirtualTimeEventLoop();
    installReactor('promise', { eventLoop: loop });
  });
  afterAll(() => uninstallReactor());

  /** A crawler with AutoThrottle and an engine (not crawling), its spider opened by signal. */
  function setUp(settings: Record<string, unknown>): { crawler: Crawler; slot: Slot; download: (seconds: number, status?: number, meta?: Record<string, unknown>) => Promise<void> } {
    const crawler = new Crawler(NoRequests, { AUTOTHROTTLE_ENABLED: true, LOG_ENABLED: false, ...settings });
    new AutoThrottle(crawler);
    crawler.engine = new ExecutionEngine(crawler);
    crawler.signals.send(signals.spiderOpened, { spider: null });
    const downloader = crawler.engine.downloader;
    const slot = new Slot(1, downloader.slotDelay, false);
    downloader.slots.set('example.com', slot);
    const reactor = crawler.reactor;
    // A download that takes `seconds` of virtual time: the latency is measured on the reactor's
    // clock, as HttpDownloadHandler measures it.
    const download = async (seconds: number, status = 200, meta: Record<string, unknown> = {}): Promise<void> => {
      const request = new Request('http://example.com/', { meta: { download_slot: 'example.com', ...meta } });
      const sentAt = reactor.seconds();
      await loop.advance(seconds);
      if (!('download_latency' in meta)) request.meta.download_latency = reactor.seconds() - sentAt;
      const response = new Response(request.url, { status, body: Buffer.from('x'.repeat(10)), request });
      crawler.signals.send(signals.responseDownloaded, { response, request, spider: null });
    };
    return { crawler, slot, download };
  }

  it('new slots start at max(DOWNLOAD_DELAY, AUTOTHROTTLE_START_DELAY) once the spider opens', () => {
    expect(setUp({ AUTOTHROTTLE_START_DELAY: 2 }).slot.delay).toBe(2);
    expect(setUp({ AUTOTHROTTLE_START_DELAY: 2, DOWNLOAD_DELAY: 3 }).slot.delay).toBe(3);
  });

  it('the slot delay follows the latency measured on the clock, step by step as Scrapy computes it', async () => {
    const { slot, download } = setUp({ AUTOTHROTTLE_START_DELAY: 5, AUTOTHROTTLE_MAX_DELAY: 8, AUTOTHROTTLE_TARGET_CONCURRENCY: 2 });
    const seen: number[] = [];
    for (const [latency, status] of [
      [1, 200], // target 0.5: (5 + 0.5) / 2
      [1, 200], // (2.75 + 0.5) / 2
      [6, 200], // target 3 > mean 2.3125
      [0.5, 404], // would lower: a 404 keeps it
      [30, 404], // target 15, capped at 8: a 404 may raise it
      [0, 200], // (8 + 0) / 2
    ] as const) {
      await download(latency, status);
      seen.push(slot.delay);
    }
    expect(seen).toEqual([2.75, 1.625, 3, 3, 8, 4]);
  });

  it('a response without meta.download_latency leaves the delay alone', async () => {
    const { slot, download } = setUp({ AUTOTHROTTLE_START_DELAY: 5 });
    await download(1, 200, { download_latency: undefined });
    expect(slot.delay).toBe(5);
  });

  it('AUTOTHROTTLE_TARGET_CONCURRENCY must be positive: a usage error naming the setting', () => {
    expect(() => new AutoThrottle(new Crawler(NoRequests, { AUTOTHROTTLE_ENABLED: true, AUTOTHROTTLE_TARGET_CONCURRENCY: 0 }))).toThrow(/AUTOTHROTTLE_TARGET_CONCURRENCY=0 is not valid: it must be a number > 0/);
  });

  it.each([
    ['AUTOTHROTTLE_START_DELAY', 'soon'],
    ['AUTOTHROTTLE_START_DELAY', -1],
    ['AUTOTHROTTLE_MAX_DELAY', 'Infinity'],
    ['AUTOTHROTTLE_MAX_DELAY', ''],
  ])('%s=%j is a usage error naming the setting, not a NaN delay', (name, value) => {
    const make = () => new AutoThrottle(new Crawler(NoRequests, { AUTOTHROTTLE_ENABLED: true, [name]: value }));
    expect(make).toThrow(new RegExp(`^${name}=.* is not valid: it must be a number of seconds ≥ 0`));
  });

  it('delay settings given as strings on the command line are read as seconds', () => {
    const t = new AutoThrottle(new Crawler(NoRequests, { AUTOTHROTTLE_ENABLED: true, AUTOTHROTTLE_START_DELAY: '2.5', AUTOTHROTTLE_MAX_DELAY: '7' }));
    expect([t.maxDelay]).toEqual([7]);
  });
});

describe('AutoThrottle in a loopback crawl', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    // /page/<ms>/<status>: answers after <ms> milliseconds with <status>.
    server = http.createServer((req, res) => {
      const [, , ms = '0', status = '200'] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
      setTimeout(() => {
        res.writeHead(Number(status), { 'Content-Type': 'text/html' });
        res.end(`<h1>${req.url}</h1>`);
      }, Number(ms));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  interface Seen {
    url: string;
    status: number;
    latency: number;
    delay: number;
  }

  /** Crawl `paths` one at a time with AutoThrottle; record each slot delay right after AutoThrottle adjusted it. */
  async function crawl(paths: string[], settings: Record<string, unknown>): Promise<{ seen: Seen[]; lines: string[]; items: number }> {
    const seen: Seen[] = [];
    const spider = listSpider(
      paths.map((p, i) => `${base}${p}?n=${i}`), // distinct URLs: the dupefilter keeps them all
      { props: { handleHttpstatusAll: true }, meta: { handle_httpstatus_all: true } },
    );
    const result = await runCrawl(
      spider,
      { AUTOTHROTTLE_ENABLED: true, CONCURRENT_REQUESTS_PER_DOMAIN: 1, RANDOMIZE_DOWNLOAD_DELAY: false, RETRY_ENABLED: false, ...settings },
      (crawler) => {
        // Connected when the spider opens, so after AutoThrottle's own handler (extensions
        // connect theirs while the crawl starts): the delay it sees is the adjusted one.
        crawler.signals.connect(() => {
          crawler.signals.connect(({ response, request }) => {
            const r = response as Response;
            const q = request as Request;
            const slot = crawler.engine!.downloader.slots.get(String(q.meta.download_slot))!;
            seen.push({ url: r.url, status: r.status, latency: Number(q.meta.download_latency), delay: slot.delay });
          }, signals.responseDownloaded);
        }, signals.spiderOpened);
      },
    );
    return { seen, lines: result.lines, items: result.items.length };
  }

  it('the slot delay follows the recorded latencies by the formula as the server slows down and speeds up', async () => {
    const paths = ['/page/0', '/page/0', '/page/250', '/page/250', '/page/0/404', '/page/250/404', '/page/0', '/page/0'];
    const start = 0.02;
    const maxDelay = 5;
    const { seen, items } = await crawl(paths, { AUTOTHROTTLE_START_DELAY: start, AUTOTHROTTLE_MAX_DELAY: maxDelay, AUTOTHROTTLE_TARGET_CONCURRENCY: 1 });
    expect(items).toBe(paths.length);
    expect(seen).toHaveLength(paths.length);
    let previous = start;
    for (const s of seen) {
      expect(s.latency).toBeGreaterThanOrEqual(0);
      // Scrapy's rule, spelled out: halfway towards the target, or the target if higher; clamped; a non-200 never lowers it.
      const target = s.latency / 1;
      let expected = Math.min(Math.max(0, Math.max(target, (previous + target) / 2)), maxDelay);
      if (s.status !== 200 && expected <= previous) expected = previous;
      expect(s.delay).toBeCloseTo(expected, 12);
      previous = s.delay;
    }
    // The server took at least 250 ms on the slow pages: right after each, the delay is at
    // least that latency (the target is above the mean).
    for (const s of seen.filter((x) => x.url.includes('/250'))) {
      expect(s.latency).toBeGreaterThanOrEqual(0.24);
      expect(s.delay).toBeGreaterThanOrEqual(s.latency);
    }
    // The fast 404 after the slow pages did not lower the delay (on a loaded machine its latency
    // can exceed the delay and raise it; never lower).
    const fast404 = seen.findIndex((s) => s.url.includes('/page/0/404'));
    expect(seen[fast404]!.delay).toBeGreaterThanOrEqual(seen[fast404 - 1]!.delay);
  });

  it('DOWNLOAD_DELAY is the floor: fast responses never take the delay below it', async () => {
    const { seen } = await crawl(['/page/0', '/page/0', '/page/0'], { DOWNLOAD_DELAY: 0.05, AUTOTHROTTLE_START_DELAY: 0 });
    for (const s of seen) expect(s.delay).toBeGreaterThanOrEqual(0.05);
    expect(seen.at(-1)!.delay).toBeCloseTo(Math.max(0.05, seen.at(-1)!.latency, (seen.at(-2)!.delay + seen.at(-1)!.latency) / 2), 12);
  });

  it('AUTOTHROTTLE_DEBUG logs each adjustment as Scrapy does: slot, concurrency, delay and change in ms, latency, size', async () => {
    const { seen, lines } = await crawl(['/page/0', '/page/100'], { AUTOTHROTTLE_DEBUG: true, AUTOTHROTTLE_START_DELAY: 0.01 });
    const debug = lines.filter((l) => l.startsWith('INFO slot: '));
    expect(debug).toHaveLength(2);
    let previous = 0.01;
    debug.forEach((line, i) => {
      const m = /^INFO slot: 127\.0\.0\.1 \| conc: ?(\d+) \| delay: *(\d+) ms \(([+-]\d+)\) \| latency: *(\d+) ms \| size: *(\d+) bytes$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, conc, delay, diff, latency, size] = m!;
      expect(Number(conc)).toBe(1);
      expect(Number(delay)).toBe(Math.trunc(seen[i]!.delay * 1000));
      expect(Number(diff)).toBe(Math.trunc((seen[i]!.delay - previous) * 1000));
      expect(Number(latency)).toBe(Math.trunc(seen[i]!.latency * 1000));
      expect(Number(size)).toBe(`<h1>${new URL(seen[i]!.url).pathname}${new URL(seen[i]!.url).search}</h1>`.length);
      previous = seen[i]!.delay;
    });
  });

  it('off by default: the slot keeps DOWNLOAD_DELAY and nothing is adjusted', async () => {
    const { seen } = await crawl(['/page/50', '/page/50'], { AUTOTHROTTLE_ENABLED: false, DOWNLOAD_DELAY: 0 });
    expect(seen.map((s) => s.delay)).toEqual([0, 0]);
  });
});
