// Finding the project a command runs in (a deferkit.config.ts in the working directory or
// above) and its settings and spiders, for shell, fetch, bench and check. A small stand-in for
// the project detection of issue 18's part A, which is to replace it when the two are merged.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { SpiderClass } from '../Spider.js';
import { UsageError } from './args.js';
import { importSpiderFile, isSpiderClass } from './loadSpider.js';

/** The names a project's settings module may have, in the order they are looked for. */
export const PROJECT_CONFIG_NAMES = ['deferkit.config.ts', 'deferkit.config.mts', 'deferkit.config.js', 'deferkit.config.mjs'];

/**
 * The project's settings module: the first `deferkit.config.*` in `from` or a directory above
 * it, or null outside a project. Scrapy looks for `scrapy.cfg` the same way.
 */
export function findProjectConfig(from = process.cwd()): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    for (const name of PROJECT_CONFIG_NAMES) {
      const p = join(dir, name);
      if (existsSync(p) && statSync(p).isFile()) return p;
    }
    if (dirname(dir) === dir) return null;
  }
}

/** A project: where its settings module is, and the settings it exports. */
export interface Project {
  /** The settings module's path. */
  config: string;
  /** The settings (at project priority). */
  settings: Record<string, unknown>;
}

/**
 * Load the project around `from`: the settings are the config module's default export when it
 * is an object, else its upper-case named exports (`export const BOT_NAME = …`, like a Scrapy
 * settings module). Null outside a project.
 *
 * @throws UsageError when the module does not load or exports no settings object.
 */
export async function loadProject(from = process.cwd()): Promise<Project | null> {
  const config = findProjectConfig(from);
  if (config === null) return null;
  let mod: Record<string, unknown>;
  try {
    mod = await importSpiderFile(config);
  } catch (e) {
    throw new UsageError(`the project settings module ${config} does not load: ${(e as Error)?.message ?? String(e)}. Fix it, or run outside the project.`, null, false);
  }
  const d = mod.default;
  if (d !== null && typeof d === 'object' && !Array.isArray(d)) return { config, settings: { ...(d as Record<string, unknown>) } };
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) if (/^[A-Z][A-Z0-9_]*$/.test(k)) settings[k] = v;
  if (d !== undefined && Object.keys(settings).length === 0) {
    throw new UsageError(`the project settings module ${config} must export its settings: export default { BOT_NAME: 'mybot', … } (its default export is a ${typeof d}).`, null, false);
  }
  return { config, settings };
}

const SPIDER_FILE = new Set(['.ts', '.mts', '.js', '.mjs']);

/** The spider files of a project: those in its `SPIDER_MODULES` directories (default `spiders/`). */
export function projectSpiderFiles(project: Project): string[] {
  const root = dirname(project.config);
  const listed = project.settings.SPIDER_MODULES;
  const dirs = Array.isArray(listed) && listed.length > 0 ? listed.map((d) => resolve(root, String(d))) : [join(root, 'spiders')];
  const files: string[] = [];
  for (const dir of dirs) {
    if (existsSync(dir) && statSync(dir).isFile()) files.push(dir);
    else if (existsSync(dir)) {
      for (const f of readdirSync(dir).sort()) if (SPIDER_FILE.has(extname(f)) && !f.endsWith('.d.ts') && !/\.test\.[mc]?[jt]s$/.test(f)) files.push(join(dir, f));
    }
  }
  return files;
}

/** The `name` a spider class gives its spiders. */
export function spiderName(cls: SpiderClass): string {
  try {
    return String((new (cls as unknown as new () => { name: unknown })()).name);
  } catch {
    return cls.name;
  }
}

/**
 * The project spider called `name` (Scrapy's `SpiderLoader.load`).
 *
 * @throws UsageError when there is no project or no spider of that name (listing the names).
 */
export async function findProjectSpider(name: string, project: Project | null, command: string): Promise<SpiderClass> {
  if (project === null) throw new UsageError(`--spider ${name}: no project here (no deferkit.config.ts in this directory or above); run it inside a project.`, command);
  const names: string[] = [];
  for (const file of projectSpiderFiles(project)) {
    const mod = await importSpiderFile(file);
    for (const value of new Set(Object.values(mod))) {
      if (!isSpiderClass(value)) continue;
      const n = spiderName(value);
      if (n === name) return value;
      names.push(n);
    }
  }
  throw new UsageError(`Spider not found: ${name}. The project's spiders: ${names.length > 0 ? names.sort().join(', ') : '(none)'}.`, command);
}
