// rxjs and fp-ts are optional peer dependencies of @deferkit/interop, used only by the ./rxjs and
// ./fp-ts subpaths: the main entry must load where neither is installed. Proved on the built
// packages (ESM and CJS), copied into a fixture outside the repository, so nothing resolves
// rxjs or fp-ts from the workspace's node_modules.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as interopSource from '@deferkit/interop';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = ['deferred', 'reactor', 'interop'] as const;

/** docs/design.md's @deferkit/interop table (runtime values; types are erased). */
const EXPECTED_EXPORTS = [
  'PromiseReactorRequiredError',
  'abortSignalFor',
  'deferredFFromCoroF',
  'deferredFromCoro',
  'deferredToFuture',
  'ensureAwaitable',
  'fromNodeCallback',
  'maybeDeferredToFuture',
  'withAbortSignal',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distMissing(pkg: string): boolean {
  const dist = path.join(repo, 'packages', pkg, 'dist');
  return !['index.js', 'index.cjs'].every((f) => fs.existsSync(path.join(dist, f)));
}

/** The interop build is this test's subject: rebuild it when its src is newer than its dist. */
function interopStale(): boolean {
  const dist = path.join(repo, 'packages/interop/dist/index.js');
  return newestMtime(path.join(repo, 'packages/interop/src')) > fs.statSync(dist).mtimeMs;
}

function npmBuild(workspaces: string[]): void {
  execFileSync('npm', ['run', 'build', ...workspaces.flatMap((w) => ['-w', w])], {
    cwd: repo,
    stdio: 'pipe',
    timeout: 240_000,
  });
}

let fixture: string;

/** Run `node` in the fixture; the environment cannot point module resolution back at the repo. */
function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, args, { cwd: fixture, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run an ESM snippet in the fixture and parse the JSON it prints. */
function esm(code: string): unknown {
  const r = node(['--input-type=module', '-e', code]);
  if (r.status !== 0) throw new Error(`node exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Run a CommonJS snippet in the fixture and parse the JSON it prints. */
function cjs(code: string): unknown {
  const r = node(['--input-type=commonjs', '-e', code]);
  if (r.status !== 0) throw new Error(`node exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const catchToJson = `(e) => console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }))`;

beforeAll(() => {
  if (PACKAGES.some(distMissing)) npmBuild(PACKAGES.map((p) => `@deferkit/${p}`));
  else if (interopStale()) npmBuild(['@deferkit/interop']);
  for (const p of PACKAGES) expect(distMissing(p)).toBe(false);

  fixture = fs.mkdtempSync(path.join(os.tmpdir(), 'deferkit-optional-peers-'));
  expect(path.relative(repo, fixture).startsWith('..')).toBe(true);
  fs.writeFileSync(path.join(fixture, 'package.json'), JSON.stringify({ name: 'fixture', private: true, type: 'module' }));
  for (const p of PACKAGES) {
    const from = path.join(repo, 'packages', p);
    const to = path.join(fixture, 'node_modules', '@deferkit', p);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    // Copies, not symlinks: Node resolves a symlink to its real path, and from there it would
    // find rxjs in the workspace's node_modules.
    fs.cpSync(path.join(from, 'dist'), path.join(to, 'dist'), { recursive: true });
  }
}, 300_000);

afterAll(() => {
  if (fixture !== undefined) fs.rmSync(fixture, { recursive: true, force: true });
});

describe('@deferkit/interop without its optional peers (rxjs, fp-ts)', () => {
  it('the fixture has neither rxjs nor fp-ts installed', () => {
    for (const peer of ['rxjs', 'fp-ts/lib/Either.js']) {
      const r = esm(`import(${JSON.stringify(peer)}).then(() => console.log(JSON.stringify({ ok: true })), ${catchToJson})`) as {
        ok: boolean;
        code?: string;
      };
      expect(r).toMatchObject({ ok: false, code: 'ERR_MODULE_NOT_FOUND' });
    }
  });

  it("the source entry exports exactly DESIGN's names", () => {
    expect(Object.keys(interopSource).sort()).toEqual(EXPECTED_EXPORTS);
  });

  it('import("@deferkit/interop") works (ESM build) and exports the expected names', () => {
    const r = node(['--input-type=module', '-e', "import('@deferkit/interop').then(m => console.log(JSON.stringify(Object.keys(m).sort())))"]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(EXPECTED_EXPORTS);
  });

  it('require("@deferkit/interop") works (CJS build) and exports the expected names', () => {
    const keys = cjs("console.log(JSON.stringify(Object.keys(require('@deferkit/interop')).sort()))");
    expect(keys).toEqual(EXPECTED_EXPORTS);
  });

  it('the built main entry works there: maybeDeferredToFuture, deferredFromCoro, deferredToFuture', () => {
    const r = esm(`
      const { Deferred } = await import('@deferkit/deferred');
      const { installReactor } = await import('@deferkit/reactor');
      const { maybeDeferredToFuture, deferredFromCoro, deferredToFuture } = await import('@deferkit/interop');
      installReactor('callback');
      const d = new Deferred();
      let refused;
      try { deferredToFuture(d); } catch (e) { refused = e.name; }
      const fromCoro = deferredFromCoro((async () => 'coro')());
      const value = await new Promise((resolve) => fromCoro.addCallback(resolve));
      console.log(JSON.stringify({ same: maybeDeferredToFuture(d) === d, passThrough: deferredFromCoro(123), refused, value }));
    `);
    expect(r).toEqual({ same: true, passThrough: 123, refused: 'PromiseReactorRequiredError', value: 'coro' });
  });

  it('import("@deferkit/interop/rxjs") fails with a module-not-found error naming rxjs', () => {
    const r = esm(`import('@deferkit/interop/rxjs').then(() => console.log(JSON.stringify({ ok: true })), ${catchToJson})`) as {
      ok: boolean;
      code?: string;
      message?: string;
    };
    expect(r.ok).toBe(false);
    expect(r.code).toBe('ERR_MODULE_NOT_FOUND');
    expect(r.message).toMatch(/Cannot find package 'rxjs'/);
  });

  it('import("@deferkit/interop/fp-ts") fails with a module-not-found error naming fp-ts', () => {
    const r = esm(`import('@deferkit/interop/fp-ts').then(() => console.log(JSON.stringify({ ok: true })), ${catchToJson})`) as {
      ok: boolean;
      code?: string;
      message?: string;
    };
    expect(r.ok).toBe(false);
    expect(r.code).toBe('ERR_MODULE_NOT_FOUND');
    expect(r.message).toMatch(/Cannot find package 'fp-ts'/);
  });

  it('require("@deferkit/interop/rxjs") fails with MODULE_NOT_FOUND naming rxjs', () => {
    const r = cjs(
      `try { require('@deferkit/interop/rxjs'); console.log(JSON.stringify({ ok: true })); } catch (e) { (${catchToJson})(e); }`,
    ) as { ok: boolean; code?: string; message?: string };
    expect(r.ok).toBe(false);
    expect(r.code).toBe('MODULE_NOT_FOUND');
    expect(r.message).toMatch(/Cannot find module 'rxjs'/);
  });
});
