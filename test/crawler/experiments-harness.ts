// The harness of the Scrapy-experiment ports (spider-middleware-mixing, callbacks,
// await-in-crawler, signals-and-crawler, demo-crawl): one real crawl per call, under a fresh
// CrawlerProcess (reactors are not restartable), with the reactor uninstalled afterwards.

import { CrawlerProcess, signals, type Crawler, type LogLevel, type LogRecord, type SpiderClass } from '@deferkit/crawler';
import { isReactorInstalled, uninstallReactor } from '@deferkit/reactor';
import { createServer } from 'node:net';

/** The two reactor settings every experiment runs under. */
export const REACTORS = ['callback', 'promise'] as const;
export type ReactorKind = (typeof REACTORS)[number];

/** What one crawl left behind. */
export interface CrawlOutcome {
  /** Items in `itemScraped` order. */
  readonly items: any[];
  /** Every log record (LOG_LEVEL DEBUG). */
  readonly logs: LogRecord[];
  readonly crawler: Crawler;
  /** The final stats. */
  readonly stats: Record<string, unknown>;
  /** Why `crawl()` failed (startup errors), or undefined. */
  readonly error: unknown;
  /** The reason passed to `spiderClosed`, or null if the spider never closed. */
  readonly closeReason: string | null;
  /** Failures sent with `spiderError`. */
  readonly spiderErrors: unknown[];
  /** Seconds from `proc.crawl()` until the reactor stopped. */
  readonly elapsed: number;
  /** Messages logged at `level`. */
  messages(level: LogLevel): string[];
  /** How many records contain `needle`: at `level`, or (no level) at WARNING and ERROR. */
  count(needle: string, level?: LogLevel): number;
  /** The first record whose message starts with `prefix`. */
  record(prefix: string): LogRecord | undefined;
}

/** Options of {@link runCrawl}. */
export interface RunOptions {
  /** Called with the process before the crawler is created (e.g. `-s` settings at 'cmdline'). */
  prepare?: (proc: CrawlerProcess) => void;
  /** Called with the crawler (and its process) before `proc.crawl()`. */
  setup?: (crawler: Crawler, proc: CrawlerProcess) => void | Promise<void>;
  /** Spider arguments (they become spider properties, like `-a`). */
  args?: Record<string, unknown>;
}

/**
 * Run `spiderClass` once: `new CrawlerProcess({ REACTOR, LOG_ENABLED: false, LOGSTATS_INTERVAL: 0,
 * ...settings })`, `createCrawler`, `onLog`, an `itemScraped` collector, `proc.crawl(crawler)`,
 * `await proc.start({ installSignalHandlers: false })`, `uninstallReactor()`.
 */
export async function runCrawl(spiderClass: SpiderClass, settings: Record<string, unknown>, options: RunOptions = {}): Promise<CrawlOutcome> {
  if (isReactorInstalled()) uninstallReactor();
  const proc = new CrawlerProcess({ LOG_ENABLED: false, LOGSTATS_INTERVAL: 0, ...settings });
  options.prepare?.(proc);
  const crawler = proc.createCrawler(spiderClass);
  const logs: LogRecord[] = [];
  const items: any[] = [];
  const spiderErrors: unknown[] = [];
  let closeReason: string | null = null;
  crawler.onLog((r) => logs.push(r));
  crawler.signals.connect(({ item }) => void items.push(item), signals.itemScraped);
  crawler.signals.connect(({ failure }) => void spiderErrors.push(failure), signals.spiderError);
  crawler.signals.connect(({ reason }) => void (closeReason = reason as string), signals.spiderClosed);
  let error: unknown;
  const t0 = performance.now();
  try {
    await options.setup?.(crawler, proc);
    proc.crawl(crawler, options.args ?? {}).addErrback((f) => {
      error = f.value;
      return null;
    });
    await proc.start({ installSignalHandlers: false });
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const atLevel = (r: LogRecord, level?: LogLevel): boolean => (level === undefined ? r.level === 'WARNING' || r.level === 'ERROR' : r.level === level);
  return {
    items,
    logs,
    crawler,
    stats: crawler.stats.getStats(),
    error,
    closeReason,
    spiderErrors,
    elapsed,
    messages: (level) => logs.filter((r) => r.level === level).map((r) => r.message),
    count: (needle, level) => logs.filter((r) => atLevel(r, level) && r.message.includes(needle)).length,
    record: (prefix) => logs.find((r) => r.message.startsWith(prefix)),
  };
}

/** Python's type name of what a middleware received (`generator`, `async_generator`, `list`). */
export function pyType(x: unknown): string {
  const tag = Object.prototype.toString.call(x);
  if (tag === '[object Generator]') return 'generator';
  if (tag === '[object AsyncGenerator]') return 'async_generator';
  if (Array.isArray(x)) return 'list';
  return tag.slice(8, -1);
}

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Python's ValueError, so stats read `spider_exceptions/ValueError` as in Scrapy. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Seconds since `t0` (a `performance.now()` value). */
export function since(t0: number): number {
  return (performance.now() - t0) / 1000;
}
