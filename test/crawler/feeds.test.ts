// Feed exports (FEEDS): jsonl, json and csv files, fields, %(name)s/%(time)s paths, append vs
// overwrite, and atomic writes — including a CLI killed with SIGKILL in the middle of a crawl.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrawlerProcess, signals, Spider, type Crawler, type LogRecord } from '@deferkit/crawler';
import { isReactorInstalled, uninstallReactor } from '@deferkit/reactor';
import { FIXTURES, parseJsonl, startCli, freshDirs } from './cli-harness.js';

/** A fresh directory for one test. */
const freshDir = freshDirs('deferkit-feeds-');

/** Yields `rows` as items from start(): no network. */
class ItemsSpider extends Spider {
  override name = 'items';
  rows: unknown[] = [];
  override async *start() {
    for (const row of this.rows) yield row;
  }
}

const ROWS = [
  { title: 'A, "quoted" title', n: 1, tags: ['x', 'y'], meta: { k: 1 }, note: 'line1\nline2' },
  { title: 'Plain', n: 2.5, extra: 'only here' },
];

/**
 * ROWS as Python's `json.dumps` writes them (printed by python3), which is what Scrapy's JSON
 * and JSON-lines exporters write: a space after each `:` and `,`.
 */
const ROWS_JSON = [
  '{"title": "A, \\"quoted\\" title", "n": 1, "tags": ["x", "y"], "meta": {"k": 1}, "note": "line1\\nline2"}',
  '{"title": "Plain", "n": 2.5, "extra": "only here"}',
];

interface FeedCrawl {
  stats: Record<string, unknown>;
  logs: LogRecord[];
  error: unknown;
}

async function crawlFeeds(
  feeds: unknown,
  args: Record<string, unknown> = {},
  settings: Record<string, unknown> = {},
  setup?: (crawler: Crawler) => void,
): Promise<FeedCrawl> {
  if (isReactorInstalled()) uninstallReactor();
  const proc = new CrawlerProcess({ REACTOR: 'callback', LOG_ENABLED: false, LOGSTATS_INTERVAL: 0, FEEDS: feeds, ...settings });
  let crawler: Crawler | undefined;
  const logs: LogRecord[] = [];
  let error: unknown = null;
  let done: Promise<void>;
  try {
    crawler = proc.createCrawler(ItemsSpider);
    crawler.onLog((r) => logs.push(r));
    setup?.(crawler);
    done = proc.crawlAsync(crawler, { rows: ROWS, ...args }).catch((e: unknown) => {
      error = e;
    });
    await proc.start({ installSignalHandlers: false });
    await done;
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  return { stats: crawler.stats.getStats(), logs, error };
}

describe('formats', () => {
  it("jsonl: one JSON object per line, spaced as Python's json.dumps writes it (Scrapy's exporter)", async () => {
    const d = freshDir();
    const { stats } = await crawlFeeds({ [join(d, 'out.jsonl')]: { format: 'jsonl' }, [join(d, 'out.jl')]: { format: 'jl' } });
    const expected = ROWS_JSON.map((r) => r + '\n').join('');
    expect(readFileSync(join(d, 'out.jsonl'), 'utf8')).toBe(expected);
    expect(readFileSync(join(d, 'out.jl'), 'utf8')).toBe(expected);
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(2);
  });

  it("nested and empty values are spaced as json.dumps does; undefined fields are left out; ': ' and ', ' inside strings stay as they are", async () => {
    const d = freshDir();
    const row = { e: {}, a: [], nested: { x: [1, { y: null }] }, s: 'a: b, c', gone: undefined };
    await crawlFeeds({ [join(d, 'n.jsonl')]: { format: 'jsonl' } }, { rows: [row] });
    // python3 -c 'import json; print(json.dumps({"e": {}, "a": [], "nested": {"x": [1, {"y": None}]}, "s": "a: b, c"}))'
    expect(readFileSync(join(d, 'n.jsonl'), 'utf8')).toBe('{"e": {}, "a": [], "nested": {"x": [1, {"y": null}]}, "s": "a: b, c"}\n');
  });

  it('json: one array; indent pretty-prints it; no items give []', async () => {
    const d = freshDir();
    await crawlFeeds({ [join(d, 'a.json')]: { format: 'json' }, [join(d, 'b.json')]: { format: 'json', indent: 2 } });
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe(`[\n${ROWS_JSON[0]},\n${ROWS_JSON[1]}\n]`);
    const pretty = readFileSync(join(d, 'b.json'), 'utf8');
    expect(JSON.parse(pretty)).toEqual(ROWS);
    expect(pretty).toContain('\n  "title": "Plain",\n');
    await crawlFeeds({ [join(d, 'empty.json')]: { format: 'json' }, [join(d, 'empty.jsonl')]: { format: 'jsonl' } }, { rows: [] });
    expect(readFileSync(join(d, 'empty.json'), 'utf8')).toBe('[]');
    expect(readFileSync(join(d, 'empty.jsonl'), 'utf8')).toBe('');
  });

  it('csv: the header from the first item (or fields), quoting, lists joined, objects as JSON, CRLF', async () => {
    const d = freshDir();
    await crawlFeeds({ [join(d, 'out.csv')]: { format: 'csv' } });
    expect(readFileSync(join(d, 'out.csv'), 'utf8')).toBe(
      'title,n,tags,meta,note\r\n' + '"A, ""quoted"" title",1,"x,y","{""k"":1}","line1\nline2"\r\n' + 'Plain,2.5,,,\r\n',
    );
  });

  it('fields picks and orders fields (the feed option, else FEED_EXPORT_FIELDS)', async () => {
    const d = freshDir();
    await crawlFeeds(
      {
        [join(d, 'f.jsonl')]: { format: 'jsonl', fields: ['n', 'title'] },
        [join(d, 'f.csv')]: { format: 'csv', fields: ['extra', 'n'] },
        [join(d, 'g.jsonl')]: { format: 'jsonl' },
      },
      {},
      { FEED_EXPORT_FIELDS: ['title'] },
    );
    expect(readFileSync(join(d, 'f.jsonl'), 'utf8')).toBe('{"n": 1, "title": "A, \\"quoted\\" title"}\n{"n": 2.5, "title": "Plain"}\n');
    expect(readFileSync(join(d, 'f.csv'), 'utf8')).toBe('extra,n\r\n,1\r\nonly here,2.5\r\n');
    expect(readFileSync(join(d, 'g.jsonl'), 'utf8')).toBe('{"title": "A, \\"quoted\\" title"}\n{"title": "Plain"}\n');
  });

  it('rejects unknown formats, non-file URIs and bad fields when the crawl starts', async () => {
    const d = freshDir();
    const xml = await crawlFeeds({ [join(d, 'a.xml')]: { format: 'xml' } });
    expect((xml.error as Error).message).toBe(`FEEDS['${join(d, 'a.xml')}']: format must be 'jsonl', 'json' or 'csv', got "xml".`);
    const s3 = await crawlFeeds({ 's3://bucket/items.jsonl': { format: 'jsonl' } });
    expect((s3.error as Error).message).toBe("FEEDS: only local files (a path or file:// URI) and 'stdout:' are supported, got s3://bucket/items.jsonl.");
    const fields = await crawlFeeds({ [join(d, 'a.csv')]: { format: 'csv', fields: 'title' } });
    expect((fields.error as Error).message).toBe(`FEEDS['${join(d, 'a.csv')}']: fields must be a list of field names, got "title".`);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('encodings (FEED_EXPORT_ENCODING, the encoding option)', () => {
  const WORLD = [{ price: '£5', name: 'café 😀', plain: 'ascii' }];

  it("null (Scrapy's default): JSON and JSON lines escape every non-ASCII character as \\uXXXX, as Python's ensure_ascii; CSV stays UTF-8", async () => {
    const d = freshDir();
    await crawlFeeds(
      { [join(d, 'a.jsonl')]: { format: 'jsonl' }, [join(d, 'a.json')]: { format: 'json' }, [join(d, 'a.csv')]: { format: 'csv' } },
      { rows: WORLD },
    );
    // What python3 -c 'import json; print(json.dumps({"price": "£5", "name": "café 😀", "plain": "ascii"}))' prints.
    const line = '{"price": "\\u00a35", "name": "caf\\u00e9 \\ud83d\\ude00", "plain": "ascii"}';
    expect(readFileSync(join(d, 'a.jsonl'), 'utf8')).toBe(line + '\n');
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe(`[\n${line}\n]`);
    expect(JSON.parse(readFileSync(join(d, 'a.json'), 'utf8'))).toEqual(WORLD);
    expect(readFileSync(join(d, 'a.csv'), 'utf8')).toBe('price,name,plain\r\n£5,café 😀,ascii\r\n');
  });

  it("'utf-8' (what scrapy startproject sets) writes the characters as they are; a feed's own encoding wins", async () => {
    const d = freshDir();
    await crawlFeeds(
      { [join(d, 'raw.jsonl')]: { format: 'jsonl' }, [join(d, 'escaped.jsonl')]: { format: 'jsonl', encoding: null } },
      { rows: WORLD },
      { FEED_EXPORT_ENCODING: 'utf-8' },
    );
    expect(readFileSync(join(d, 'raw.jsonl'), 'utf8')).toBe('{"price": "£5", "name": "café 😀", "plain": "ascii"}\n');
    expect(readFileSync(join(d, 'escaped.jsonl'), 'utf8')).toContain('"\\u00a35"');
  });

  it("'latin-1' and 'utf-16' write those bytes (utf-16 with a BOM); a character the encoding lacks fails that item only, with the fix named", async () => {
    const d = freshDir();
    const rows = [{ price: '£5' }, { name: '😀' }, { name: 'é' }];
    const { logs } = await crawlFeeds(
      { [join(d, 'l.jsonl')]: { format: 'jsonl', encoding: 'latin-1' }, [join(d, 'u.jsonl')]: { format: 'jsonl', encoding: 'UTF-16' } },
      { rows },
    );
    const latin = readFileSync(join(d, 'l.jsonl'));
    expect([...latin]).toEqual([...Buffer.from('{"price": "\u00a35"}\n{"name": "\u00e9"}\n', 'latin1')]);
    expect(latin.includes(0xa3)).toBe(true);
    const utf16 = readFileSync(join(d, 'u.jsonl'));
    expect([utf16[0], utf16[1]]).toEqual([0xff, 0xfe]);
    expect(utf16.subarray(2).toString('utf16le')).toBe('{"price": "£5"}\n{"name": "😀"}\n{"name": "é"}\n');
    const errors = logs.filter((r) => r.level === 'ERROR').map((r) => r.message);
    expect(errors).toEqual([`Error exporting an item to ${join(d, 'l.jsonl')}: cannot encode "😀" (U+1F600) in latin-1; set the feed's encoding (or FEED_EXPORT_ENCODING) to 'utf-8', or to null to escape it in JSON.`]);
  });

  it('an encoding deferkit cannot write is refused when the crawl starts, naming the ones it can', async () => {
    const d = freshDir();
    const message = "cannot write feeds in \"gb18030\". Use 'utf-8', 'utf-16', 'utf-16le', 'latin-1' or 'ascii', or null for Scrapy's default (UTF-8, with non-ASCII characters escaped in JSON).";
    const global = await crawlFeeds({ [join(d, 'a.jsonl')]: { format: 'jsonl' } }, {}, { FEED_EXPORT_ENCODING: 'gb18030' });
    expect((global.error as Error).message).toBe(`FEED_EXPORT_ENCODING: ${message}`);
    const own = await crawlFeeds({ [join(d, 'b.jsonl')]: { format: 'jsonl', encoding: 'gb18030' } });
    expect((own.error as Error).message).toBe(`FEEDS['${join(d, 'b.jsonl')}'].encoding: ${message}`);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('paths', () => {
  it('%(name)s, %(time)s and spider attributes (%(site)s) are expanded; file:// URIs work', async () => {
    const d = freshDir();
    const { stats } = await crawlFeeds(
      {
        [join(d, '%(name)s-%(time)s.jsonl')]: { format: 'jsonl' },
        [`file://${join(d, '%(site)s', '%(name)s.csv')}`]: { format: 'csv', fields: ['n'] },
      },
      { site: 'shop' },
    );
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(2);
    const files = readdirSync(d).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^items-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.jsonl$/);
    expect(files[1]).toBe('shop');
    expect(readFileSync(join(d, 'shop', 'items.csv'), 'utf8')).toBe('n\r\n1\r\n2.5\r\n');
  });

  it('a parameter the spider lacks is logged and counted as a failed feed; the other feeds are written', async () => {
    const d = freshDir();
    const { stats, logs, error } = await crawlFeeds({ [join(d, '%(nope)s.jsonl')]: { format: 'jsonl' }, [join(d, 'ok.jsonl')]: { format: 'jsonl' } });
    expect(error).toBeNull();
    expect(stats['feedexport/failed_count/FileFeedStorage']).toBe(1);
    expect(stats['feedexport/success_count/FileFeedStorage']).toBe(1);
    const errors = logs.filter((r) => r.level === 'ERROR').map((r) => r.message);
    expect(errors).toEqual([
      `Error opening jsonl feed ${join(d, '%(nope)s.jsonl')}: FEEDS: the URI ${join(d, '%(nope)s.jsonl')} uses %(nope)s, but the spider has no 'nope' attribute (set it with -a nope=VALUE).`,
    ]);
    expect(readdirSync(d)).toEqual(['ok.jsonl']);
  });
});

describe('append and overwrite', () => {
  it('append (the default) adds to jsonl, continues the json array (still valid JSON), reuses the csv header', async () => {
    const d = freshDir();
    const feeds = { [join(d, 'a.jsonl')]: { format: 'jsonl' }, [join(d, 'a.json')]: { format: 'json' }, [join(d, 'a.csv')]: { format: 'csv' } };
    await crawlFeeds(feeds);
    await crawlFeeds(feeds, { rows: [{ title: 'Third', n: 3 }] });
    expect(parseJsonl(readFileSync(join(d, 'a.jsonl'), 'utf8'))).toEqual([...ROWS, { title: 'Third', n: 3 }]);
    expect(JSON.parse(readFileSync(join(d, 'a.json'), 'utf8'))).toEqual([...ROWS, { title: 'Third', n: 3 }]);
    expect(readFileSync(join(d, 'a.csv'), 'utf8')).toBe(
      'title,n,tags,meta,note\r\n' + '"A, ""quoted"" title",1,"x,y","{""k"":1}","line1\nline2"\r\n' + 'Plain,2.5,,,\r\n' + 'Third,3,,,\r\n',
    );
  });

  it('appending to files written by hand: a missing final newline is added, an empty array continues', async () => {
    const d = freshDir();
    writeFileSync(join(d, 'h.jsonl'), '{"old":1}');
    writeFileSync(join(d, 'h.json'), '[ ]\n');
    writeFileSync(join(d, 'h.csv'), 'n,title');
    await crawlFeeds({ [join(d, 'h.jsonl')]: { format: 'jsonl' }, [join(d, 'h.json')]: { format: 'json' }, [join(d, 'h.csv')]: { format: 'csv' } }, { rows: [{ title: 'T', n: 1 }] });
    expect(readFileSync(join(d, 'h.jsonl'), 'utf8')).toBe('{"old":1}\n{"title": "T", "n": 1}\n');
    expect(readFileSync(join(d, 'h.json'), 'utf8')).toBe('[\n{"title": "T", "n": 1}\n]');
    expect(readFileSync(join(d, 'h.csv'), 'utf8')).toBe('n,title\r\n1,T\r\n');
  });

  it('overwrite: true replaces the file', async () => {
    const d = freshDir();
    const feeds = { [join(d, 'o.jsonl')]: { format: 'jsonl', overwrite: true }, [join(d, 'o.json')]: { format: 'json', overwrite: true } };
    await crawlFeeds(feeds);
    await crawlFeeds(feeds, { rows: [{ only: true }] });
    expect(readFileSync(join(d, 'o.jsonl'), 'utf8')).toBe('{"only": true}\n');
    expect(readFileSync(join(d, 'o.json'), 'utf8')).toBe('[\n{"only": true}\n]');
  });
});

describe('atomic writes', () => {
  it('items go to a temporary file next to the target, renamed over it when the spider closes', async () => {
    const d = freshDir();
    const target = join(d, 'items.jsonl');
    writeFileSync(target, '{"previous":true}\n');
    const seen: Array<{ target: string; files: string[] }> = [];
    const closedSlots: unknown[] = [];
    let exporterClosed = 0;
    await crawlFeeds({ [target]: { format: 'jsonl' } }, {}, {}, (crawler) => {
      crawler.signals.connect(() => void seen.push({ target: readFileSync(target, 'utf8'), files: readdirSync(d).sort() }), signals.itemScraped);
      crawler.signals.connect(({ slot }) => void closedSlots.push(slot), signals.feedSlotClosed);
      crawler.signals.connect(() => void exporterClosed++, signals.feedExporterClosed);
    });
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.target).toBe('{"previous":true}\n'); // never half-written
      expect(s.files).toEqual([expect.stringMatching(new RegExp(`^\\.items\\.jsonl\\.${process.pid}-\\d+\\.tmp$`)), 'items.jsonl']);
    }
    expect(readdirSync(d)).toEqual(['items.jsonl']);
    expect(parseJsonl(readFileSync(target, 'utf8'))).toEqual([{ previous: true }, ...ROWS]);
    expect(closedSlots).toEqual([{ uri: target, path: target, count: 2, format: 'jsonl' }]);
    expect(exporterClosed).toBe(1);
  });

  it('a CLI killed with SIGKILL mid-crawl leaves no half file: the target is absent or its previous version', async () => {
    const d = freshDir();
    const fresh = join(d, 'fresh.jsonl');
    const previous = join(d, 'previous.jsonl');
    writeFileSync(previous, '{"i":0,"waited":0}\n');
    const runs = [fresh, previous].map((out) =>
      startCli(['runspider', join(FIXTURES, 'slow-spider.ts'), '--demo', '-a', 'count=40', '-a', 'ms=200', '-s', 'CONCURRENT_REQUESTS=2', '-o', out]),
    );
    await Promise.all(runs.map((r) => r.waitFor(/DEBUG: Scraped from[^\n]*\n[^\n]*\n[\s\S]*DEBUG: Scraped from/))); // two items in
    for (const r of runs) r.child.kill('SIGKILL');
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.map((r) => r.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(results.map((r) => r.stderr.includes('Stored jsonl feed'))).toEqual([false, false]);
    expect(existsSync(fresh)).toBe(false);
    expect(readFileSync(previous, 'utf8')).toBe('{"i":0,"waited":0}\n');
    // Only the temporary files may remain, holding what was written so far.
    const files = readdirSync(d).sort();
    const strays = files.filter((f) => f !== 'previous.jsonl');
    expect(strays).toHaveLength(2);
    for (const f of strays) expect(f).toMatch(/^\.(fresh|previous)\.jsonl\.\d+-\d+\.tmp$/);
    // The append's spool holds only the new items: appending never copies the old feed.
    const strayPrevious = strays.find((f) => f.startsWith('.previous'))!;
    const spooled = parseJsonl(readFileSync(join(d, strayPrevious), 'utf8'));
    expect(spooled.length).toBeGreaterThanOrEqual(1);
    for (const item of spooled) expect(item).toEqual({ i: expect.any(Number), waited: 200 });
  });
});
