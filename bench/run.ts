// npm run bench: M1–M6 (deferred), callLater(0) latency and timer scaling (reactors), M7 (crawl, in child
// processes); prints the table and writes its sections into bench/RESULTS.md (keeping the others).
//
// npm run bench -- M1 M2 …: only the benchmarks named (M1–M7, `latency`, `timers`, `scale`: the
// last needs redis-server and runs only when named); prints their table and updates their
// sections of bench/RESULTS.md (every other section there is kept).

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmtNs, runDeferredBenchmarks, type Row } from './deferred.bench.js';
import { latencyTable } from './latency.js';
import { runTimerBenchmarks, timerSection, type TimerResults } from './timers.bench.js';

const log = (s: string): void => void process.stderr.write(s + '\n');

function ratio(a: number, b: number): string {
  return (a / b).toFixed(2) + '×';
}

const KNOWN = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'latency', 'timers', 'scale'];
const only = process.argv.slice(2).map((a) => (['latency', 'timers', 'scale'].includes(a.toLowerCase()) ? a.toLowerCase() : a.toUpperCase()));
for (const a of only) {
  if (!KNOWN.includes(a)) throw new Error(`npm run bench: unknown benchmark ${a}; choose from ${KNOWN.join(', ')}`);
}
// `scale` (many processes on a shared Redis frontier) needs redis-server and runs only when named.
const wanted = (id: string): boolean => (only.length === 0 && id !== 'scale') || only.includes(id);
const deferredIds = only.filter((a) => /^M[1-6]$/.test(a));

const rows: Row[] = only.length === 0 || deferredIds.length > 0 ? await runDeferredBenchmarks(log, deferredIds) : [];
let latency: Awaited<ReturnType<typeof latencyTable>> = [];
if (wanted('latency')) {
  log('latency …');
  latency = await latencyTable();
}

let timers: TimerResults | null = null;
if (wanted('timers')) {
  log('timers …');
  timers = await runTimerBenchmarks(log);
}

let crawl: string[] = [];
if (wanted('M7')) {
  try {
    log('M7 …');
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crawl.bench.ts', import.meta.url))], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
    crawl = out.trim().split('\n');
  } catch (e) {
    crawl = [`M7 failed: ${(e as Error).message.split('\n')[0]}`];
  }
}

let scale: string[] = [];
if (wanted('scale')) {
  try {
    log('scale …');
    const out = execFileSync(process.execPath, ['--conditions=@deferkit/source', '--import', 'tsx', fileURLToPath(new URL('./scale.bench.ts', import.meta.url))], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 900_000,
    });
    scale = out.trim().split('\n');
  } catch (e) {
    scale = [`scale failed: ${(e as Error).message.split('\n')[0]}`];
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const command = only.length === 0 ? 'npm run bench' : `npm run bench -- ${only.join(' ')}`;
const lines: string[] = [];
lines.push('# deferkit benchmarks');
lines.push('');
lines.push(`Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${os.platform()} ${os.release()}; Node ${process.version}.`);
lines.push(
  `Date: ${new Date().toISOString().slice(0, 10)}. Command: \`${command}\`. Medians over repeated samples, ` +
    'the tasks of a comparison sampled in turns; ratios are deferkit ÷ native, measured in the same process ' +
    '(a fresh child process for each M1–M6 group).',
);
if (rows.length > 0) {
  lines.push('');
  lines.push('## M1–M6: @deferkit/deferred');
  lines.push('');
  lines.push(
    'Each group is measured twice, each time in a fresh process: as is, and with `gc()` before every repetition ' +
      '("forced GC": no object of the previous repetition is alive, as for code that runs now and then in a ' +
      'long-lived process). M6 collects garbage before each heap reading in both. For M1 the ratio to the bare ' +
      'callback queue of the reference row, measured beside it, is given in brackets.',
  );
  lines.push('');
  lines.push(
    '| id | what | deferkit | native Promise | ratio | deferkit, forced GC | native, forced GC | ratio (forced GC) | plain-function floor | target | met |',
  );
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |');
  for (const r of rows) {
    const fmt = (v: number): string => (r.unit === 'B' ? `${v.toFixed(0)} B` : fmtNs(v));
    const meets = (dk: number, nat: number, bare: number | undefined): boolean =>
      (r.unit === 'B' ? dk <= 200 && dk < nat : dk / nat <= r.target) &&
      (r.bareTarget === undefined || bare === undefined || dk / bare <= r.bareTarget);
    const ratioCell = (dk: number, nat: number, bare: number | undefined): string =>
      ratio(dk, nat) + (bare === undefined ? '' : ` (${ratio(dk, bare)} bare queue)`);
    const g = r.forcedGc;
    const met = meets(r.deferkit, r.native, r.bare) && (g === undefined || meets(g.deferkit, g.native, g.bare));
    const target =
      (r.unit === 'B' ? '≤ 200 B, below native' : `≤ ${r.target}×`) + (r.bareTarget === undefined ? '' : ` (≤ ${r.bareTarget}× bare queue)`);
    const mark = r.reference === true ? '—' : met ? '✓' : '✗';
    const gcCells = g === undefined ? ['', '', ''] : [fmt(g.deferkit), fmt(g.native), ratioCell(g.deferkit, g.native, g.bare)];
    lines.push(
      `| ${r.id} | ${r.what} | ${fmt(r.deferkit)} | ${fmt(r.native)} | ${ratioCell(r.deferkit, r.native, r.bare)} | ${gcCells.join(' | ')} | ${r.floor === undefined ? '' : fmtNs(r.floor)} | ${target} | ${mark} |`,
    );
  }
}
if (wanted('latency')) {
  lines.push('');
  lines.push('## Reactors: latency of "run on the next turn"');
  lines.push('');
  lines.push('| call | median | p90 |');
  lines.push('| --- | ---: | ---: |');
  for (const l of latency) lines.push(`| ${l.name} | ${l.medianUs.toFixed(1)} µs | ${l.p90Us.toFixed(1)} µs |`);
}
if (timers !== null) {
  lines.push('');
  lines.push(...timerSection(timers));
}
if (wanted('M7')) {
  lines.push('');
  lines.push('## M7: crawling a 2,000-page loopback site');
  lines.push('');
  lines.push(...crawl);
}
if (scale.length > 0) {
  lines.push('');
  lines.push('## scale: 1, 2 and 4 worker processes on one Redis frontier');
  lines.push('');
  lines.push(...scale);
}
lines.push('');
const text = lines.join('\n');
process.stdout.write(text);

// bench/RESULTS.md: the sections this run measured replace the same sections there; the others
// (the ones a partial run did not measure, `scale`, and the hand-written ones of past sessions)
// are kept, each with the date it was measured. A partial run of some of M1–M6 does not write
// that section (it would drop the other rows).
const resultsPath = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const partialDeferred = deferredIds.length > 0 && deferredIds.length < 6;
const fresh = splitSections(text).sections.filter((sec) => !(partialDeferred && sec.heading.startsWith('## M1–M6')));
const stamp = `_Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\`._`;
for (const sec of fresh) sec.body.splice(1, 0, stamp, '');
let old: ReturnType<typeof splitSections> = { preamble: [], sections: [] };
try {
  old = splitSections(readFileSync(resultsPath, 'utf8'));
} catch {
  /* no RESULTS.md yet */
}
// In the file's order; sections new to it go at the end.
const byHeading = new Map(fresh.map((sec) => [sec.heading, sec]));
const ordered = old.sections.map((sec) => byHeading.get(sec.heading) ?? sec);
const oldHeadings = new Set(old.sections.map((sec) => sec.heading));
ordered.push(...fresh.filter((sec) => !oldHeadings.has(sec.heading)));
const kept = ordered.filter((sec) => !byHeading.has(sec.heading));
const preamble = only.length === 0 || old.preamble.length === 0 ? splitSections(text).preamble : old.preamble;
const merged = [...preamble, ...ordered.flatMap((sec) => [sec.heading, ...sec.body])];
writeFileSync(resultsPath, merged.join('\n').replace(/\n*$/, '\n'));
log(`bench/RESULTS.md: ${fresh.length} section(s) written, ${kept.length} kept from before.`);

/** A Markdown text cut at its `## ` headings: what comes before the first, then each heading with its lines. */
function splitSections(md: string): { preamble: string[]; sections: Array<{ heading: string; body: string[] }> } {
  const preamble: string[] = [];
  const sections: Array<{ heading: string; body: string[] }> = [];
  for (const line of md.split('\n')) {
    if (line.startsWith('## ')) sections.push({ heading: line, body: [] });
    else if (sections.length === 0) preamble.push(line);
    else sections[sections.length - 1]!.body.push(line);
  }
  return { preamble, sections };
}
