// `deferkit shell [URL|file] [-c CODE] [-s K=V] [--spider NAME] [--reactor callback|promise]`:
// an interactive console (node:repl, top-level await) to try selectors on a live response, or
// with -c, one expression evaluated and printed. Scrapy's `scrapy shell`.

import type { Command } from './command.js';
import { flag, parseOptions, UsageError, values } from './args.js';

const SPEC = {
  '-c': { key: 'code', value: true },
  '--spider': { key: 'spider', value: true },
  '--no-redirect': { key: 'noRedirect', value: false },
  '--nolog': { key: 'nolog', value: false },
  '-s': { key: 'set', value: true },
  '--set': { key: 'set', value: true },
  '--reactor': { key: 'reactor', value: true },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit shell --help`. */
export const SHELL_USAGE = `Usage: deferkit shell [URL|file] [options]

An interactive console (Node's REPL, with top-level await) with the crawler open: try
selectors on a response. A local path is fetched as a file:// URL. Inside a project its
settings apply. Type shelp() in the console for what it offers.

Options:
  -c CODE                    evaluate CODE (an expression, or statements ending in return),
                             print the result and exit
      --spider NAME          use the project's spider NAME (its settings and middlewares)
      --no-redirect          do not follow redirects when fetching the URL
      --nolog                no log output (LOG_ENABLED=false)
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable)
      --reactor KIND         callback or promise (the REACTOR setting)
  -h, --help                 show this help

Examples:
  deferkit shell http://127.0.0.1:8080/
  deferkit shell ./page.html -c 'response.css("title::text").get()'
`;

/** The console's help text (Scrapy's `shelp()`). */
export function shellHelp(bound: Record<string, unknown>): string {
  const show = (v: unknown): string => (v === undefined || v === null ? String(v) : typeof v === 'object' ? String(v) : typeof v);
  const lines = [
    '[deferkit] Available objects:',
    `[deferkit]   crawler    the crawler (crawler.stats, crawler.engine, crawler.signals)`,
    `[deferkit]   spider     ${show(bound.spider)}`,
    `[deferkit]   settings   the crawler's settings (settings.get('USER_AGENT'))`,
    `[deferkit]   request    ${show(bound.request)}`,
    `[deferkit]   response   ${show(bound.response)}`,
    '[deferkit] Useful shortcuts:',
    '[deferkit]   await fetch(urlOrRequest, { redirect: true })  fetch a URL or Request and update request and response',
    '[deferkit]   view(response)  write the response to a temporary file, print its path (opens $BROWSER if set)',
    '[deferkit]   shelp()         show this help',
  ];
  return lines.join('\n') + '\n';
}

/** Evaluate `code` with `scope`'s names in scope: an expression, else a function body. */
async function evaluate(code: string, scope: Record<string, unknown>): Promise<unknown> {
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const names = Object.keys(scope);
  let fn: (...a: unknown[]) => Promise<unknown>;
  try {
    fn = new AsyncFunction(...names, `return (${code}\n);`);
  } catch {
    fn = new AsyncFunction(...names, code);
  }
  return fn(...names.map((n) => scope[n]));
}

/**
 * `deferkit shell`.
 *
 * Mirrors Scrapy's `scrapy shell` command.
 */
export const shellCommand: Command = {
  name: 'shell',
  summary: 'interactive console (REPL, top-level await) to try selectors on a response',
  usage: SHELL_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, SPEC, 'shell');
    if (flag(parsed, 'help')) {
      process.stdout.write(SHELL_USAGE);
      return 0;
    }
    if (parsed.positionals.length > 1) throw new UsageError(`shell takes at most one URL, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}.`, 'shell');
    const code = values(parsed, 'code').at(-1);
    const [{ inspect }, { Request }, { Response }, session_, project_, view_, { cliLog }] = await Promise.all([
      import('node:util'),
      import('../Request.js'),
      import('../Response.js'),
      import('./session.js'),
      import('./project.js'),
      import('./view.js'),
      import('./output.js'),
    ]);
    const reactor = session_.reactorOption(values(parsed, 'reactor').at(-1), 'shell');
    const project = await project_.loadProject();
    const cmdline = [...values(parsed, 'set')];
    if (flag(parsed, 'nolog')) cmdline.push('LOG_ENABLED=false');
    if (reactor !== undefined) cmdline.push(`REACTOR=${reactor}`);
    // Scrapy's shell: no dupe filtering, no telnet; the log stays on (stderr).
    const settings = session_.commandSettings(cmdline, 'shell', project, { KEEP_ALIVE: true, LOGSTATS_INTERVAL: 0 });
    const spiderName = values(parsed, 'spider').at(-1);
    const spiderClass = spiderName !== undefined ? await project_.findProjectSpider(spiderName, project, 'shell') : undefined;
    // As Scrapy's repr: <200 http://…> and <GET http://…> rather than every field.
    for (const proto of [Request.prototype, Response.prototype] as object[]) {
      Object.defineProperty(proto, inspect.custom, { value: function (this: object) { return `<${String(this)}>`.replace(/^<<(.*)>>$/, '<$1>'); }, configurable: true });
    }
    const session = await session_.openSession(settings, spiderClass);
    const bound: Record<string, unknown> = {
      crawler: session.crawler,
      spider: session.spider,
      settings: session.crawler.settings,
      request: undefined,
      response: undefined,
    };
    let onRebind: (() => void) | null = null;
    const fetch = async (target: unknown, options: { redirect?: boolean } = {}): Promise<unknown> => {
      let request: InstanceType<typeof Request>;
      if (typeof target === 'string') request = new Request(session_.guessUrl(target), { dontFilter: true });
      else if (target instanceof Request) request = target;
      else throw new TypeError(`fetch(urlOrRequest): pass a URL string or a Request, got ${target === null ? 'null' : typeof target}.`);
      if (options.redirect === false) request.meta.handle_httpstatus_all = true;
      bound.request = request;
      const response = await session.fetch(request);
      bound.request = response.request ?? request;
      bound.response = response;
      onRebind?.();
      return response;
    };
    const view = (response: unknown = bound.response): string => {
      if (!(response instanceof Response)) throw new TypeError('view(response): no response to show; fetch(url) first, or pass a Response.');
      const { path } = view_.viewResponse(response, view_.configuredBrowser(session.crawler.settings.get('BROWSER', null)));
      process.stdout.write(`${path}\n`);
      return path;
    };
    const shelp = (): void => {
      process.stdout.write(shellHelp(bound));
    };
    const url = parsed.positionals[0];
    try {
      if (url !== undefined) {
        try {
          await fetch(url, { redirect: !flag(parsed, 'noRedirect') });
        } catch (e) {
          cliLog('ERROR', `Could not fetch ${url}: ${(e as Error)?.message ?? String(e)}`);
          if (code !== undefined) return 1;
        }
      }
      if (code !== undefined) {
        try {
          const result = await evaluate(code, { ...bound, fetch, view, shelp });
          process.stdout.write(`${typeof result === 'string' ? inspect(result) : inspect(result, { depth: 4 })}\n`);
          return 0;
        } catch (e) {
          cliLog('ERROR', `-c ${code}: ${(e as Error)?.stack ?? String(e)}`);
          return 1;
        }
      }
      shelp();
      const repl = await import('node:repl');
      const server = repl.start({ prompt: 'deferkit> ', useGlobal: false, ignoreUndefined: true, terminal: process.stdin.isTTY === true && process.stdout.isTTY === true });
      const install = (): void => {
        for (const [k, v] of Object.entries({ ...bound, fetch, view, shelp })) server.context[k] = v;
      };
      install();
      onRebind = install;
      // One input at a time: with piped input the REPL would evaluate the next line while an
      // `await fetch(…)` is pending (and see the old response); queued, each line sees what the
      // one before it left.
      const original = server.eval;
      let queue: Promise<void> = Promise.resolve();
      const serialEval: typeof original = (cmd, context, file, cb) => {
        queue = queue.then(
          () =>
            new Promise<void>((done) => {
              original.call(server, cmd, context, file, (err, result) => {
                cb(err, result);
                done();
              });
            }),
        );
      };
      (server as { eval: typeof original }).eval = serialEval;
      await new Promise<void>((resolve) => server.on('exit', () => resolve()));
      await queue;
      return 0;
    } finally {
      await session.close();
    }
  },
};
