import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runner = fileURLToPath(new URL('./aplus-runner.ts', import.meta.url));

describe('Promises/A+ compliance (J4: a Deferred is a thenable)', () => {
  it('J4 passes all 872 cases of promises-aplus-tests', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--conditions=@deferkit/source', '--import', 'tsx', runner],
        { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const lastLine = stdout.trim().split('\n').pop()!;
    const result = JSON.parse(lastLine) as { passes: number; failures: number; total: number; failed: string[] };
    expect(result.failed).toEqual([]);
    expect(result.failures).toBe(0);
    expect(result.passes).toBe(872);
  }, 150_000);
});
