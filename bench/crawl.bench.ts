// M7: crawl a 2,000-page loopback site (served by another process) with 16 concurrent requests:
// pages/s, CPU seconds (and CPU per page) and peak RSS for both reactors, next to a bare
// keep-alive node:http loop, and Scrapy itself (Debian's python3-scrapy, when /usr/bin/python3
// has it) crawling the same site with the same spider. A second site, where nine links in ten
// are duplicates, loads the dupefilter. Each run is its own process; medians of RUNS runs,
// the modes taken in turns within each round. Prints Markdown tables.
//   M7_RUNS=5 (runs per mode), M7_SCRAPY=0 (leave Scrapy out), M7_DUPES=0 (leave the second site out)

import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.M7_RUNS ?? 5);
const PYTHON = process.env.M7_PYTHON ?? '/usr/bin/python3';
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
// The packages' built dist (what users run), not the TypeScript sources: npm run bench builds first.
const nodeArgs = ['--import', 'tsx'];

function hasScrapy(): boolean {
  if (process.env.M7_SCRAPY === '0') return false;
  try {
    execFileSync(PYTHON, ['-c', 'import scrapy'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

async function startSite(env: Record<string, string>): Promise<{ port: number; server: ChildProcessByStdio<null, Readable, null> }> {
  const server = spawn(process.execPath, [...nodeArgs, here('./site-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim())));
    server.once('exit', (code) => reject(new Error(`bench site exited with ${code}`)));
  });
  return { port, server };
}

interface Run {
  mode: string;
  pages: number;
  items: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function runOne(mode: string, port: number): Run {
  const out =
    mode === 'scrapy'
      ? execFileSync(PYTHON, [here('./scrapy-worker.py'), String(port)], { encoding: 'utf8', timeout: 600_000 })
      : execFileSync(process.execPath, [here('./crawl-worker.mjs'), mode, String(port)], { encoding: 'utf8', timeout: 300_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

/** RUNS rounds of every mode against one site; a table of the medians. */
async function measure(modes: string[], env: Record<string, string>): Promise<Record<string, Run[]>> {
  const { port, server } = await startSite(env);
  const results: Record<string, Run[]> = Object.fromEntries(modes.map((m) => [m, []]));
  try {
    for (let i = 0; i < RUNS; i++) for (const mode of modes) results[mode]!.push(runOne(mode, port));
  } finally {
    server.kill('SIGTERM');
  }
  return results;
}

const LABELS: Record<string, string> = {
  floor: 'bare keep-alive node:http loop (floor)',
  callback: 'deferkit crawler, callback reactor',
  promise: 'deferkit crawler, promise reactor',
  scrapy: 'Scrapy (python3-scrapy, same spider)',
};

function table(results: Record<string, Run[]>, targets: boolean): string[] {
  const floorRate = median(results.floor!.map((r) => r.pages / r.seconds));
  const scrapy = results.scrapy;
  const scrapyCpuPerPage = scrapy === undefined ? undefined : median(scrapy.map((r) => r.cpuSeconds / r.pages));
  const lines = [
    `| run | pages | items | pages/s | vs floor | CPU s | CPU ms/page | Scrapy's CPU/page ÷ this | peak RSS |${targets ? ' target met |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${targets ? ' :---: |' : ''}`,
  ];
  for (const [mode, runs] of Object.entries(results)) {
    const rate = median(runs.map((r) => r.pages / r.seconds));
    const rss = median(runs.map((r) => r.peakRssMiB));
    const cpuPerPage = median(runs.map((r) => r.cpuSeconds / r.pages));
    const vsScrapy = scrapyCpuPerPage === undefined ? '' : `${(scrapyCpuPerPage / cpuPerPage).toFixed(1)}×`;
    // Issue 21's targets: ≥ 0.6× the floor, ≤ 90 MiB, ≥ 8× less CPU a page than Scrapy.
    const isCrawler = mode === 'callback' || mode === 'promise';
    const met = rate / floorRate >= 0.6 && rss <= 90 && (scrapyCpuPerPage === undefined || scrapyCpuPerPage / cpuPerPage >= 8) ? '✓' : '✗';
    lines.push(
      `| ${LABELS[mode]} | ${runs[0]!.pages} | ${runs[0]!.items} | ${rate.toFixed(0)} | ${(rate / floorRate).toFixed(2)}× | ` +
        `${median(runs.map((r) => r.cpuSeconds)).toFixed(2)} | ${(cpuPerPage * 1000).toFixed(3)} | ${vsScrapy} | ${rss.toFixed(0)} MiB |${targets ? ` ${isCrawler ? met : ''} |` : ''}`,
    );
  }
  return lines;
}

const scrapyToo = hasScrapy();
const main = await measure(['floor', 'callback', 'promise', ...(scrapyToo ? ['scrapy'] : [])], {});
const lines = [
  `Median of ${RUNS} runs each, the modes in turns; every run is a fresh process (peak RSS and CPU are that process's, the site is served by another). ` +
    'Targets (issue 21): ≥ 0.6× the floor, peak RSS ≤ 90 MiB, ≥ 8× less CPU a page than Scrapy.' +
    (scrapyToo ? '' : ` Scrapy not measured (no \`import scrapy\` in ${PYTHON}).`),
  '',
  ...table(main, true),
];
if (process.env.M7_DUPES !== '0') {
  const dupes = await measure(['floor', 'callback', 'promise'], { BENCH_DUP_LINKS: '45' });
  lines.push('', 'The same 2,000 pages with 45 more links each, to pages spread over the site: 100,000 links, nine in ten duplicates (the dupefilter drops them).', '', ...table(dupes, true));
}
process.stdout.write(lines.join('\n') + '\n');
