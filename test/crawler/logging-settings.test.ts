// Logging settings (issue 16, item 8): LOG_FILE / LOG_FILE_APPEND (a file instead of stderr,
// opened without ever replacing a link, FIFO or device), LOG_FORMAT / LOG_DATEFORMAT (Python
// logging's %-style format and strftime), LOG_SHORT_NAMES, LOG_STDOUT (standard output becomes
// INFO records of the 'stdout' logger) — in process and through `deferkit runspider`.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLogFormat, Crawler, formatLogRecord, Request, Spider, type LogRecord } from '@deferkit/crawler';
import { freshDirs, parseJsonl, runCli } from './cli-harness.js';
import { runCrawl } from './crawl-harness.js';

const record: LogRecord = { time: Date.UTC(2026, 0, 2, 3, 4, 5, 678) / 1000, level: 'WARNING', name: 'scrapy.core.engine', message: 'hello' };
const local = new Date(record.time * 1000);
const p2 = (n: number): string => String(n).padStart(2, '0');

describe('LOG_FORMAT and LOG_DATEFORMAT (Python logging.Formatter)', () => {
  it("Scrapy's defaults give the usual line, the same as formatLogRecord", () => {
    const f = compileLogFormat('%(asctime)s [%(name)s] %(levelname)s: %(message)s', '%Y-%m-%d %H:%M:%S');
    expect(f(record)).toBe(formatLogRecord(record));
    expect(f(record)).toBe(`${local.getFullYear()}-${p2(local.getMonth() + 1)}-${p2(local.getDate())} ${p2(local.getHours())}:${p2(local.getMinutes())}:${p2(local.getSeconds())} [scrapy.core.engine] WARNING: hello`);
  });

  it('fields take Python flags, width and precision: %(levelname)-8s, %(levelno)03d, %(msecs)03d, %(created).3f, %%', () => {
    const f = compileLogFormat('%(levelname)-8s|%(levelno)03d|%(msecs)03d|%(created).3f|%(levelno)+d|%(name).6s|100%%|%(message)s', '%H');
    expect(f(record)).toBe(`WARNING |030|678|${record.time.toFixed(3)}|+30|scrapy|100%|hello`);
  });

  it('LOG_DATEFORMAT is strftime in local time; null gives Python\'s default with milliseconds', () => {
    expect(compileLogFormat('%(asctime)s', '%d/%m/%y %I%p %a %b %j %%')(record)).toBe(
      `${p2(local.getDate())}/${p2(local.getMonth() + 1)}/${p2(local.getFullYear() % 100)} ${p2(local.getHours() % 12 || 12)}${local.getHours() < 12 ? 'AM' : 'PM'} ` +
        `${local.toLocaleDateString('en-US', { weekday: 'short' })} ${local.toLocaleDateString('en-US', { month: 'short' })} 002 %`,
    );
    expect(compileLogFormat('%(asctime)s', null)(record)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,678$/);
  });

  it('LOG_SHORT_NAMES shows scrapy.* loggers as scrapy, other names as they are', () => {
    const f = compileLogFormat('[%(name)s] %(message)s', '%H', true);
    expect(f(record)).toBe('[scrapy] hello');
    expect(f({ ...record, name: 'myspider' })).toBe('[myspider] hello');
  });

  it("an error's stack follows the formatted line", () => {
    const error = new Error('boom');
    expect(compileLogFormat('%(levelname)s %(message)s', null)({ ...record, error })).toBe(`WARNING hello\n${error.stack}`);
  });

  it('unsupported fields, conversions, stray % and strftime directives are usage errors naming what is supported', () => {
    expect(() => compileLogFormat('%(lineno)d %(message)s')).toThrow(/the field %\(lineno\) is not supported \(deferkit records carry no call site or thread\); use asctime, created, msecs/);
    expect(() => compileLogFormat('%(message)r')).toThrow(/needs a conversion type s, d, i or f/);
    expect(() => compileLogFormat('%(levelname)d')).toThrow(/%\(levelname\) is text; write it as %\(levelname\)s/);
    expect(() => compileLogFormat('50% %(message)s')).toThrow(/is not a field; write fields as %\(name\)s and a percent sign as %%/);
    expect(() => compileLogFormat('no fields')).toThrow(/names no field/);
    expect(() => compileLogFormat('%(message)s', '%Y %Q')).toThrow(/LOG_DATEFORMAT="%Y %Q": %Q is not supported; use strftime directives among %a/);
  });
});

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

/** One page; the callback writes to standard output and logs a line of its own. */
class PrintingSpider extends Spider {
  override name = 'printing';
  override async *start(): AsyncGenerator<unknown, void, undefined> {
    yield new Request(`${base}/page`);
  }
  override parse(): unknown {
    process.stdout.write('printed by the spider\nsecond line   \n');
    this.logger.info('logged by the spider');
    return { ok: true };
  }
}

const fresh = freshDirs('deferkit-logging-');

describe('LOG_FILE, LOG_FILE_APPEND', () => {
  it('LOG_FILE gets every line in LOG_FORMAT (and LOG_ENABLED false does not stop it, as in Scrapy)', async () => {
    const file = join(fresh(), 'crawl.log');
    const { stats } = await runCrawl(PrintingSpider, { LOG_ENABLED: false, LOG_FILE: file, LOG_FORMAT: '%(levelname)s:%(name)s:%(message)s' });
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toContain('INFO:printing:logged by the spider');
    expect(lines).toContain('INFO:scrapy.core.engine:Spider opened');
    expect(lines.some((l) => l.startsWith('INFO:scrapy.statscollectors:Dumping Scrapy stats:'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('INFO:')).length).toBe(stats['log_count/INFO']);
  });

  it('LOG_FILE_APPEND true (the default) appends; false empties the file first', async () => {
    const file = join(fresh(), 'crawl.log');
    writeFileSync(file, 'kept line\n');
    await runCrawl(PrintingSpider, { LOG_FILE: file, LOG_LEVEL: 'INFO' });
    const appended = readFileSync(file, 'utf8');
    expect(appended.startsWith('kept line\n')).toBe(true);
    expect(appended).toContain('[printing] INFO: logged by the spider');
    await runCrawl(PrintingSpider, { LOG_FILE: file, LOG_FILE_APPEND: false, LOG_LEVEL: 'INFO' });
    const replaced = readFileSync(file, 'utf8');
    expect(replaced).not.toContain('kept line');
    expect(replaced.match(/logged by the spider/g)).toHaveLength(1);
  });

  it('a symbolic link is written through and stays a link', async () => {
    const dir = fresh();
    const target = join(dir, 'real.log');
    writeFileSync(target, '');
    const link = join(dir, 'link.log');
    symlinkSync(target, link);
    await runCrawl(PrintingSpider, { LOG_FILE: link, LOG_FILE_APPEND: false });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('logged by the spider');
  });

  it('a device is written to, not replaced', async () => {
    await runCrawl(PrintingSpider, { LOG_FILE: '/dev/null', LOG_FILE_APPEND: false });
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a directory, a missing directory, a FIFO nobody reads, an unreadable file to replace: usage errors naming the fix, before the crawl', () => {
    const dir = fresh();
    const make = (settings: Record<string, unknown>): Crawler => new Crawler(PrintingSpider, { LOG_ENABLED: false, ...settings });
    expect(() => make({ LOG_FILE: dir })).toThrow(/LOG_FILE=".*": is a directory; give a file path inside it \(e\.g\. -s LOG_FILE=.*\/crawl\.log\)/);
    expect(() => make({ LOG_FILE: join(dir, 'no', 'such', 'x.log') })).toThrow(/the directory .*no\/such does not exist; create it first/);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => make({ LOG_FILE: fifo })).toThrow(/is a FIFO that no process is reading; start its reader first/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.log');
      writeFileSync(locked, 'secret\n');
      chmodSync(locked, 0o200);
      expect(() => make({ LOG_FILE: locked, LOG_FILE_APPEND: false })).toThrow(/exists but cannot be read, so it will not be replaced/);
      chmodSync(locked, 0o600);
      expect(readFileSync(locked, 'utf8')).toBe('secret\n');
    }
  });
});

describe('LOG_STDOUT', () => {
  it("standard output written during the crawl becomes INFO records of 'stdout', one per line; restored afterwards", async () => {
    const writeBefore = process.stdout.write;
    const { logs } = await runCrawl(PrintingSpider, { LOG_STDOUT: true });
    const stdout = logs.filter((r) => r.name === 'stdout');
    expect(stdout.map((r) => `${r.level} ${r.message}`)).toEqual(['INFO printed by the spider', 'INFO second line']);
    expect(process.stdout.write).toBe(writeBefore);
  });

  it('off by default: nothing from standard output reaches the log', async () => {
    const original = process.stdout.write;
    const seen: string[] = [];
    // Keep the test's output clean: catch what the spider writes, check it still went to stdout.
    process.stdout.write = ((chunk: string) => {
      seen.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const { logs } = await runCrawl(PrintingSpider, {});
      expect(logs.filter((r) => r.name === 'stdout')).toEqual([]);
    } finally {
      process.stdout.write = original;
    }
    expect(seen.join('')).toContain('printed by the spider');
  });
});

describe('deferkit runspider with the logging settings', () => {
  const spiderSource = (url: string): string => `import { Request, Spider } from '@deferkit/crawler';
export default class CliLogSpider extends Spider {
  name = 'clilog';
  async *start() { yield new Request('${url}/a'); }
  parse(response) {
    console.log('console.log from parse');
    return { url: response.url };
  }
}
`;

  it('-s LOG_FILE -s LOG_FORMAT -s LOG_DATEFORMAT: the log is in the file in that shape, nothing of it on stderr', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'spider.mjs'), spiderSource(base));
    const r = await runCli(
      ['runspider', 'spider.mjs', '-s', 'LOG_FILE=crawl.log', '-s', 'LOG_FORMAT=%(asctime)s %(levelname)-7s %(name)s | %(message)s', '-s', 'LOG_DATEFORMAT=%Y%m%dT%H%M%S'],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('Spider opened');
    const lines = readFileSync(join(dir, 'crawl.log'), 'utf8').split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\d{8}T\d{6} INFO    scrapy\.core\.engine \| Spider opened$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\d{8}T\d{6} DEBUG   scrapy\.core\.engine \| Crawled \(200\) <GET .*\/a>/));
  });

  it('-s LOG_STDOUT=1 with -o -: the feed alone is on stdout, console.log output is in the log as [stdout] INFO', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'spider.mjs'), spiderSource(base));
    const r = await runCli(['runspider', 'spider.mjs', '-o', '-:jsonl', '-s', 'LOG_STDOUT=1', '-s', 'LOG_FILE=crawl.log'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(parseJsonl(r.stdout)).toEqual([{ url: `${base}/a` }]);
    expect(readFileSync(join(dir, 'crawl.log'), 'utf8')).toMatch(/\[stdout\] INFO: console\.log from parse\n/);
  });

  it('-s LOG_FILE=<a directory> or in a missing directory: exit 2 with the fix, no file made', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'spider.mjs'), spiderSource(base));
    mkdirSync(join(dir, 'logs'));
    const r = await runCli(['runspider', 'spider.mjs', '-s', 'LOG_FILE=logs'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^deferkit runspider: error: LOG_FILE="logs": is a directory; give a file path inside it/m);
    const missing = await runCli(['runspider', 'spider.mjs', '-s', 'LOG_FILE=nope/crawl.log'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/LOG_FILE="nope\/crawl\.log": the directory .*nope does not exist/);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('-s LOG_FORMAT with an unsupported field: exit 2 naming the supported fields', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'spider.mjs'), spiderSource(base));
    const r = await runCli(['runspider', 'spider.mjs', '-s', 'LOG_FORMAT=%(funcName)s %(message)s'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/LOG_FORMAT=.*the field %\(funcName\) is not supported.*; use asctime, created/);
  });
});
