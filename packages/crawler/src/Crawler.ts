// Crawler, CrawlerRunner, CrawlerProcess: running spiders, and who installs the reactor
// (scrapy.crawler; the Scrapy reference (docs/rules.md) §2.13).

import { Deferred } from '@deferkit/deferred';
import {
  getReactor,
  installReactor,
  isReactorInstalled,
  loadEventLoop,
  ReactorNotInstalledError,
  verifyInstalledReactor,
  type AwaitDeferredsPolicy,
  type EventLoop,
  type EventLoopSpec,
  type Reactor,
} from '@deferkit/reactor';
import { ExecutionEngine } from './core/Engine.js';
import { DEFAULT_SETTINGS } from './defaultSettings.js';
import { BUILTIN_EXTENSIONS } from './extensions/index.js';
import { LOG_LEVELS, LogHub, type LogHandler, type LogLevel, type Logger } from './log.js';
import { compileLogFormat, DEFAULT_LOG_DATEFORMAT, DEFAULT_LOG_FORMAT } from './logFormat.js';
import { openLogFile, redirectStdout } from './logSinks.js';
import { buildComponents } from './middleware/components.js';
import { Settings } from './Settings.js';
import { unimplementedSettingsWarning, validateSettings } from './settingsRegistry.js';
import { SignalManager, signals } from './signals.js';
import { Spider, type SpiderClass } from './Spider.js';
import { StatsCollector } from './stats.js';
import { brandClass } from './utils/brand.js';

function toSettings(settings: Settings | Record<string, unknown> | undefined): Settings {
  const s = new Settings(DEFAULT_SETTINGS, 'default');
  if (settings instanceof Settings) s.update(settings);
  else if (settings !== undefined) s.update(settings, 'project');
  return s;
}

function reactorKind(settings: Settings): 'callback' | 'promise' {
  const r = settings.get<string>('REACTOR');
  if (r !== 'callback' && r !== 'promise') {
    throw new TypeError(`REACTOR must be 'callback' or 'promise', got ${JSON.stringify(r)}.`);
  }
  return r;
}

/** The `log_count/<LEVEL>` stat keys, made once rather than per log record. */
const LOG_COUNT_KEYS = Object.fromEntries(Object.keys(LOG_LEVELS).map((l) => [l, `log_count/${l}`])) as Record<LogLevel, string>;

/**
 * Runs one spider: owns its settings, signals, stats, logging, extensions and engine.
 * `crawl()` returns a Deferred that fires when the spider has closed; `crawlAsync()` a promise.
 * A Crawler made by a `CrawlerRunner` requires an installed reactor and verifies it against
 * `REACTOR`; one made by a `CrawlerProcess` has it installed for it.
 *
 * Mirrors Scrapy's `scrapy.crawler.Crawler`.
 *
 * @example
 * ```ts
 * import { Crawler, Spider, type Response } from '@deferkit/crawler';
 * import { startDemoSite } from '@deferkit/crawler/demo';
 * import { installReactor } from '@deferkit/reactor';
 *
 * const site = await startDemoSite({ books: 4, perPage: 4 });
 * class BooksSpider extends Spider {
 *   override name = 'books';
 *   override startUrls = [`${site.url}/`];
 *   override *parse(response: Response) {
 *     for (const title of response.css('.book a::text').getall()) yield { title };
 *   }
 * }
 *
 * const reactor = installReactor('callback');
 * const crawler = new Crawler(BooksSpider, { LOG_ENABLED: false, REACTOR: 'callback' }); // REACTOR must match
 * crawler.crawl().addCallback(() => console.log(crawler.stats.getValue('item_scraped_count'))).addBoth(() => reactor.stop());
 * await reactor.run();
 * await site.close();
 * // prints: 4
 * ```
 */
export class Crawler {
  /** The spider class. */
  readonly spiderClass: SpiderClass;
  /** The settings (frozen once the crawl starts). */
  readonly settings: Settings;
  /** Signals. */
  readonly signals: SignalManager;
  /** Stats. */
  readonly stats: StatsCollector;
  /** The spider, once crawling. */
  spider: Spider | null = null;
  /** The engine, once crawling. */
  engine: ExecutionEngine | null = null;
  /** Whether `crawl()` was called. */
  crawling = false;
  /** Extensions, once crawling. */
  extensions: object[] = [];
  /** @internal */ readonly _logHub = new LogHub();
  /** @internal */ _initReactor = false;

  /**
   * @param spiderClass - the Spider subclass.
   * @param settings - project settings (a Settings, or an object at `'project'` priority).
   */
  constructor(spiderClass: SpiderClass, settings?: Settings | Record<string, unknown>) {
    if (typeof spiderClass !== 'function') throw new TypeError('new Crawler(spiderClass): pass the Spider subclass itself, not an instance.');
    this.spiderClass = spiderClass;
    this.settings = toSettings(settings);
    if (spiderClass.customSettings !== undefined) this.settings.update(spiderClass.customSettings, 'spider');
    this.stats = new StatsCollector();
    this.signals = new SignalManager(this.getLogger('scrapy.utils.signal'));
    // Scrapy's LogCounterHandler: every record of this crawler at or above LOG_LEVEL counts as
    // `log_count/<LEVEL>` (LOG_ENABLED or not), from now until engineStopped.
    this._logHub.count = (level) => this.stats.incValue(LOG_COUNT_KEYS[level]);
    this.signals.connect(() => {
      this._logHub.count = null;
    }, signals.engineStopped);
    this.#applySettings();
  }

  /** Check the settings' values (a UsageError naming the fix), then configure logging from them. */
  #applySettings(): void {
    validateSettings(this.settings); // LOG_LEVEL among them: a usage error naming the levels
    const level = String(this.settings.get('LOG_LEVEL', 'DEBUG')).toUpperCase() as LogLevel;
    const hub = this._logHub;
    hub.threshold = LOG_LEVELS[level];
    // Scrapy's _get_handler: LOG_FILE (whatever LOG_ENABLED says), else stderr when LOG_ENABLED.
    const s = this.settings;
    hub.format = compileLogFormat(
      s.get<string>('LOG_FORMAT', DEFAULT_LOG_FORMAT),
      s.get<string | null>('LOG_DATEFORMAT', DEFAULT_LOG_DATEFORMAT),
      s.getBool('LOG_SHORT_NAMES'),
    );
    const file = s.get<unknown>('LOG_FILE', null);
    const path = file === null || file === undefined || file === '' ? null : String(file);
    if (hub.file?.path !== path) {
      // Opened before the old one closes: a bad LOG_FILE leaves the current log as it was.
      const opened = path === null ? null : openLogFile(path, s.getBool('LOG_FILE_APPEND', true));
      hub.file?.close();
      hub.file = opened;
    }
    hub.toStderr = path === null && s.getBool('LOG_ENABLED', true);
  }

  /** A logger writing to this crawler's log. */
  getLogger(name: string): Logger {
    return this._logHub.logger(name);
  }

  /** Receive every log record of this crawler (after LOG_LEVEL filtering); returns a remover. */
  onLog(handler: LogHandler): () => void {
    this._logHub.handlers.push(handler);
    return () => {
      const i = this._logHub.handlers.indexOf(handler);
      if (i !== -1) this._logHub.handlers.splice(i, 1);
    };
  }

  /**
   * The installed reactor.
   *
   * @throws ReactorNotInstalledError when none is installed.
   */
  get reactor(): Reactor {
    if (!isReactorInstalled()) {
      throw new ReactorNotInstalledError(
        "We expected a reactor to be installed but it isn't: call installReactor(REACTOR) before CrawlerRunner.crawl(), or use CrawlerProcess, which installs it.",
      );
    }
    return getReactor();
  }

  /** Scrapy's `_apply_settings`: install or verify the reactor, create the spider, freeze settings. */
  #prepare(args: Record<string, unknown>): void {
    const kind = reactorKind(this.settings);
    if (!isReactorInstalled()) {
      if (!this._initReactor) {
        throw new ReactorNotInstalledError(
          `We expected a reactor to be installed but it isn't: a CrawlerRunner needs installReactor('${kind}') to have been called first ` +
            '(a CrawlerProcess installs it for you).',
        );
      }
      installFromSettings(this.settings);
    }
    verifyInstalledReactor(kind);
    const spider = this.#createSpider(args);
    if (spider.customSettings !== undefined && spider.customSettings !== this.spiderClass.customSettings) {
      this.settings.update(spider.customSettings, 'spider');
      verifyInstalledReactor(reactorKind(this.settings));
      this.#applySettings();
    }
    this.spider = spider;
    this.settings.freeze();
    const logger = this.getLogger('scrapy.crawler');
    const overridden = this.settings.overridden();
    if (Object.keys(overridden).length > 0) {
      logger.info(`Overridden settings:\n${JSON.stringify(overridden, (_k, v) => (typeof v === 'function' ? `[${v.name}]` : v), 1)}`);
    }
    const unimplemented = unimplementedSettingsWarning(this.settings);
    if (unimplemented !== null) logger.warning(unimplemented);
    this.extensions = buildComponents(this, 'EXTENSIONS', 'EXTENSIONS_BASE', BUILTIN_EXTENSIONS);
  }

  /** Scrapy's `_create_spider`: through the class's `fromCrawler`, checked. */
  #createSpider(args: Record<string, unknown>): Spider {
    const cls = this.spiderClass;
    // A class with no fromCrawler of its own (one shaped like a Spider, not derived from one)
    // is made as Spider makes its subclasses.
    const spider: unknown = (cls.fromCrawler ?? Spider.fromCrawler).call(cls, this, args);
    if (spider === null || typeof spider !== 'object' || typeof (spider as Spider).parse !== 'function') {
      throw new TypeError(`${cls.name}.fromCrawler(crawler, args) must return the spider (return super.fromCrawler(crawler, args)), got ${spider === null ? 'null' : typeof spider}.`);
    }
    const made = spider as Spider;
    if (made.crawler === undefined) made.crawler = this;
    return made;
  }

  /**
   * Crawl with a promise: resolves when the spider has closed.
   *
   * Mirrors Scrapy's `Crawler.crawl_async`.
   *
   * @param args - spider arguments (become spider properties).
   * @throws Error when this crawler already crawled; ReactorNotInstalledError / ReactorMismatchError.
   */
  async crawlAsync(args: Record<string, unknown> = {}): Promise<void> {
    if (this.crawling) throw new Error('Crawling already taking place: a Crawler runs one crawl; create another one.');
    this.crawling = true;
    let releaseStdout: (() => void) | null = null;
    try {
      this.#prepare(args);
      // Scrapy's LOG_STDOUT (StreamLogger): standard output becomes INFO records of 'stdout'.
      if (this.settings.getBool('LOG_STDOUT')) releaseStdout = redirectStdout(this.getLogger('stdout'));
      this.engine = new ExecutionEngine(this);
      await this.engine.openSpider(this.spider!);
      await this.engine.start();
    } catch (e) {
      this.crawling = false;
      if (this.engine !== null && this.engine.running) await this.engine.closeSpider('shutdown');
      throw e;
    } finally {
      releaseStdout?.();
      // LOG_FILE's descriptor is not kept past the crawl (a later record opens it again).
      this._logHub.file?.close();
    }
  }

  /**
   * Crawl: a Deferred that fires when the spider has closed.
   *
   * Mirrors Scrapy's `Crawler.crawl`.
   */
  crawl(args: Record<string, unknown> = {}): Deferred<void> {
    return Deferred.fromFuture(this.crawlAsync(args));
  }

  /** Stop gracefully (close reason `shutdown`). */
  async stopAsync(): Promise<void> {
    if (this.engine !== null) await this.engine.stop();
  }

  /** `stopAsync()` as a Deferred. Scrapy's `Crawler.stop`. */
  stop(): Deferred<void> {
    return Deferred.fromFuture(this.stopAsync());
  }

  /** Log the stats dump at close (`Dumping Scrapy stats`). @internal */
  closeStats(reason: string): void {
    void reason;
    this.getLogger('scrapy.statscollectors').info(`Dumping Scrapy stats:\n${JSON.stringify(this.stats.getStats(), null, 1)}`);
  }
}

/** Install the reactor `REACTOR` / `PROMISE_EVENT_LOOP` / `AWAIT_DEFERREDS` name. @internal */
function installFromSettings(settings: Settings): Reactor {
  const kind = reactorKind(settings);
  const loop = settings.get<EventLoopSpec | string | null>('PROMISE_EVENT_LOOP', null);
  const awaitDeferreds = settings.get<AwaitDeferredsPolicy>('AWAIT_DEFERREDS', 'error');
  if (kind === 'callback') return installReactor('callback');
  if (typeof loop === 'string') {
    throw new TypeError(`PROMISE_EVENT_LOOP '${loop}' is a module specifier: CrawlerProcess loads it in start(); or pass the class itself.`);
  }
  return installReactor('promise', { ...(loop !== null && loop !== undefined ? { eventLoop: loop } : {}), awaitDeferreds });
}

/**
 * Runs several crawlers in a process whose reactor **you** install and run (it refuses to
 * start otherwise, and verifies the reactor against `REACTOR`).
 *
 * Mirrors Scrapy's `scrapy.crawler.CrawlerRunner`.
 *
 * @example
 * ```ts
 * import { CrawlerRunner, Spider, type Response } from '@deferkit/crawler';
 * import { startDemoSite } from '@deferkit/crawler/demo';
 * import { installReactor } from '@deferkit/reactor';
 *
 * const site = await startDemoSite({ books: 4, perPage: 4 });
 * class BooksSpider extends Spider {
 *   override name = 'books';
 *   override startUrls = [`${site.url}/`];
 *   override *parse(response: Response) {
 *     for (const title of response.css('.book a::text').getall()) yield { title };
 *   }
 * }
 *
 * const reactor = installReactor('callback');
 * const runner = new CrawlerRunner({ LOG_ENABLED: false, REACTOR: 'callback' });
 * runner.crawl(BooksSpider).addBoth(() => reactor.stop());
 * await reactor.run();
 * await site.close();
 * console.log('done');
 * // prints: done
 * ```
 */
export class CrawlerRunner {
  /** Settings shared by the crawlers. */
  readonly settings: Settings;
  /** Crawlers that are crawling. */
  readonly crawlers = new Set<Crawler>();
  readonly #active = new Set<Promise<void>>();

  /** @param settings - project settings. */
  constructor(settings?: Settings | Record<string, unknown>) {
    this.settings = toSettings(settings);
  }

  /** A Crawler for `spiderClass` with these settings. */
  createCrawler(spiderClass: SpiderClass | Crawler): Crawler {
    if (spiderClass instanceof Crawler) return spiderClass;
    const c = new Crawler(spiderClass, this.settings.copy());
    this.#prepareCrawler(c);
    return c;
  }

  /** @internal */
  #prepareCrawler(c: Crawler): void {
    c._initReactor = this._installsReactor();
  }

  /** @internal Whether crawlers may install the reactor (CrawlerProcess). */
  protected _installsReactor(): boolean {
    return false;
  }

  /** Crawl with a promise. */
  crawlAsync(spiderClass: SpiderClass | Crawler, args: Record<string, unknown> = {}): Promise<void> {
    const crawler = this.createCrawler(spiderClass);
    this.crawlers.add(crawler);
    const p = crawler.crawlAsync(args).finally(() => {
      this.crawlers.delete(crawler);
      this.#active.delete(p);
    });
    this.#active.add(p);
    return p;
  }

  /** Crawl: a Deferred that fires when that spider has closed. */
  crawl(spiderClass: SpiderClass | Crawler, args: Record<string, unknown> = {}): Deferred<void> {
    return Deferred.fromFuture(this.crawlAsync(spiderClass, args));
  }

  /** Resolves when every crawl started so far has finished (failures included). */
  async joinAsync(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
  }

  /** `joinAsync()` as a Deferred. */
  join(): Deferred<void> {
    return Deferred.fromFuture(this.joinAsync());
  }

  /** Stop every crawl gracefully. */
  async stopAsync(): Promise<void> {
    await Promise.all([...this.crawlers].map((c) => c.stopAsync()));
  }

  /** `stopAsync()` as a Deferred. */
  stop(): Deferred<void> {
    return Deferred.fromFuture(this.stopAsync());
  }
}

/** Options of {@link CrawlerProcess.start}. */
export interface CrawlerProcessStartOptions {
  /** Stop the reactor when every crawl has finished (default true). */
  stopAfterCrawl?: boolean;
  /** Handle SIGINT/SIGTERM: the first stops gracefully, the second forces (default true). */
  installSignalHandlers?: boolean;
}

/**
 * A CrawlerRunner that installs the reactor (from `REACTOR`, `PROMISE_EVENT_LOOP`,
 * `AWAIT_DEFERREDS`) and runs it: `crawl()` your spiders, then `await start()`. Ctrl-C stops
 * gracefully (in-flight requests finish, feeds close, stats print); a second Ctrl-C forces.
 *
 * Mirrors Scrapy's `scrapy.crawler.CrawlerProcess`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { CrawlerProcess, Spider, type Response } from '@deferkit/crawler';
 * import { startDemoSite } from '@deferkit/crawler/demo';
 *
 * const site = await startDemoSite({ books: 3, perPage: 3 });
 * class BooksSpider extends Spider {
 *   override name = 'books';
 *   override startUrls = [`${site.url}/`];
 *   override *parse(response: Response) {
 *     for (const title of response.css('.book a::text').getall()) yield { title };
 *   }
 * }
 *
 * const feed = join(tmpdir(), `deferkit-books-${Date.now()}.jsonl`);
 * const process = new CrawlerProcess({ LOG_ENABLED: false, REACTOR: 'promise', FEEDS: { [feed]: { format: 'jsonl' } } });
 * process.crawl(BooksSpider);
 * await process.start({ installSignalHandlers: false });
 * await site.close();
 * console.log(readFileSync(feed, 'utf8').trim().split('\n').length, 'books in the feed');
 * // prints: 3 books in the feed
 * ```
 */
export class CrawlerProcess extends CrawlerRunner {
  /** @internal */
  protected override _installsReactor(): boolean {
    return true;
  }

  /**
   * Install the reactor now if none is (a module-specifier `PROMISE_EVENT_LOOP` is loaded
   * first). Called by `start()`; call it yourself to install before importing code that calls
   * `getReactor()`.
   */
  async installReactor(): Promise<Reactor> {
    if (isReactorInstalled()) return getReactor();
    const loop = this.settings.get<unknown>('PROMISE_EVENT_LOOP', null);
    if (typeof loop === 'string' && reactorKind(this.settings) === 'promise') {
      const cls = await loadEventLoop(loop);
      const s = this.settings.copy();
      s.set('PROMISE_EVENT_LOOP', cls, 'cmdline');
      return installFromSettings(s);
    }
    return installFromSettings(this.settings);
  }

  /**
   * Run the reactor until every crawl finishes (then stop it), handling Ctrl-C.
   *
   * @returns resolves once the reactor has stopped.
   */
  async start(options: CrawlerProcessStartOptions = {}): Promise<void> {
    const { stopAfterCrawl = true, installSignalHandlers = true } = options;
    let signalsSeen = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signalsSeen++;
      const logger = [...this.crawlers][0]?.getLogger('scrapy.crawler');
      if (signalsSeen === 1) {
        logger?.info(`Received ${sig}, shutting down gracefully. Send again to force`);
        void this.stopAsync();
      } else {
        logger?.info(`Received ${sig} twice, forcing unclean shutdown`);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
    };
    // Before the first await: a Ctrl-C right after crawl() must already be a graceful stop.
    if (installSignalHandlers) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    try {
      const reactor = await this.installReactor();
      const running = reactor.run();
      if (stopAfterCrawl) {
        void this.joinAsync().then(() => {
          if (reactor.running) reactor.stop();
        });
      }
      await running;
    } finally {
      if (installSignalHandlers) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
  }
}

export type { EventLoop };

// `instanceof Crawler` holds for a Crawler of another loaded copy too (see utils/brand.ts).
brandClass(Crawler, 'Crawler');
