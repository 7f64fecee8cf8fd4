// `deferkit runspider <file> [-o FILE] [-s KEY=VALUE]… [-a NAME=VALUE]… [--demo]`.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CrawlerProcess } from '../Crawler.js';
import type { Settings } from '../Settings.js';
import type { SpiderClass } from '../Spider.js';
import { startDemoSite, type DemoSite } from '../demo/site.js';
import { LOG_LEVELS } from '../log.js';
import { UsageError } from './args.js';
import { cliLog } from './output.js';
import { importSpiderFile, pickSpiderClass } from './loadSpider.js';
import type { RunspiderOptions } from './runspiderArgs.js';

/**
 * A spider file that does not parse, reported as `file:line:col`, the message and a code frame,
 * without the compiler's or Node's internal stack frames; null for any other load error.
 */
export function syntaxErrorReport(e: unknown, file: string): string | null {
  const message = (e as Error | null)?.message ?? '';
  // A TypeScript file compiled by tsx (esbuild): "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <text>",
  // lines counted from 1, columns from 0.
  const m = /^(Transform failed with \d+ errors?:)\n(.+):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  if (m !== null) {
    const [, head, where, lineText, columnText, text] = m as unknown as [string, string, string, string, string, string];
    const line = Number(lineText);
    const column = Number(columnText);
    let source = '';
    try {
      source = readFileSync(where, 'utf8').split(/\r?\n/)[line - 1] ?? '';
    } catch {
      // No code frame then.
    }
    const gutter = ' '.repeat(String(line).length);
    return `TransformError: ${head}\n${where}:${line}:${column}: ERROR: ${text}\n  ${line} | ${source}\n  ${gutter} | ${' '.repeat(column)}^\n`;
  }
  if (e instanceof SyntaxError) {
    // A JavaScript file: V8 keeps the location out of the error object; `node --check` prints
    // it with the code frame. Only its lines before the stack frames are kept.
    const check = spawnSync(process.execPath, ['--check', resolve(file)], { encoding: 'utf8' });
    const text = check.stderr.split('\n').filter((l) => !l.startsWith('    at ') && l.trim() !== 'Node.js ' + process.version);
    while (text.length > 0 && text.at(-1)!.trim() === '') text.pop();
    for (let i = text.length - 1; i > 0; i--) if (text[i]!.trim() === '' && text[i - 1]!.trim() === '') text.splice(i, 1);
    if (check.status !== 0 && text.length > 0) return text.join('\n') + '\n';
    return `SyntaxError: ${e.message} (in ${file})\n`;
  }
  return null;
}

/** What {@link runCrawl} runs: `runspider`'s and `crawl`'s shared crawl. */
export interface CrawlRun {
  /** Settings: command-line ones at `'cmdline'` priority, a project's at `'project'`. */
  settings: Settings;
  /** Spider arguments (`-a`). */
  args: Record<string, string>;
  /** Start the embedded demo site first (and pass `-a base=<its url>`). */
  demo: boolean;
  /** Loads the spider class once the reactor is installed; a number is an exit code (a load error it reported). */
  load: () => Promise<SpiderClass | number>;
}

/**
 * Run `runspider`: load the spider file and crawl it (see {@link runCrawl}).
 *
 * @throws UsageError for a missing file or no/ambiguous spider.
 */
export async function runspider(opts: RunspiderOptions): Promise<number> {
  return runCrawl({
    settings: opts.settings,
    args: opts.args,
    demo: opts.demo,
    load: async () => {
      let mod: Record<string, unknown>;
      try {
        mod = await importSpiderFile(opts.file);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        reportLoadError(e, opts.file, 'spider file');
        return 1;
      }
      return pickSpiderClass(mod, opts.file);
    },
  });
}

/** A module that would not load, as an ERROR line and (for a syntax error) a code frame. */
export function reportLoadError(e: unknown, file: string, what: string): void {
  const syntax = syntaxErrorReport(e, file);
  if (syntax !== null) {
    cliLog('ERROR', `Could not load the ${what} ${file}:`);
    process.stderr.write(syntax);
  } else cliLog('ERROR', `Could not load the ${what} ${file}:`, e);
}

/**
 * Crawl one spider with a CrawlerProcess (which handles Ctrl-C), and return the exit code: 0
 * when the crawl ran (whatever its finish reason, as Scrapy), 1 when it could not start.
 *
 * @throws UsageError for a bad setting value in the spider's customSettings.
 */
export async function runCrawl(opts: CrawlRun): Promise<number> {
  let site: DemoSite | null = null;
  // The CLI's own INFO lines follow LOG_ENABLED / LOG_LEVEL like the crawler's.
  const s = opts.settings;
  const level = String(s.get('LOG_LEVEL', 'DEBUG')).toUpperCase() as keyof typeof LOG_LEVELS;
  const info = (message: string): void => {
    if (s.getBool('LOG_ENABLED', true) && (LOG_LEVELS[level] ?? 0) <= LOG_LEVELS.INFO) cliLog('INFO', message);
  };
  try {
    const args = { ...opts.args };
    if (opts.demo) {
      site = await startDemoSite();
      info(`Demo site running at ${site.url} (stopped after the crawl)`);
      if (args.base === undefined) args.base = site.url;
    }
    const process_ = new CrawlerProcess(opts.settings);
    // Scrapy ≥2.13 (AsyncCrawlerProcess): with the promise reactor asked for at the project or
    // command-line level, install it before the spider module is imported, so a module-level
    // getReactor() in the spider gets it. FORCE_CRAWLER_PROCESS leaves it to the first crawler.
    if (process_.settings.get('REACTOR') === 'promise' && !process_.settings.getBool('FORCE_CRAWLER_PROCESS')) {
      try {
        await process_.installReactor();
      } catch (e) {
        cliLog('ERROR', `Could not install the reactor: ${(e as Error)?.message ?? String(e)}`);
        return 1;
      }
    }
    const spiderClass = await opts.load();
    if (typeof spiderClass === 'number') return spiderClass;
    let bootstrapError: unknown = null;
    // A bad value in the spider class's customSettings throws a UsageError here, when the
    // crawler is made: main() prints it as one line, exit 2.
    const crawled = process_.crawlAsync(spiderClass, args).catch((e: unknown) => {
      bootstrapError = e ?? new Error('the crawl failed');
    });
    try {
      await process_.start();
    } catch (e) {
      bootstrapError ??= e;
    }
    await crawled;
    // A bad setting value (from the spider's customSettings): one line and exit 2, as from -s.
    if (bootstrapError instanceof UsageError) throw bootstrapError;
    if (bootstrapError !== null) {
      cliLog('ERROR', `The crawl failed: ${(bootstrapError as Error)?.message ?? String(bootstrapError)}`, bootstrapError);
      return 1;
    }
    return 0;
  } finally {
    if (site !== null) await site.close();
  }
}
