// `deferkit lab [--format text|markdown|json] [--html [FILE]] [--scenario ID]… [--reactor NAME]… [--list]`

import { writeFileSync } from 'node:fs';
import { distance } from '../cli/args.js';
import { UsageError } from '../errors.js';
import { toJson, toMarkdown, toText } from './format.js';
import { toHtml } from './html/page.js';
import { runLab } from './runLab.js';
import { COLUMNS, SCENARIOS, type Column } from './scenarios.js';
import { writeExplorer } from './explorer/write.js';

// The one UsageError (errors.ts), re-exported where the lab's API has always offered it.
export { UsageError };

/** The file `deferkit lab --html` writes when no FILE is given. */
export const DEFAULT_HTML_FILE = 'lab.html';

/** The usage text of `deferkit lab`. */
export const LAB_USAGE = `Usage: deferkit lab [--format text|markdown|json] [--html [FILE]] [--scenario ID]... [--reactor ${COLUMNS.join('|')}]... [--list] [--width N]
       deferkit lab --explorer [FILE]   write the Deferred chain explorer (default chain-explorer.html)

Runs each scenario of Scrapy's coroutine and asyncio docs as a real crawl of the embedded demo
site under each reactor setting, and prints the await table and a timeline per scenario.

  --html [FILE]   write the lab as one self-contained HTML page (default ${DEFAULT_HTML_FILE}) instead
  --list          print the scenario ids and titles, run nothing
  --width N       wrap the text output at N columns (default: the terminal's width, else 100)

Scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}`;

/** The known name closest to `name`, when it is close enough to be a typo. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.includes(name) || name.includes(k) ? Math.abs(k.length - name.length) / 4 : distance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/**
 * The UsageError for an unknown scenario id or reactor name: a did-you-mean when one is close,
 * and every valid value.
 */
export function unknownNameError(kind: 'scenario' | 'reactor', name: string): UsageError {
  const known = kind === 'scenario' ? SCENARIOS.map((s) => s.id) : [...COLUMNS];
  const hint = closest(name, known);
  const list = kind === 'scenario' ? 'Scenarios' : 'Reactors';
  return new UsageError(
    `Unknown ${kind} '${name}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}. ${list}: ${known.join(', ')}.${kind === 'scenario' ? " 'deferkit lab --list' prints them with their titles." : ''}`,
    'lab',
  );
}

/** `--list`: every scenario id with its title, one a line. */
function listing(): string {
  const w = Math.max(...SCENARIOS.map((s) => s.id.length));
  return SCENARIOS.map((s) => `${s.id.padEnd(w)}  ${s.title}`).join('\n') + '\n';
}

/**
 * The lab command: parse `argv` (the arguments after `lab`), run, print.
 *
 * @returns the process exit code (0, or 2 for bad arguments).
 */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let format = 'text';
  let html: string | undefined;
  let list = false;
  let width: number | undefined;
  const scenarios: string[] = [];
  const columns: Column[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value.`, 'lab');
      return v;
    };
    if (flag === '--format' || flag === '-f') format = value();
    else if (flag === '--scenario' || flag === '-s') scenarios.push(value());
    else if (flag === '--reactor' || flag === '-r') columns.push(value() as Column);
    else if (flag === '--explorer') {
      // Its own mode: the optional FILE is the next argument unless that is an option.
      const next = inline ?? (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-') ? argv[++i] : undefined);
      out((await writeExplorer(next ?? 'chain-explorer.html')) + '\n');
      return 0;
    } else if (flag === '--list' || flag === '-l') list = true;
    else if (flag === '--html') {
      // The FILE is optional: the next argument is it unless it is another option.
      if (inline !== undefined) html = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) html = argv[++i]!;
      else html = DEFAULT_HTML_FILE;
      if (html === '') throw new UsageError('--html= needs a file name (or give --html alone for lab.html).', 'lab');
    } else if (flag === '--width' || flag === '-w') {
      const v = value();
      width = Number(v);
      if (!Number.isInteger(width) || width < 40) throw new UsageError(`--width must be a whole number of columns ≥ 40, got '${v}'.`, 'lab');
    } else if (flag === '--help' || flag === '-h') {
      out(LAB_USAGE + '\n');
      return 0;
    } else throw new UsageError(`Unknown option '${arg}'.`, 'lab');
  }
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json, got '${format}'.`, 'lab');
  // Checked before anything runs, so a typo costs no crawl.
  for (const id of scenarios) if (!SCENARIOS.some((s) => s.id === id)) throw unknownNameError('scenario', id);
  for (const c of columns) if (!COLUMNS.includes(c)) throw unknownNameError('reactor', c);
  if (list) {
    out(listing());
    return 0;
  }
  const report = await runLab({
    ...(scenarios.length > 0 ? { scenarios } : {}),
    ...(columns.length > 0 ? { columns } : {}),
  });
  if (html !== undefined) {
    writeFileSync(html, toHtml(report));
    out(`Wrote ${html} (${report.scenarios.length} scenarios); open it in a browser.\n`);
    return 0;
  }
  const termWidth = process.stdout.isTTY ? process.stdout.columns : undefined;
  out(format === 'json' ? toJson(report) : format === 'markdown' ? toMarkdown(report) : toText(report, { width: width ?? termWidth ?? 100 }) + '\n');
  return 0;
}
