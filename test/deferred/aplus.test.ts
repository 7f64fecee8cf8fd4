import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Deferred, fail, succeed } from '@deferkit/deferred';
import { isBun } from '../support.js';

const runner = fileURLToPath(new URL('./aplus-runner.ts', import.meta.url));

/**
 * The two cases Bun fails whatever the promise: its transpiler drops a function-level
 * "use strict" in CommonJS files (oven-sh/bun PR #31807, open), so promises-aplus-tests'
 * strict-mode callbacks see globalThis as `this`. The test below checks the rule itself in an
 * ES module, where every runtime gets it right.
 */
const bunStrictModeCases = [
  '2.2.5 `onFulfilled` and `onRejected` must be called as functions (i.e. with no `this` value). strict mode fulfilled',
  '2.2.5 `onFulfilled` and `onRejected` must be called as functions (i.e. with no `this` value). strict mode rejected',
];

describe('Promises/A+ compliance (J4: a Deferred is a thenable)', () => {
  it('J4 passes all 872 cases of promises-aplus-tests', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        // Bun runs TypeScript itself; Node needs tsx.
        isBun ? ['--conditions=@deferkit/source', runner] : ['--conditions=@deferkit/source', '--import', 'tsx', runner],
        { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const lastLine = stdout.trim().split('\n').pop()!;
    const result = JSON.parse(lastLine) as { passes: number; failures: number; total: number; failed: string[] };
    expect(result.total).toBe(872);
    if (isBun) {
      expect(result.failed.map((f) => f.slice(0, f.indexOf(': ')))).toEqual(bunStrictModeCases);
      expect(result.passes).toBe(870);
      return;
    }
    expect(result.failed).toEqual([]);
    expect(result.failures).toBe(0);
    expect(result.passes).toBe(872);
  }, 150_000);

  it('2.2.5 then() calls onFulfilled and onRejected as plain functions: this is undefined', async () => {
    const seen: unknown[] = [];
    await succeed(1).then(function (this: unknown) {
      seen.push(this);
    });
    await fail(new Error('x')).then(undefined, function (this: unknown) {
      seen.push(this);
    });
    const d = new Deferred<number>();
    const later = d.then(function (this: unknown) {
      seen.push(this);
    });
    d.callback(2);
    await later;
    expect(seen).toEqual([undefined, undefined, undefined]);
  });
});
