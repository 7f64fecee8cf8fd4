#!/usr/bin/env node
// npm run test:runtimes [-- node bun chromium]
//
// Runs the suites of @deferkit/deferred, @deferkit/reactor and @deferkit/interop (test/deferred,
// test/reactor, test/interop) in each runtime, from the TypeScript sources:
//   node      vitest, as `npm test` does
//   bun       `bun test` from the `bun` devDependency (its runner reads the vitest imports)
//   chromium  vitest browser mode in headless Chromium through playwright-core, using Debian's
//             chromium (/usr/bin/chromium, or CHROMIUM_PATH); nothing is downloaded
// and prints one line per runtime. Writes .vitest/runtimes.json. Exits 1 if any runtime fails.
//
// DEFERKIT_ALLOW_MISSING_CHROMIUM=1 (set by .ci/run when it could not install Chromium) reports
// Chromium as "not run" instead of failing.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs = ['test/deferred', 'test/reactor', 'test/interop'];
const all = ['node', 'bun', 'chromium'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const w of wanted) {
  if (!all.includes(w)) {
    console.error(`test:runtimes: unknown runtime '${w}'; choose from ${all.join(', ')}.`);
    process.exit(2);
  }
}
const runtimes = wanted.length > 0 ? wanted : all;
mkdirSync(`${root}/.vitest`, { recursive: true });

/** Run a command with inherited output; returns its exit status. */
function run(cmd, args, env = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Counts from a vitest JSON report. */
function vitestCounts(file) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests, total: r.numTotalTests };
}

/** Counts from a JUnit XML report (bun test --reporter=junit). */
function junitCounts(file) {
  const xml = readFileSync(file, 'utf8');
  const head = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
  const total = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: total - failed - skipped, failed, skipped, total };
}

function node() {
  const out = `${root}/.vitest/runtime-node.json`;
  rmSync(out, { force: true });
  const status = run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...dirs, '--reporter=dot', '--reporter=json', `--outputFile=${out}`]);
  return { status, ...(existsSync(out) ? vitestCounts(out) : {}) };
}

function bun() {
  const bin = `${root}/node_modules/bun/bin/bun.exe`;
  if (!existsSync(bin)) return { status: 1, note: 'the bun devDependency is not installed; run npm ci' };
  const out = `${root}/.vitest/runtime-bun.xml`;
  rmSync(out, { force: true });
  const status = run(bin, ['test', '--conditions=@deferkit/source', '--timeout=20000', '--only-failures', '--reporter=junit', `--reporter-outfile=${out}`, ...dirs]);
  return { status, ...(existsSync(out) ? junitCounts(out) : {}) };
}

function chromium() {
  const executable = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executable)) {
    const note =
      `no Chromium at ${executable}: install Debian's package (sudo apt-get install chromium) ` +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary';
    return process.env.DEFERKIT_ALLOW_MISSING_CHROMIUM === '1' ? { status: 0, notRun: true, note } : { status: 1, note };
  }
  const out = `${root}/.vitest/runtime-chromium.json`;
  rmSync(out, { force: true });
  const status = run(process.execPath, [
    'node_modules/vitest/vitest.mjs',
    'run',
    '-c',
    'vitest.browser.config.ts',
    '--reporter=dot',
    '--reporter=json',
    `--outputFile=${out}`,
  ]);
  return { status, ...(existsSync(out) ? vitestCounts(out) : {}) };
}

const results = {};
for (const name of runtimes) {
  results[name] = { node, bun, chromium }[name]();
}

console.log('\nRuntimes (test/deferred, test/reactor, test/interop):');
let failed = false;
for (const [name, r] of Object.entries(results)) {
  const ok = r.status === 0 && (r.notRun || (r.failed === 0 && r.total > 0));
  if (!ok) failed = true;
  const counts = r.total === undefined ? '' : `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
  const verdict = r.notRun ? 'NOT RUN' : ok ? 'ok' : 'FAILED';
  console.log(`  ${name.padEnd(9)} ${verdict.padEnd(8)}${counts}${r.note ? ` (${r.note})` : ''}`);
}
writeFileSync(`${root}/.vitest/runtimes.json`, JSON.stringify(results, null, 2) + '\n');
process.exit(failed ? 1 : 0);
