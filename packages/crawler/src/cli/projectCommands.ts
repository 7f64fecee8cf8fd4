// `deferkit crawl NAME`, `deferkit list`, `deferkit settings --get NAME` and `deferkit version`:
// the commands that read a project (Scrapy's crawl, list, settings, version).

import { arch, platform, release } from 'node:os';
import { DEFAULT_SETTINGS } from '../defaultSettings.js';
import { Settings } from '../Settings.js';
import { validateSettings } from '../settingsRegistry.js';
import { flag, parseOptions, parseSettingValue, splitPair, UsageError, values } from './args.js';
import type { Command } from './command.js';
import { cliLog } from './output.js';
import { crawlerDir, DEFERKIT_PACKAGES, packageDir, versionIn } from './packages.js';
import { findProject, loadProjectSettings, loadProjectSpiders, pickProjectSpider, requireProject, SpiderModuleError, type FoundSpider, type Project } from './project.js';
import { parseCrawlArgs } from './runspiderArgs.js';

const HELP = {
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit crawl --help`. */
export const CRAWL_USAGE = `Usage: deferkit crawl NAME [options]

Runs the project's spider called NAME (its \`name\`), found in the SPIDER_MODULES directories
of the project (the nearest directory upward with a deferkit.config.ts).

Options:
  -a NAME=VALUE              spider argument: becomes a property of the spider (repeatable)
  -o, --output FILE          append scraped items to FILE (repeatable); the format comes from
                             the extension (.jsonl/.jl, .json, .csv) or a suffix: -o out.txt:jsonl
  -O, --overwrite-output FILE
                             like -o, but replace FILE instead of appending
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable)
  -L, --loglevel LEVEL       LOG_LEVEL: DEBUG (default), INFO, WARNING, ERROR, CRITICAL
      --nolog                no log output (LOG_ENABLED=false)
  -h, --help                 show this help

Settings priorities: defaults < deferkit.config.ts < the spider's customSettings < -s/-o/-L.

Examples:
  deferkit crawl example -o pages.jsonl
  deferkit crawl books -a base=http://127.0.0.1:8080 -O books.csv -s CONCURRENT_REQUESTS=4
`;

/** `deferkit list --help`. */
export const LIST_USAGE = `Usage: deferkit list

Prints the names of the project's spiders, one a line, sorted.

Options:
  -h, --help                 show this help
`;

/** `deferkit settings --help`. */
export const SETTINGS_USAGE = `Usage: deferkit settings [options]

Prints the value a setting has: the project's (deferkit.config.ts over the defaults) inside a
project, the defaults outside one; -s applies on top, as on a crawl. A spider's customSettings
are not included (they apply when that spider runs).

Options:
  --get NAME                 the value: text as it is, anything else as JSON
  --getbool NAME             the value as a boolean (true/false)
  --getint NAME              the value as an integer
  --getfloat NAME            the value as a number
  --getlist NAME             the value as a list (JSON)
  -s, --set KEY=VALUE        set a setting at command-line priority first (repeatable)
  -h, --help                 show this help

Examples:
  deferkit settings --get BOT_NAME
  deferkit settings --getbool ROBOTSTXT_OBEY
`;

/** `deferkit version --help`. */
export const VERSION_USAGE = `Usage: deferkit version [-v]

Prints the deferkit version.

Options:
  -v, --verbose              also Node.js, each @deferkit package, the key dependencies and
                             the platform (for bug reports)
  -h, --help                 show this help
`;

/** The project's settings, or a load error reported (an exit code). */
async function projectSettings(project: Project, command: string): Promise<Record<string, unknown> | number> {
  try {
    return await loadProjectSettings(project, command);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const { reportLoadError } = await import('./runspider.js');
    reportLoadError(e, project.configFile, 'settings module');
    return 1;
  }
}

/** The project's spiders, or a load error reported (an exit code). */
async function projectSpiders(project: Project, settings: Record<string, unknown>, command: string): Promise<Map<string, FoundSpider> | number> {
  try {
    return await loadProjectSpiders(project, settings, command, (m) => cliLog('WARNING', m));
  } catch (e) {
    if (!(e instanceof SpiderModuleError)) throw e;
    const { reportLoadError } = await import('./runspider.js');
    reportLoadError(e.cause, e.file, 'spider module');
    return 1;
  }
}

/** `deferkit crawl`. Mirrors Scrapy's `scrapy crawl`. */
export const crawlCommand: Command = {
  name: 'crawl',
  summary: "run one of the project's spiders by name",
  usage: CRAWL_USAGE,
  needsProject: true,
  async run(argv) {
    const opts = parseCrawlArgs(argv);
    if (opts.help) {
      process.stdout.write(CRAWL_USAGE);
      return 0;
    }
    const project = requireProject('crawl');
    const fromProject = await projectSettings(project, 'crawl');
    if (typeof fromProject === 'number') return fromProject;
    const settings = new Settings(fromProject, 'project');
    settings.update(opts.settings);
    // A bad value in deferkit.config.ts stops here, as one from -s does.
    const effective = new Settings(DEFAULT_SETTINGS, 'default');
    effective.update(settings);
    validateSettings(effective);
    // Loaded only now: the crawler is not needed for --help or usage errors.
    const { runCrawl } = await import('./runspider.js');
    return runCrawl({
      settings,
      args: opts.args,
      demo: false,
      load: async () => {
        const spiders = await projectSpiders(project, fromProject, 'crawl');
        if (typeof spiders === 'number') return spiders;
        return pickProjectSpider(spiders, opts.name, 'crawl').spiderClass;
      },
    });
  },
};

/** `deferkit list`. Mirrors Scrapy's `scrapy list`. */
export const listCommand: Command = {
  name: 'list',
  summary: "print the names of the project's spiders",
  usage: LIST_USAGE,
  needsProject: true,
  async run(argv) {
    const parsed = parseOptions(argv, HELP, 'list');
    if (flag(parsed, 'help')) {
      process.stdout.write(LIST_USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`list takes no arguments, got '${parsed.positionals.join(' ')}'.`, 'list');
    const project = requireProject('list');
    const settings = await projectSettings(project, 'list');
    if (typeof settings === 'number') return settings;
    const spiders = await projectSpiders(project, settings, 'list');
    if (typeof spiders === 'number') return spiders;
    process.stdout.write([...spiders.keys()].sort().map((n) => `${n}\n`).join(''));
    return 0;
  },
};

const SETTINGS_SPEC = {
  '--get': { key: 'get', value: true },
  '--getbool': { key: 'getbool', value: true },
  '--getint': { key: 'getint', value: true },
  '--getfloat': { key: 'getfloat', value: true },
  '--getlist': { key: 'getlist', value: true },
  '-s': { key: 'set', value: true },
  '--set': { key: 'set', value: true },
  ...HELP,
};

/** A setting's value as `settings --get` prints it: text as is, classes by name, the rest JSON. */
export function formatSettingValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return (value as { name?: string }).name || '(anonymous function)';
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'function' ? (v as { name?: string }).name || '(anonymous function)' : v)) ?? String(value);
}

/** `deferkit settings`. Mirrors Scrapy's `scrapy settings`. */
export const settingsCommand: Command = {
  name: 'settings',
  summary: 'print the value of a setting (the project\'s inside a project, else the default)',
  usage: SETTINGS_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, SETTINGS_SPEC, 'settings');
    if (flag(parsed, 'help')) {
      process.stdout.write(SETTINGS_USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`settings takes no arguments, got '${parsed.positionals.join(' ')}' (did you mean --get ${parsed.positionals[0]}?).`, 'settings');
    const asked = (['get', 'getbool', 'getint', 'getfloat', 'getlist'] as const).flatMap((k) => values(parsed, k).map((n) => [k, n] as const));
    if (asked.length === 0) throw new UsageError('name the setting to print: deferkit settings --get NAME (or --getbool, --getint, --getfloat, --getlist).', 'settings');
    const settings = new Settings(DEFAULT_SETTINGS, 'default');
    const project = findProject();
    if (project !== null) {
      const fromProject = await projectSettings(project, 'settings');
      if (typeof fromProject === 'number') return fromProject;
      settings.update(fromProject, 'project');
    }
    for (const pair of values(parsed, 'set')) {
      const [name, text] = splitPair(pair, '-s', 'settings');
      settings.set(name, parseSettingValue(text, name), 'cmdline');
    }
    for (const [kind, name] of asked) {
      let out: string;
      try {
        if (kind === 'getbool') out = String(settings.getBool(name));
        else if (kind === 'getint') out = String(settings.getInt(name));
        else if (kind === 'getfloat') out = String(settings.getFloat(name));
        else if (kind === 'getlist') out = JSON.stringify(settings.getList(name));
        else out = formatSettingValue(settings.get(name));
      } catch (e) {
        throw new UsageError(`--${kind} ${name}: ${(e as Error)?.message ?? String(e)}`, 'settings', false);
      }
      process.stdout.write(`${out}\n`);
    }
    return 0;
  },
};

/** The dependencies `version -v` reports, with the package to resolve each from. */
const KEY_DEPENDENCIES: Array<[string, string]> = [
  ['cheerio', '@deferkit/crawler'],
  ['htmlparser2', 'cheerio'],
  ['tough-cookie', '@deferkit/crawler'],
  ['robots-parser', '@deferkit/crawler'],
  ['xpath', '@deferkit/crawler'],
  ['jmespath', '@deferkit/crawler'],
  ['tsx', '@deferkit/crawler'],
];

/** `deferkit version`. Mirrors Scrapy's `scrapy version`. */
export const versionCommand: Command = {
  name: 'version',
  summary: 'print the deferkit version (-v: also Node.js, packages and dependencies)',
  usage: VERSION_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, { '-v': { key: 'verbose', value: false }, '--verbose': { key: 'verbose', value: false }, ...HELP }, 'version');
    if (flag(parsed, 'help')) {
      process.stdout.write(VERSION_USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`version takes no arguments, got '${parsed.positionals.join(' ')}' (did you mean -v?).`, 'version');
    const crawler = crawlerDir();
    if (!flag(parsed, 'verbose')) {
      process.stdout.write(`deferkit ${versionIn(crawler)}\n`);
      return 0;
    }
    const rows: Array<[string, string]> = [['deferkit', versionIn(crawler)]];
    for (const name of DEFERKIT_PACKAGES) rows.push([name, versionIn(packageDir(name))]);
    rows.push(['Node.js', process.versions.node], ['V8', process.versions.v8]);
    for (const [name, from] of KEY_DEPENDENCIES) {
      const base = packageDir(from);
      rows.push([name, versionIn(base === null ? null : packageDir(name, base))]);
    }
    rows.push(['Platform', `${platform()}-${arch()} ${release()}`]);
    const width = Math.max(...rows.map(([n]) => n.length));
    process.stdout.write(rows.map(([n, v]) => `${n.padEnd(width)} : ${v}\n`).join(''));
    return 0;
  },
};
