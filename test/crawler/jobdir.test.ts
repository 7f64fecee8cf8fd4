// JOBDIR pause/resume through the real CLI: a crawl of a loopback site stopped with SIGINT once
// the site has seen K requests, then the same command run again, fetches every page exactly once
// over both runs (the graceful stop lets the requests in flight finish, so none is fetched
// twice), the items are complete, spider.state carries over; the JOBDIR files have Scrapy's
// layout; a JOBDIR that cannot be resumed from is a clear error (exit 2), never a fresh start;
// a request that JOBDIR cannot keep fails at enqueue time.

import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freshDirs, parseJsonl, runCli, startCli, statsDump } from './cli-harness.js';

const SPIDER = join(ROOT, 'test/crawler/fixtures/jobdir/tree-spider.ts');
const SIZE = 40;

/** The tree site: /p/N answers once the gate is open; every request is counted and announced. */
class TreeSite extends EventEmitter {
  readonly hits = new Map<string, number>();
  seen = 0;
  /** While set, requests after the first `holdAfter` wait until release(). */
  holdAfter = Infinity;
  readonly #held: Array<() => void> = [];
  readonly server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    this.seen++;
    const answer = (): void => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<html><body><h1>${path}</h1></body></html>`);
    };
    if (this.seen > this.holdAfter) this.#held.push(answer);
    else answer();
    this.emit('request', this.seen);
  });
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  /** Answer the held requests and stop holding. */
  release(): void {
    this.holdAfter = Infinity;
    for (const a of this.#held.splice(0)) a();
  }
  /** Resolves when the site has seen `n` requests in all. */
  async seenAtLeast(n: number): Promise<void> {
    while (this.seen < n) await once(this, 'request');
  }
}

let site: TreeSite;
beforeAll(async () => {
  site = new TreeSite();
  site.server.listen(0, '127.0.0.1');
  await once(site.server, 'listening');
});
afterAll(() => {
  site.server.closeAllConnections();
  site.server.close();
});

const fresh = freshDirs('deferkit-jobdir-');
const args = (jobdir: string, out: string, extra: string[] = []): string[] => [
  'runspider', SPIDER, '-a', `base=${site.url}`, '-a', `size=${SIZE}`,
  '-s', `JOBDIR=${jobdir}`, '-s', 'CONCURRENT_REQUESTS=2', '-s', 'LOG_LEVEL=INFO', '-o', out, ...extra,
];

describe('JOBDIR: stop with SIGINT, resume with the same command', () => {
  it('fetches every page exactly once over both runs, items complete, spider.state carried over, Scrapy file layout', async () => {
    const dir = fresh();
    const jobdir = join(dir, 'crawls', 'run1');
    const out = join(dir, 'items.jsonl');
    site.hits.clear();
    site.seen = 0;
    const K = 8;
    site.holdAfter = K;
    const first = startCli(args(jobdir, out), { timeout: 120_000 });
    // Stop once the site has answered K requests and holds the next ones in flight.
    await site.seenAtLeast(K + 1);
    first.child.kill('SIGINT');
    await first.waitFor(/Received SIGINT, shutting down gracefully/, 60_000);
    site.release();
    const r1 = await first.done;
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stderr).toMatch(/Closing spider \(shutdown\)/);
    const stats1 = statsDump(r1.stderr);
    expect(stats1.finish_reason).toBe('shutdown');
    const fetched1 = stats1['response_received_count'] as number;
    expect(fetched1).toBeLessThan(SIZE);

    // The JOBDIR files, in Scrapy's layout.
    expect(readdirSync(jobdir).sort()).toEqual(['requests.queue', 'requests.seen', 'spider.state']);
    const active = JSON.parse(readFileSync(join(jobdir, 'requests.queue/active.json'), 'utf8')) as number[];
    expect(active.length).toBeGreaterThan(0);
    let pending = 0;
    for (const key of active) {
      const lines = readFileSync(join(jobdir, 'requests.queue', String(key)), 'utf8').trim().split('\n');
      for (const line of lines) {
        const d = JSON.parse(line) as { url: string; priority: number; callback: string | null; cb_kwargs: { parent: number } };
        expect(-d.priority === key || (key === 0 && d.priority === 0)).toBe(true);
        expect(d.url).toMatch(/\/p\/\d+$/);
        expect(typeof d.cb_kwargs.parent).toBe('number');
      }
      pending += lines.length;
    }
    expect(r1.stderr).toContain(`Kept ${pending} pending requests`);
    const seenLines = readFileSync(join(jobdir, 'requests.seen'), 'utf8').trim().split('\n');
    expect(seenLines.every((l) => /^[0-9a-f]{40}$/.test(l))).toBe(true);
    expect(seenLines.length).toBe(fetched1 + pending);
    expect(JSON.parse(readFileSync(join(jobdir, 'spider.state'), 'utf8'))).toEqual({ pages: fetched1 });

    // Resume: the same command.
    const r2 = await runCli(args(jobdir, out), { timeout: 120_000 });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toContain(`Resuming crawl (${pending} requests scheduled)`);
    const stats2 = statsDump(r2.stderr);
    expect(stats2.finish_reason).toBe('finished');
    // The start request was seen by the first run: filtered now.
    expect(stats2['dupefilter/filtered']).toBe(1);

    const expected = Array.from({ length: SIZE }, (_, n) => `/p/${n}`);
    expect([...site.hits.keys()].sort()).toEqual(expected.sort());
    for (const [path, count] of site.hits) expect(count, path).toBe(1);
    expect(fetched1 + (stats2['response_received_count'] as number)).toBe(SIZE);
    const items = parseJsonl(readFileSync(out, 'utf8')).map((i) => i.n as number);
    expect(items.sort((a, b) => a - b)).toEqual(Array.from({ length: SIZE }, (_, n) => n));
    expect(JSON.parse(readFileSync(join(jobdir, 'spider.state'), 'utf8'))).toEqual({ pages: SIZE });
    expect(JSON.parse(readFileSync(join(jobdir, 'requests.queue/active.json'), 'utf8'))).toEqual([]);
  }, 240_000);
});

describe('JOBDIR that cannot be resumed from: a clear error (exit 2), not a fresh start', () => {
  /** A JOBDIR a finished crawl left (spider.state, requests.seen, an empty queue). */
  async function finishedJobdir(): Promise<{ jobdir: string; out: string }> {
    const dir = fresh();
    const jobdir = join(dir, 'job');
    const out = join(dir, 'items.jsonl');
    const r = await runCli(args(jobdir, out, ['-a', 'size=3']), { timeout: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    return { jobdir, out };
  }

  it('a corrupt queue file', async () => {
    const { jobdir, out } = await finishedJobdir();
    writeFileSync(join(jobdir, 'requests.queue/active.json'), '[0]');
    writeFileSync(join(jobdir, 'requests.queue/0'), '{"url": "http://127.0.0.1/p/1"}\nnot json\n');
    const r = await runCli(args(jobdir, out), { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JOBDIR queue file .*requests\.queue\/0 is corrupt at line 2 .*Restore it, or remove the JOBDIR to start afresh/);
    expect(r.stderr).not.toMatch(/Spider opened|Crawled/);
  }, 240_000);

  it('a queue index that is missing while queue files are there', async () => {
    const { jobdir, out } = await finishedJobdir();
    writeFileSync(join(jobdir, 'requests.queue/-1'), '{"url": "http://127.0.0.1/p/1"}\n');
    execFileSync('rm', [join(jobdir, 'requests.queue/active.json')]);
    const r = await runCli(args(jobdir, out), { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/queue index .*active\.json is missing but .* holds queue files/);
  }, 240_000);

  it('a corrupt seen file, a corrupt spider.state, a FIFO in place of a file', async () => {
    const { jobdir, out } = await finishedJobdir();
    const seen = join(jobdir, 'requests.seen');
    const good = readFileSync(seen, 'utf8');
    writeFileSync(seen, `${good}zz-not-a-fingerprint\n`);
    let r = await runCli(args(jobdir, out), { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/seen-requests file .* is corrupt at line \d+ \(not a fingerprint/);
    writeFileSync(seen, good);

    writeFileSync(join(jobdir, 'spider.state'), '{"pages": 3');
    r = await runCli(args(jobdir, out), { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JOBDIR spider state .* is corrupt \(not a JSON object\)/);
    execFileSync('rm', [join(jobdir, 'spider.state')]);

    execFileSync('mkfifo', [join(jobdir, 'spider.state')]);
    r = await runCli(args(jobdir, out), { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/spider\.state is not a regular file; remove or rename it/);
    // Still a FIFO: nothing replaced it.
    expect(execFileSync('stat', ['-c', '%F', join(jobdir, 'spider.state')], { encoding: 'utf8' }).trim()).toBe('fifo');
  }, 240_000);

  it('a JOBDIR that is a file', async () => {
    const dir = fresh();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runCli(args(file, join(dir, 'o.jsonl')), { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JOBDIR .*not-a-dir is not a folder: give a folder path/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  }, 120_000);
});

describe('JOBDIR: a request it cannot keep fails at enqueue time', () => {
  it('a callback that is not a spider method is a logged error naming the fix, counted, not scheduled', async () => {
    const dir = fresh();
    const jobdir = join(dir, 'job');
    const r = await runCli(args(jobdir, join(dir, 'o.jsonl'), ['-a', 'size=3', '-a', 'bad=1']), { timeout: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Unable to serialize request: <GET http:\/\/127\.0\.0\.1:\d+\/p\/0\?bad> - reason: .*its callback an anonymous function is not a method of <TreeSpider 'tree'>.*make it a spider method/);
    expect(r.stderr).toMatch(/Spider error processing <GET http:\/\/127\.0\.0\.1:\d+\/p\/0>/);
    const stats = statsDump(r.stderr);
    expect(stats['scheduler/unserializable']).toBe(1);
    // The error stops /p/0's output there (as any spider error): its children are not reached.
    expect(stats.item_scraped_count).toBe(1);
    expect(stats['spider_exceptions/TypeError']).toBe(1);
    expect(existsSync(join(jobdir, 'requests.seen'))).toBe(true);
    expect(readFileSync(join(jobdir, 'requests.seen'), 'utf8')).not.toContain('bad');
  }, 120_000);
});

describe('JOBDIR against real Scrapy 2.8: the same layout, and both resume to a complete crawl', () => {
  const PY_SPIDER = join(ROOT, 'test/crawler/fixtures/jobdir/tree_spider.py');
  /** Every path under `dir`, relative, sorted. */
  const layout = (dir: string): string[] => {
    const out: string[] = [];
    const walk = (d: string, rel: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        out.push(`${rel}${e.name}${e.isDirectory() ? '/' : ''}`);
        if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      }
    };
    walk(dir, '');
    return out.sort();
  };
  /** Run deferkit or Scrapy on the tree site with JOBDIR, to its end. */
  const crawl = async (who: 'deferkit' | 'scrapy', jobdir: string, extra: string[]): Promise<void> => {
    const common = ['-a', `base=${site.url}`, '-a', `size=${SIZE}`, '-s', `JOBDIR=${jobdir}`, '-s', 'CONCURRENT_REQUESTS=2', '-s', 'LOG_LEVEL=INFO', ...extra];
    if (who === 'deferkit') {
      const r = await runCli(['runspider', SPIDER, ...common], { timeout: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      return;
    }
    // Asynchronous: the site answers from this process.
    const py = spawn('/usr/bin/python3', ['-m', 'scrapy', 'runspider', PY_SPIDER, ...common], { cwd: fresh(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    py.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const [code] = (await once(py, 'close')) as [number | null];
    expect(code, err).toBe(0);
  };

  it('stopped gracefully after 6 pages: the same file layout (a queue file per pending priority key); resumed: every page once', async () => {
    const results: Record<string, { layout: string[]; active: number[]; hits: Map<string, number> }> = {};
    for (const who of ['deferkit', 'scrapy'] as const) {
      const jobdir = join(fresh(), 'job');
      site.hits.clear();
      site.seen = 0;
      await crawl(who, jobdir, ['-s', 'CLOSESPIDER_PAGECOUNT=6']);
      const files = layout(jobdir);
      const active = (JSON.parse(readFileSync(join(jobdir, 'requests.queue/active.json'), 'utf8')) as number[]).sort((a, b) => a - b);
      const seen = readFileSync(join(jobdir, 'requests.seen'), 'utf8').trim().split('\n');
      // Every fingerprint a line: the pages fetched and the ones pending.
      expect(seen.every((l) => /^[0-9a-f]{40}$/.test(l)), who).toBe(true);
      await crawl(who, jobdir, []);
      results[who] = { layout: files, active, hits: new Map(site.hits) };
    }
    // Which priorities are still pending depends on which pages were in flight at the stop (it
    // differs between runs of either crawler), so the shape is compared: the same top-level
    // files, and in requests.queue/ active.json plus one file per key it lists.
    const shape = (r: (typeof results)[string]): { top: string[]; queueFiles: string[] } => ({
      top: r.layout.filter((p) => !p.slice(0, -1).includes('/')),
      queueFiles: r.layout.filter((p) => p.startsWith('requests.queue/') && p !== 'requests.queue/').sort(),
    });
    for (const who of ['deferkit', 'scrapy'] as const) {
      const r = results[who]!;
      expect(r.active.length, who).toBeGreaterThan(0);
      expect(shape(r).queueFiles, who).toEqual(['requests.queue/active.json', ...r.active.map((k) => `requests.queue/${k}`)].sort());
    }
    expect(shape(results.deferkit!).top).toEqual(shape(results.scrapy!).top);
    expect(shape(results.deferkit!).top).toEqual(['requests.queue/', 'requests.seen', 'spider.state']);
    const all = Array.from({ length: SIZE }, (_, n) => `/p/${n}`).sort();
    for (const who of ['deferkit', 'scrapy'] as const) {
      const hits = results[who]!.hits;
      expect([...hits.keys()].sort(), who).toEqual(all);
      for (const [path, count] of hits) expect(count, `${who} ${path}`).toBe(1);
    }
  }, 300_000);
});
