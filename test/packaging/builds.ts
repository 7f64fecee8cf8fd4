// Shared by the dual-package tests: make sure the packages' dist/ builds are current, then run a
// fixture in a plain node child (vitest would resolve the packages to their TypeScript sources)
// and return the JSON report it prints last.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Newest modification time of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** A package needs a build when a dist entry is missing or older than its src/. */
function needsBuild(dir: string): boolean {
  const pkg = path.join(root, 'packages', dir);
  const entries = ['index.js', 'index.cjs'].map((f) => path.join(pkg, 'dist', f));
  if (!entries.every((f) => existsSync(f))) return true;
  return newestMtime(path.join(pkg, 'src')) > Math.min(...entries.map((f) => statSync(f).mtimeMs));
}

/** Block this thread for `ms` milliseconds. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Build those of `dirs` (folder names under packages/) whose dist/ is missing or stale. Test
 * files run in parallel workers, so builds are serialised by a lock directory (a lock older
 * than the build timeout is taken as abandoned) and staleness is checked again under the lock.
 */
export function ensureBuilt(dirs: readonly string[]): void {
  if (!dirs.some(needsBuild)) return;
  const lock = path.join(root, 'node_modules', '.deferkit-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      else sleepSync(200);
    }
  }
  try {
    const stale = dirs.filter(needsBuild);
    if (stale.length === 0) return;
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['run', 'build', ...stale.flatMap((p) => ['-w', `@deferkit/${p}`])], { cwd: root, stdio: 'pipe', timeout: 300_000 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Run `fixture` (a path from the root) with `node fixture <root>` and parse the last line it
 * prints. The environment is clean of NODE_OPTIONS, so no inherited --conditions leads a build
 * to the sources.
 */
export function runFixture<T>(fixture: string): T {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const stdout = execFileSync(process.execPath, [path.join(root, fixture), root], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}
