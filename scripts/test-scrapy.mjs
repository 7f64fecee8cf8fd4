#!/usr/bin/env node
// `npm run test:scrapy`: the differential test against real Scrapy (issue 14).
// Crawls our own loopback site (test/scrapy-diff/site.mjs) with the same spider written for
// Scrapy (test/scrapy-diff/spider.py) and for deferkit (test/scrapy-diff/spider.ts), Scrapy under
// both of its reactors and deferkit under both of its, then compares, per pair of runs, the
// scraped items (as sets) and the close stats key by key. Every compared key is printed as
// agree / justified (reason) / DIFFER; the reasons live in test/scrapy-diff/justified-differences.json
// (explained in justified-differences.md). Ends with `test:scrapy: N passed, N failed`.
//
// Scenarios: the main one above, plus one per directory of test/scrapy-diff/scenarios/ — each with
// its own site.mjs (export startSite(): { url, log, close, env? }), spider.py, spider.ts and an
// optional scenario.json: { "about": "…", "compared": ["regex", …] (extra stat keys to compare),
// "notCompared" / "renamedKeys" (as justified-differences.json), "offsiteCheck": false }. The
// site's `env` is added to both crawlers' environment (e.g. http_proxy for a proxy scenario).
// `npm run test:scrapy -- NAME …` runs only the scenarios named ('main' is the main one).
//
// Needs /usr/bin/python3 with Scrapy (Debian's python3-scrapy). Without it: NOT RUN, exit 1, or
// exit 0 when DEFERKIT_ALLOW_MISSING_SCRAPY=1. Loopback only: nothing leaves 127.0.0.1.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'test', 'scrapy-diff');
/** The Python with Scrapy (DEFERKIT_SCRAPY_PYTHON overrides it, e.g. to check the NOT RUN path). */
const PYTHON = process.env.DEFERKIT_SCRAPY_PYTHON || '/usr/bin/python3';
/** Each crawler process is killed after this long and the run reported as failed. */
const RUN_TIMEOUT_MS = Number(process.env.DEFERKIT_SCRAPY_TIMEOUT_MS) || 60_000;

const probe = spawnSync(PYTHON, ['-c', 'import scrapy, sys; sys.stdout.write(scrapy.__version__)'], { encoding: 'utf-8' });
if (probe.status !== 0) {
  console.log('test:scrapy NOT RUN: python3-scrapy is not installed (apt-get install python3-scrapy)');
  process.exit(process.env.DEFERKIT_ALLOW_MISSING_SCRAPY === '1' ? 0 : 1);
}
console.log(`Scrapy ${probe.stdout.trim()} (${PYTHON}), Node ${process.version}`);
// The deferkit CLI runs dist/ when it is built and up to date, else the TypeScript sources
// through tsx (packages/crawler/bin/deferkit.js): no build step is needed here.
const cli = join(root, 'packages', 'crawler', 'bin', 'deferkit.js');
if (!existsSync(join(root, 'packages', 'crawler', 'dist', 'cli', 'main.js'))) console.log('deferkit: no build in packages/crawler/dist, the CLI runs the sources (tsx)');

const justified = JSON.parse(readFileSync(join(dir, 'justified-differences.json'), 'utf-8'));

/** Every scenario: the main one (test/scrapy-diff itself) and each directory of scenarios/. */
function findScenarios() {
  const out = [{ name: 'main', dir, about: 'the main site: links, redirects, retries, sizes, encodings, offsite, feeds', config: {} }];
  const root = join(dir, 'scenarios');
  if (existsSync(root)) {
    for (const name of readdirSync(root).sort()) {
      const sdir = join(root, name);
      if (!existsSync(join(sdir, 'spider.py'))) continue;
      const configFile = join(sdir, 'scenario.json');
      const config = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf-8')) : {};
      out.push({ name, dir: sdir, about: config.about ?? '', config });
    }
  }
  return out;
}
const allScenarios = findScenarios();
const wantedNames = process.argv.slice(2);
for (const n of wantedNames) {
  if (!allScenarios.some((s) => s.name === n)) {
    console.log(`test:scrapy: unknown scenario '${n}'; the scenarios are: ${allScenarios.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
}
const scenarios = wantedNames.length === 0 ? allScenarios : allScenarios.filter((s) => wantedNames.includes(s.name));

const RUNS = [
  { name: 'scrapy-epoll', kind: 'scrapy', extra: [] },
  { name: 'scrapy-asyncio', kind: 'scrapy', extra: ['-s', 'TWISTED_REACTOR=twisted.internet.asyncioreactor.AsyncioSelectorReactor'] },
  { name: 'deferkit-callback', kind: 'deferkit', extra: ['-s', 'REACTOR=callback'] },
  { name: 'deferkit-promise', kind: 'deferkit', extra: ['-s', 'REACTOR=promise'] },
];
/**
 * Compared pairs: [deferkit run, Scrapy run]; the last two check that each crawler agrees with
 * itself across its two reactors (else the site or the spider is not deterministic).
 */
const PAIRS = [
  ['deferkit-callback', 'scrapy-epoll'],
  ['deferkit-promise', 'scrapy-asyncio'],
  ['scrapy-asyncio', 'scrapy-epoll'],
  ['deferkit-promise', 'deferkit-callback'],
];

/** The close stats that are compared (every key of either side matching one of these). */
const COMPARED = [
  /^downloader\/(request_count|response_count|exception_count)$/,
  /^downloader\/response_status_count\//,
  /^downloader\/exception_type_count\//,
  /^downloader\/request_method_count\//,
  /^retry\//,
  /^dupefilter\//,
  /^offsite\//,
  /^item_(scraped|dropped)_count$/,
  /^item_dropped_reasons_count\//,
  /^finish_reason$/,
  /^log_count\//,
  /^scheduler\/(enqueued|dequeued)/,
  /^response_received_count$/,
  /^httpcompression\//,
  /^httperror\//,
  /redirect/,
  /^spider_exceptions\//,
  /^feedexport\//,
];

// No Scrapy project around the spider: runspider with its defaults + the spider's settings.
const crawlEnv = { ...process.env };
delete crawlEnv.SCRAPY_SETTINGS_MODULE;
delete crawlEnv.SCRAPY_PROJECT;

const workRoot = mkdtempSync(join(tmpdir(), 'deferkit-scrapy-diff-'));

/** Run one crawl of a scenario against its own site (a site may keep per-crawl state, e.g. /flaky's counter). */
async function crawl(scenario, run) {
  const { startSite } = await import(pathToFileURL(join(scenario.dir, 'site.mjs')).href);
  const site = await startSite();
  // Each run gets its own working directory (caches, job state and feeds stay apart).
  const work = join(workRoot, scenario.name, run.name);
  mkdirSync(work, { recursive: true });
  const out = { items: join(work, 'items.jsonl'), stats: join(work, 'stats.json'), log: join(work, 'crawl.log') };
  const spiderArgs = ['-a', `base=${site.url}`, '-a', `stats=${out.stats}`, '-o', out.items, ...run.extra];
  const [cmd, args] =
    run.kind === 'scrapy'
      ? [PYTHON, ['-m', 'scrapy', 'runspider', join(scenario.dir, 'spider.py'), ...spiderArgs]]
      : [process.execPath, [cli, 'runspider', join(scenario.dir, 'spider.ts'), ...spiderArgs]];
  const started = process.hrtime.bigint();
  const result = await new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...crawlEnv, ...(site.env ?? {}) } });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, error, output: Buffer.concat(chunks).toString('utf-8'), timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf-8'), timedOut });
    });
  });
  await site.close();
  writeFileSync(out.log, result.output);
  writeFileSync(join(work, 'site.log'), site.log.join('\n') + '\n');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const port = new URL(site.url).port;
  // Offsite links must be filtered before download: the site sees only its own host name.
  const offsiteHits = scenario.config.offsiteCheck === false ? [] : site.log.filter((line) => line.split(' ')[1] !== `127.0.0.1:${port}`);
  let failure = null;
  if (result.timedOut) failure = `killed after ${RUN_TIMEOUT_MS / 1000}s (no exit)`;
  else if (result.error) failure = `could not start ${cmd}: ${result.error.message}`;
  else if (result.code !== 0) failure = `exited with ${result.code ?? result.signal}`;
  else if (!existsSync(out.stats)) failure = 'wrote no stats file (spider_closed handler not called?)';
  else if (!existsSync(out.items)) failure = 'wrote no items feed';
  const normalise = (text) => text.replaceAll(`127.0.0.1:${port}`, 'SITE').replaceAll(`localhost:${port}`, 'LOCALHOST');
  let items = new Map();
  let stats = {};
  if (failure === null) {
    for (const line of readFileSync(out.items, 'utf-8').split('\n')) {
      if (line.trim() === '') continue;
      const key = canonical(JSON.parse(normalise(line)));
      items.set(key, (items.get(key) ?? 0) + 1);
    }
    stats = JSON.parse(readFileSync(out.stats, 'utf-8'));
  }
  return { ...run, failure, items, stats, offsiteHits, seconds, log: out.log, output: result.output, port };
}

/** JSON with sorted keys, so that equal items have equal strings. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const show = (v) => (v === undefined ? '(absent)' : JSON.stringify(v));

let passed = 0;
let failed = 0;
const summary = [];

for (const scenario of scenarios) {
  console.log(`\n#### scenario ${scenario.name}${scenario.about ? `: ${scenario.about}` : ''}`);
  const results = new Map((await Promise.all(RUNS.map((run) => crawl(scenario, run)))).map((r) => [r.name, r]));
  for (const r of results.values()) {
    console.log(`\n== ${scenario.name} / ${r.name}: ${r.failure ?? 'ran'} in ${r.seconds.toFixed(1)}s, ${[...r.items.values()].reduce((a, b) => a + b, 0)} items (log: ${r.log})`);
    if (r.failure !== null) {
      failed++;
      console.log(`  DIFFER  run ${r.name} failed: ${r.failure}\n${r.output.split('\n').slice(-15).map((l) => `    | ${l}`).join('\n')}`);
    }
    if (r.offsiteHits.length > 0) {
      failed++;
      console.log(`  DIFFER  offsite requests reached the site: ${r.offsiteHits.join('; ')}`);
    } else {
      passed++;
      console.log('  agree   no request to another host name reached the site (offsite filtered before download)');
    }
  }

  const notCompared = new Map([...justified.notCompared, ...(scenario.config.notCompared ?? [])].map((e) => [e.key, e.reason]));
  const renamed = [...(justified.renamedKeys ?? []), ...(scenario.config.renamedKeys ?? [])];
  const compared = [...COMPARED, ...(scenario.config.compared ?? []).map((re) => new RegExp(re))];

  for (const [leftName, rightName] of PAIRS) {
    const left = results.get(leftName);
    const right = results.get(rightName);
    const pair = { name: `${scenario.name}: ${leftName} vs ${rightName}`, agree: 0, justified: [], differ: [] };
    summary.push(pair);
    console.log(`\n== ${pair.name}`);
    if (left.failure !== null || right.failure !== null) {
      failed++;
      pair.differ.push('a run failed: nothing compared');
      console.log('  DIFFER  a run failed: nothing compared');
      continue;
    }
    const pass = (what) => {
      passed++;
      pair.agree++;
      console.log(`  agree      ${what}`);
    };
    const fail = (what) => {
      failed++;
      pair.differ.push(what);
      console.log(`  DIFFER     ${what}`);
    };
    const ok = (what, reason) => {
      passed++;
      pair.justified.push(`${what}: ${reason}`);
      console.log(`  justified  ${what} (${reason})`);
    };

    // Items, as multisets of normalised JSON.
    const missing = [...right.items.keys()].filter((k) => left.items.get(k) !== right.items.get(k));
    const extra = [...left.items.keys()].filter((k) => !right.items.has(k));
    if (missing.length === 0 && extra.length === 0) pass(`items (${right.items.size} distinct)`);
    else {
      fail(`items: ${missing.length} only in ${rightName}, ${extra.length} only in ${leftName}`);
      for (const k of missing) console.log(`               only in ${rightName} (x${right.items.get(k)}, ${leftName} x${left.items.get(k) ?? 0}): ${k}`);
      for (const k of extra) console.log(`               only in ${leftName}: ${k}`);
    }

    // Stats: renamed keys first (a key one side names after its own exception class).
    const done = new Set();
    const bothSidesRenamed = leftName.startsWith('deferkit') && rightName.startsWith('scrapy');
    if (bothSidesRenamed) {
      for (const r of renamed) {
        if (!(r.scrapy in right.stats) && !(r.deferkit in left.stats)) continue;
        done.add(`L:${r.deferkit}`);
        done.add(`R:${r.scrapy}`);
        const a = left.stats[r.deferkit];
        const b = right.stats[r.scrapy];
        const what = `${r.scrapy} = ${show(b)} ~ ${r.deferkit} = ${show(a)}`;
        if (a === b) ok(what, r.reason);
        else fail(what);
      }
    }
    const keys = [...new Set([...Object.keys(left.stats), ...Object.keys(right.stats)])].filter((k) => compared.some((re) => re.test(k))).sort();
    for (const key of keys) {
      const a = left.stats[key];
      const b = right.stats[key];
      if ((done.has(`L:${key}`) || !(key in left.stats)) && (done.has(`R:${key}`) || !(key in right.stats))) continue;
      const what = `${key}: ${rightName} ${show(b)}, ${leftName} ${show(a)}`;
      if (notCompared.has(key)) ok(`${what}`, `not compared: ${notCompared.get(key)}`);
      else if (a === b) pass(`${key} = ${show(a)}`);
      else fail(what);
    }
  }
}

console.log('\n== summary');
for (const p of summary) {
  console.log(`${p.name}: ${p.agree} agree, ${p.justified.length} justified, ${p.differ.length} DIFFER`);
  for (const d of p.differ) console.log(`  DIFFER ${d}`);
}
if (failed === 0) rmSync(workRoot, { recursive: true, force: true });
else console.log(`(logs, feeds and stats kept in ${workRoot})`);
console.log(`test:scrapy: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
