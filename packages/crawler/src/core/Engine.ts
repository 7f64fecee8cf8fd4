// The execution engine: moves requests from the scheduler to the downloader and responses to
// the scraper, consumes start requests, detects idleness and closes the spider
// (scrapy.core.engine.ExecutionEngine).

import { Failure, type Deferred, type IDelayedCall } from '@deferkit/deferred';
import { deferredFromCoro } from '@deferkit/interop';
import type { Crawler } from '../Crawler.js';
import { Downloader } from '../downloader/Downloader.js';
import { CloseSpider, DontCloseSpider, IgnoreRequest } from '../errors.js';
import { isRequest, type Request } from '../Request.js';
import { Response } from '../Response.js';
import { signals } from '../signals.js';
import type { Spider } from '../Spider.js';
import { buildScheduler, type SchedulerLike } from './Scheduler.js';
import { Scraper } from './Scraper.js';

/** The errors a requestScheduled handler raises to drop a request quietly (one list for every send). */
const IGNORE_REQUEST = [IgnoreRequest];

/**
 * Runs `fn` once on a later reactor turn however often `schedule()` is called before then.
 * Mirrors Scrapy's `CallLaterOnce`.
 * @internal
 */
export class CallLaterOnce {
  #call: IDelayedCall | null = null;
  readonly #fn: () => void;
  readonly #crawler: Crawler;
  readonly #waiters: Array<() => void> = [];
  constructor(crawler: Crawler, fn: () => void) {
    this.#crawler = crawler;
    this.#fn = fn;
  }
  schedule(delay = 0): void {
    if (this.#call === null) this.#call = this.#crawler.reactor.callLater(delay, this.#run);
  }
  cancel(): void {
    if (this.#call !== null && this.#call.active()) this.#call.cancel();
    this.#call = null;
  }
  /** Resolves after the next run. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  #run = (): void => {
    this.#call = null;
    try {
      this.#fn();
    } finally {
      for (const w of this.#waiters.splice(0)) w();
    }
  };
}

/**
 * The heart of a crawl. Scrapy's `ExecutionEngine`: `crawl(request)` schedules, a
 * `CallLaterOnce` loop feeds the downloader while nothing backs out (`CONCURRENT_REQUESTS`,
 * scraper memory), responses go to the scraper, and when the scheduler, downloader, scraper and
 * start requests are all idle the spider closes (`spiderIdle` may keep it open).
 * `download(request)` (a Deferred) and `downloadAsync(request)` fetch inline, through the
 * downloader middlewares only.
 */
export class ExecutionEngine {
  /** The scheduler (`SCHEDULER`). */
  readonly scheduler: SchedulerLike;
  /** The downloader. */
  readonly downloader: Downloader;
  /** The scraper. */
  readonly scraper: Scraper;
  /** Whether the engine runs. */
  running = false;
  /** Whether it is paused. */
  paused = false;
  /** Requests being downloaded for this spider. */
  readonly inprogress = new Set<Request>();
  readonly #crawler: Crawler;
  #spider: Spider | null = null;
  #nextcall: CallLaterOnce | null = null;
  #heartbeat: IDelayedCall | null = null;
  #startExhausted = false;
  #startError = false;
  #closing: Promise<void> | null = null;
  #closeReason: string | null = null;
  #resolveDone: (() => void) | null = null;
  /** Resolves when the spider has closed. */
  readonly done: Promise<void>;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.scheduler = buildScheduler(crawler);
    this.downloader = new Downloader(crawler);
    this.scraper = new Scraper(crawler);
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  /** The open spider. */
  get spider(): Spider | null {
    return this.#spider;
  }

  /** The reason the spider is closing, once known. */
  get closeReason(): string | null {
    return this.#closeReason;
  }

  /** Open the spider: pipelines' openSpider, then the (awaited) `spiderOpened` signal. */
  async openSpider(spider: Spider): Promise<void> {
    this.#spider = spider;
    this.#nextcall = new CallLaterOnce(this.#crawler, () => this.#nextRequest());
    // With JOBDIR, loads what a stopped crawl left (a file it cannot read is a UsageError).
    await this.scheduler.open?.(spider);
    this.#crawler.getLogger('scrapy.core.engine').info('Spider opened');
    await this.scraper.itemproc.openSpider();
    await this.#crawler.signals.sendAsync(signals.spiderOpened, { spider });
  }

  /** Start: `engineStarted`, then consume start requests and run the loop until the spider closes. */
  async start(): Promise<void> {
    if (this.running) throw new Error('Engine already running; create a new Crawler for another crawl.');
    this.running = true;
    await this.#crawler.signals.sendAsync(signals.engineStarted, {});
    this.#nextcall!.schedule();
    this.#beat();
    void this.#consumeStart();
    await this.done;
  }

  #beat = (): void => {
    // Scrapy's 5 s heartbeat: re-check the loop even if nothing else pokes it.
    this.#heartbeat = this.#crawler.reactor.callLater(5, () => {
      this.#nextcall?.schedule();
      if (this.running && this.#closing === null) this.#beat();
    });
  };

  async #consumeStart(): Promise<void> {
    const spider = this.#spider!;
    const logger = this.#crawler.getLogger('scrapy.core.engine');
    let iterator: AsyncIterator<unknown>;
    try {
      iterator = this.scraper.spidermw.processStart()[Symbol.asyncIterator]();
    } catch (e) {
      this.#startFailed(e);
      return;
    }
    try {
      while (this.running && this.#closing === null) {
        let step: IteratorResult<unknown>;
        try {
          step = await iterator.next();
        } catch (e) {
          if (e instanceof CloseSpider) {
            this.#startExhausted = true;
            void this.closeSpider(e.reason || 'cancelled');
            return;
          }
          this.#startFailed(e);
          return;
        }
        if (step.done) break;
        const x = step.value;
        if (isRequest(x)) {
          try {
            this.crawl(x);
          } catch (e) {
            // E.g. a start request JOBDIR cannot keep: reported, and the next one is taken.
            this.#crawler.getLogger('scrapy.core.engine').error(`Error while scheduling the start request ${x}`, e);
          }
        } else if (x !== undefined && x !== null) void this.scraper.startItemproc(x, null);
        if (!this.needsBackout()) {
          this.#nextcall!.schedule();
          await this.#nextcall!.wait();
        }
      }
    } finally {
      this.#startExhausted = true;
      this.#nextcall?.schedule();
    }
    void logger;
  }

  #startFailed(e: unknown): void {
    this.#startExhausted = true;
    this.#startError = true;
    this.#crawler.getLogger('scrapy.core.engine').error(`Error while reading start items and requests: ${(e as Error)?.message ?? String(e)}`, e);
    this.#crawler.signals.send(signals.spiderError, { failure: new Failure(e), response: null, spider: this.#spider });
    this.#crawler.stats.incValue('spider_exceptions/count');
    this.#crawler.stats.incValue(`spider_exceptions/${(e as Error)?.name ?? 'Error'}`);
    this.#nextcall?.schedule();
  }

  /**
   * Run the scheduling loop again soon (once, however often it is called before then): for a
   * scheduler that fills its buffer asynchronously, and for spiders that found new start
   * requests while idle. deferkit's addition.
   */
  wake(): void {
    this.#nextcall?.schedule();
  }

  /** Whether to stop feeding the downloader for now. */
  needsBackout(): boolean {
    return !this.running || this.#closing !== null || this.downloader.needsBackout() || this.scraper.needsBackout();
  }

  #nextRequest(): void {
    if (this.#spider === null || this.paused || this.#closing !== null) return;
    while (!this.needsBackout()) {
      const request = this.scheduler.nextRequest();
      if (request === undefined) {
        this.#crawler.signals.send(signals.schedulerEmpty, {});
        break;
      }
      void this.#download(request);
    }
    if (this.spiderIsIdle()) this.#spiderIdle();
  }

  /** Scheduler, downloader, scraper and start requests all done. */
  spiderIsIdle(): boolean {
    return (
      this.#startExhausted &&
      this.scraper.isIdle() &&
      this.downloader.active.size === 0 &&
      this.inprogress.size === 0 &&
      !this.scheduler.hasPendingRequests()
    );
  }

  #spiderIdle(): void {
    const results = this.#crawler.signals.send(signals.spiderIdle, { spider: this.#spider }, [DontCloseSpider, CloseSpider]);
    let reason: string | null = null;
    for (const [, r] of results) {
      if (r instanceof DontCloseSpider) return;
      if (r instanceof CloseSpider) reason = r.reason;
    }
    if (this.spiderIsIdle()) void this.closeSpider(reason ?? (this.#startError ? 'start_error' : 'finished'));
  }

  /**
   * One scheduled request: download it, then hand the result to the scraper (or schedule the
   * Request a downloader middleware returned instead). The request counts as in progress until
   * its response has been scraped. Scrapy's `_start_scheduled_request` + `_handle_downloader_output`.
   */
  async #download(request: Request): Promise<void> {
    let result: Response | Request | Failure;
    try {
      result = await this.#fetch(request);
    } catch (e) {
      result = new Failure(e);
    }
    try {
      if (isRequest(result)) this.crawl(result);
      else await this.scraper.enqueueScrape(result, request);
    } catch (e) {
      this.#crawler.getLogger('scrapy.core.engine').error('Error while enqueuing scrape', e);
    } finally {
      this.inprogress.delete(request);
      try {
        this.scheduler.requestDone?.(request);
      } catch (e) {
        this.#crawler.getLogger('scrapy.core.engine').error('Error in the scheduler\'s requestDone', e);
      }
      this.#nextcall?.schedule();
    }
  }

  /**
   * Scrapy's `ExecutionEngine._download`: fetch through the downloader; a Response is logged
   * (`Crawled (200) <GET …> (referer: …)`) and sent with `responseReceived` — for inline
   * downloads too. As soon as the download ends the next request may start (the scraping of
   * this one does not hold up the downloader).
   */
  async #fetch(request: Request): Promise<Response | Request> {
    const crawler = this.#crawler;
    this.inprogress.add(request);
    try {
      const result = await this.downloader.fetch(request);
      if (result instanceof Response) {
        if (result.request === null) result.request = request;
        const req = result.request;
        const engineLogger = crawler.getLogger('scrapy.core.engine');
        if (engineLogger.isEnabledFor('DEBUG')) {
          const referer = req.headers.get('Referer') ?? 'None';
          // Scrapy's LogFormatter.crawled prints the flag lists as Python does: ['cached'].
          const requestFlags = req.flags.length > 0 ? ` ${pyList(req.flags)}` : '';
          const flags = result.flags.length > 0 ? ` ${pyList(result.flags)}` : '';
          engineLogger.debug(`Crawled (${result.status}) ${req}${requestFlags} (referer: ${referer})${flags}`);
        }
        crawler.signals.send(signals.responseReceived, { response: result, request: req, spider: this.#spider });
      }
      return result;
    } finally {
      this.#nextcall?.schedule();
    }
  }

  /**
   * Schedule a request. `requestScheduled` fires first (a handler raising IgnoreRequest drops
   * it silently); a duplicate sends `requestDropped`.
   *
   * @throws Error when no spider is open.
   */
  crawl(request: Request): void {
    if (this.#spider === null) throw new Error(`No open spider to crawl: ${request}`);
    const sig = this.#crawler.signals;
    // Sent for every request a callback yields (most of them duplicates on many sites): no list
    // of results, and no arguments object for a signal nobody listens to.
    if (sig.hasHandlers(signals.requestScheduled) && sig.sendMatching(signals.requestScheduled, { request, spider: this.#spider }, IGNORE_REQUEST) !== undefined) return;
    if (!this.scheduler.enqueueRequest(request)) {
      if (sig.hasHandlers(signals.requestDropped)) sig.send(signals.requestDropped, { request, spider: this.#spider });
      return;
    }
    this.#nextcall?.schedule();
  }

  /**
   * Download `request` inline (downloader middlewares only: no scheduler, no duplicate filter,
   * no spider middlewares), following Requests a middleware returns (redirects). Scrapy's
   * `download_async`.
   *
   * @throws the download error.
   */
  async downloadAsync(request: Request): Promise<Response> {
    if (this.#spider === null) throw new Error(`No open spider to download: ${request}`);
    let current = request;
    for (;;) {
      let result: Response | Request;
      try {
        result = await this.#fetch(current);
      } finally {
        this.inprogress.delete(current);
      }
      if (isRequest(result)) {
        current = result;
        continue;
      }
      return result;
    }
  }

  /**
   * `downloadAsync` as a Deferred, made the way the installed reactor drives coroutines
   * (`deferredFromCoro`) — so under the promise reactor it cannot be awaited directly: wrap it
   * with `maybeDeferredToFuture()`. Deprecated as in Scrapy 2.14: the first call logs
   * `engine.download() is deprecated, use engine.downloadAsync() instead`. Scrapy's
   * `engine.download()`.
   *
   * @deprecated Use {@link ExecutionEngine.downloadAsync}.
   */
  download(request: Request): Deferred<Response> {
    if (!this.#downloadWarned) {
      // Once per crawler, as Python shows a warning once per place.
      this.#downloadWarned = true;
      this.#crawler.getLogger('scrapy.core.engine').warning('engine.download() is deprecated, use engine.downloadAsync() instead.');
    }
    return deferredFromCoro(this.downloadAsync(request)) as unknown as Deferred<Response>;
  }

  #downloadWarned = false;

  /**
   * Close the spider with `reason`: wait for downloads in progress, close the downloader, the
   * pipelines, send `spiderClosed` (awaited), log the stats. Idempotent.
   */
  closeSpider(reason = 'cancelled'): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closeReason = reason;
    this.#closing = this.#close(reason);
    return this.#closing;
  }

  async #close(reason: string): Promise<void> {
    const crawler = this.#crawler;
    const logger = crawler.getLogger('scrapy.core.engine');
    const spider = this.#spider!;
    logger.info(`Closing spider (${reason})`);
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        logger.error(`Error while ${what}`, e);
      }
    };
    // Let in-flight downloads and their scraping finish.
    await step('waiting for downloads', async () => {
      while (this.inprogress.size > 0 || this.downloader.active.size > 0 || !this.scraper.isIdle()) {
        await new Promise<void>((r) => crawler.reactor.callLater(0.01, r));
      }
    });
    if (this.#heartbeat?.active()) this.#heartbeat.cancel();
    this.#nextcall?.cancel();
    await step('closing the downloader', () => this.downloader.close());
    // With JOBDIR: the pending requests and seen fingerprints to disk, for the next run.
    await step('closing the scheduler', () => this.scheduler.close?.(reason));
    await step('closing the item pipelines', () => this.scraper.itemproc.closeSpider());
    await step('sending spiderClosed', () => crawler.signals.sendAsync(signals.spiderClosed, { spider, reason }));
    await step('closing the stats', () => crawler.closeStats(reason));
    logger.info(`Spider closed (${reason})`);
    await step('calling the spider closed() method', () => spider.closed?.(reason));
    this.running = false;
    await step('sending engineStopped', () => crawler.signals.sendAsync(signals.engineStopped, {}));
    this.#resolveDone?.();
  }

  /** Stop: close the spider with `'shutdown'` (a graceful stop, e.g. Ctrl-C). */
  stop(): Promise<void> {
    if (!this.running) return this.#closing ?? Promise.resolve();
    return this.closeSpider('shutdown');
  }
}

/** A list of strings as Python's `str(list)` shows it: `['cached', "it's"]`. */
function pyList(items: readonly string[]): string {
  return `[${items.map(pyStr).join(', ')}]`;
}

/** Python's `repr` of a string (quotes as Python picks them; backslashes and controls escaped). */
function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}
