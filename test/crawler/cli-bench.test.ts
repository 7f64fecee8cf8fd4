// `deferkit bench` (issue 18): Scrapy's benchmark, run as the real CLI with a short
// CLOSESPIDER_TIMEOUT. Checks the LogStats lines' shape, that pages were crawled, and the close
// reason; no assertion on speed.

import { describe, expect, it } from 'vitest';
import { BENCH_USAGE } from '../../packages/crawler/src/cli/bench.js';
import { runCli, statsDump } from './cli-harness.js';

const LINE = /\[scrapy\.extensions\.logstats\] INFO: Crawled (\d+) pages \(at (\d+) pages\/min\), scraped (\d+) items \(at (\d+) items\/min\)/g;

describe.concurrent('deferkit bench', { timeout: 180_000 }, () => {
  for (const reactor of ['callback', 'promise']) {
    it(`crawls the local link server until CLOSESPIDER_TIMEOUT, logging LogStats lines (${reactor} reactor)`, async () => {
      const r = await runCli(['bench', '-s', 'CLOSESPIDER_TIMEOUT=2', '--reactor', reactor], { timeout: 150_000 });
      expect(r.code).toBe(0);
      const lines = [...r.stderr.matchAll(LINE)];
      // LogStats logs once when the spider opens, then every LOGSTATS_INTERVAL (1 s) until it closes.
      expect(lines.length).toBeGreaterThanOrEqual(1);
      const stats = statsDump(r.stderr);
      expect(stats.finish_reason).toBe('closespider_timeout');
      expect(Number(stats.response_received_count)).toBeGreaterThan(0);
      // The pages are the bench server's: followed links, counted by the downloader.
      expect(Number(stats['downloader/request_count'])).toBeGreaterThan(1);
      expect(r.stderr).toContain('Spider closed (closespider_timeout)');
      // No DEBUG lines: bench runs at LOG_LEVEL INFO, as Scrapy's.
      expect(r.stderr).not.toContain('DEBUG:');
    });
  }

  it('--help prints the usage; an argument is a usage error', async () => {
    const [help, extra] = await Promise.all([runCli(['bench', '--help'], { timeout: 150_000 }), runCli(['bench', 'http://x'], { timeout: 150_000 })]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(BENCH_USAGE);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('bench takes no arguments');
  });
});
