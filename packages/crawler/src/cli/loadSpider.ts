// Loading a spider file for `deferkit runspider`: TypeScript through tsx, JavaScript as is, and
// picking the spider class (the default export, or else the only exported Spider subclass).

import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Spider, type SpiderClass } from '../Spider.js';
import { UsageError } from './args.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.tsx']);
const JAVASCRIPT = new Set(['.js', '.mjs']);

/** Set by bin/deferkit.js when it registered tsx for the whole process (running from source). */
const TS_LOADER = Symbol.for('deferkit.cli.typescriptLoader');

/**
 * Import a spider file (an ES module). `.ts`/`.mts`/`.tsx` need no build step: tsx compiles them on the
 * fly (registered for the process by bin/deferkit.js when the CLI runs from source, else here,
 * with tsx's programmatic `register()`). `.js`/`.mjs` are imported as they are.
 *
 * @param file - path, relative to the working directory.
 * @throws UsageError when the file does not exist or has an unknown extension.
 */
export async function importSpiderFile(file: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`File not found: ${file}`, 'runspider');
  const ext = extname(path).toLowerCase();
  const url = pathToFileURL(path).href;
  if (TYPESCRIPT.has(ext)) {
    const g = globalThis as Record<symbol, unknown>;
    if (g[TS_LOADER] !== true) {
      // Register tsx for the process rather than tsImport(): tsImport loads the file and its
      // imports in a namespace of their own, so the spider would get a second copy of
      // '@deferkit/crawler' (its CloseSpider/DropItem would not be the engine's).
      const { register } = await import('tsx/esm/api');
      register();
      g[TS_LOADER] = true;
    }
    return (await import(url)) as Record<string, unknown>;
  }
  if (JAVASCRIPT.has(ext)) return (await import(url)) as Record<string, unknown>;
  throw new UsageError(`Unsupported spider file '${file}': runspider runs .ts, .mts, .tsx, .js and .mjs files (ES modules).`, 'runspider');
}

/**
 * Whether `x` is a Spider subclass. Besides `instanceof`, a class whose ancestry contains a
 * class named `Spider` with `parse` and `startRequests` counts (a second loaded copy of
 * `@deferkit/crawler`).
 */
export function isSpiderClass(x: unknown): x is SpiderClass {
  if (typeof x !== 'function' || x === Spider) return false;
  const proto = (x as { prototype?: unknown }).prototype;
  if (proto === null || typeof proto !== 'object') return false;
  if (proto instanceof Spider) return true;
  for (let c = Object.getPrototypeOf(x) as { name?: string; prototype?: Record<string, unknown> } | null; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (c?.name === 'Spider' && typeof c.prototype?.parse === 'function' && typeof c.prototype?.startRequests === 'function') return true;
  }
  return false;
}

/**
 * The spider class of a module: its default export when that is a Spider subclass, else its
 * only exported Spider subclass.
 *
 * @throws UsageError when there is none, or several and no default.
 */
export function pickSpiderClass(mod: Record<string, unknown>, file: string): SpiderClass {
  if (isSpiderClass(mod.default)) return mod.default;
  const found = new Map<SpiderClass, string>();
  for (const [name, value] of Object.entries(mod)) {
    if (name !== 'default' && isSpiderClass(value) && !found.has(value)) found.set(value, name);
  }
  if (found.size === 1) return [...found.keys()][0]!;
  if (found.size === 0) {
    const hint =
      mod.default !== undefined
        ? `its default export is ${typeof mod.default === 'function' ? `class/function ${(mod.default as { name?: string }).name || '(anonymous)'}, which does not extend Spider` : `a ${typeof mod.default}, not a Spider subclass`}`
        : 'it exports no Spider subclass';
    throw new UsageError(`No spider found in file: ${file} (${hint}). Export one: export default class MySpider extends Spider { … }`, 'runspider');
  }
  throw new UsageError(
    `More than one spider exported by ${file} (${[...found.values()].join(', ')}): make the one to run the default export.`,
    'runspider',
  );
}
