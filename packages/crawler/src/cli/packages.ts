// Where the installed @deferkit packages and their dependencies are, and their versions, for
// `startproject` (its file: references) and `version -v`.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The @deferkit packages, bottom layer first. */
export const DEFERKIT_PACKAGES = ['@deferkit/deferred', '@deferkit/reactor', '@deferkit/interop', '@deferkit/crawler'];

/** The nearest directory at or above `from` whose package.json is named `name`. */
function packageDirAbove(from: string, name: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name) return dir;
      } catch {
        // Not this one.
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/** The directory of this @deferkit/crawler (its real path: links resolved). */
export function crawlerDir(): string {
  const dir = packageDirAbove(dirname(fileURLToPath(import.meta.url)), '@deferkit/crawler');
  if (dir === null) throw new Error('cannot find the package.json of @deferkit/crawler above the CLI module');
  return realpathSync(dir);
}

/**
 * The real directory of package `name` as seen from `fromDir` (Node's resolution), or null
 * when it is not installed there.
 */
export function packageDir(name: string, fromDir: string = crawlerDir()): string | null {
  if (name === '@deferkit/crawler') return crawlerDir();
  const require = createRequire(join(fromDir, 'package.json'));
  for (const spec of [`${name}/package.json`, name]) {
    try {
      const found = packageDirAbove(dirname(require.resolve(spec)), name);
      if (found !== null) return realpathSync(found);
    } catch {
      // Not exported or not installed: try the next.
    }
  }
  // A package whose "exports" offers neither: look in the node_modules folders upward.
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return realpathSync(dirname(candidate));
    if (dirname(dir) === dir) return null;
  }
}

/** The version in `dir`/package.json, or 'unknown'. */
export function versionIn(dir: string | null): string {
  if (dir === null) return 'not installed';
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
