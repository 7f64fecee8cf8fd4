// `deferkit lab [--format text|markdown|json] [--scenario ID]… [--reactor NAME]…`

import { UsageError } from '../errors.js';
import { toJson, toMarkdown, toText } from './format.js';
import { runLab } from './runLab.js';
import { COLUMNS, SCENARIOS, type Column } from './scenarios.js';
import { writeExplorer } from './explorer/write.js';

// The one UsageError (errors.ts), re-exported where the lab's API has always offered it.
export { UsageError };

/** The usage text of `deferkit lab`. */
export const LAB_USAGE = `Usage: deferkit lab [--format text|markdown|json] [--scenario ID]... [--reactor ${COLUMNS.join('|')}]...
       deferkit lab --explorer [FILE]   write the Deferred chain explorer (default chain-explorer.html)

Runs each scenario of Scrapy's coroutine and asyncio docs as a real crawl of the embedded demo
site under each reactor setting, and prints the await table and a timeline per scenario.

Scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}`;

/**
 * The lab command: parse `argv` (the arguments after `lab`), run, print.
 *
 * @returns the process exit code (0, or 2 for bad arguments).
 */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let format = 'text';
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
    } else if (flag === '--help' || flag === '-h') {
      out(LAB_USAGE + '\n');
      return 0;
    } else throw new UsageError(`Unknown option '${arg}'.`, 'lab');
  }
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json, got '${format}'.`, 'lab');
  let report;
  try {
    report = await runLab({
      ...(scenarios.length > 0 ? { scenarios } : {}),
      ...(columns.length > 0 ? { columns } : {}),
    });
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message, 'lab');
    throw e;
  }
  out(format === 'json' ? toJson(report) : format === 'markdown' ? toMarkdown(report) : toText(report) + '\n');
  return 0;
}
