// `deferkit startproject NAME [DIR]`: a new project (Scrapy's `scrapy startproject`).

import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { flag, parseOptions, UsageError } from './args.js';
import type { Command } from './command.js';
import { crawlerDir, DEFERKIT_PACKAGES, packageDir, versionIn } from './packages.js';
import { pascalCase, projectFiles } from './templates.js';

const SPEC = {
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit startproject --help`. */
export const STARTPROJECT_USAGE = `Usage: deferkit startproject NAME [DIR]

Creates a project in DIR (default: ./NAME): package.json, tsconfig.json, deferkit.config.ts
(the settings), spiders/ (with an example spider), items.ts, pipelines.ts, middlewares.ts,
test/smoke.test.mjs and a README. package.json names the local @deferkit packages with file:
references, so 'npm install --offline' in the project needs no network.

NAME is an identifier (letters, digits, _; not starting with a digit) that is not the name of
a Node built-in or of an installed package. DIR must not exist, or be empty.

Options:
  -h, --help                 show this help

Example:
  deferkit startproject books && cd books && npm install --offline && npx deferkit crawl example
`;

/**
 * Why `name` cannot name a project, or null when it can. Scrapy's rules: an identifier, and no
 * module of that name importable already.
 */
export function projectNameProblem(name: string, cwd: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    return `Project names must begin with a letter and contain only letters, numbers and underscores: '${name}' is not one (try '${name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, 'p')}').`;
  }
  const lower = name.toLowerCase();
  if (builtinModules.includes(lower) || ['deferkit', 'crawler', 'deferred', 'reactor', 'interop'].includes(lower)) {
    return `'${name}' already exists as a module (a Node built-in or a deferkit package): choose another project name.`;
  }
  for (const from of [join(cwd, 'package.json')]) {
    try {
      createRequire(from).resolve(`${lower}/package.json`);
      return `'${name}' already exists as a module (installed package '${lower}'): choose another project name.`;
    } catch {
      // Not installed there; a package whose exports hide package.json is still found below.
    }
    if (existsSync(join(dirname(from), 'node_modules', lower))) return `'${name}' already exists as a module (installed package '${lower}'): choose another project name.`;
  }
  return null;
}

/** `file:` references from `dir` to each local @deferkit package. */
function fileReferences(dir: string): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const name of DEFERKIT_PACKAGES) {
    const found = packageDir(name);
    if (found === null) throw new Error(`cannot find the installed ${name} next to @deferkit/crawler; reinstall deferkit`);
    let rel = relative(dir, found).split('\\').join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    deps[name] = `file:${rel}`;
  }
  return deps;
}

/** `deferkit startproject`. Mirrors Scrapy's `scrapy startproject`. */
export const startprojectCommand: Command = {
  name: 'startproject',
  summary: 'create a new project (settings, spiders/, items, pipelines, middlewares, a test)',
  usage: STARTPROJECT_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, SPEC, 'startproject');
    if (flag(parsed, 'help')) {
      process.stdout.write(STARTPROJECT_USAGE);
      return 0;
    }
    const [name, dirArg, ...extra] = parsed.positionals;
    if (name === undefined) throw new UsageError('missing the project name: deferkit startproject NAME [DIR].', 'startproject');
    if (extra.length > 0) throw new UsageError(`startproject takes NAME and an optional DIR, got ${parsed.positionals.length} arguments: ${parsed.positionals.join(' ')}.`, 'startproject');
    const cwd = process.cwd();
    const problem = projectNameProblem(name, cwd);
    if (problem !== null) throw new UsageError(problem, 'startproject', false);
    const dir = resolve(cwd, dirArg ?? name);
    if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
      const what = existsSync(join(dir, 'deferkit.config.ts')) ? 'already holds a project (deferkit.config.ts)' : statSync(dir).isDirectory() ? 'exists and is not empty' : 'exists and is a file';
      throw new UsageError(`${dir} ${what}: give another DIR (deferkit startproject ${name} DIR), or remove it first.`, 'startproject', false);
    }
    const files = projectFiles({ name, className: pascalCase(name), dependencies: fileReferences(dir), version: versionIn(crawlerDir()) });
    for (const [path, text] of Object.entries(files)) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text, { flag: 'wx' });
    }
    const shown = relative(cwd, dir) || '.';
    process.stdout.write(
      `New deferkit project '${name}' in ${dir}\n\n` +
        `You can start your first spider with:\n` +
        (shown === '.' ? '' : `    cd ${shown}\n`) +
        `    npm install --offline\n` +
        `    npx deferkit genspider mysite example.com\n` +
        `or run the example spider on the demo site:\n` +
        `    npx deferkit demo-site &\n` +
        `    npx deferkit crawl example -o pages.jsonl\n`,
    );
    return 0;
  },
};
