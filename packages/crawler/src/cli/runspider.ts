// `deferkit runspider <file> [-o FILE] [-s KEY=VALUE]… [-a NAME=VALUE]… [--demo]`.

import { CrawlerProcess } from '../Crawler.js';
import { startDemoSite, type DemoSite } from '../demo/site.js';
import { LOG_LEVELS } from '../log.js';
import { UsageError } from './args.js';
import { cliLog } from './output.js';
import { importSpiderFile, pickSpiderClass } from './loadSpider.js';
import type { RunspiderOptions } from './runspiderArgs.js';

/**
 * Run `runspider`: load the spider, crawl with a CrawlerProcess (which handles Ctrl-C), and
 * return the exit code: 0 when the crawl ran (whatever its finish reason, as Scrapy), 1 when it
 * could not start.
 *
 * @throws UsageError for a missing file or no/ambiguous spider.
 */
export async function runspider(opts: RunspiderOptions): Promise<number> {
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
    let mod: Record<string, unknown>;
    try {
      mod = await importSpiderFile(opts.file);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      cliLog('ERROR', `Could not load the spider file ${opts.file}:`, e);
      return 1;
    }
    const spiderClass = pickSpiderClass(mod, opts.file);
    let bootstrapError: unknown = null;
    const crawled = process_.crawlAsync(spiderClass, args).catch((e: unknown) => {
      bootstrapError = e ?? new Error('the crawl failed');
    });
    try {
      await process_.start();
    } catch (e) {
      bootstrapError ??= e;
    }
    await crawled;
    if (bootstrapError !== null) {
      cliLog('ERROR', `The crawl failed: ${(bootstrapError as Error)?.message ?? String(bootstrapError)}`, bootstrapError);
      return 1;
    }
    return 0;
  } finally {
    if (site !== null) await site.close();
  }
}
