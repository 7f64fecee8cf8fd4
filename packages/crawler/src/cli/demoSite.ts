// `deferkit demo-site [--port PORT] [--host HOST]`: serve the demo bookstore until Ctrl-C.

import { startDemoSite } from '../demo/site.js';
import { flag, parseOptions, UsageError, values } from './args.js';
import { cliLog } from './output.js';

const SPEC = {
  '-p': { key: 'port', value: true },
  '--port': { key: 'port', value: true },
  '--host': { key: 'host', value: true },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** What `demo-site`'s command line asks for. */
export interface DemoSiteCommandOptions {
  port: number;
  host: string;
  help: boolean;
}

/**
 * Parse `demo-site`'s arguments.
 *
 * @throws UsageError for unknown options, positionals or a bad port.
 */
export function parseDemoSiteArgs(argv: readonly string[]): DemoSiteCommandOptions {
  const parsed = parseOptions(argv, SPEC, 'demo-site');
  if (parsed.positionals.length > 0) throw new UsageError(`demo-site takes no arguments, got '${parsed.positionals.join(' ')}' (did you mean --port ${parsed.positionals[0]}?).`, 'demo-site');
  const portText = values(parsed, 'port').at(-1) ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port ${portText}: a port is a whole number from 0 to 65535 (0 picks a free one).`, 'demo-site');
  return { port, host: values(parsed, 'host').at(-1) ?? '127.0.0.1', help: flag(parsed, 'help') };
}

/** Serve until SIGINT/SIGTERM; the exit code. */
export async function demoSite(opts: DemoSiteCommandOptions): Promise<number> {
  let site;
  try {
    site = await startDemoSite({ port: opts.port, host: opts.host });
  } catch (e) {
    const code = (e as { code?: string })?.code;
    if (code === 'EADDRINUSE') cliLog('ERROR', `Port ${opts.port} is in use on ${opts.host}: pick another with --port N (--port 0 picks a free one).`);
    else cliLog('ERROR', `Could not start the demo site on ${opts.host}:${opts.port}: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
  process.stdout.write(`Demo site running at ${site.url}/ (${site.books.length} books on ${site.pages} pages). Press Ctrl-C to stop.\n`);
  const sig = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await site.close();
  process.stdout.write(`Received ${sig}, demo site stopped.\n`);
  return 0;
}
