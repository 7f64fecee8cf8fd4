// The packages as a user gets them: `npm pack` all four into tarballs, install those into a fresh
// consumer project in a temp dir — without the network — and use them there by name: ESM and CJS
// scripts that run a Deferred chain, a reactor's callLater, deferredToFuture and a Request; `tsc`
// with node16 and bundler resolution on a spider written against @deferkit/crawler alone; and a
// Vite build whose bundle runs on node.
//
// Offline install: `npm install <tarballs> --offline` cannot work, because building an ideal tree
// makes npm (11) ask for the *full* packuments of cheerio, tsx… and `npm ci` at the root (from a
// lockfile without `resolved` URLs) only cached the abbreviated ones. So the consumer gets a
// lockfile of its own, cut from the root package-lock.json: the tarballs as `file:` entries with
// their integrity, plus exactly the third-party entries they reach (same versions, integrity and
// tree shape as the root's), each given its registry tarball URL. `npm ci --offline` then resolves
// nothing and takes every tarball from the npm cache by its integrity (or by that URL), which the
// root's `npm ci` has just filled. `--ignore-scripts`: no third-party install script runs either.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './builds.js';

const PACKAGES = ['deferred', 'reactor', 'interop', 'crawler'] as const;
const TIMEOUT = 120_000;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const REGISTRY = 'https://registry.npmjs.org/';

/** What `npm pack --json` reports per tarball (the fields used here). */
interface Packed {
  name: string;
  version: string;
  filename: string;
  integrity: string;
  files: Array<{ path: string }>;
}

/** A package-lock.json v3 `packages` entry (the fields used here). */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/**
 * The child environment: no NODE_OPTIONS (no inherited --conditions), and none of the variables
 * an outer `npm test`/`npx` exports about the deferkit project itself (its local prefix, package,
 * lifecycle), which would point the consumer's npm back at the checkout. npm_config_cache and
 * the like stay: CI may set them for the `npm ci` whose cache this test relies on.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) {
    if (/^npm_(config_(local_prefix|workspaces?|include_workspace_root|call)|package_|lifecycle_|command$)/i.test(key)) delete env[key];
  }
  return env;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `cmd args` in `cwd` without a shell; never throws for a non-zero exit (the tests assert on it). */
function run(cmd: string, args: string[], cwd: string, timeout = TIMEOUT - 10_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: childEnv(), encoding: 'utf8', timeout, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: error !== null && stderr === '' ? String(error) : stderr });
    });
  });
}

/** The last line of a child's stdout, parsed. */
function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/**
 * The consumer's package-lock.json: the four tarballs as `file:` dependencies, and the
 * third-party packages they need exactly as the root lockfile has them (the root lays out its
 * workspaces' dependencies the way node resolves them, so following node's lookup from each
 * workspace through the root tree yields a complete, consistent subtree). Workspace folders
 * become node_modules/@deferkit/<dir>; entries without a `resolved` URL get the registry's.
 */
function consumerLockfile(packed: Packed[], packsDir: string, consumerDir: string): { pkg: object; lock: object } {
  const rootLock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const entries = rootLock.packages;
  const ours = new Map(packed.map((p) => [p.name, p]));
  const lookup = (from: string, name: string): string | null => {
    for (let dir = from; ; ) {
      const at = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (entries[at] !== undefined) return at;
      if (dir === '') return null;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up >= 0 ? dir.slice(0, up) : '';
    }
  };
  const inConsumer = (loc: string) => loc.replace(/^packages\/([^/]+)/, 'node_modules/@deferkit/$1');
  const relPacks = path.relative(consumerDir, packsDir).split(path.sep).join('/');

  const lockPackages: Record<string, LockEntry> = {};
  const rootEntry = { name: 'deferkit-consumer', version: '0.0.0', dependencies: {} as Record<string, string> };
  const queue: string[] = [];
  for (const dir of PACKAGES) {
    const manifest = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) as Record<string, unknown> & { name: string; version: string };
    const p = ours.get(manifest.name)!;
    const spec = `file:${relPacks}/${p.filename}`;
    rootEntry.dependencies[p.name] = spec;
    const entry: LockEntry = { version: manifest.version, resolved: spec, integrity: p.integrity };
    for (const key of ['license', 'dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines'] as const) {
      if (manifest[key] !== undefined) (entry as Record<string, unknown>)[key] = manifest[key];
    }
    lockPackages[`node_modules/${p.name}`] = entry;
    queue.push(`packages/${dir}`);
  }
  const seen = new Set<string>();
  while (queue.length > 0) {
    const loc = queue.shift()!;
    if (seen.has(loc)) continue;
    seen.add(loc);
    const e = loc.startsWith('packages/')
      ? (JSON.parse(readFileSync(path.join(root, loc, 'package.json'), 'utf8')) as LockEntry)
      : entries[loc]!;
    const needed = [
      ...Object.keys(e.dependencies ?? {}),
      ...Object.keys(e.optionalDependencies ?? {}),
      ...Object.keys(e.peerDependencies ?? {}).filter((n) => e.peerDependenciesMeta?.[n]?.optional !== true),
    ];
    for (const name of needed) {
      if (ours.has(name)) continue;
      const at = lookup(loc, name);
      if (at !== null) queue.push(at);
      else if (e.optionalDependencies?.[name] === undefined) throw new Error(`package-lock.json: ${loc} needs ${name}, which is not in the lockfile (run npm install)`);
    }
    if (loc.startsWith('packages/')) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = entries[loc]!;
    if (entry.link === true) throw new Error(`package-lock.json: ${loc} is a link; a consumer cannot have it`);
    if (entry.resolved === undefined) {
      const name = entry.name ?? loc.slice(loc.lastIndexOf('node_modules/') + 'node_modules/'.length);
      entry.resolved = `${REGISTRY}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    }
    lockPackages[inConsumer(loc)] = entry;
  }
  const pkg = { name: rootEntry.name, version: rootEntry.version, private: true, type: 'module', dependencies: rootEntry.dependencies };
  return { pkg, lock: { name: rootEntry.name, version: rootEntry.version, lockfileVersion: 3, requires: true, packages: { '': rootEntry, ...lockPackages } } };
}

// A spider written against @deferkit/crawler alone (the lower packages only for what a spider
// author would import from them anyway). Type-checked with node16 (ESM, via "type": "module")
// and bundler resolution.
const SPIDER_TS = `import { Deferred, Failure, HttpError, maybeDeferredToFuture, Request, Spider, type Errback, type Response } from '@deferkit/crawler';
import { Failure as DeferredFailure, succeed } from '@deferkit/deferred';
import { installReactor, type Reactor } from '@deferkit/reactor';
import { deferredToFuture } from '@deferkit/interop';

export class BooksSpider extends Spider {
  override name = 'books';

  override *startRequests(): Iterable<Request> {
    yield new Request('http://127.0.0.1:8080/', { callback: this.parse, errback: this.onError });
  }

  override async parse(response: Response): Promise<unknown> {
    const url: Deferred<string> = succeed(response.url);
    return { url: await maybeDeferredToFuture(url) };
  }

  onError(failure: Failure): string {
    if (failure.check(HttpError) !== null) return \`HTTP error: \${failure.getErrorMessage()}\`;
    // @ts-expect-error Failure#value is unknown: the real Failure type reached the spider, not any
    const n: number = failure.value;
    return String(n);
  }
}

export const errback: Errback = (failure: Failure) => failure.getErrorMessage();
export const same: DeferredFailure = new Failure(new Error('one class, two import paths'));
export const reactor: Reactor = installReactor('promise');
export async function awaited(): Promise<number> {
  return await deferredToFuture(succeed(1));
}
`;

// The same from CommonJS (a .cts file: node16 resolves the "require" types, the .d.cts files).
const CHECK_CTS = `import { Failure, Request, type Errback } from '@deferkit/crawler';
import { Deferred } from '@deferkit/deferred';
import { deferLater, getReactor } from '@deferkit/reactor';
import { maybeDeferredToFuture } from '@deferkit/interop';

const errback: Errback = (failure: Failure) => failure.getErrorMessage();
export const request = new Request('http://127.0.0.1:8080/', { errback });
export const d: Deferred<number> = new Deferred<number>();
export const later: Deferred<undefined> = deferLater(getReactor(), 1);
export const either = maybeDeferredToFuture(d);
`;

/** A consumer tsconfig; @types/node comes from the checkout (the packages' types use node:tls). */
function tsconfig(options: Record<string, unknown>, files: string[]): string {
  const compilerOptions = { target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')], ...options };
  return JSON.stringify({ compilerOptions, files }, null, 2);
}

let tmp = '';
let consumer = '';
let packed: Packed[] = [];
let installed: Ran;

beforeAll(async () => {
  ensureBuilt([...PACKAGES]);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'deferkit-tarballs-'));
  const packs = path.join(tmp, 'packs');
  consumer = path.join(tmp, 'consumer');
  mkdirSync(packs);
  mkdirSync(consumer);

  const pack = await run(npm, ['pack', ...PACKAGES.flatMap((p) => ['-w', `@deferkit/${p}`]), '--pack-destination', packs, '--json', '--ignore-scripts'], root);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  packed = JSON.parse(pack.stdout) as Packed[];

  const { pkg, lock } = consumerLockfile(packed, packs, consumer);
  writeFileSync(path.join(consumer, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(consumer, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  installed = await run(npm, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], consumer);

  const fixtures = path.join(root, 'test/packaging/fixtures/consumer');
  for (const f of readdirSync(fixtures)) copyFileSync(path.join(fixtures, f), path.join(consumer, f));
  writeFileSync(path.join(consumer, 'spider.ts'), SPIDER_TS);
  writeFileSync(path.join(consumer, 'check.cts'), CHECK_CTS);
  // node16 also checks the packages' .d.ts/.d.cts themselves (skipLibCheck off); bundler
  // resolves the same .d.ts files, so it skips that (slow) part.
  writeFileSync(path.join(consumer, 'tsconfig.node16.json'), tsconfig({ module: 'node16', moduleResolution: 'node16', skipLibCheck: false }, ['spider.ts', 'check.cts']));
  writeFileSync(path.join(consumer, 'tsconfig.bundler.json'), tsconfig({ module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true }, ['spider.ts']));
}, 360_000);

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

/** The install must have worked for anything else to mean something; say why it did not. */
function requireInstalled(): void {
  if (installed.code !== 0) {
    throw new Error(
      `npm ci --offline in the consumer failed (exit ${installed.code}). Every third-party tarball must be in the npm cache ` +
        `by integrity — run \`npm ci\` at the root first.\n${installed.stderr}`,
    );
  }
}

describe('the npm-pack tarballs, installed offline into a fresh project', () => {
  it('pack all four with their ESM and CJS builds and both kinds of types', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((p) => `@deferkit/${p}`).sort());
    for (const p of packed) {
      const files = new Set(p.files.map((f) => f.path));
      for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) expect(files, `${p.name}: ${f}`).toContain(f);
    }
  });

  it('install with npm ci --offline as real copies, with their third-party dependencies', () => {
    requireInstalled();
    for (const p of PACKAGES) {
      const dir = path.join(consumer, 'node_modules/@deferkit', p);
      expect(lstatSync(dir).isSymbolicLink(), `${dir} is a symlink`).toBe(false);
      expect(existsSync(path.join(dir, 'dist/index.cjs'))).toBe(true);
    }
    for (const dep of ['cheerio', 'domhandler', 'tsx']) expect(existsSync(path.join(consumer, 'node_modules', dep, 'package.json')), dep).toBe(true);
  });

  describe.each([
    ['ESM', 'run.mjs', (p: string) => pathToFileURL(path.join(consumer, 'node_modules/@deferkit', p, 'dist/index.js')).href],
    ['CJS', 'run.cjs', (p: string) => path.join(consumer, 'node_modules/@deferkit', p, 'dist/index.cjs')],
  ] as const)('a %s script importing all four packages by name', (kind, script, entry) => {
    it(
      "runs a Deferred chain (its errback gets the crawler's Failure), a reactor's callLater awaited through deferredToFuture, and a Request",
      async () => {
        requireInstalled();
        const ran = await run(process.execPath, [script], consumer);
        expect(ran.stderr).toBe('');
        expect(ran.code).toBe(0);
        const report = lastJson<Record<string, unknown>>(ran.stdout);
        expect(report.format).toBe(kind.toLowerCase());
        expect(report.resolved).toEqual(PACKAGES.map(entry));
        expect(report.chain).toEqual(['errback: true true boom 42', 'recovered', 'after callback()']);
        expect(report.sameBindings).toEqual([true, true, true]);
        expect(report.reactor).toEqual(['promise', 'future is a Promise: true', 'callLater fired', 'awaited: late value']);
        expect(report.request).toEqual(['https://example.com/books?page=2', 'GET', true, 'function', 1]);
      },
      TIMEOUT,
    );
  });

  it.each([
    ['node16 (module node16; an ESM .ts and a .cts file, library types checked)', 'tsconfig.node16.json'],
    ['bundler (module esnext)', 'tsconfig.bundler.json'],
  ])(
    'type-check a spider written against @deferkit/crawler (Failure in its errback) with moduleResolution %s',
    async (_, config) => {
      requireInstalled();
      const tsc = await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', config, '--pretty', 'false'], consumer);
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.code).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'bundle @deferkit/deferred and @deferkit/reactor with Vite (SSR build for node) into a bundle that runs on its own',
    async () => {
      requireInstalled();
      const vite = await run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.config.mjs'], consumer);
      expect(vite.code, vite.stdout + vite.stderr).toBe(0);
      const bundle = readFileSync(path.join(consumer, 'vite-out/bundle.mjs'), 'utf8');
      // Doc comments kept in the bundle show imports in their examples; only code counts.
      const code = bundle.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      expect(code).not.toMatch(/\b(from|import|require)\s*\(?\s*["']@deferkit\//);
      // Run it away from the consumer's node_modules: it must need nothing but node.
      const away = path.join(tmp, 'bundle-only');
      mkdirSync(away);
      copyFileSync(path.join(consumer, 'vite-out/bundle.mjs'), path.join(away, 'bundle.mjs'));
      const ran = await run(process.execPath, ['bundle.mjs'], away);
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      expect(lastJson(ran.stdout)).toEqual({ bundled: true, kind: 'callback', results: ['callLater!', 'deferLater', 'succeed'] });
    },
    TIMEOUT,
  );
});
