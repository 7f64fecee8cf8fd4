#!/usr/bin/env node
// `npm run test:twisted`: the differential check of @deferkit/deferred against real Twisted.
// Generates random Deferred programs (test/twisted-diff/generate.mjs), runs each through
// Twisted (test/twisted-diff/interp.py) and through deferkit (test/twisted-diff/interp.ts), and
// compares the traces. Prints `N programs, M agree (x.x%)`, then, per kind of mismatch, the first
// failing program shrunk to a minimal one, with both traces. See test/twisted-diff/README.md.
//
//   --seed N        batch seed (default 1)
//   --count N       programs (default 3000)
//   --min-agree P   exit 1 when fewer than P percent agree (default below)
//   --plant NAME    break deferkit on purpose in the runner (pause-skip, errback-on-success)
//   --file F.json   run one program (a JSON file) and print both traces
//   --repros        run every test/twisted-diff/repros/*.json and say which ones mismatch
//   --no-shrink     print the first failing programs as generated
//   --no-causes     skip the breakdown by known cause (it shrinks every failing program)
//   --timeout MS    watchdog per program and side, from the worker's ready line (default 1000)
//
// Needs /usr/bin/python3 with Twisted (Debian's python3-twisted). Without it: NOT RUN, exit 1, or
// exit 0 when DEFERKIT_ALLOW_MISSING_TWISTED=1.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CAUSES, Pair, PYTHON, mismatchKind, suspectCause, programText, runBatch, shrink, traceText, twistedVersion } from '../test/twisted-diff/driver.mjs';
import { generateProgram } from '../test/twisted-diff/generate.mjs';

/**
 * Measured on the code before the inlineCallbacks/chainDeferred/cancel-cycle fixes: 96.5% (seed 1, 3000 programs; README.md).
 * CI runs the default seed, so this floor catches regressions without failing on known causes.
 */
const DEFAULT_MIN_AGREE = 99.5;

const { values: opts } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '3000' },
    'min-agree': { type: 'string', default: String(DEFAULT_MIN_AGREE) },
    plant: { type: 'string' },
    file: { type: 'string' },
    repros: { type: 'boolean', default: false },
    'no-shrink': { type: 'boolean', default: false },
    'no-causes': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '1000' },
  },
});

const version = twistedVersion();
if (version === null) {
  console.log(`test:twisted NOT RUN: ${PYTHON} cannot import twisted (apt-get install python3-twisted)`);
  process.exit(process.env.DEFERKIT_ALLOW_MISSING_TWISTED === '1' ? 0 : 1);
}
console.log(`Twisted ${version} (${PYTHON}), Node ${process.version}${opts.plant ? `, planted bug: ${opts.plant}` : ''}`);

const pair = new Pair({ plant: opts.plant, timeoutMs: Number(opts.timeout) });
try {
  if (opts.repros) {
    const dir = fileURLToPath(new URL('../test/twisted-diff/repros/', import.meta.url));
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
      const r = await pair.run(JSON.parse(readFileSync(join(dir, f), 'utf-8')));
      const verdict = r.kind === null ? 'agree   ' : r.excluded ? 'left out' : 'MISMATCH';
      console.log(`${verdict}  ${f}${r.kind === null ? '' : `  (${r.kind}${r.excluded ? '; J13: Twisted recursed out' : ''})`}`);
    }
  } else if (opts.file) {
    const prog = JSON.parse(readFileSync(opts.file, 'utf-8'));
    const r = await pair.run(prog);
    console.log(`program:\n${programText(prog)}`);
    console.log(`twisted:\n${traceText(r.py)}`);
    console.log(`deferkit:\n${traceText(r.ts)}`);
    console.log(r.kind === null ? 'agree' : r.excluded ? `left out (J13: Twisted recursed out): ${r.kind}` : `MISMATCH: ${r.kind}`);
    process.exitCode = r.kind === null || r.excluded ? 0 : 1;
  } else {
    const seed = Number(opts.seed);
    const count = Number(opts.count);
    const started = Date.now();
    const programs = Array.from({ length: count }, (_, i) => generateProgram(seed, i));
    const { total, agree, excluded, kinds, failures } = await runBatch(pair, programs);
    const compared = total - excluded;
    const pct = compared === 0 ? 100 : (100 * agree) / compared;
    console.log(
      `${total} programs, ${agree} agree (${pct.toFixed(1)}% of ${compared} compared; ${excluded} left out: ` +
        `Twisted hit its recursion limit or hung, J13) [seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s]`,
    );
    const sorted = [...kinds].sort((a, b) => b[1].count - a[1].count);
    for (const [kind, { count: n }] of sorted) console.log(`  ${String(n).padStart(5)}  ${kind}`);
    for (const [kind, { first }] of sorted) {
      const prog = opts['no-shrink'] ? first.prog : await shrink(pair, first.prog, kind);
      const r = await pair.run(prog);
      console.log(`\n=== ${kind} (${kinds.get(kind).count} programs)${opts['no-shrink'] ? '' : ', shrunk'}:`);
      console.log(programText(prog));
      console.log(`twisted:\n${traceText(r.py)}`);
      console.log(`deferkit:\n${traceText(r.ts)}`);
      if (r.kind !== kind) console.log(`(the shrunk program now gives: ${mismatchKind(r.py, r.ts) ?? 'agree'})`);
      console.log(`json: ${JSON.stringify(prog)}`);
    }
    if (!opts['no-causes'] && failures.length > 0) {
      // Every failing program shrunk (small budget) and matched against the known causes.
      const byCause = new Map();
      for (const f of failures) {
        const small = f.py === 'hang' || f.ts === 'hang' ? f.prog : await shrink(pair, f.prog, f.kind, 150);
        const r = small === f.prog ? f : await pair.run(small);
        const cause = suspectCause(small, r.py, r.ts);
        byCause.set(cause, (byCause.get(cause) ?? 0) + 1);
      }
      console.log(`\nmismatches by suspected cause (each failing program shrunk, then matched):`);
      for (const [cause, n] of [...byCause].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(5)}  ${CAUSES[cause]}`);
    }
    const restarts = pair.py.restarts + pair.ts.restarts;
    if (restarts > 0) console.log(`\nworkers restarted ${restarts} times (twisted ${pair.py.restarts}, deferkit ${pair.ts.restarts})`);
    const min = Number(opts['min-agree']);
    console.log(`\ntest:twisted: ${pct.toFixed(1)}% agree, floor ${min}% → ${pct >= min ? 'ok' : 'FAILED'}`);
    process.exitCode = pct >= min ? 0 : 1;
  }
} finally {
  pair.stop();
}
