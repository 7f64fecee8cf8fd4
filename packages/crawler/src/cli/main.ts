// The deferkit CLI: `deferkit runspider …`, `deferkit demo-site …`, `deferkit lab …`.
// bin/deferkit.js calls main(process.argv.slice(2)) and exits with what it returns.

import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { demoSite, parseDemoSiteArgs } from './demoSite.js';
import { cliLog } from './output.js';
import { checkSpiderFile, parseRunspiderArgs } from './runspiderArgs.js';
import { DEMO_SITE_USAGE, MAIN_USAGE, RUNSPIDER_USAGE } from './usage.js';

export { MAIN_USAGE, RUNSPIDER_USAGE, DEMO_SITE_USAGE } from './usage.js';
export { UsageError, parseSettingValue, feedFromOutput } from './args.js';
export { parseRunspiderArgs } from './runspiderArgs.js';
export type { RunspiderOptions } from './runspiderArgs.js';
export { parseDemoSiteArgs } from './demoSite.js';

const COMMANDS = ['runspider', 'demo-site', 'lab'];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function lab(argv: string[]): Promise<number> {
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
}

/**
 * Run the deferkit CLI with `argv` (without `node` and the script); resolves to the exit code.
 * Usage errors (the command line's, the lab's, bad setting values) print their message and fix,
 * without a stack, and give 2.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      if (command === undefined) {
        // No command: the usage, as an error.
        process.stderr.write(MAIN_USAGE);
        return 2;
      }
      if (topic === 'runspider') process.stdout.write(RUNSPIDER_USAGE);
      else if (topic === 'demo-site') process.stdout.write(DEMO_SITE_USAGE);
      else process.stdout.write(MAIN_USAGE);
      return 0;
    }
    if (command === '-V' || command === '--version') {
      process.stdout.write(`deferkit ${version()}\n`);
      return 0;
    }
    switch (command) {
      case 'runspider': {
        const opts = parseRunspiderArgs(rest);
        if (opts.help) {
          process.stdout.write(RUNSPIDER_USAGE);
          return 0;
        }
        checkSpiderFile(opts.file);
        // Loaded only now: the crawler (and cheerio) are not needed for --help or usage errors.
        const { runspider } = await import('./runspider.js');
        return await runspider(opts);
      }
      case 'demo-site': {
        const opts = parseDemoSiteArgs(rest);
        if (opts.help) {
          process.stdout.write(DEMO_SITE_USAGE);
          return 0;
        }
        return await demoSite(opts);
      }
      case 'lab':
        return await lab(rest);
      // Issue 18 part B, registered here until part A's command table takes them.
      case 'fetch':
        return await (await import('./fetch.js')).fetchCommand.run(rest);
      case 'view':
        return await (await import('./view.js')).viewCommand.run(rest);
      case 'shell':
        return await (await import('./shell.js')).shellCommand.run(rest);
      case 'bench':
        return await (await import('./bench.js')).benchCommand.run(rest);
      case 'check':
        return await (await import('./check.js')).checkCommand.run(rest);
      default:
        if (command.startsWith('-')) throw new UsageError(`unknown option '${command}'. Give a command first: deferkit ${COMMANDS.join('|')} … (or --help).`);
        throw new UsageError(`unknown command '${command}'. Commands: ${COMMANDS.join(', ')}.`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      // An error that names no command (a setting's value, checked deep down) belongs to the
      // command being run.
      const cmd = e.command ?? (command !== undefined && COMMANDS.includes(command) ? command : null);
      const where = cmd === null ? 'deferkit' : `deferkit ${cmd}`;
      process.stderr.write(`${where}: error: ${e.message}\n${e.helpHint ? `Run '${where} --help' for usage.\n` : ''}`);
      return 2;
    }
    throw e;
  }
}
