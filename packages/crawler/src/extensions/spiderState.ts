// SpiderState: spider.state kept in JOBDIR/spider.state between runs of a paused crawl.

import { join } from 'node:path';
import type { Crawler } from '../Crawler.js';
import { openJobDir, readText, writeDurably } from '../core/jobdir.js';
import { NotConfigured, UsageError } from '../errors.js';
import { signals } from '../signals.js';
import type { Spider } from '../Spider.js';

/**
 * With `JOBDIR` set, gives the spider a `state` object that survives a stop and resume: loaded
 * from `JOBDIR/spider.state` when the spider opens (`{}` the first time), written there when it
 * closes. The file is JSON (Scrapy's is a pickle), so keep plain JSON values in `state`;
 * a file that is there but is not a JSON object stops the crawl (exit 2) rather than starting
 * with an empty state. Without JOBDIR the extension is off and `spider.state` stays unset.
 *
 * Mirrors Scrapy's `scrapy.extensions.spiderstate.SpiderState`.
 *
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { CrawlerProcess, Spider } from '@deferkit/crawler';
 *
 * const jobdir = mkdtempSync(join(tmpdir(), 'deferkit-state-'));
 * class Counter extends Spider {
 *   override name = 'counter';
 *   override async *start() {
 *     this.state!.runs = Number(this.state!.runs ?? 0) + 1;
 *   }
 * }
 * for (let i = 0; i < 2; i++) {
 *   const process = new CrawlerProcess({ LOG_ENABLED: false, JOBDIR: jobdir });
 *   process.crawl(Counter);
 *   await process.start({ installSignalHandlers: false });
 * }
 * console.log(readFileSync(join(jobdir, 'spider.state'), 'utf8'));
 * // prints: {"runs":2}
 * ```
 */
export class SpiderState {
  readonly #path: string;
  /** The state read when the crawl was set up (so a corrupt file stops it before it starts). */
  readonly #loaded: Record<string, unknown>;

  /**
   * @param crawler - the crawler (its `JOBDIR` setting).
   * @throws UsageError when `JOBDIR/spider.state` cannot be read or is not a JSON object.
   */
  constructor(crawler: Crawler) {
    const dir = crawler.settings.get<unknown>('JOBDIR', null);
    if (dir === null || dir === undefined || dir === '') throw new NotConfigured();
    this.#path = join(String(dir), 'spider.state');
    this.#loaded = this.#load();
    crawler.signals.connect((args: Record<string, any>) => this.spiderOpened(args.spider as Spider), signals.spiderOpened);
    crawler.signals.connect((args: Record<string, any>) => this.spiderClosed(args.spider as Spider), signals.spiderClosed);
  }

  /**
   * Give the spider its state (what the last run left, or `{}`).
   *
   * @param spider - the spider.
   */
  spiderOpened(spider: Spider): void {
    spider.state = this.#loaded;
  }

  #load(): Record<string, unknown> {
    openJobDir(join(this.#path, '..'));
    const text = readText(this.#path, 'spider state');
    if (text === null) return {};
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch {
      state = undefined;
    }
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new UsageError(`JOBDIR spider state ${this.#path} is corrupt (not a JSON object); the crawl cannot resume from it. Restore it, or remove the file to start with an empty state.`, null, false);
    }
    return state as Record<string, unknown>;
  }

  /**
   * Write `spider.state` durably.
   *
   * @param spider - the spider.
   * @throws TypeError when the state holds something JSON cannot keep.
   */
  spiderClosed(spider: Spider): void {
    const state = spider.state ?? {};
    let text: string;
    try {
      text = JSON.stringify(state);
    } catch (e) {
      throw new TypeError(`spider.state cannot be written to ${this.#path} (${(e as Error).message}): keep plain JSON values in it.`);
    }
    writeDurably(this.#path, text, 'spider state');
  }
}
