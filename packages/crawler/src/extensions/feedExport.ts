// FeedExporter: write scraped items to files (FEEDS), atomically.

import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { signals } from '../signals.js';

/** The formats a feed can have. */
export type FeedFormat = 'jsonl' | 'jsonlines' | 'json' | 'csv';

/** One feed's options: Scrapy's FEEDS values. */
export interface FeedOptions {
  /** `jsonl` (one JSON object per line), `json` (a JSON array) or `csv`. */
  format: FeedFormat;
  /** Replace an existing file (true) or append to it (false, the default — as Scrapy's `-o`). */
  overwrite?: boolean;
  /** Only these fields, in this order (csv: the header). */
  fields?: string[];
  /** JSON indentation (json only; default FEED_EXPORT_INDENT). */
  indent?: number;
}

/** `%(name)s` and `%(time)s` in a feed URI, as Scrapy expands them. */
function expandUri(uri: string, spiderName: string, startedAt: Date): string {
  const time = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return uri.replace(/%\(name\)s/g, spiderName).replace(/%\(time\)s/g, time);
}

function toPath(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new TypeError(`FEEDS: only local files are supported (a path or file:// URI), got ${uri}.`);
  }
  return resolve(uri);
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

class Slot {
  readonly path: string;
  readonly tmp: string;
  readonly format: FeedFormat;
  readonly fields: string[] | undefined;
  readonly indent: number;
  fd: number;
  count = 0;
  csvHeader: string[] | undefined;
  constructor(path: string, options: FeedOptions, defaultIndent: number) {
    this.path = path;
    this.format = options.format;
    this.fields = options.fields;
    this.indent = options.indent ?? defaultIndent;
    mkdirSync(dirname(path), { recursive: true });
    // Write next to the target, then rename: a crash never leaves a half-written feed.
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    const append = options.overwrite !== true && existsSync(path);
    if (append) copyFileSync(path, this.tmp);
    this.fd = openSync(this.tmp, append ? 'a' : 'w');
    if (this.format === 'json') this.write(append ? '' : '[');
    if (this.format === 'csv' && append) this.csvHeader = this.fields ?? [];
  }
  write(s: string): void {
    writeSync(this.fd, s);
  }
  pick(item: unknown): Record<string, unknown> {
    const obj = (item !== null && typeof item === 'object' ? item : { value: item }) as Record<string, unknown>;
    if (this.fields === undefined) return obj;
    return Object.fromEntries(this.fields.map((f) => [f, obj[f]]));
  }
  export(item: unknown): void {
    const obj = this.pick(item);
    if (this.format === 'jsonl' || this.format === 'jsonlines') this.write(JSON.stringify(obj) + '\n');
    else if (this.format === 'json') {
      const text = this.indent > 0 ? JSON.stringify(obj, null, this.indent) : JSON.stringify(obj);
      this.write((this.count === 0 ? '\n' : ',\n') + text);
    } else {
      if (this.csvHeader === undefined) {
        this.csvHeader = this.fields ?? Object.keys(obj);
        this.write(this.csvHeader.map(csvCell).join(',') + '\r\n');
      }
      this.write(this.csvHeader.map((k) => csvCell(obj[k])).join(',') + '\r\n');
    }
    this.count++;
  }
  finish(): void {
    if (this.format === 'json') this.write(this.count === 0 ? ']' : '\n]');
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}

/**
 * Writes every scraped item to each feed of `FEEDS` (`{ 'out/%(name)s.jsonl': { format: 'jsonl' } }`).
 * Each feed is written to a temporary file next to the target and renamed over it when the
 * spider closes, so an interrupted crawl never leaves a half-written feed. Sends
 * `feedSlotClosed` per feed and `feedExporterClosed` (both awaited); counts
 * `feedexport/success_count/FileFeedStorage`.
 * Mirrors Scrapy's `FeedExporter` with `FileFeedStorage`.
 */
export class FeedExporter {
  readonly #crawler: Crawler;
  readonly #feeds: Array<[string, FeedOptions]>;
  readonly #slots: Slot[] = [];

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const feeds = crawler.settings.getDict<FeedOptions>('FEEDS');
    this.#feeds = Object.entries(feeds);
    if (this.#feeds.length === 0) throw new NotConfigured();
    for (const [uri, options] of this.#feeds) {
      if (!['jsonl', 'jsonlines', 'json', 'csv'].includes(options?.format)) {
        throw new TypeError(`FEEDS['${uri}']: format must be 'jsonl', 'json' or 'csv', got ${JSON.stringify(options?.format)}.`);
      }
    }
    this.#crawler = crawler;
    crawler.signals.connect(() => this.#open(), signals.spiderOpened);
    crawler.signals.connect(({ item }) => {
      for (const s of this.#slots) s.export(item);
    }, signals.itemScraped);
    crawler.signals.connect(() => this.#close(), signals.spiderClosed);
  }

  #open(): void {
    const started = new Date();
    const name = this.#crawler.spider?.name ?? 'spider';
    for (const [uri, options] of this.#feeds) {
      this.#slots.push(new Slot(toPath(expandUri(uri, name, started)), options, this.#crawler.settings.getInt('FEED_EXPORT_INDENT')));
    }
  }

  async #close(): Promise<void> {
    const logger = this.#crawler.getLogger('scrapy.extensions.feedexport');
    for (const slot of this.#slots.splice(0)) {
      try {
        slot.finish();
        logger.info(`Stored ${slot.format} feed (${slot.count} items) in: ${slot.path}`);
        this.#crawler.stats.incValue('feedexport/success_count/FileFeedStorage');
      } catch (e) {
        slot.abandon();
        logger.error(`Error storing ${slot.format} feed (${slot.count} items) in: ${slot.path}`, e);
        this.#crawler.stats.incValue('feedexport/failed_count/FileFeedStorage');
      }
      await this.#crawler.signals.sendAsync(signals.feedSlotClosed, { slot: { path: slot.path, count: slot.count, format: slot.format } });
    }
    await this.#crawler.signals.sendAsync(signals.feedExporterClosed, {});
  }
}
