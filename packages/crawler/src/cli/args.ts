// Command-line parsing for the deferkit CLI: options, KEY=VALUE pairs, setting values, feeds.

import { extname } from 'node:path';
import { DEFAULT_SETTINGS } from '../defaultSettings.js';
import { STDOUT_URI, type FeedFormat, type FeedOptions } from '../extensions/feeds/index.js';
import { UsageError } from '../errors.js';
import { SETTINGS_REGISTRY } from '../settingsRegistry.js';

// One UsageError for the CLI, the lab and the settings checks (errors.ts).
export { UsageError };

/** How an option takes its value. */
interface OptionSpec {
  /** The key in the parsed result. */
  key: string;
  /** Whether it takes a value (else it is a flag). */
  value: boolean;
}

/** The result of {@link parseOptions}. */
export interface ParsedOptions {
  /** Flags and values: flags are `true`; every value option collects an array. */
  options: Map<string, string[] | true>;
  /** Positional arguments. */
  positionals: string[];
}

/**
 * Parse `argv` against `spec` (option spelling → key). Accepts `-o FILE`, `-oFILE`,
 * `--output FILE`, `--output=FILE`, flags, and `--` (the rest is positional).
 *
 * @throws UsageError for unknown options and missing values.
 */
export function parseOptions(argv: readonly string[], spec: Record<string, OptionSpec>, command: string): ParsedOptions {
  const options = new Map<string, string[] | true>();
  const positionals: string[] = [];
  const add = (opt: OptionSpec, value: string | undefined): void => {
    if (!opt.value) {
      options.set(opt.key, true);
      return;
    }
    const list = options.get(opt.key);
    if (Array.isArray(list)) list.push(value!);
    else options.set(opt.key, [value!]);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name = arg;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq !== -1) {
        name = arg.slice(0, eq);
        inline = arg.slice(eq + 1);
      }
    } else if (arg.length > 2 && spec[arg.slice(0, 2)]?.value === true) {
      // -sKEY=VALUE, -ofile.jsonl
      name = arg.slice(0, 2);
      inline = arg.slice(2);
    }
    const opt = spec[name];
    if (opt === undefined) {
      const known = Object.keys(spec).sort();
      const near = closest(name, known);
      throw new UsageError(`unknown option '${name}'.${near !== undefined ? ` Did you mean '${near}'?` : ''} Options of ${command}: ${known.join(', ')}.`, command);
    }
    if (!opt.value) {
      if (inline !== undefined) throw new UsageError(`option ${name} takes no value (got '${arg}').`, command);
      add(opt, undefined);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new UsageError(`option ${name} needs a value.`, command);
      i++;
    }
    add(opt, value);
  }
  return { options, positionals };
}

/** The values collected for `key` (empty when absent). */
export function values(parsed: ParsedOptions, key: string): string[] {
  const v = parsed.options.get(key);
  return Array.isArray(v) ? v : [];
}

/** Whether flag `key` was given. */
export function flag(parsed: ParsedOptions, key: string): boolean {
  return parsed.options.get(key) === true;
}

/**
 * Split `NAME=VALUE` (the value may contain `=`).
 *
 * @throws UsageError without `=` or with an empty name.
 */
export function splitPair(pair: string, option: string, command: string): [string, string] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} expects NAME=VALUE, got '${pair}' (e.g. ${option} ${option === '-s' ? 'CONCURRENT_REQUESTS=4' : 'base=http://127.0.0.1:8080'}).`, command);
  return [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Turn the text of `-s KEY=VALUE` into a value: `4` → 4, `0.5` → 0.5, `true`/`True`/`false`
 * → booleans, `null`/`None` → null, `{…}`/`[…]`/`"…"` → parsed JSON, anything else stays a
 * string (`-s REACTOR=callback`).
 *
 * @throws UsageError for a value that starts like JSON but is not valid JSON.
 */
export function parseSettingValue(text: string, name = 'setting'): unknown {
  const t = text.trim();
  if (NUMBER.test(t)) return Number(t);
  const lower = t.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null' || t === 'None') return null;
  if (t.startsWith('{') || t.startsWith('[') || (t.startsWith('"') && t.endsWith('"') && t.length >= 2)) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new UsageError(
        `-s ${name}: the value looks like JSON but does not parse (${(e as Error).message}). Quote it for the shell, e.g. -s '${name}={"out.jsonl": {"format": "jsonl"}}'.`,
        'runspider',
      );
    }
  }
  return text;
}

/** Levenshtein distance, for "did you mean" hints (the CLI's and the lab's). @internal */
export function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/**
 * The candidate closest to a mistyped `name` (by edit distance), when it is close enough to be
 * a typo (one edit for names of up to 3 characters, else 2 or a fifth of the length) and no
 * other candidate is as close; else undefined.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  let tie = false;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
      tie = false;
    } else if (d === bestD && c !== best) tie = true;
  }
  // Two equally close candidates ('-x' is one edit from -a, -o, -s …): no guess.
  return !tie && bestD > 0 && bestD <= (name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 5))) ? best : undefined;
}

/** The built-in setting closest to an unknown `name`, if one is close enough to be a typo. */
export function suggestSetting(name: string): string | undefined {
  // A Scrapy setting deferkit knows of (even one it does not implement) is no typo.
  if (name in DEFAULT_SETTINGS || SETTINGS_REGISTRY.has(name)) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const known of Object.keys(DEFAULT_SETTINGS)) {
    const dd = distance(name.toUpperCase(), known);
    if (dd < bestD) {
      bestD = dd;
      best = known;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 5)) ? best : undefined;
}

const FORMAT_BY_EXTENSION: Record<string, FeedFormat> = {
  '.jsonl': 'jsonl',
  '.jl': 'jsonl',
  '.jsonlines': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
};

/**
 * A feed from `-o FILE` / `-O FILE`: the format from the extension (`.jsonl`/`.jl` → jsonl,
 * `.json` → json, `.csv` → csv), or from a `FILE:FORMAT` suffix (Scrapy's `-o out.txt:jsonl`).
 *
 * @throws UsageError when the format cannot be told.
 */
export function feedFromOutput(arg: string, overwrite: boolean): [string, FeedOptions] {
  const option = overwrite ? '-O' : '-o';
  const m = /^(.+):(jsonl|jsonlines|jl|json|csv)$/.exec(arg);
  if (m !== null && !/^[a-zA-Z]:[\\/]?$/.test(m[1]!)) {
    const format = (m[2] === 'jl' || m[2] === 'jsonlines' ? 'jsonl' : m[2]) as FeedFormat;
    // `-` is standard output, as in Scrapy (`-o -:jsonl`).
    return [m[1] === '-' ? STDOUT_URI : m[1]!, { format, overwrite }];
  }
  if (arg === '-') {
    throw new UsageError(`${option} -: name the format of standard output, e.g. ${option} -:jsonl (or :json, :csv).`, 'runspider');
  }
  const format = FORMAT_BY_EXTENSION[extname(arg).toLowerCase()];
  if (format === undefined) {
    throw new UsageError(
      `${option} ${arg}: cannot tell the feed format from the extension '${extname(arg) || '(none)'}'. ` +
        `Use .jsonl (or .jl), .json or .csv, or name the format: ${option} ${arg}:jsonl.`,
      'runspider',
    );
  }
  return [arg, { format, overwrite }];
}
