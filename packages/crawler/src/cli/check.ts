// `deferkit check [SPIDER|file …] [-l] [-v] [-s K=V]`: run the spiders' contracts (the
// `@url` / `@cb_kwargs` / `@returns` / `@scrapes` lines of their callbacks' doc comments) and
// report as Scrapy's `scrapy check`: a `.`/`F`/`E` per contract, the failures, `Ran N contracts
// in Xs`, then `OK` or `FAILED (failures=N, errors=M)`; exit code 1 when anything failed.

import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Command } from './command.js';
import { flag, parseOptions, UsageError, values } from './args.js';
import { cliLog } from './output.js';
import type { FoundSpider } from './project.js';

const SPEC = {
  '-l': { key: 'list', value: false },
  '--list': { key: 'list', value: false },
  '-v': { key: 'verbose', value: false },
  '--verbose': { key: 'verbose', value: false },
  '-s': { key: 'set', value: true },
  '--set': { key: 'set', value: true },
  '--reactor': { key: 'reactor', value: true },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit check --help`. */
export const CHECK_USAGE = `Usage: deferkit check [SPIDER|spider-file ...] [options]

Runs spider contracts, as 'scrapy check': a callback whose doc comment has contract lines
is called on the response of its @url, and its output checked:

  /**
   * @url http://127.0.0.1:8080/
   * @cb_kwargs {"page": 1}
   * @returns items 1 20        (items|requests [MIN [MAX]]; MIN defaults to 1)
   * @returns requests 0 0
   * @scrapes title price       (every item has these fields)
   */
  override *parse(response: Response, kwargs) { … }

With no arguments, every spider of the project (deferkit.config.ts here or above) is checked;
a spider file may be named instead of a spider name. The exit code is 1 when a contract fails.

Options:
  -l, --list                 only list the contracted methods of each spider
  -v, --verbose              one line per contract (with -l: spiders without contracts too)
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable)
      --reactor KIND         callback or promise (the REACTOR setting)
  -h, --help                 show this help
`;

const SEP1 = '='.repeat(70);
const SEP2 = '-'.repeat(70);

/** A spider class to check and the file it came from. */
interface Target {
  cls: import('../Spider.js').SpiderClass;
  name: string;
  file: string;
}

/**
 * `deferkit check`.
 *
 * Mirrors Scrapy's `scrapy check` command.
 */
export const checkCommand: Command = {
  name: 'check',
  summary: "run the spiders' contracts (@url, @returns, @scrapes in callbacks' doc comments)",
  usage: CHECK_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, SPEC, 'check');
    if (flag(parsed, 'help')) {
      process.stdout.write(CHECK_USAGE);
      return 0;
    }
    const [session_, project_, loader, contracts_, { CrawlerProcess }, { Request }] = await Promise.all([
      import('./session.js'),
      import('./project.js'),
      import('./loadSpider.js'),
      import('./contracts.js'),
      import('../Crawler.js'),
      import('../Request.js'),
    ]);
    const reactor = session_.reactorOption(values(parsed, 'reactor').at(-1), 'check');
    const project = await project_.loadProject();
    const cmdline = [...values(parsed, 'set')];
    if (reactor !== undefined) cmdline.push(`REACTOR=${reactor}`);
    const settings = session_.commandSettings(cmdline, 'check', project, { LOG_ENABLED: false });

    // The spiders: the files named, the project spiders named, or every project spider.
    const targets: Target[] = [];
    const fromFile = async (file: string, only?: string): Promise<void> => {
      const mod = await loader.importSpiderFile(file);
      for (const value of new Set(Object.values(mod))) {
        if (!loader.isSpiderClass(value)) continue;
        const name = project_.spiderName(value) ?? value.name;
        if (only === undefined || name === only) targets.push({ cls: value, name, file });
      }
    };
    const args = parsed.positionals;
    // The project's spiders, loaded once: each comes with the file it was found in.
    let spiders: Map<string, FoundSpider> | undefined;
    const projectSpiders = async (): Promise<Map<string, FoundSpider>> => {
      if (project === null) throw new UsageError('no project here (no deferkit.config.ts in this directory or above): name the spider files to check, e.g. deferkit check spiders/books.ts.', 'check');
      return (spiders ??= await project_.loadProjectSpiders(project, project.settings, 'check', (m) => cliLog('WARNING', m)));
    };
    if (args.length === 0) for (const s of (await projectSpiders()).values()) targets.push({ cls: s.spiderClass, name: s.name, file: s.file });
    for (const arg of args) {
      if (['.ts', '.mts', '.js', '.mjs'].includes(extname(arg))) await fromFile(resolve(arg));
      else {
        const found = project_.pickProjectSpider(await projectSpiders(), arg, 'check');
        targets.push({ cls: found.spiderClass, name: found.name, file: found.file });
      }
    }

    // The contracted methods of each spider.
    const tested = targets.map((t) => {
      const all = contracts_.parseContracts(readFileSync(t.file, 'utf8'));
      const proto = t.cls.prototype as Record<string, unknown>;
      const methods = [...all].filter(([m]) => typeof proto[m] === 'function');
      return { ...t, methods };
    });
    const verbose = flag(parsed, 'verbose');
    if (flag(parsed, 'list')) {
      for (const t of [...tested].sort((a, b) => a.name.localeCompare(b.name))) {
        if (t.methods.length === 0 && !verbose) continue;
        process.stdout.write(`${t.name}\n`);
        for (const [m] of [...t.methods].sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`  * ${m}\n`);
      }
      return 0;
    }

    // One test per post-processing contract; errors for callbacks that throw, failed
    // downloads, malformed contracts.
    let run = 0;
    const failures: Array<[string, string]> = [];
    const errors: Array<[string, string]> = [];
    const report = (desc: string, outcome: 'ok' | 'FAIL' | 'ERROR', detail = ''): void => {
      if (outcome === 'FAIL') failures.push([desc, detail]);
      if (outcome === 'ERROR') errors.push([desc, detail]);
      process.stderr.write(verbose ? `${desc} ... ${outcome}\n` : outcome === 'ok' ? '.' : outcome === 'FAIL' ? 'F' : 'E');
    };
    const describe = (e: unknown): string => (e instanceof contracts_.ContractFail ? `ContractFail: ${e.message}` : ((e as Error)?.stack ?? String(e)));
    const process_ = new CrawlerProcess(settings);
    const started = Date.now();
    for (const t of tested) {
      if (t.methods.length === 0) continue;
      const base = t.cls as unknown as typeof import('../Spider.js').Spider;
      const Checked = class extends base {
        override async *start(): AsyncGenerator<unknown, void, undefined> {
          for (const [method, contracts] of t.methods) {
            const label = (what: string): string => `[${this.name}] ${method} (${what})`;
            let reqArgs: ReturnType<typeof contracts_.requestArgs>;
            try {
              reqArgs = contracts_.requestArgs(contracts);
            } catch (e) {
              report(label('contract'), 'ERROR', describe(e));
              continue;
            }
            // Scrapy makes no request for a method whose contracts give no URL.
            if (reqArgs.url === undefined) continue;
            const fn = (this as unknown as Record<string, (r: unknown, k: unknown) => unknown>)[method]!.bind(this);
            const post = contracts.filter((c) => c.name === 'returns' || c.name === 'scrapes');
            yield new Request(reqArgs.url, {
              dontFilter: true,
              ...(reqArgs.cbKwargs !== undefined ? { cbKwargs: reqArgs.cbKwargs } : {}),
              // The output is checked, not crawled (Scrapy's `_clean_req`).
              callback: async (response: unknown, kwargs: unknown) => {
                let output: unknown[];
                try {
                  output = await contracts_.collectOutput(fn(response, kwargs));
                } catch (e) {
                  report(label('callback'), 'ERROR', describe(e));
                  return;
                }
                for (const c of post) {
                  run++;
                  try {
                    contracts_.checkPostContract(c, output);
                    report(label(`@${c.name} post-hook`), 'ok');
                  } catch (e) {
                    report(label(`@${c.name} post-hook`), e instanceof contracts_.ContractFail ? 'FAIL' : 'ERROR', describe(e));
                  }
                }
              },
              errback: (failure: { value: unknown }) => {
                report(label('errback'), 'ERROR', describe(failure.value));
              },
            });
          }
        }
      };
      Object.defineProperty(Checked, 'name', { value: t.cls.name });
      void process_.crawlAsync(Checked as unknown as import('../Spider.js').SpiderClass).catch((e: unknown) => report(`[${t.name}] (crawl)`, 'ERROR', describe(e)));
    }
    await process_.start();
    const seconds = ((Date.now() - started) / 1000).toFixed(3);
    if (!verbose) process.stderr.write('\n');
    for (const [kind, list] of [['ERROR', errors], ['FAIL', failures]] as const) {
      for (const [desc, detail] of list) process.stderr.write(`${SEP1}\n${kind}: ${desc}\n${SEP2}\n${detail}\n\n`);
    }
    process.stderr.write(`${SEP2}\nRan ${run} contract${run === 1 ? '' : 's'} in ${seconds}s\n\n`);
    const infos = [...(failures.length > 0 ? [`failures=${failures.length}`] : []), ...(errors.length > 0 ? [`errors=${errors.length}`] : [])];
    process.stderr.write(infos.length === 0 ? 'OK\n' : `FAILED (${infos.join(', ')})\n`);
    return infos.length === 0 ? 0 : 1;
  },
};
