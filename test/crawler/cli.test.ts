// The deferkit CLI, run as a child process: usage and errors, runspider (TypeScript and
// JavaScript spiders, -a/-s/-o/-O, --demo, settings priorities, the reactor rule), graceful and
// forced Ctrl-C, demo-site, and the built CLI when dist/ exists.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBooks } from '@deferkit/crawler/demo';
import { DEMO_SITE_USAGE, RUNSPIDER_USAGE } from '../../packages/crawler/src/cli/usage.js';
import { MAIN_USAGE } from '../../packages/crawler/src/cli/commands.js';
import { FIXTURES, ROOT, parseJsonl, runCli, startCli, statsDump, tempDir } from './cli-harness.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

const fixture = (name: string): string => join(FIXTURES, name);

describe.concurrent('usage and command-line errors', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(MAIN_USAGE);
    expect(r.stdout).toMatch(/^  runspider +run the spider in a file/m);
    expect(r.stdout).toMatch(/^  startproject +create a new project/m);
    expect(r.stdout).toContain('demo-site');
    expect(r.stdout).toContain('lab');
  });

  it('runspider --help and demo-site -h print their usage', async () => {
    const [a, b] = await Promise.all([runCli(['runspider', '--help']), runCli(['demo-site', '-h'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toBe(RUNSPIDER_USAGE);
    expect(a.stdout).toContain('-s, --set KEY=VALUE');
    expect(a.stdout).toContain('--demo');
    expect(b.stdout).toBe(DEMO_SITE_USAGE);
  });

  it('no command: the usage on stderr, exit code 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(MAIN_USAGE);
  });

  it('an unknown command or option names the fix and exits 2', async () => {
    const [cmd, opt] = await Promise.all([runCli(['scrape', 'books']), runCli(['runspider', fixture('settings-spider.ts'), '--bogus'])]);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/^deferkit: error: unknown command 'scrape'\. Commands: startproject, .*runspider, .*demo-site, lab\.\nRun 'deferkit --help' for usage\.\n$/);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("deferkit runspider: error: unknown option '--bogus'. Options of runspider: ");
    expect(opt.stderr).toContain("Run 'deferkit runspider --help' for usage.");
  });

  it('a feed without a known extension and a missing file exit 2 with a clear message (more cases: settings.test.ts)', async () => {
    const [ext, missing] = await Promise.all([
      runCli(['runspider', fixture('settings-spider.ts'), '-o', 'items.txt']),
      runCli(['runspider', 'no/such/spider.ts', '--demo']),
    ]);
    expect([ext.code, missing.code]).toEqual([2, 2]);
    expect(ext.stderr).toBe(
      "deferkit runspider: error: -o items.txt: cannot tell the feed format from the extension '.txt'. Use .jsonl (or .jl), .json or .csv, or name the format: -o items.txt:jsonl.\n" +
        "Run 'deferkit runspider --help' for usage.\n",
    );
    // Checked before the demo site starts: nothing else is printed.
    expect(missing.stderr).toBe("deferkit runspider: error: File not found: no/such/spider.ts\nRun 'deferkit runspider --help' for usage.\n");
  });

  it('a file without a spider, or with two and no default, exits 2; one that does not compile exits 1', async () => {
    const broken = join(tmp.dir, 'broken.ts');
    writeFileSync(broken, "import { Spider } from '@deferkit/crawler';\nexport default class X extends Spider { parse( {\n");
    const [none, two, bad] = await Promise.all([
      runCli(['runspider', fixture('no-spider.ts')]),
      runCli(['runspider', fixture('two-spiders.ts')]),
      runCli(['runspider', broken]),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`[deferkit.cli] ERROR: Could not load the spider file ${broken}:`);
    expect(bad.stderr).toMatch(new RegExp(`TransformError: Transform failed with 1 error:\\n${broken}:3:0: ERROR: Expected .+ but found end of file`));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`No spider found in file: ${fixture('no-spider.ts')} (its default export is class/function NotASpider, which does not extend Spider)`);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(`More than one spider exported by ${fixture('two-spiders.ts')} (FirstSpider, SecondSpider): make the one to run the default export.`);
  });
});

describe('runspider', () => {
  it("-o -:jsonl writes the feed to standard output (Scrapy's StdoutFeedStorage) while the log goes to standard error", async () => {
    const r = await runCli(['runspider', join(ROOT, 'examples/spiders/books.ts'), '--demo', '-o', '-:jsonl'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const items = parseJsonl(r.stdout);
    expect(items).toHaveLength(50);
    expect(new Set(items.map((i) => i.title))).toEqual(new Set(demoBooks().map((b) => b.title)));
    expect(r.stderr).toContain('Stored jsonl feed (50 items) in: stdout:');
    expect(statsDump(r.stderr)['feedexport/success_count/StdoutFeedStorage']).toBe(1);
    // Not a file named '-'.
    expect(existsSync(join(tmp.dir, '-'))).toBe(false);
  });

  it('a reader that closes standard output early (| head -1) is logged as a failed feed; the crawl finishes and exits 0, no EPIPE crash', async () => {
    // DOWNLOAD_DELAY spreads the items over more than a second, so the pipe closes mid-crawl.
    const args = ['runspider', join(ROOT, 'examples/spiders/books.ts'), '--demo', '-o', '-:jsonl', '-L', 'INFO', '-s', 'DOWNLOAD_DELAY=0.02'];
    const run = startCli(args, { cwd: tmp.dir });
    // Like `| head -1`: read the first line, then close the pipe.
    await run.waitFor(/^\{"title": /m);
    run.child.stdout!.destroy();
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[scrapy\.extensions\.feedexport\] ERROR: Feed stdout: stopped: standard output was closed by its reader \(EPIPE\) after \d+ items; the rest are not written\./);
    const stats = statsDump(r.stderr);
    expect(stats['feedexport/failed_count/StdoutFeedStorage']).toBe(1);
    expect(stats.finish_reason).toBe('finished');
    expect(stats.item_scraped_count).toBe(50);
    expect(r.stderr).not.toContain('Unhandled');
  });

  it('the README one-liner crawls the embedded demo site: examples/spiders/books.ts --demo -o books.jsonl', async () => {
    const out = join(tmp.dir, 'books.jsonl');
    const r = await runCli(['runspider', 'examples/spiders/books.ts', '--demo', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[deferkit\.cli\] INFO: Demo site running at http:\/\/127\.0\.0\.1:\d+ \(stopped after the crawl\)/);
    expect(r.stderr).toContain(`Stored jsonl feed (50 items) in: ${out}`);
    const text = readFileSync(out, 'utf8');
    // The spider sets FEED_EXPORT_ENCODING = 'utf-8', so the README's sample line shows '£'.
    expect(text).toMatch(/^\{"title": "[^"]+", "price": "£\d+\.\d\d", "color": "\w+", "url": "http:\/\/127\.0\.0\.1:\d+\/catalogue\/book-\d+\.html"\}$/m);
    const items = parseJsonl(text);
    expect(items).toHaveLength(50);
    expect(new Set(items.map((i) => i.title))).toEqual(new Set(demoBooks().map((b) => b.title)));
    const byTitle = new Map(demoBooks().map((b) => [b.title, b]));
    for (const item of items) {
      const book = byTitle.get(item.title as string)!;
      expect([item.price, item.color]).toEqual([book.price, book.color]);
    }
    const stats = statsDump(r.stderr);
    expect(stats.finish_reason).toBe('finished');
    expect(stats.item_scraped_count).toBe(50);
  });

  it('-s values are parsed and beat customSettings; -a becomes a spider property; -s REACTOR=callback picks the reactor', async () => {
    const out = join(tmp.dir, 'settings.json');
    const r = await runCli([
      'runspider',
      fixture('settings-spider.ts'),
      '-s', 'CONCURRENT_REQUESTS=4',
      '-s', 'MY_FLAG=true',
      '-s', 'MY_LIST=[1, "two"]',
      '-s', 'MY_NULL=null',
      '-s', 'MY_TEXT=hello world',
      '-s', 'REACTOR=callback',
      '-s', 'CONCURENT_REQUESTS=2',
      '-s', `FEEDS={${JSON.stringify(out)}: {"format": "json"}}`,
      '-a', 'greeting=hi=there',
      '-L', 'INFO',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('-s CONCURENT_REQUESTS: not a built-in setting; did you mean CONCURRENT_REQUESTS?');
    const [item] = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, any>>;
    expect(item!.greeting).toBe('hi=there');
    expect(item!.greetingType).toBe('string');
    expect(item!.reactor).toBe('callback');
    expect(item!.settings).toEqual({
      CONCURRENT_REQUESTS: { value: 4, type: 'number', priority: 40 }, // -s beats customSettings (3)
      DOWNLOAD_DELAY: { value: 0.25, type: 'number', priority: 30 }, // customSettings beat the default
      RETRY_TIMES: { value: 5, type: 'number', priority: 30 },
      USER_AGENT: { value: 'deferkit/0.1 (+https://github.com/deferkit/deferkit)', type: 'string', priority: 0 },
      MY_FLAG: { value: true, type: 'boolean', priority: 40 },
      MY_LIST: { value: [1, 'two'], type: 'array', priority: 40 },
      MY_NULL: { value: null, type: 'null', priority: 40 },
      MY_TEXT: { value: 'hello world', type: 'string', priority: 40 },
      REACTOR: { value: 'callback', type: 'string', priority: 40 },
    });
  });

  it('a plain .mjs spider with only a named Spider export runs; -O replaces the file', async () => {
    const out = join(tmp.dir, 'named.csv');
    writeFileSync(out, 'old,content\r\nx,y\r\n');
    const r = await runCli(['runspider', fixture('named-spider.mjs'), '-a', 'count=2', '-O', out, '--nolog']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('n,from\r\n1,mjs\r\n2,mjs\r\n');
  });

  it('a TypeScript spider outside any package (no package.json, no node_modules) still finds @deferkit/crawler', async () => {
    const dir = join(tmp.dir, 'outside');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'spider.ts'),
      `import { CloseSpider, Request, Spider, type Response } from '@deferkit/crawler';
enum Kind { Page = 'page' }
export default class Outside extends Spider {
  override name = 'outside';
  base = '';
  override *startRequests() { yield new Request(this.base + '/'); }
  override *parse(response: Response) {
    if (response.url.endsWith('page-2.html')) throw new CloseSpider('outside_done');
    yield { kind: Kind.Page, h1: response.css('h1::text').get() };
    yield response.follow('/catalogue/page-2.html');
  }
}
`,
    );
    const out = join(dir, 'out.jsonl');
    const r = await runCli(['runspider', 'spider.ts', '--demo', '-s', 'CONCURRENT_REQUESTS=1', '-o', out, '-L', 'INFO'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(parseJsonl(readFileSync(out, 'utf8'))).toEqual([{ kind: 'page', h1: 'All books' }]);
    // CloseSpider thrown by the spider's copy of @deferkit/crawler is the engine's CloseSpider.
    expect(statsDump(r.stderr).finish_reason).toBe('outside_done');
  });

  it("the CLI installs REACTOR before loading the spider: a spider's own REACTOR conflicts (exit 1) unless FORCE_CRAWLER_PROCESS", async () => {
    const out = join(tmp.dir, 'reactor.jsonl');
    const [conflict, forced] = await Promise.all([
      runCli(['runspider', fixture('reactor-spider.ts'), '-L', 'INFO']),
      runCli(['runspider', fixture('reactor-spider.ts'), '-s', 'FORCE_CRAWLER_PROCESS=true', '-O', out, '-L', 'INFO']),
    ]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('[deferkit.cli] ERROR: The crawl failed: The installed reactor (promise) does not match the requested one (callback)');
    expect(forced.code).toBe(0);
    expect(parseJsonl(readFileSync(out, 'utf8'))).toEqual([{ reactor: 'callback' }]);
  });
});

describe('Ctrl-C', () => {
  it('one SIGINT stops gracefully: in-flight requests finish, the feed is complete, stats print, exit 0', async () => {
    const out = join(tmp.dir, 'graceful.jsonl');
    const run = startCli(['runspider', fixture('slow-spider.ts'), '--demo', '-a', 'count=30', '-a', 'ms=300', '-s', 'CONCURRENT_REQUESTS=3', '-o', out]);
    await run.waitFor(/\[scrapy\.core\.scraper\] DEBUG: Scraped from/);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[scrapy.crawler] INFO: Received SIGINT, shutting down gracefully. Send again to force');
    expect(r.stderr).toContain('[scrapy.core.engine] INFO: Closing spider (shutdown)');
    const stats = statsDump(r.stderr);
    expect(stats.finish_reason).toBe('shutdown');
    // Every request that had started got its response: nothing was cut off.
    expect(stats['downloader/response_count']).toBe(stats['downloader/request_count']);
    const scraped = stats.item_scraped_count as number;
    expect(scraped).toBeGreaterThanOrEqual(1);
    expect(scraped).toBeLessThan(30);
    const items = parseJsonl(readFileSync(out, 'utf8'));
    expect(items).toHaveLength(scraped);
    for (const item of items) expect(item).toEqual({ i: expect.any(Number), waited: 300 });
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.graceful.jsonl'))).toEqual([]);
  });

  it('a second SIGINT forces: exit 130 at once, the feed holds what was scraped, no temporary file left', async () => {
    const out = join(tmp.dir, 'forced.jsonl');
    const run = startCli(['runspider', fixture('slow-spider.ts'), '--demo', '-a', 'count=6', '-a', 'ms=5000', '-s', 'CONCURRENT_REQUESTS=2', '-o', out]);
    await run.waitFor(/Spider opened/);
    await new Promise((r) => setTimeout(r, 500)); // the Ctrl-C handlers are installed right after
    run.child.kill('SIGINT');
    await run.waitFor(/Received SIGINT, shutting down gracefully/);
    run.child.kill('SIGINT');
    const r = await run.done;
    // The 5 s responses were not waited for: the process ended before any of them came back.
    expect(r.stderr).not.toMatch(/Crawled \(\d+\) <GET [^>]*\/slow\?ms=5000/);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('[scrapy.crawler] INFO: Received SIGINT twice, forcing unclean shutdown');
    expect(r.stderr).not.toContain('Dumping Scrapy stats');
    // Nothing was scraped before the forced stop: the feed is there, and empty.
    expect(r.stderr).toContain(`Stored jsonl feed (0 items) in: ${out} (forced stop)`);
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.forced.jsonl'))).toEqual([]);
  });
});

describe('demo-site', () => {
  it('serves the bookstore on 127.0.0.1 until SIGINT', async () => {
    const run = startCli(['demo-site', '--port', '0']);
    await run.waitFor(/Demo site running at (http:\/\/127\.0\.0\.1:\d+)\//);
    const url = /Demo site running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(run.stdout())![1]!;
    const [home, book] = await Promise.all([fetch(`${url}/`), fetch(`${url}/catalogue/book-3.html`)]);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<h1>All books</h1>');
    expect(await book.text()).toContain(`<h1>${demoBooks()[2]!.title}</h1>`);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Demo site running at http://127.0.0.1:');
    expect(r.stdout).toContain('(50 books on 5 pages). Press Ctrl-C to stop.');
    expect(r.stdout).toContain('Received SIGINT, demo site stopped.');
  });
});

describe('the built CLI', () => {
  const dist = join(ROOT, 'packages/crawler/dist/cli/main.js');
  it.skipIf(!existsSync(dist))('runs dist/cli/main.js, which still loads TypeScript spiders (npm test builds first)', async () => {
    const out = join(tmp.dir, 'dist-books.jsonl');
    const r = await runCli(['runspider', 'examples/spiders/books.ts', '--demo', '-O', out, '-L', 'INFO'], { dist: true });
    expect(r.code).toBe(0);
    expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(50);
  });
});
