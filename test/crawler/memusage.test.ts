// MemoryUsage (issue 16, item 7): Scrapy 2.8's extension — memusage/startup and memusage/max
// from the peak RSS, MEMUSAGE_WARNING_MB's warning once, MEMUSAGE_LIMIT_MB closing the spider
// with memusage_exceeded, checks every MEMUSAGE_CHECK_INTERVAL_SECONDS on the crawler's reactor.
// The tests wait for the log record they need (short check intervals), never for time.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakMemoryUsage, Request, Spider, type Crawler, type Response } from '@deferkit/crawler';
import { REACTORS, runCrawl } from './crawl-harness.js';

const MIB = 1024 * 1024;

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<h1>${req.url}</h1>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Resolves at the first record of `crawler` whose message matches `pattern`. */
function logged(crawler: Crawler, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const off = crawler.onLog((r) => {
      if (pattern.test(r.message)) {
        off();
        resolve();
      }
    });
  });
}

/**
 * Fetches one page; its callback grows the process's resident memory to `grow` MiB above the
 * peak so far (the peak never comes down: a buffer freed by an earlier test still counts) —
 * pages written, so they are resident — then waits until a log record matches `until`.
 */
function growingSpider(grow: number, until: RegExp | null): typeof Spider {
  return class Growing extends Spider {
    override name = 'growing';
    held: Buffer | null = null;
    override async *start(): AsyncGenerator<unknown, void, undefined> {
      yield new Request(`${base}/one`);
    }
    override async parse(response: Response): Promise<unknown> {
      if (grow > 0) {
        const belowPeak = Math.max(0, peakMemoryUsage() - process.memoryUsage.rss());
        this.held = Buffer.alloc(belowPeak + grow * MIB, 1);
      }
      if (until !== null) await logged(this.crawler!, until);
      return { url: response.url, held: this.held?.length ?? 0 };
    }
  };
}

describe('MemoryUsage', () => {
  for (const reactor of REACTORS) {
    it(`on by default: memusage/startup and memusage/max are the peak RSS, no limit or warning stats [${reactor}]`, async () => {
      const before = peakMemoryUsage();
      const { stats, items } = await runCrawl(growingSpider(0, null), { REACTOR: reactor });
      expect(items).toHaveLength(1);
      expect(stats['memusage/startup']).toBeGreaterThanOrEqual(before);
      expect(stats['memusage/max']).toBeGreaterThanOrEqual(stats['memusage/startup'] as number);
      expect(stats['memusage/max']).toBeLessThanOrEqual(peakMemoryUsage());
      expect(stats['memusage/limit_reached']).toBeUndefined();
      expect(stats['memusage/warning_reached']).toBeUndefined();
    });
  }

  it('MEMUSAGE_ENABLED false: no memusage stats at all', async () => {
    const { stats } = await runCrawl(growingSpider(0, null), { MEMUSAGE_ENABLED: false });
    expect(Object.keys(stats).filter((k) => k.startsWith('memusage/'))).toEqual([]);
  });

  it('MEMUSAGE_LIMIT_MB already exceeded at engine start: ERROR, memusage/limit_reached, finish_reason memusage_exceeded', async () => {
    const { stats, grep, items } = await runCrawl(growingSpider(0, null), { MEMUSAGE_LIMIT_MB: 1 });
    expect(stats.finish_reason).toBe('memusage_exceeded');
    expect(stats['memusage/limit_reached']).toBe(1);
    expect(grep('ERROR Memory usage exceeded 1MiB. Shutting down Scrapy...').length).toBeGreaterThanOrEqual(1);
    expect(items).toEqual([]);
  });

  it('the limit crossed during the crawl closes the spider at the next check (memusage_exceeded)', async () => {
    const limitMb = Math.ceil(peakMemoryUsage() / MIB) + 48;
    const { stats, grep, items } = await runCrawl(growingSpider(112, /^Memory usage exceeded/), {
      MEMUSAGE_LIMIT_MB: limitMb,
      MEMUSAGE_CHECK_INTERVAL_SECONDS: 0.02,
    });
    expect(stats.finish_reason).toBe('memusage_exceeded');
    expect(stats['memusage/limit_reached']).toBe(1);
    expect(stats['memusage/max']).toBeGreaterThan(limitMb * MIB);
    // Before the growth the checks were under the limit: the INFO line says so.
    expect(grep('INFO Peak memory usage is ').length).toBeGreaterThanOrEqual(1);
    // Every check until the engine stops logs it again (Scrapy's too), at least once then.
    expect(grep(`ERROR Memory usage exceeded ${limitMb}MiB. Shutting down Scrapy...`).length).toBeGreaterThanOrEqual(1);
    // The callback in progress finished: graceful close, as in Scrapy.
    expect(items).toHaveLength(1);
  });

  it('MEMUSAGE_WARNING_MB: one WARNING and memusage/warning_reached, the crawl goes on and finishes', async () => {
    const warnMb = Math.ceil(peakMemoryUsage() / MIB) + 48;
    const { stats, grep, items } = await runCrawl(growingSpider(112, /^Memory usage reached/), {
      MEMUSAGE_WARNING_MB: warnMb,
      MEMUSAGE_CHECK_INTERVAL_SECONDS: 0.02,
    });
    expect(stats.finish_reason).toBe('finished');
    expect(stats['memusage/warning_reached']).toBe(1);
    expect(grep(`WARNING Memory usage reached ${warnMb}MiB`)).toHaveLength(1);
    expect(items).toHaveLength(1);
  });

  it('bad values are usage errors naming the setting', async () => {
    await expect(runCrawl(growingSpider(0, null), { MEMUSAGE_CHECK_INTERVAL_SECONDS: 0 })).rejects.toThrow(/MEMUSAGE_CHECK_INTERVAL_SECONDS=0 is not valid/);
    await expect(runCrawl(growingSpider(0, null), { MEMUSAGE_LIMIT_MB: -5 })).rejects.toThrow(/MEMUSAGE_LIMIT_MB=-5 is not valid/);
  });
});
