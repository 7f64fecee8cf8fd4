// Running one real crawl in a test: a fresh CrawlerProcess (reactors are not restartable),
// logs and items collected, the reactor uninstalled afterwards.

import { CrawlerProcess, Request, Spider, signals, type Crawler, type LogRecord, type Response, type SpiderClass } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { isReactorInstalled, uninstallReactor } from '@deferkit/reactor';

/** What a crawl left behind. */
export interface CrawlResult {
  readonly crawler: Crawler;
  /** Every stat. */
  readonly stats: Record<string, unknown>;
  /** Every log record (LOG_LEVEL DEBUG). */
  readonly logs: LogRecord[];
  /** `LEVEL message` lines. */
  readonly lines: string[];
  /** Items that reached `itemScraped`. */
  readonly items: Array<Record<string, unknown>>;
  /** Wall time of the crawl, in seconds. */
  readonly seconds: number;
  /** A stat (undefined when never set). */
  stat(key: string): unknown;
  /** Lines containing `text`. */
  grep(text: string): string[];
}

/** The two reactors every fault runs under. */
export const REACTORS = ['callback', 'promise'] as const;
export type ReactorKind = (typeof REACTORS)[number];

/**
 * Crawl `spiderClass` to the end with `settings` (REACTOR 'callback' unless given; logging to
 * stderr off; no periodic log stats); `setup` sees the crawler before the crawl starts.
 */
export async function runCrawl(
  spiderClass: SpiderClass,
  settings: Record<string, unknown> = {},
  setup?: (crawler: Crawler) => void,
): Promise<CrawlResult> {
  if (isReactorInstalled()) uninstallReactor();
  const logs: LogRecord[] = [];
  const items: Array<Record<string, unknown>> = [];
  const proc = new CrawlerProcess({ REACTOR: 'callback', LOG_ENABLED: false, LOGSTATS_INTERVAL: 0, ...settings });
  const crawler = proc.createCrawler(spiderClass);
  crawler.onLog((r) => logs.push(r));
  crawler.signals.connect(({ item }) => {
    items.push(item as Record<string, unknown>);
  }, signals.itemScraped);
  setup?.(crawler);
  let crawlError: unknown;
  proc.crawl(crawler).addErrback((f) => {
    crawlError = f.value;
    return null;
  });
  const t0 = performance.now();
  try {
    await proc.start({ installSignalHandlers: false });
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  if (crawlError !== undefined) throw crawlError;
  const seconds = (performance.now() - t0) / 1000;
  const stats = crawler.stats.getStats();
  const lines = logs.map((r) => `${r.level} ${r.message}`);
  return {
    crawler,
    stats,
    logs,
    lines,
    items,
    seconds,
    stat: (key) => stats[key],
    grep: (text) => lines.filter((l) => l.includes(text)),
  };
}

/** Options of {@link listSpider}. */
export interface ListSpiderOptions {
  /** The callback (default: `{ url, status, h1 }`). */
  parse?: (response: Response) => unknown;
  /** The errback of every request. */
  errback?: (failure: Failure) => unknown;
  /** Spider properties (allowedDomains, handleHttpstatusList, userAgent, …). */
  props?: Record<string, unknown>;
  /** Request options for string URLs. */
  meta?: Record<string, unknown>;
}

/** The default callback's item. */
export function pageItem(response: Response): Record<string, unknown> {
  return { url: response.url, status: response.status, h1: response.css('h1::text').get() ?? null };
}

/**
 * A spider whose `start()` yields `urls` (strings become Requests with the given meta and
 * errback; Requests go as they are).
 */
export function listSpider(urls: Array<string | Request>, options: ListSpiderOptions = {}): SpiderClass {
  return class ListSpider extends Spider {
    override name = 'list';
    constructor() {
      super();
      Object.assign(this, options.props ?? {});
    }
    override async *start(): AsyncGenerator<unknown, void, undefined> {
      for (const u of urls) {
        yield typeof u === 'string'
          ? new Request(u, { meta: { ...(options.meta ?? {}) }, ...(options.errback !== undefined ? { errback: options.errback } : {}) })
          : u;
      }
    }
    override parse(response: Response): unknown {
      return (options.parse ?? pageItem)(response);
    }
  };
}
