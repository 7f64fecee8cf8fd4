// scripts/lint-layers.mjs: the real tree passes (but for its allowlist), and planted violations fail.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KNOWN_VIOLATIONS, checkLayers, importsOf, loadRepo } from '../../scripts/lint-layers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const exportsOf = { deferred: ['.', './testing'], reactor: ['.'], interop: ['.', './rxjs', './fp-ts'], crawler: ['.', './demo'] };
const check = (files: Record<string, string>) => checkLayers({ files, exportsOf });

describe('lint-layers', () => {
  it('finds import, export-from, type-only and dynamic specifiers, not commented-out ones', () => {
    expect(
      importsOf(`import { a } from './a.js';\nimport type { B } from "@deferkit/deferred";\nexport * from './c.js';\nconst d = await import('node:fs');\n// import x from 'nope';\n/* import y from 'nope2'; */\nimport './side.js';`),
    ).toEqual(['./a.js', '@deferkit/deferred', './c.js', 'node:fs', './side.js']);
  });

  it('the repository has no violations but the allowlisted ones, and every allowlisted one still exists', () => {
    const problems = checkLayers(loadRepo(root));
    expect(problems.filter((p) => !KNOWN_VIOLATIONS.has(p))).toEqual([]);
    expect([...KNOWN_VIOLATIONS].filter((k) => !problems.includes(k))).toEqual([]);
  });

  it('the CLI passes on the repository', () => {
    expect(execFileSync(process.execPath, [path.join(root, 'scripts/lint-layers.mjs')], { encoding: 'utf8' })).toContain('layers: ok');
  });

  it('a lower package importing a higher one fails', () => {
    expect(check({ 'packages/deferred/src/x.ts': "import { Clock } from '@deferkit/reactor';" })).toEqual([
      "packages/deferred/src/x.ts: imports '@deferkit/reactor': deferred is below reactor (deferred < reactor < interop < crawler < crawler-redis)",
    ]);
    expect(check({ 'packages/interop/src/x.ts': "export type { Spider } from '@deferkit/crawler';" })).toHaveLength(1);
  });

  it('a higher package importing a lower one by name or exported subpath passes', () => {
    expect(
      check({
        'packages/crawler/src/x.ts': "import { succeed } from '@deferkit/deferred';\nimport { fromDeferred } from '@deferkit/interop/rxjs';",
        'packages/crawler/src/lab/y.ts': "import { startDemoSite } from '../demo/index.js';",
      }),
    ).toEqual([]);
  });

  it('a deep import into another package fails', () => {
    expect(check({ 'packages/crawler/src/x.ts': "import { Failure } from '@deferkit/deferred/src/Failure.js';" })).toEqual([
      "packages/crawler/src/x.ts: deep import '@deferkit/deferred/src/Failure.js' (only @deferkit/deferred, @deferkit/deferred/testing)",
    ]);
    expect(check({ 'packages/crawler/src/x.ts': "import { x } from '@deferkit/deferred/internal/shared.js';" })).toHaveLength(1);
  });

  it('a relative import escaping its package fails', () => {
    expect(check({ 'packages/reactor/src/a/x.ts': "import { Deferred } from '../../../deferred/src/Deferred.js';" })).toEqual([
      "packages/reactor/src/a/x.ts: '../../../deferred/src/Deferred.js' escapes its package (import another package by its name)",
    ]);
  });

  it('index.ts re-exporting from internal/ fails; other files may import internal/', () => {
    expect(check({ 'packages/reactor/src/index.ts': "export { TimerHeap } from './internal/TimerHeap.js';" })).toEqual([
      "packages/reactor/src/index.ts: exports './internal/TimerHeap.js', which is under internal/",
    ]);
    expect(check({ 'packages/reactor/src/Clock.ts': "import { TimerHeap } from './internal/TimerHeap.js';" })).toEqual([]);
  });
});
