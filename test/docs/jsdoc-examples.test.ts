// Every JSDoc `@example` in packages/*/src compiles (strict) and runs, self-contained: it imports
// what it uses from the package names ('@deferkit/deferred', '@deferkit/crawler/demo', …), as a
// user would. Its `// prints: …` comments (with `//         …` continuation lines, and variants
// like `// prints (after a microtask): …`) must appear, in that order, among the lines it prints.
// An example fenced ```ts no-run is only type-checked: keep that for the rare one
// that cannot finish quickly on loopback.
//
// Speed: one tsc program checks all examples; one esbuild build bundles them (the
// '@deferkit/source' condition, so src/ and not dist/); each then runs in its own plain node
// process, since some install a global reactor; a few of those at a time (it.concurrent).

import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractAll, type JsdocExample } from './jsdoc-extract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, 'test/docs/.jsdoc-examples');
const run = promisify(execFile);

/**
 * Known-broken examples, keyed `file#symbol`, that this test does not check (neither compiled
 * nor run). Only for files being rewritten elsewhere right now; each entry must name an example
 * that exists, so a stale entry fails the test. Empty it as those files are fixed.
 */
const KNOWN_BROKEN: Record<string, string> = {
  // Each entry: an example that fails today, and why. None today.
};

const examples = extractAll(root);
const key = (ex: JsdocExample): string => `${ex.file}#${ex.symbol}`;
const fileOf = (ex: JsdocExample): string =>
  path.join(outDir, `${key(ex).replace(/^packages\//, '').replace(/\/src\//, '-').replace(/\.ts#/, '#').replace(/[^A-Za-z0-9.-]+/g, '_')}.ts`);

/** The lines an example's `// prints:` comments promise, in order. */
export function promisedOutput(code: string): string[] {
  const out: string[] = [];
  let inPrints = false;
  for (const line of code.split('\n')) {
    const m = /\/\/ prints(?: \([^)]*\))?: (.*)$/.exec(line);
    if (m !== null) {
      out.push(m[1]!.trim());
      inPrints = true;
    } else if (inPrints && /^\s*\/\/\s{2,}\S/.test(line)) {
      out.push(line.replace(/^\s*\/\//, '').trim());
    } else {
      inPrints = false;
    }
  }
  return out;
}

/** tsc's errors per example file (absolute path), filled by beforeAll. */
const typeErrors = new Map<string, string[]>();

beforeAll(async () => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const ex of examples) writeFileSync(fileOf(ex), `// ${key(ex)} (line ${ex.line})\nexport {};\n${ex.code}`);
  // tsc reports only syntax errors while there are any, so a pass that finds errors is followed
  // by one without the files it blamed; a clean tree takes one pass.
  let files = examples.filter((ex) => !(key(ex) in KNOWN_BROKEN)).map(fileOf);
  for (let pass = 0; pass < 5 && files.length > 0; pass++) {
    const blamed = typeCheck(files);
    if (blamed.size === 0) break;
    files = files.filter((f) => !blamed.has(f));
  }
  // Only what type-checks is bundled; a file esbuild still rejects is blamed and the build redone.
  let runnable = examples.filter((ex) => !ex.noRun && !(key(ex) in KNOWN_BROKEN) && !typeErrors.has(fileOf(ex))).map(fileOf);
  for (let pass = 0; pass < 5 && runnable.length > 0; pass++) {
    const blamed = await bundle(runnable);
    if (blamed.size === 0) break;
    runnable = runnable.filter((f) => !blamed.has(f));
  }
}, 120_000);

/** One tsc program over `files`; records and returns the files it reports errors in. */
function typeCheck(files: string[]): Set<string> {
  writeFileSync(
    path.join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.base.json',
      compilerOptions: {
        noEmit: true,
        types: ['node'],
        lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
        // Most of the time goes to checking the packages' sources, which rarely change between runs.
        incremental: true,
        tsBuildInfoFile: path.join(root, 'node_modules/.cache/deferkit-jsdoc-examples.tsbuildinfo'),
      },
      files: files.map((f) => path.basename(f)),
    }),
  );
  let out = '';
  try {
    execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(outDir, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? '';
  }
  // Lines are `file(line,col): error TS…` (relative to cwd); continuation lines follow.
  const blamed = new Set<string>();
  let current: string[] | undefined;
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(.+?\.ts)\(\d+,\d+\): error /.exec(line);
    const file = m === null ? undefined : path.resolve(root, m[1]!);
    if (file !== undefined) {
      blamed.add(file);
      current = typeErrors.get(file) ?? [];
      typeErrors.set(file, current);
    } else if (current === undefined) {
      current = typeErrors.get('(unattributed)') ?? [];
      typeErrors.set('(unattributed)', current);
    }
    current.push(line);
  }
  return blamed;
}

/** Bundles `files` to js/*.mjs; records and returns the files esbuild rejects. */
async function bundle(files: string[]): Promise<Set<string>> {
  try {
    await build({
      entryPoints: files,
      outdir: path.join(outDir, 'js'),
      outbase: outDir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      conditions: ['@deferkit/source'],
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
      // Bundled CJS dependencies may call require() for node builtins.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return new Set();
  } catch (e) {
    const blamed = new Set<string>();
    for (const err of (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? []) {
      const file = err.location == null ? '(unattributed)' : path.resolve(root, err.location.file);
      blamed.add(file);
      typeErrors.set(file, [...(typeErrors.get(file) ?? []), `esbuild: ${err.text} (line ${err.location?.line ?? '?'})`]);
    }
    if (blamed.size === 0) throw e;
    return blamed;
  }
}

describe('JSDoc @example blocks', () => {
  it('there are examples to check', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it('every known-broken entry names an existing example', () => {
    const keys = new Set(examples.map(key));
    expect(Object.keys(KNOWN_BROKEN).filter((k) => !keys.has(k))).toEqual([]);
  });

  it('every tsc/esbuild error is attributed to an example', () => {
    expect(typeErrors.get('(unattributed)') ?? []).toEqual([]);
  });

  for (const ex of examples) {
    const name = `${key(ex)} (line ${ex.line})`;
    if (key(ex) in KNOWN_BROKEN) {
      it.skip(`${name}: known broken (${KNOWN_BROKEN[key(ex)]})`, () => {});
      continue;
    }
    it.concurrent(`${name} compiles${ex.noRun ? ' (no-run)' : ' and runs'}`, async ({ expect }) => {
      const errors = typeErrors.get(fileOf(ex)) ?? [];
      if (errors.length > 0) throw new Error(`does not compile:\n${errors.join('\n')}`);
      if (ex.noRun) return;
      const js = path.join(outDir, 'js', path.basename(fileOf(ex)).replace(/\.ts$/, '.mjs'));
      let stdout: string;
      try {
        ({ stdout } = await run(process.execPath, [js], { cwd: root, encoding: 'utf8', timeout: 10_000 }));
      } catch (e) {
        const { stdout: out = '', stderr = '', killed } = e as { stdout?: string; stderr?: string; killed?: boolean };
        throw new Error(`${killed === true ? 'did not finish within 10 s' : 'failed'}:\n${stderr}${out}`);
      }
      const promised = promisedOutput(ex.code);
      const printed = stdout.split('\n').map((l) => l.trim());
      // Each promised line in order, anywhere after the previous one.
      let at = 0;
      for (const want of promised) {
        const i = printed.indexOf(want, at);
        if (i === -1) expect.fail(`the example says it prints ${JSON.stringify(want)} (after the lines before it); it printed:\n${stdout}`);
        at = i + 1;
      }
    }, 20_000);
  }
});
