// `deferkit fetch URL [--headers] [--nolog] [--no-redirect] [--spider NAME] [-s K=V]`: download
// one URL and print its body (or the request and response headers) on standard output; the
// log goes to standard error. Scrapy's `scrapy fetch`.

import type { Command } from './command.js';
import { flag, parseOptions, UsageError, values } from './args.js';
import { cliLog } from './output.js';

const SPEC = {
  '--headers': { key: 'headers', value: false },
  '--nolog': { key: 'nolog', value: false },
  '--no-redirect': { key: 'noRedirect', value: false },
  '--spider': { key: 'spider', value: true },
  '-s': { key: 'set', value: true },
  '--set': { key: 'set', value: true },
  '--reactor': { key: 'reactor', value: true },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit fetch --help`. */
export const FETCH_USAGE = `Usage: deferkit fetch <URL|file> [options]

Downloads the URL with the crawler's downloader (its middlewares, settings and the project's
settings when run inside a project) and prints the body on standard output; the log goes to
standard error. A local path is fetched as a file:// URL.

Options:
      --headers              print the request headers (prefixed '> ') and the response
                             headers (prefixed '< ') instead of the body
      --nolog                no log output (LOG_ENABLED=false)
      --no-redirect          do not follow redirects: print the 3xx response itself
      --spider NAME          use the project's spider NAME (its settings and middlewares)
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable)
      --reactor KIND         callback or promise (the REACTOR setting)
  -h, --help                 show this help

Example:
  deferkit fetch --nolog http://127.0.0.1:8080/ > page.html
`;

/** A parsed fetch/view command line. */
export interface FetchOptions {
  url: string;
  headers: boolean;
  noRedirect: boolean;
  spider: string | undefined;
  nolog: boolean;
  set: string[];
  reactor: string | undefined;
  help: boolean;
}

/** Parse `fetch`'s (or `view`'s) arguments. @throws UsageError */
export function parseFetchArgs(argv: readonly string[], command: 'fetch' | 'view'): FetchOptions {
  const spec: Record<string, { key: string; value: boolean }> = { ...SPEC };
  if (command === 'view') delete spec['--headers'];
  const parsed = parseOptions(argv, spec, command);
  const help = flag(parsed, 'help');
  if (!help && parsed.positionals.length !== 1) {
    throw new UsageError(parsed.positionals.length === 0 ? `missing the URL: deferkit ${command} <URL> [options].` : `${command} takes one URL, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}.`, command);
  }
  return {
    url: parsed.positionals[0] ?? '',
    headers: flag(parsed, 'headers'),
    noRedirect: flag(parsed, 'noRedirect'),
    spider: values(parsed, 'spider').at(-1),
    nolog: flag(parsed, 'nolog'),
    set: values(parsed, 'set'),
    reactor: values(parsed, 'reactor').at(-1),
    help,
  };
}

/**
 * Download what a fetch/view command line names and hand the response to `use`; resolves to
 * the exit code (1 when the download fails).
 */
export async function fetchOnce(opts: FetchOptions, command: 'fetch' | 'view', use: (response: import('../Response.js').Response, browser: unknown) => void): Promise<number> {
  // Loaded only now: --help and usage errors answer without the crawler.
  const [{ commandSettings, guessUrl, openSession, reactorOption }, { loadProject, findProjectSpider }, { Request }] = await Promise.all([
    import('./session.js'),
    import('./project.js'),
    import('../Request.js'),
  ]);
  const reactor = reactorOption(opts.reactor, command);
  const project = await loadProject();
  const cmdline = [...opts.set];
  if (opts.nolog) cmdline.push('LOG_ENABLED=false');
  if (reactor !== undefined) cmdline.push(`REACTOR=${reactor}`);
  const settings = commandSettings(cmdline, command, project);
  const spiderClass = opts.spider !== undefined ? await findProjectSpider(opts.spider, project, command) : undefined;
  const url = guessUrl(opts.url);
  // Scrapy's fetch: every status is handed over (a 404's body is printed too); redirects are
  // followed unless --no-redirect (handle_httpstatus_all, which RedirectMiddleware respects).
  const request = new Request(url, { dontFilter: true, meta: opts.noRedirect ? { handle_httpstatus_all: true } : {} });
  const session = await openSession(settings, spiderClass);
  let code = 0;
  try {
    const response = await session.fetch(request);
    use(response, session.crawler.settings.get('BROWSER', null));
  } catch (e) {
    cliLog('ERROR', `Could not fetch ${url}: ${(e as Error)?.message ?? String(e)}`);
    code = 1;
  } finally {
    await session.close();
  }
  return code;
}

/** Print `> Name: value` lines, one per value. */
function headerLines(headers: import('../Headers.js').Headers, prefix: string): string {
  return headers
    .entriesList()
    .flatMap(([name, vals]) => vals.map((v) => `${prefix} ${name}: ${v}\n`))
    .join('');
}

/**
 * `deferkit fetch`.
 *
 * Mirrors Scrapy's `scrapy fetch` command.
 */
export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'download a URL with the crawler and print its body (or headers) on stdout',
  usage: FETCH_USAGE,
  async run(argv) {
    const opts = parseFetchArgs(argv, 'fetch');
    if (opts.help) {
      process.stdout.write(FETCH_USAGE);
      return 0;
    }
    return fetchOnce(opts, 'fetch', (response) => {
      if (opts.headers) {
        process.stdout.write(`${headerLines(response.request!.headers, '>')}>\n${headerLines(response.headers, '<')}`);
      } else process.stdout.write(response.body);
    });
  },
};
