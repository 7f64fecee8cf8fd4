// The differential check against Twisted (scripts/test-twisted.mjs) checks itself here: on a
// small seeded batch it agrees with Twisted often enough, and it notices the bugs planted in the
// deferkit runner. Needs /usr/bin/python3 with Twisted (Debian's python3-twisted); without it the
// suite is skipped (npm run test:twisted reports NOT RUN then).

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Pair, PYTHON, hitsRecursionLimit, runBatch, shrink } from './driver.mjs';
import { generateProgram } from './generate.mjs';
import type { Program } from './generate.mjs';

const hasTwisted = spawnSync(PYTHON, ['-c', 'import twisted'], { stdio: 'ignore' }).status === 0;
const SEED = 7;
const programs: Program[] = Array.from({ length: 200 }, (_, i) => generateProgram(SEED, i));
/** Below the measured agreement (100% of compared programs after issue 22's fixes; ≈96% before). */
const FLOOR = 0.98;

let pair: Pair | null = null;
afterEach(() => {
  pair?.stop();
  pair = null;
});

// Skipped, not failed, without Twisted: the name says why (as selector-fidelity's parsel check).
describe.skipIf(!hasTwisted)(`twisted-diff harness (needs ${PYTHON} with python3-twisted)`, () => {
  it('generates the same programs for the same seed', () => {
    expect(generateProgram(SEED, 3)).toEqual(generateProgram(SEED, 3));
    expect(generateProgram(SEED, 3)).not.toEqual(generateProgram(SEED, 4));
  });

  it(`agrees with Twisted on at least ${FLOOR * 100}% of 200 seeded programs`, async () => {
    pair = new Pair();
    const r = await runBatch(pair, programs);
    expect(r.total).toBe(200);
    expect(r.agree / (r.total - r.excluded)).toBeGreaterThanOrEqual(FLOOR);
  });

  const reproDir = fileURLToPath(new URL('./repros/', import.meta.url));
  it.each(readdirSync(reproDir).filter((f) => f.endsWith('.json')))(
    'the repro of issue 22 %s now agrees with Twisted (or, for a cycle, ends where Twisted recurses out: J13)',
    async (file) => {
      pair ??= new Pair();
      const prog = JSON.parse(readFileSync(reproDir + file, 'utf8')) as Program;
      const r = await pair.run(prog);
      expect(r.ts).not.toBe('hang');
      if (r.kind !== null) expect(hitsRecursionLimit(r.py)).toBe(true);
    },
  );

  it.each(['pause-skip', 'errback-on-success'])('notices the planted bug %s: agreement drops clearly below the unplanted run', async (plant) => {
    pair = new Pair();
    const clean = await runBatch(pair, programs);
    pair.stop();
    pair = new Pair({ plant });
    const planted = await runBatch(pair, programs);
    expect(planted.agree).toBeLessThan(clean.agree - 20);
    expect(planted.kinds.size).toBeGreaterThan(0);
  });

  it('shrinks a mismatch to a smaller program that mismatches the same way', async () => {
    pair = new Pair({ plant: 'pause-skip' });
    const r = await runBatch(pair, programs.slice(0, 50));
    const [kind, { first }] = [...r.kinds][0]!;
    const small = await shrink(pair, first.prog, kind);
    expect(small.ops.length).toBeLessThan(first.prog.ops.length);
    expect((await pair.run(small)).kind).toBe(kind);
  });

  it('records a program that never answers as a hang on that side and goes on with a fresh worker', async () => {
    pair = new Pair({ timeoutMs: 300 });
    const spin: Program = { ops: [{ op: '__spin' }] };
    const r = await pair.run(spin);
    expect(r.py).toBe('hang');
    expect(r.ts).toBe('hang');
    const next = await pair.run(programs[0]!);
    expect(Array.isArray(next.py) && Array.isArray(next.ts)).toBe(true);
    expect(pair.py.restarts + pair.ts.restarts).toBe(2);
  });
});
