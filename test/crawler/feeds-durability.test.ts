// What a feed guarantees (issue 13): a crawl never destroys, truncates or silently loses what a
// user had or scraped — files it cannot read, huge files, links, FIFOs, devices, hard links,
// forced stops, SIGKILL, full disks, and callback output that is not an item.

import { execFileSync } from 'node:child_process';
import {
  chownSync,
  createReadStream,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  chmodSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CrawlerProcess, Spider, type Crawler, type LogRecord } from '@deferkit/crawler';
import { startDemoSite } from '@deferkit/crawler/demo';
import { isReactorInstalled, uninstallReactor } from '@deferkit/reactor';
import { feedFs } from '../../packages/crawler/src/extensions/feeds/target.js';
import { FIXTURES, parseJsonl, startCli, freshDirs } from './cli-harness.js';

const isRoot = process.getuid?.() === 0;

/** A fresh directory for one test. */
const freshDir = freshDirs('deferkit-durable-');

// Tests that swap feedFs members put them back here.
const saved = { ...feedFs };
afterEach(() => Object.assign(feedFs, saved));

/** Yields `rows` from start(): no network. */
class ItemsSpider extends Spider {
  override name = 'items';
  rows: unknown[] = [];
  override async *start() {
    for (const row of this.rows) yield row;
  }
}

const ROWS = [{ title: 'One', n: 1 }, { title: 'Two', n: 2 }];

async function crawl(
  feeds: unknown,
  rows: unknown[] = ROWS,
  settings: Record<string, unknown> = {},
): Promise<{ stats: Record<string, unknown>; logs: LogRecord[]; crawler: Crawler }> {
  if (isReactorInstalled()) uninstallReactor();
  const proc = new CrawlerProcess({ REACTOR: 'callback', LOG_ENABLED: false, LOGSTATS_INTERVAL: 0, FEEDS: feeds, ...settings });
  const crawler = proc.createCrawler(ItemsSpider);
  const logs: LogRecord[] = [];
  crawler.onLog((r) => logs.push(r));
  try {
    const done = proc.crawlAsync(crawler, { rows });
    await proc.start({ installSignalHandlers: false });
    await done;
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  return { stats: crawler.stats.getStats(), logs, crawler };
}

const errors = (logs: LogRecord[]): string[] => logs.filter((l) => l.level === 'ERROR').map((l) => l.message);
const JSONL = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r).replace(/":/g, '": ').replace(/,"/g, ', "') + '\n').join('');

describe('13.1 a feed that cannot be read is never replaced', () => {
  it('13.1 appending to a file the crawl may not read fails that feed, names the fix, and leaves the file as it was', async () => {
    const d = freshDir();
    const target = join(d, 'locked.json');
    writeFileSync(target, '[\n{"old": 1}\n]');
    const other = join(d, 'other.jsonl');
    // As root, permissions do not stop a read: make the file system refuse it.
    const open = feedFs.openSync;
    feedFs.openSync = ((path: string, flags: unknown, mode?: unknown) => {
      if (path === target) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return (open as (...a: unknown[]) => number)(path, flags, mode);
    }) as typeof feedFs.openSync;
    const { stats, logs } = await crawl({ [target]: { format: 'json' }, [other]: { format: 'jsonl' } });
    expect(readFileSync(target, 'utf8')).toBe('[\n{"old": 1}\n]');
    expect(errors(logs)).toEqual([
      `Error opening json feed ${target}: cannot append to ${target} (EACCES: permission denied, open '${target}'); fix its permissions, or use -O / overwrite: true to replace it. The file was left as it was.`,
    ]);
    expect(stats['feedexport/failed_count/FileFeedStorage']).toBe(1);
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
    expect(readFileSync(other, 'utf8')).toBe(JSONL(ROWS));
    expect(readdirSync(d).sort()).toEqual(['locked.json', 'other.jsonl']);
  });

  it('13.1 a file over 2 GiB is appended to, not replaced: its old bytes stay and the items follow them', async () => {
    const d = freshDir();
    const target = join(d, 'big.jsonl');
    const big = 2200 * 1024 * 1024;
    writeFileSync(target, '');
    truncateSync(target, big); // sparse: no disk used
    const { stats } = await crawl({ [target]: { format: 'jsonl' } });
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
    const added = JSONL(ROWS);
    // The last byte of the old content was a NUL, not a newline: one is added first.
    expect(statSync(target).size).toBe(big + 1 + Buffer.byteLength(added));
    const fd = openSync(target, 'r');
    const tail = Buffer.alloc(1 + Buffer.byteLength(added));
    readSync(fd, tail, 0, tail.length, big);
    closeSync(fd);
    expect(tail.toString('utf8')).toBe('\n' + added);
  });
});

describe('13.2 appending costs the new items, never the old feed', () => {
  it('13.2 appending to a jsonl feed reads one byte of it; to a json array, its tail only', async () => {
    const d = freshDir();
    const jsonl = join(d, 'a.jsonl');
    const json = join(d, 'a.json');
    const old = Array.from({ length: 20000 }, (_, i) => ({ i, pad: 'x'.repeat(100) }));
    writeFileSync(jsonl, JSONL(old));
    writeFileSync(json, '[\n' + old.map((o) => JSON.stringify(o)).join(',\n') + '\n]');
    const sizes = { jsonl: statSync(jsonl).size, json: statSync(json).size };
    expect(sizes.json).toBeGreaterThan(2_000_000);
    let read = 0;
    const readSyncOrig = feedFs.readSync;
    feedFs.readSync = (fd, buf, off, len, pos) => {
      const n = readSyncOrig(fd, buf, off, len, pos);
      read += n;
      return n;
    };
    await crawl({ [jsonl]: { format: 'jsonl' }, [json]: { format: 'json' } });
    // Each feed reads back its own spool (the new items) once; the old files barely at all.
    const spooled = 2 * Buffer.byteLength(JSONL(ROWS));
    expect(read).toBeLessThan(spooled + 4 * 65536);
    expect(parseJsonl(readFileSync(jsonl, 'utf8'))).toEqual([...old, ...ROWS]);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual([...old, ...ROWS]);
  });
});

describe('13.3 the target is written to, not replaced', () => {
  it.skipIf(!isRoot)('13.3 a symbolic link stays a link: its target gets the items and keeps its mode and owner (append and -O)', async () => {
    const d = freshDir();
    const real = join(d, 'real.jsonl');
    const link = join(d, 'link.jsonl');
    writeFileSync(real, JSONL([{ old: 1 }]));
    chmodSync(real, 0o640);
    chownSync(real, 1234, 2345);
    symlinkSync(real, link);
    await crawl({ [link]: { format: 'jsonl' } });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe(JSONL([{ old: 1 }, ...ROWS]));
    await crawl({ [link]: { format: 'jsonl', overwrite: true } }, [{ only: true }]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe(JSONL([{ only: true }]));
    const st = statSync(real);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o640, 1234, 2345]);
    expect(readdirSync(d).sort()).toEqual(['link.jsonl', 'real.jsonl']);
  });

  it('13.3 -O onto a regular file keeps its mode; onto a hard-linked file, every name sees the new feed', async () => {
    const d = freshDir();
    const target = join(d, 'mode.jsonl');
    writeFileSync(target, 'old\n');
    chmodSync(target, 0o604);
    await crawl({ [target]: { format: 'jsonl', overwrite: true } });
    expect(statSync(target).mode & 0o777).toBe(0o604);
    expect(readFileSync(target, 'utf8')).toBe(JSONL(ROWS));
    const a = join(d, 'a.jsonl');
    const b = join(d, 'b.jsonl');
    writeFileSync(a, 'a much longer old content than the new feed will have, to see it cut\n'.repeat(3));
    linkSync(a, b);
    await crawl({ [a]: { format: 'jsonl', overwrite: true } });
    expect(readFileSync(b, 'utf8')).toBe(JSONL(ROWS));
    expect(statSync(a).ino).toBe(statSync(b).ino);
  });

  it('13.3 a FIFO is written through to its reader and stays a FIFO', async () => {
    const d = freshDir();
    const fifo = join(d, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const received = new Promise<string>((resolve, reject) => {
      let text = '';
      createReadStream(fifo, 'utf8')
        .on('data', (c) => (text += c))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    const { stats } = await crawl({ [fifo]: { format: 'json' } });
    expect(await received).toBe('[\n{"title": "One", "n": 1},\n{"title": "Two", "n": 2}\n]');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
    expect(readdirSync(d)).toEqual(['pipe.jsonl']);
  });

  it.skipIf(!isRoot)('13.3 a device node (a null device made with mknod) is written through and stays a device', async () => {
    const d = freshDir();
    const dev = join(d, 'null');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    const { stats } = await crawl({ [dev]: { format: 'jsonl', overwrite: true } });
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
    expect(readdirSync(d)).toEqual(['null']);
  });

  it('13.3 a directory as the target is one clear error; nothing is created inside it', async () => {
    const d = freshDir();
    const { logs, stats } = await crawl({ [d]: { format: 'jsonl' } });
    expect(errors(logs)).toEqual([`Error opening jsonl feed ${d}: ${d} is a directory; name a file for the feed (e.g. ${join(d, 'items.jsonl')}).`]);
    expect(stats['feedexport/failed_count/FileFeedStorage']).toBe(1);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('13.4 a forced stop keeps what was scraped', () => {
  let site: Awaited<ReturnType<typeof startDemoSite>>;
  beforeAll(async () => {
    site = await startDemoSite();
  });
  afterAll(() => site.close());

  it('13.4 a second SIGINT publishes every item scraped so far, correctly terminated (a new json feed and a jsonl append)', async () => {
    const d = freshDir();
    const json = join(d, 'out.json');
    const jsonl = join(d, 'prev.jsonl');
    writeFileSync(jsonl, '{"i": 0}\n');
    const fast = 6;
    const run = startCli(
      ['runspider', join(FIXTURES, 'forced-stop-spider.ts'), '-a', `base=${site.url}`, '-a', `fast=${fast}`, '-a', 'hang=2', '-s', 'CONCURRENT_REQUESTS=16', '-o', json, '-o', jsonl],
      { timeout: 50_000 },
    );
    // Every fast page scraped; the two hanging requests keep the crawl from finishing.
    await run.waitFor(new RegExp(`(DEBUG: Scraped from[\\s\\S]*){${fast}}`));
    run.child.kill('SIGINT');
    await run.waitFor(/Received SIGINT, shutting down gracefully/);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    const items = JSON.parse(readFileSync(json, 'utf8')) as Array<{ i: number }>;
    expect(items.map((x) => x.i).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const appended = parseJsonl(readFileSync(jsonl, 'utf8'));
    expect(appended[0]).toEqual({ i: 0 });
    expect(appended.slice(1).map((x) => x.i).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.stderr).toContain(`Stored json feed (${fast} items) in: ${json} (forced stop)`);
    expect(readdirSync(d).sort()).toEqual(['out.json', 'prev.jsonl']);
  });

  it('13.4 SIGKILL during an append leaves the old feed byte for byte; the next crawl names the spool that holds the lost items', async () => {
    const d = freshDir();
    const target = join(d, 'prev.jsonl');
    writeFileSync(target, '{"i": 0}\n');
    const run = startCli(['runspider', join(FIXTURES, 'forced-stop-spider.ts'), '-a', `base=${site.url}`, '-a', 'fast=3', '-a', 'hang=1', '-o', target]);
    await run.waitFor(/(DEBUG: Scraped from[\s\S]*){3}/);
    run.child.kill('SIGKILL');
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(target, 'utf8')).toBe('{"i": 0}\n');
    const spool = readdirSync(d).find((f) => f.startsWith('.prev.jsonl.'))!;
    // The third "Scraped from" line is logged just before its item is written: the kill may
    // land between the two, so the spool holds the first two items, or all three.
    const spooled = parseJsonl(readFileSync(join(d, spool), 'utf8')).map((x) => x.i as number);
    expect(spooled.length).toBeGreaterThanOrEqual(2);
    for (const i of spooled) expect([1, 2, 3]).toContain(i);
    const { logs } = await crawl({ [target]: { format: 'jsonl' } });
    expect(logs.filter((l) => l.level === 'WARNING').map((l) => l.message)).toContain(
      `${join(d, spool)} was left by an interrupted crawl (process ${run.child.pid}): it holds the items that crawl scraped but never added to ${target}. It is kept; delete it once you have what you need.`,
    );
    expect(existsSync(join(d, spool))).toBe(true);
    expect(parseJsonl(readFileSync(target, 'utf8'))).toEqual([{ i: 0 }, ...ROWS]);
  });
});

describe('13.5 a write error fails the feed, once, and keeps the target', () => {
  const many = Array.from({ length: 400 }, (_, i) => ({ i, text: 'y'.repeat(500) }));

  it('13.5 short writes are completed: a file system that takes 7 bytes a call still gets the whole feed', async () => {
    const d = freshDir();
    const target = join(d, 'short.jsonl');
    const write = feedFs.writeSync;
    feedFs.writeSync = (fd, buf, off, len, pos) => write(fd, buf, off, Math.min(len, 7), pos);
    const { stats } = await crawl({ [target]: { format: 'jsonl' } });
    expect(readFileSync(target, 'utf8')).toBe(JSONL(ROWS));
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
  });

  it('13.5 ENOSPC midway (a fake file system): one error naming the feed and the cause, a failed feed, the old content kept, the crawl finishes', async () => {
    const d = freshDir();
    const target = join(d, 'full.jsonl');
    const other = join(d, 'ok.jsonl');
    writeFileSync(target, '{"old": 1}\n');
    // Only the spool of full.jsonl runs out of room, after 20,000 bytes.
    let spoolFd = -1;
    const open = feedFs.openSync;
    feedFs.openSync = ((path: string, flags: unknown, mode?: unknown) => {
      const fd = (open as (...a: unknown[]) => number)(path, flags, mode);
      if (String(path).includes('.full.jsonl.')) spoolFd = fd;
      return fd;
    }) as typeof feedFs.openSync;
    const write = feedFs.writeSync;
    let budget = 20_000;
    feedFs.writeSync = (fd, buf, off, len, pos) => {
      if (fd !== spoolFd) return write(fd, buf, off, len, pos);
      if (budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = write(fd, buf, off, Math.min(len, budget), pos);
      budget -= n;
      return n;
    };
    // The items whose lines fit whole in 20,000 bytes.
    let fit = 0;
    for (let used = 0; used + Buffer.byteLength(JSONL([many[fit]])) <= 20_000; fit++) used += Buffer.byteLength(JSONL([many[fit]]));
    const { stats, logs } = await crawl({ [target]: { format: 'jsonl' }, [other]: { format: 'jsonl' } }, many);
    expect(errors(logs)).toEqual([
      `Feed ${target} failed after ${fit} items: ENOSPC: no space left on device, write. It is not written; ${target} keeps its previous content (if any). The crawl goes on.`,
    ]);
    expect(readFileSync(target, 'utf8')).toBe('{"old": 1}\n');
    expect(parseJsonl(readFileSync(other, 'utf8'))).toHaveLength(400);
    expect(stats['feedexport/failed_count/FileFeedStorage']).toBe(1);
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
    expect(stats.finish_reason).toBe('finished');
    expect(stats.item_scraped_count).toBe(400);
    expect(readdirSync(d).sort()).toEqual(['full.jsonl', 'ok.jsonl']);
  });

  describe.skipIf(!isRoot)('on a real, small tmpfs', () => {
    let mnt: string;
    let mounted = false;
    beforeAll(() => {
      mnt = freshDir();
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
        mounted = true;
      } catch {
        mounted = false; // no mount allowed here (a container): the fake file system covers it
      }
    });
    afterAll(() => {
      if (mounted) execFileSync('umount', [mnt]);
    });

    it('13.5 a full disk while spooling: the target keeps its old bytes, one error, no spool left', async (ctx) => {
      if (!mounted) ctx.skip();
      const dir = join(mnt, 'a');
      mkdirSync(dir);
      const target = join(dir, 'spool.jsonl');
      writeFileSync(target, '{"old": 1}\n');
      const { stats, logs } = await crawl({ [target]: { format: 'jsonl' } }, many);
      const errs = errors(logs);
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(new RegExp(`^Feed ${target} failed after \\d+ items: ENOSPC: no space left on device, write\\. It is not written; ${target} keeps its previous content \\(if any\\)\\. The crawl goes on\\.$`));
      expect(readFileSync(target, 'utf8')).toBe('{"old": 1}\n');
      expect(stats['feedexport/failed_count/FileFeedStorage']).toBe(1);
      expect(stats['feedexport/success_count/FileFeedStorage']).toBeUndefined();
      expect(readdirSync(dir)).toEqual(['spool.jsonl']);
      rmSync(dir, { recursive: true });
    });

    it('13.5 a full disk while appending the spool: the old file is restored byte for byte', async (ctx) => {
      if (!mounted) ctx.skip();
      const dir = join(mnt, 'b');
      mkdirSync(dir);
      const target = join(dir, 'append.json');
      const old = '[\n' + Array.from({ length: 20 }, (_, i) => JSON.stringify({ old: i, pad: 'z'.repeat(400) })).join(',\n') + '\n]\n';
      writeFileSync(target, old);
      // ~42 KB of items fit in the spool, but not a second time in the file.
      const rows = Array.from({ length: 80 }, (_, i) => ({ i, text: 'w'.repeat(500) }));
      const { stats, logs } = await crawl({ [target]: { format: 'json' } }, rows);
      expect(errors(logs)).toHaveLength(1);
      expect(errors(logs)[0]).toContain('ENOSPC');
      expect(readFileSync(target, 'utf8')).toBe(old);
      expect(stats['feedexport/failed_count/FileFeedStorage']).toBe(1);
      expect(readdirSync(dir)).toEqual(['append.json']);
    });
  });
});

describe('13.6 only items are items', () => {
  it("13.6 a number, a string, a symbol, a function or an array is logged as Scrapy does and never written", async () => {
    const d = freshDir();
    const target = join(d, 'items.jsonl');
    const rows = [42, 'a string', Symbol('s'), () => 1, [1, 2], true, { real: 'item' }];
    const { stats, logs } = await crawl({ [target]: { format: 'jsonl' } }, rows);
    expect(errors(logs)).toEqual(
      ['number', 'string', 'symbol', 'function', 'Array', 'boolean'].map((t) => `Spider must return request, item, or None, got '${t}' in start`),
    );
    expect(readFileSync(target, 'utf8')).toBe('{"real": "item"}\n');
    expect(stats.item_scraped_count).toBe(1);
  });
});
