// M7: crawl a 2,000-page loopback site (served by another process) with 16 concurrent requests:
// pages/s, CPU seconds and peak RSS for both reactors, next to a bare keep-alive node:http loop.
// Each run is its own process; medians of RUNS runs. Prints a Markdown table.

import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.M7_RUNS ?? 5);
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
// The packages' built dist (what users run), not the TypeScript sources: npm run bench builds first.
const nodeArgs = ['--import', 'tsx'];

const server = spawn(process.execPath, [...nodeArgs, here('./site-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  server.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim())));
  server.once('exit', (code) => reject(new Error(`bench site exited with ${code}`)));
});

interface Run {
  mode: string;
  pages: number;
  items: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const results: Record<string, Run[]> = { floor: [], callback: [], promise: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    for (const mode of Object.keys(results)) {
      const out = execFileSync(process.execPath, [here('./crawl-worker.mjs'), mode, String(port)], { encoding: 'utf8', timeout: 300_000 });
      results[mode]!.push(JSON.parse(out.trim().split('\n').pop()!) as Run);
    }
  }
} finally {
  server.kill('SIGTERM');
}

const floorRate = median(results.floor!.map((r) => r.pages / r.seconds));
const lines = [
  `Median of ${RUNS} runs each; every run is a fresh process (peak RSS is that process's). Target: ≥ 1,500 pages/s, peak RSS ≤ 100 MiB.`,
  '',
  '| run | pages | items | pages/s | vs floor | CPU s | peak RSS | target met |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
];
for (const [mode, runs] of Object.entries(results)) {
  const rate = median(runs.map((r) => r.pages / r.seconds));
  const rss = median(runs.map((r) => r.peakRssMiB));
  const label = mode === 'floor' ? 'bare keep-alive node:http loop (floor)' : `deferkit crawler, ${mode} reactor`;
  const met = mode === 'floor' ? '' : rate >= 1500 && rss <= 100 ? '✓' : '✗';
  lines.push(
    `| ${label} | ${runs[0]!.pages} | ${runs[0]!.items} | ${rate.toFixed(0)} | ${(rate / floorRate).toFixed(2)}× | ${median(runs.map((r) => r.cpuSeconds)).toFixed(2)} | ${rss.toFixed(0)} MiB | ${met} |`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
