// What shell, fetch and view share: the settings of their command line (over the project's),
// and a crawler kept open to download requests one at a time, under either reactor.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CrawlerProcess, type Crawler } from '../Crawler.js';
import { DEFAULT_SETTINGS } from '../defaultSettings.js';
import { DontCloseSpider } from '../errors.js';
import { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { Settings } from '../Settings.js';
import { validateSettings } from '../settingsRegistry.js';
import { signals } from '../signals.js';
import { Spider, type SpiderClass } from '../Spider.js';
import { parseSettingValue, splitPair, suggestSetting, UsageError } from './args.js';
import { cliLog } from './output.js';
import type { LoadedProject } from './project.js';

/**
 * The settings of a command: the project's (at project priority), the command's own defaults
 * (Scrapy's `default_settings` of a command, at command priority) and `-s` pairs (cmdline).
 *
 * @throws UsageError for a malformed pair or a bad value of a checked setting.
 */
export function commandSettings(pairs: readonly string[], command: string, project: LoadedProject | null, commandDefaults: Record<string, unknown> = {}): Settings {
  const settings = new Settings(DEFAULT_SETTINGS, 'default');
  if (project !== null) settings.update(project.settings, 'project');
  settings.update(commandDefaults, 'command');
  for (const pair of pairs) {
    const [name, text] = splitPair(pair, '-s', command);
    const suggestion = suggestSetting(name);
    if (suggestion !== undefined) cliLog('WARNING', `-s ${name}: not a built-in setting; did you mean ${suggestion}?`);
    settings.set(name, parseSettingValue(text, name), 'cmdline');
  }
  validateSettings(settings);
  return settings;
}

/** `--reactor callback|promise`, checked, as a REACTOR setting. */
export function reactorOption(value: string | undefined, command: string): string | undefined {
  if (value === undefined) return undefined;
  if (value !== 'callback' && value !== 'promise') throw new UsageError(`--reactor ${value}: use --reactor callback or --reactor promise.`, command);
  return value;
}

/**
 * A URL from the command line: an absolute URL as it is; an existing local path, or one that
 * starts with `./`, `../` or `/`, as a `file://` URL; anything else is `http://` + the text
 * (Scrapy's `guess_scheme`).
 */
export function guessUrl(text: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) || /^(data|about):/.test(text)) return text;
  if (existsSync(text) || /^\.{0,2}[\\/]/.test(text)) return pathToFileURL(resolve(text)).href;
  return `http://${text}`;
}

/** A crawler kept open to download requests on demand. */
export interface FetchSession {
  /** The crawler. */
  readonly crawler: Crawler;
  /** Its spider. */
  readonly spider: Spider;
  /** Download a URL or Request through the downloader middlewares (redirects followed). */
  fetch(target: string | Request): Promise<Response>;
  /** Close the spider and stop the reactor. */
  close(reason?: string): Promise<void>;
}

/** The spider of a session without one: Scrapy's `DefaultSpider`. */
class DefaultSpider extends Spider {
  override name = 'default';
}

/**
 * Open a crawler for `spiderClass` (Scrapy's DefaultSpider when none), without its start
 * requests, and keep it open until `close()` (Scrapy's shell does the same with
 * `close_if_idle=False`). The reactor is the one `REACTOR` names, installed here.
 */
export async function openSession(settings: Settings, spiderClass: SpiderClass = DefaultSpider): Promise<FetchSession> {
  const process_ = new CrawlerProcess(settings);
  const reactor = await process_.installReactor();
  const running = process_.start({ stopAfterCrawl: false, installSignalHandlers: false });
  // The spider's own start requests are not crawled (Scrapy's shell and fetch do the same).
  const base = spiderClass as unknown as typeof Spider;
  const Quiet = class extends base {
    override async *start(): AsyncGenerator<unknown, void, undefined> {}
  };
  Object.defineProperty(Quiet, 'name', { value: spiderClass.name });
  const crawler = process_.createCrawler(Quiet as unknown as SpiderClass);
  const opened = new Promise<void>((resolve) => crawler.signals.connect(() => resolve(), signals.spiderOpened));
  crawler.signals.connect(() => {
    throw new DontCloseSpider();
  }, signals.spiderIdle);
  let closing = false;
  const crawled = process_.crawlAsync(crawler);
  await Promise.race([
    opened,
    crawled.then(() => {
      throw new Error('the spider closed as soon as it opened');
    }),
  ]);
  const engine = crawler.engine!;
  return {
    crawler,
    spider: crawler.spider!,
    fetch: (target) => engine.downloadAsync(typeof target === 'string' ? new Request(target, { dontFilter: true }) : target),
    async close(reason = 'finished') {
      if (closing) return;
      closing = true;
      await engine.closeSpider(reason);
      await crawled.catch(() => undefined);
      if (reactor.running) reactor.stop();
      await running;
    },
  };
}
