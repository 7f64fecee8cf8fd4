// `deferkit bench [-s CLOSESPIDER_TIMEOUT=N] [-s K=V]`: Scrapy's `scrapy bench`. A local server
// (a child process, so that it does not share the crawler's event loop) answers every path with
// a page of links to random other pages; a spider follows them all until CLOSESPIDER_TIMEOUT
// (10 s by default), and LogStats prints its pages/min every second.

import { spawn } from 'node:child_process';
import type { Command } from './command.js';
import { flag, parseOptions, UsageError, values } from './args.js';

const SPEC = {
  '-s': { key: 'set', value: true },
  '--set': { key: 'set', value: true },
  '--reactor': { key: 'reactor', value: true },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit bench --help`. */
export const BENCH_USAGE = `Usage: deferkit bench [options]

A quick benchmark, as 'scrapy bench': starts a local server whose pages each link to 20
random others (of 100000), crawls it following every link for CLOSESPIDER_TIMEOUT seconds
(default 10) and logs, every LOGSTATS_INTERVAL second (default 1):
  Crawled N pages (at N pages/min), scraped N items (at N items/min)

Options:
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable), e.g.
                             -s CLOSESPIDER_TIMEOUT=3 -s CONCURRENT_REQUESTS=32
      --reactor KIND         callback or promise (the REACTOR setting)
  -h, --help                 show this help
`;

/** The settings `bench` runs with unless the command line says otherwise (Scrapy's bench `default_settings`). */
export const BENCH_DEFAULTS = { LOG_LEVEL: 'INFO', LOGSTATS_INTERVAL: 1, CLOSESPIDER_TIMEOUT: 10 };

/**
 * The link server, run by `node -e`: `/?total=N&show=M` (and any path) answers M links to
 * `/follow?total=N&show=M&n=<random 1..N>`; prints its URL once listening. Scrapy's benchserver.
 */
const SERVER_SOURCE = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const total = Number(url.searchParams.get('total') ?? 100) || 100;
  const show = Number(url.searchParams.get('show') ?? 10) || 10;
  let body = '<html><head></head><body>';
  for (let i = 0; i < show; i++) {
    const args = new URLSearchParams(url.searchParams);
    args.set('n', String(1 + Math.floor(Math.random() * total)));
    body += "<a href='/follow?" + args + "'>follow " + args.get('n') + "</a><br>";
  }
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end(body + '</body></html>');
});
server.listen(0, '127.0.0.1', () => process.stdout.write('Bench server at http://127.0.0.1:' + server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Start the link server; resolves to its URL and a stopper. */
async function startBenchServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  // stdin is a pipe: the server exits when this process goes away, even killed.
  const child = spawn(process.execPath, ['-e', SERVER_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Bench server at (\S+)\n/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`the bench server exited (code ${code}) before listening`)));
  });
  return {
    url,
    stop: async () => {
      child.stdin.end();
      child.kill();
      await exited;
    },
  };
}

/**
 * `deferkit bench`.
 *
 * Mirrors Scrapy's `scrapy bench` command.
 */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'quick benchmark: crawl a local link server for 10 s and log pages/min',
  usage: BENCH_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, SPEC, 'bench');
    if (flag(parsed, 'help')) {
      process.stdout.write(BENCH_USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`bench takes no arguments, got: ${parsed.positionals.join(' ')}.`, 'bench');
    const [session_, { CrawlerProcess }, { Spider }, { Request }, { LinkExtractor }] = await Promise.all([
      import('./session.js'),
      import('../Crawler.js'),
      import('../Spider.js'),
      import('../Request.js'),
      import('../linkextractors/index.js'),
    ]);
    const reactor = session_.reactorOption(values(parsed, 'reactor').at(-1), 'bench');
    const cmdline = [...values(parsed, 'set')];
    if (reactor !== undefined) cmdline.push(`REACTOR=${reactor}`);
    // No project settings: the benchmark measures deferkit, not a project's middlewares.
    const settings = session_.commandSettings(cmdline, 'bench', null, BENCH_DEFAULTS);
    const server = await startBenchServer();
    try {
      const links = new LinkExtractor();
      /** Follows every link (Scrapy's `_BenchSpider`). */
      class FollowSpider extends Spider {
        override name = 'follow';
        total = 100000;
        show = 20;
        override *startRequests(): Iterable<unknown> {
          yield new Request(`${server.url}/?total=${this.total}&show=${this.show}`, { dontFilter: true });
        }
        override *parse(response: import('../Response.js').Response): Iterable<unknown> {
          for (const link of links.extractLinks(response)) yield new Request(link.url, { callback: this.parse });
        }
      }
      const process_ = new CrawlerProcess(settings);
      void process_.crawlAsync(FollowSpider).catch(() => undefined);
      await process_.start();
      return 0;
    } finally {
      await server.stop();
    }
  },
};
