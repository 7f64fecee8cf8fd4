// Parsing `deferkit runspider`'s command line (kept apart from the crawler, so --help and usage
// errors answer without loading it).

import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { LOG_LEVELS } from '../log.js';
import type { FeedOptions } from '../extensions/feeds/index.js';
import { DEFAULT_SETTINGS } from '../defaultSettings.js';
import { Settings } from '../Settings.js';
import { validateSettings } from '../settingsRegistry.js';
import { feedFromOutput, flag, parseOptions, type ParsedOptions, parseSettingValue, splitPair, suggestSetting, UsageError, values } from './args.js';
import { cliLog } from './output.js';

const SPEC = {
  '-a': { key: 'arg', value: true },
  '-o': { key: 'output', value: true },
  '--output': { key: 'output', value: true },
  '-O': { key: 'overwrite', value: true },
  '--overwrite-output': { key: 'overwrite', value: true },
  '-s': { key: 'set', value: true },
  '--set': { key: 'set', value: true },
  '-L': { key: 'loglevel', value: true },
  '--loglevel': { key: 'loglevel', value: true },
  '--nolog': { key: 'nolog', value: false },
  '--demo': { key: 'demo', value: false },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** What `runspider`'s command line asks for. */
export interface RunspiderOptions {
  /** The spider file. */
  file: string;
  /** Settings at `'cmdline'` priority. */
  settings: Settings;
  /** Spider arguments. */
  args: Record<string, string>;
  /** Start the embedded demo site. */
  demo: boolean;
  /** `--help`. */
  help: boolean;
}

/**
 * Parse `runspider`'s arguments.
 *
 * @throws UsageError for anything wrong on the command line.
 */
export function parseRunspiderArgs(argv: readonly string[]): RunspiderOptions {
  const parsed = parseOptions(argv, SPEC, 'runspider');
  const help = flag(parsed, 'help');
  if (help) return { file: '', settings: new Settings({}, 'cmdline'), args: {}, demo: false, help };
  if (parsed.positionals.length === 0) throw new UsageError('missing the spider file: deferkit runspider <spider.ts|.js> [options].', 'runspider');
  if (parsed.positionals.length > 1) {
    throw new UsageError(`runspider runs one spider file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}.`, 'runspider');
  }
  return { ...crawlOptions(parsed, 'runspider'), file: parsed.positionals[0]!, demo: flag(parsed, 'demo'), help };
}

/** The options `crawl` takes: runspider's but --demo (the project's spiders name their sites). */
const CRAWL_SPEC = Object.fromEntries(Object.entries(SPEC).filter(([k]) => k !== '--demo'));

/** What `crawl`'s command line asks for. */
export interface CrawlOptions {
  /** The spider's name. */
  name: string;
  /** Settings at `'cmdline'` priority. */
  settings: Settings;
  /** Spider arguments. */
  args: Record<string, string>;
  /** `--help`. */
  help: boolean;
}

/**
 * Parse `crawl`'s arguments: a spider name, then runspider's options (but `--demo`).
 *
 * @throws UsageError for anything wrong on the command line.
 */
export function parseCrawlArgs(argv: readonly string[]): CrawlOptions {
  const parsed = parseOptions(argv, CRAWL_SPEC, 'crawl');
  const help = flag(parsed, 'help');
  if (help) return { name: '', settings: new Settings({}, 'cmdline'), args: {}, help };
  if (parsed.positionals.length === 0) throw new UsageError("missing the spider name: deferkit crawl NAME [options] ('deferkit list' shows the names).", 'crawl');
  if (parsed.positionals.length > 1) {
    throw new UsageError(`crawl runs one spider, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')} (give spider arguments as -a NAME=VALUE).`, 'crawl');
  }
  return { ...crawlOptions(parsed, 'crawl'), name: parsed.positionals[0]!, help };
}

/**
 * The settings and spider arguments of `-s`/`-o`/`-O`/`-L`/`--nolog`/`-a`, checked.
 *
 * @throws UsageError for a bad pair, feed or value; its command is `command`.
 */
function crawlOptions(parsed: ParsedOptions, command: string): { settings: Settings; args: Record<string, string> } {
  try {
    return settingsAndArgs(parsed, command);
  } catch (e) {
    // parseSettingValue and feedFromOutput name runspider: the error belongs to this command.
    if (e instanceof UsageError && e.command !== command) throw new UsageError(e.message, command, e.helpHint);
    throw e;
  }
}

function settingsAndArgs(parsed: ParsedOptions, command: string): { settings: Settings; args: Record<string, string> } {
  const settings = new Settings({}, 'cmdline');
  for (const pair of values(parsed, 'set')) {
    const [name, text] = splitPair(pair, '-s', command);
    const suggestion = suggestSetting(name);
    if (suggestion !== undefined) cliLog('WARNING', `-s ${name}: not a built-in setting; did you mean ${suggestion}?`);
    settings.set(name, parseSettingValue(text, name), 'cmdline');
  }
  const outputs = values(parsed, 'output');
  const overwrites = values(parsed, 'overwrite');
  if (outputs.length > 0 && overwrites.length > 0) {
    throw new UsageError('use only one of -o/--output (append) and -O/--overwrite-output (replace).', command);
  }
  if (outputs.length + overwrites.length > 0) {
    const fromSet = settings.has('FEEDS') ? settings.getDict<FeedOptions>('FEEDS') : {};
    const feeds: Record<string, FeedOptions> = { ...fromSet };
    for (const o of outputs) {
      const [uri, options] = feedFromOutput(o, false);
      feeds[uri] = options;
    }
    for (const o of overwrites) {
      const [uri, options] = feedFromOutput(o, true);
      feeds[uri] = options;
    }
    settings.set('FEEDS', feeds, 'cmdline');
  }
  const loglevel = values(parsed, 'loglevel').at(-1);
  if (loglevel !== undefined) {
    const level = loglevel.toUpperCase();
    if (!(level in LOG_LEVELS)) throw new UsageError(`-L ${loglevel}: the log level must be one of ${Object.keys(LOG_LEVELS).join(', ')}.`, command);
    settings.set('LOG_LEVEL', level, 'cmdline');
  }
  if (flag(parsed, 'nolog')) settings.set('LOG_ENABLED', false, 'cmdline');
  // Bad values of the checked settings (-s LOG_LEVEL=LOUD, -s DOWNLOAD_MAXSIZE=-5) stop here,
  // before the demo site starts or the spider loads.
  const effective = new Settings(DEFAULT_SETTINGS, 'default');
  effective.update(settings);
  validateSettings(effective);
  const args: Record<string, string> = {};
  for (const pair of values(parsed, 'arg')) {
    const [name, value] = splitPair(pair, '-a', command);
    args[name] = value;
  }
  return { settings, args };
}

/** Extensions runspider loads. */
export const SPIDER_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs'];

/**
 * Check the spider file before anything starts (demo site, reactor).
 *
 * @throws UsageError when it does not exist or has an extension runspider cannot load.
 */
export function checkSpiderFile(file: string): void {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`File not found: ${file}`, 'runspider');
  if (!SPIDER_EXTENSIONS.includes(extname(path).toLowerCase())) {
    throw new UsageError(`Unsupported spider file '${file}': runspider runs .ts, .mts, .tsx, .js and .mjs files (ES modules).`, 'runspider');
  }
}
