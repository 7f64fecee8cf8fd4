// The table of `deferkit` commands: main.ts dispatches from it, and `deferkit --help` and the
// "did you mean" hints are made from it.
//
// To add a command: write a module exporting a `Command` (see command.ts; keep heavy imports
// inside its run(), so --help stays fast), then add ONE import below and ONE entry to
// COMMANDS. Nothing else needs to change.

import { existsSync } from 'node:fs';
import type { Command } from './command.js';
import { demoSite, parseDemoSiteArgs } from './demoSite.js';
import { genspiderCommand } from './genspider.js';
import { benchCommand } from './bench.js';
import { checkCommand } from './check.js';
import { fetchCommand } from './fetch.js';
import { cliLog } from './output.js';
import { crawlCommand, listCommand, settingsCommand, versionCommand } from './projectCommands.js';
import { checkSpiderFile, parseRunspiderArgs } from './runspiderArgs.js';
import { shellCommand } from './shell.js';
import { startprojectCommand } from './startproject.js';
import { DEMO_SITE_USAGE, LAB_USAGE, RUNSPIDER_USAGE } from './usage.js';
import { viewCommand } from './view.js';

/** `deferkit runspider`. Mirrors Scrapy's `scrapy runspider`. */
export const runspiderCommand: Command = {
  name: 'runspider',
  summary: 'run the spider in a file (TypeScript runs without a build step)',
  usage: RUNSPIDER_USAGE,
  async run(argv) {
    const opts = parseRunspiderArgs(argv);
    if (opts.help) {
      process.stdout.write(RUNSPIDER_USAGE);
      return 0;
    }
    checkSpiderFile(opts.file);
    // Loaded only now: the crawler (and cheerio) are not needed for --help or usage errors.
    const { runspider } = await import('./runspider.js');
    return runspider(opts);
  },
};

/** `deferkit demo-site`: deferkit's own (Scrapy has none). */
export const demoSiteCommand: Command = {
  name: 'demo-site',
  summary: 'serve the embedded demo bookstore on 127.0.0.1',
  usage: DEMO_SITE_USAGE,
  async run(argv) {
    const opts = parseDemoSiteArgs(argv);
    if (opts.help) {
      process.stdout.write(DEMO_SITE_USAGE);
      return 0;
    }
    return demoSite(opts);
  },
};

/** `deferkit lab`: deferkit's own; the lab parses its own arguments (and its --help). */
export const labCommand: Command = {
  name: 'lab',
  summary: 'run the coroutine/reactor lab',
  usage: LAB_USAGE,
  async run(argv) {
    // src/lab/cli.ts when running from source, dist/lab/cli.js when built.
    const found = ['../lab/cli.js', '../lab/cli.ts'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));
    if (found === undefined) {
      cliLog('ERROR', 'the lab is not available in this build (no lab/cli module next to the CLI); run it from a deferkit checkout or a release that includes it.');
      return 2;
    }
    const mod = (await import(found.href)) as { main?: (argv: string[]) => unknown };
    if (typeof mod.main !== 'function') {
      cliLog('ERROR', `the lab module ${found.pathname} has no main(argv) export.`);
      return 2;
    }
    const code = await mod.main(argv);
    return typeof code === 'number' ? code : 0;
  },
};

/** Every command, in the order `deferkit --help` lists them. */
export const COMMANDS: Command[] = [
  startprojectCommand,
  genspiderCommand,
  crawlCommand,
  listCommand,
  settingsCommand,
  runspiderCommand,
  shellCommand,
  fetchCommand,
  viewCommand,
  checkCommand,
  benchCommand,
  versionCommand,
  demoSiteCommand,
  labCommand,
];

/** `deferkit --help`, made from a command table. */
export function mainUsage(commands: readonly Command[]): string {
  const width = Math.max(13, ...commands.map((c) => c.name.length)) + 2;
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}${c.needsProject === true ? ' [in a project]' : ''}\n`).join('');
  return `Usage: deferkit <command> [options]

Commands:
${lines}
Options:
${'  -h, --help'.padEnd(width + 2)}show this help; 'deferkit <command> --help' shows a command's
${'  -V, --version'.padEnd(width + 2)}print the version

Examples:
  deferkit startproject books && cd books && npm install --offline
  deferkit crawl example -o pages.jsonl
  deferkit runspider examples/spiders/books.ts --demo -o books.jsonl
`;
}

/** `deferkit --help` of the built-in table. */
export const MAIN_USAGE = mainUsage(COMMANDS);
