// A deferkit project on disk: its root (the nearest deferkit.config.ts upward, as Scrapy finds
// scrapy.cfg), its settings module, and the spiders of its SPIDER_MODULES directories.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import type { SpiderClass } from '../Spider.js';
import { closest, UsageError } from './args.js';

/** The names a project's settings module may have, in the order they are looked for. */
export const CONFIG_FILES = ['deferkit.config.ts', 'deferkit.config.mts', 'deferkit.config.js', 'deferkit.config.mjs'];

/** Extensions of spider modules. */
const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** A project found on disk. */
export interface Project {
  /** The directory holding the settings module. */
  root: string;
  /** The settings module's path. */
  configFile: string;
}

/**
 * The project `cwd` is in: the nearest directory upward with a deferkit.config.ts (or .mts,
 * .js, .mjs); null outside a project. Scrapy's `closest_scrapy_cfg` + `inside_project`.
 */
export function findProject(cwd: string = process.cwd()): Project | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      if (existsSync(file) && statSync(file).isFile()) return { root: dir, configFile: file };
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The settings a project's config module gives: its default export when that is a plain
 * object, else its named exports in SCREAMING_CASE (as Scrapy reads the upper-case names of
 * settings.py).
 *
 * @throws UsageError when the module's default export is not an object.
 */
export async function loadProjectSettings(project: Project, command: string): Promise<Record<string, unknown>> {
  // Loaded only when a command reads the project: --help and usage errors stay light.
  const { importSpiderFile } = await import('./loadSpider.js');
  const mod = await importSpiderFile(project.configFile);
  if (mod.default !== undefined) {
    if (mod.default === null || typeof mod.default !== 'object' || Array.isArray(mod.default)) {
      throw new UsageError(
        `${project.configFile}: the default export must be an object of settings (export default { BOT_NAME: 'x' }), or export each setting by name (export const BOT_NAME = 'x').`,
        command,
        false,
      );
    }
    return { ...(mod.default as Record<string, unknown>) };
  }
  return Object.fromEntries(Object.entries(mod).filter(([k]) => /^[A-Z][A-Z0-9_]*$/.test(k)));
}

/** A spider found in a project: its name, class and file. */
export interface FoundSpider {
  name: string;
  spiderClass: SpiderClass;
  file: string;
}

/** Spider modules under `dir`, recursively (not declaration files, tests or dot/node_modules folders). */
function spiderFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...spiderFiles(p));
    else if (MODULE_EXTENSIONS.has(extname(entry.name)) && !/\.d\.[mc]?ts$/.test(entry.name) && !/\.(test|spec)\.[mc]?[jt]s$/.test(entry.name)) out.push(p);
  }
  return out;
}

/** The directories of SPIDER_MODULES, relative to the project root. */
export function spiderModules(project: Project, settings: Record<string, unknown>, command: string): string[] {
  const value = settings.SPIDER_MODULES ?? ['spiders'];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
  if (!Array.isArray(list) || list.some((d) => typeof d !== 'string')) {
    throw new UsageError(`SPIDER_MODULES in ${project.configFile} must be a list of directories relative to the project, e.g. ['spiders'].`, command, false);
  }
  return list.map((d: string) => resolve(project.root, d));
}

/**
 * Every spider of the project: each Spider subclass exported by a module in a SPIDER_MODULES
 * directory, by its `name`. A module that fails to load throws (as Scrapy's SpiderLoader does
 * unless SPIDER_LOADER_WARN_ONLY), with the file in `file` of the thrown error.
 *
 * @param warn - told of two spiders with the same name (the later file wins, as in Scrapy).
 * @throws UsageError for a SPIDER_MODULES directory that does not exist.
 */
export async function loadProjectSpiders(project: Project, settings: Record<string, unknown>, command: string, warn: (message: string) => void): Promise<Map<string, FoundSpider>> {
  const { importSpiderFile, isSpiderClass } = await import('./loadSpider.js');
  const found = new Map<string, FoundSpider>();
  for (const dir of spiderModules(project, settings, command)) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`SPIDER_MODULES names '${relative(project.root, dir) || '.'}', which is not a directory of ${project.root}: create it or fix SPIDER_MODULES in ${project.configFile}.`, command, false);
    }
    for (const file of spiderFiles(dir)) {
      let mod: Record<string, unknown>;
      try {
        mod = await importSpiderFile(file);
      } catch (e) {
        throw new SpiderModuleError(file, e);
      }
      const seen = new Set<unknown>();
      for (const value of Object.values(mod)) {
        if (!isSpiderClass(value) || seen.has(value)) continue;
        seen.add(value);
        const name = spiderName(value);
        if (name === undefined) continue;
        const before = found.get(name);
        if (before !== undefined && before.spiderClass !== value) {
          warn(`There are several spiders with the name '${name}': ${before.file} and ${file}; this may cause unexpected behaviour (rename one of them).`);
        }
        found.set(name, { name, spiderClass: value, file });
      }
    }
  }
  return found;
}

/** A spider class's `name` (an instance property in deferkit), or undefined for an abstract base without one. */
export function spiderName(cls: SpiderClass): string | undefined {
  let name: unknown;
  try {
    name = (new cls() as { name?: unknown }).name;
  } catch {
    return undefined;
  }
  // A base class left without a name of its own is not a runnable spider (Scrapy skips spiders without a name).
  return typeof name === 'string' && name !== '' && name !== 'spider' ? name : undefined;
}

/** A spider module that would not load. */
export class SpiderModuleError extends Error {
  /**
   * @param file - the module.
   * @param cause - what its import threw.
   */
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`Could not load the spider module ${file}`);
  }
}

/**
 * The spider called `name`, or a UsageError listing the known names and the closest one.
 */
export function pickProjectSpider(spiders: Map<string, FoundSpider>, name: string, command: string): FoundSpider {
  const found = spiders.get(name);
  if (found !== undefined) return found;
  const names = [...spiders.keys()].sort();
  const near = closest(name, names);
  const known = names.length === 0 ? "The project has no spiders yet: make one with 'deferkit genspider NAME DOMAIN'." : `Spiders: ${names.join(', ')}.`;
  throw new UsageError(`Spider not found: ${name}.${near !== undefined ? ` Did you mean '${near}'?` : ''} ${known}`, command, false);
}

/**
 * The project the command runs in.
 *
 * @throws UsageError outside a project.
 */
export function requireProject(command: string, cwd: string = process.cwd()): Project {
  const project = findProject(cwd);
  if (project === null) {
    throw new UsageError(
      `'${command}' runs inside a project (a directory with deferkit.config.ts, or below one), and ${resolve(cwd)} is not in one. Create one with 'deferkit startproject NAME', or run a single file with 'deferkit runspider FILE'.`,
      command,
      false,
    );
  }
  return project;
}

/** A project with its settings module loaded: what shell, fetch, view and check read. */
export interface LoadedProject extends Project {
  /** The settings the config module gives (applied at project priority). */
  settings: Record<string, unknown>;
}

/**
 * The project `cwd` is in, with its settings loaded; null outside a project. For the commands
 * that run inside or outside one (Scrapy's `shell`, `fetch`, `view` and `check` read the
 * project's settings when there is one).
 *
 * @throws UsageError when the settings module's default export is not an object.
 */
export async function loadProject(cwd: string = process.cwd(), command = 'deferkit'): Promise<LoadedProject | null> {
  const project = findProject(cwd);
  if (project === null) return null;
  return { ...project, settings: await loadProjectSettings(project, command) };
}

/**
 * The project spider called `name` (Scrapy's `SpiderLoader.load`), for `--spider NAME`.
 *
 * @throws UsageError outside a project, or when no spider has that name (naming the closest).
 */
export async function findProjectSpider(name: string, project: LoadedProject | null, command: string): Promise<SpiderClass> {
  if (project === null) {
    throw new UsageError(`--spider ${name}: there is no project here (no deferkit.config.ts in this directory or above); run it inside a project, or leave --spider out.`, command, false);
  }
  const { cliLog } = await import('./output.js');
  const spiders = await loadProjectSpiders(project, project.settings, command, (m) => cliLog('WARNING', m));
  return pickProjectSpider(spiders, name, command).spiderClass;
}
