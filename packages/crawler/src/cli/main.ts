// The deferkit CLI: `deferkit <command> …`, dispatched from the command table (commands.ts).
// bin/deferkit.js calls main(process.argv.slice(2)) and exits with what it returns.

import { closest, UsageError } from './args.js';
import type { Command } from './command.js';
import { COMMANDS, MAIN_USAGE, mainUsage } from './commands.js';
import { crawlerDir, versionIn } from './packages.js';

export { RUNSPIDER_USAGE, DEMO_SITE_USAGE } from './usage.js';
export { COMMANDS, MAIN_USAGE, mainUsage } from './commands.js';
export type { Command } from './command.js';
export { UsageError, parseSettingValue, feedFromOutput } from './args.js';
export { parseRunspiderArgs, parseCrawlArgs } from './runspiderArgs.js';
export type { RunspiderOptions, CrawlOptions } from './runspiderArgs.js';
export { parseDemoSiteArgs } from './demoSite.js';

/**
 * Run the deferkit CLI with `argv` (without `node` and the script); resolves to the exit code.
 * Usage errors (the command line's, the lab's, bad setting values) print their message and fix,
 * without a stack, and give 2.
 *
 * @param argv - the arguments after `deferkit`.
 * @param commands - the command table (default: every built-in command).
 */
export async function main(argv: string[], commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  const usage = commands === COMMANDS ? MAIN_USAGE : mainUsage(commands);
  const byName = new Map(commands.map((c) => [c.name, c]));
  try {
    if (name === undefined) {
      // No command: the usage, as an error.
      process.stderr.write(usage);
      return 2;
    }
    if (name === '-h' || name === '--help' || name === 'help') {
      const topic = name === 'help' && rest[0] !== undefined ? byName.get(rest[0]) : undefined;
      if (name === 'help' && rest[0] !== undefined && topic === undefined) throw unknownCommand(rest[0], commands);
      process.stdout.write(topic?.usage ?? usage);
      return 0;
    }
    if (name === '-V' || name === '--version') {
      process.stdout.write(`deferkit ${versionIn(crawlerDir())}\n`);
      return 0;
    }
    const command = byName.get(name);
    if (command === undefined) {
      if (name.startsWith('-')) {
        const near = closest(name, ['--help', '-h', '--version', '-V']);
        throw new UsageError(`unknown option '${name}'.${near !== undefined ? ` Did you mean '${near}'?` : ''} Give a command first: deferkit ${commands.map((c) => c.name).join('|')} … (or --help).`);
      }
      throw unknownCommand(name, commands);
    }
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      // An error that names no command (a setting's value, checked deep down) belongs to the
      // command being run.
      const cmd = e.command ?? (name !== undefined && byName.has(name) ? name : null);
      const where = cmd === null ? 'deferkit' : `deferkit ${cmd}`;
      process.stderr.write(`${where}: error: ${e.message}\n${e.helpHint ? `Run '${where} --help' for usage.\n` : ''}`);
      return 2;
    }
    throw e;
  }
}

/** The error for a command that is not in the table, with the closest name. */
function unknownCommand(name: string, commands: readonly Command[]): UsageError {
  const names = commands.map((c) => c.name);
  const near = closest(name, names);
  return new UsageError(`unknown command '${name}'.${near !== undefined ? ` Did you mean '${near}'?` : ''} Commands: ${names.join(', ')}.`);
}
