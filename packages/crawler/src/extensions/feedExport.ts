// FeedExporter: write scraped items to files (FEEDS), atomically.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import type { Logger } from '../log.js';
import { signals } from '../signals.js';
import type { Spider } from '../Spider.js';
import { errorText, FeedTarget, FeedWriteError } from './feedTarget.js';

/** The formats a feed can have (`jsonlines` and `jl` are other names of `jsonl`). */
export type FeedFormat = 'jsonl' | 'jsonlines' | 'jl' | 'json' | 'csv';

/** One feed's options: Scrapy's FEEDS values. */
export interface FeedOptions {
  /** `jsonl` (one JSON object per line), `json` (a JSON array) or `csv`. */
  format: FeedFormat;
  /** Replace an existing file (true) or append to it (false, the default — as Scrapy's `-o`). */
  overwrite?: boolean;
  /** Only these fields, in this order (csv: the header). Default: `FEED_EXPORT_FIELDS`, else every field. */
  fields?: string[] | null;
  /** JSON indentation (json only; default `FEED_EXPORT_INDENT`). */
  indent?: number;
  /**
   * The file's encoding (default `FEED_EXPORT_ENCODING`): `null` for Scrapy's default (UTF-8,
   * with JSON and JSON lines escaping every non-ASCII character as `\uXXXX`), or `'utf-8'`,
   * `'utf-16'`, `'utf-16le'`, `'latin-1'` or `'ascii'` (JSON then written as is).
   */
  encoding?: string | null;
}

/** How a feed's text becomes bytes. @internal */
interface FeedEncoding {
  /** Node's name of the encoding. */
  readonly node: 'utf8' | 'utf16le' | 'latin1' | 'ascii';
  /** The highest code unit it can write (the rest is an error, as Python's strict codecs). */
  readonly max: number;
  /** Scrapy's `ensure_ascii`: JSON escapes non-ASCII characters (no encoding given). */
  readonly escapeJson: boolean;
  /** Starts a new file with a byte-order mark (Python's `utf-16`). */
  readonly bom: boolean;
  /** The name shown in messages. */
  readonly label: string;
}

const ENCODINGS: Record<string, Omit<FeedEncoding, 'escapeJson' | 'label'>> = {
  utf8: { node: 'utf8', max: 0xffff, bom: false },
  utf16: { node: 'utf16le', max: 0xffff, bom: true },
  utf16le: { node: 'utf16le', max: 0xffff, bom: false },
  latin1: { node: 'latin1', max: 0xff, bom: false },
  iso88591: { node: 'latin1', max: 0xff, bom: false },
  ascii: { node: 'ascii', max: 0x7f, bom: false },
  usascii: { node: 'ascii', max: 0x7f, bom: false },
};

/**
 * The encoding of a feed, from its `encoding` option or `FEED_EXPORT_ENCODING`.
 *
 * @throws TypeError for an encoding deferkit cannot write, naming the ones it can.
 */
function feedEncoding(value: unknown, where: string): FeedEncoding {
  if (value === null || value === undefined || value === '') {
    return { ...ENCODINGS.utf8!, escapeJson: true, label: 'utf-8' };
  }
  const known = typeof value === 'string' ? ENCODINGS[value.toLowerCase().replace(/[-_\s]/g, '')] : undefined;
  if (known === undefined) {
    throw new TypeError(
      `${where}: cannot write feeds in ${JSON.stringify(value)}. Use 'utf-8', 'utf-16', 'utf-16le', 'latin-1' or 'ascii', ` +
        "or null for Scrapy's default (UTF-8, with non-ASCII characters escaped in JSON).",
    );
  }
  return { ...known, escapeJson: false, label: String(value) };
}

/**
 * `value` as Python's `json.dumps` writes it without indentation, which is how Scrapy's JSON
 * exporters write items: `{"a": 1, "b": [1, 2]}`, with a space after each `:` and `,`
 * (`JSON.stringify` writes none). With an indent, both write the same. Values go through
 * `JSON.stringify` first, so `toJSON()`, `undefined` and the rest follow JSON's rules.
 */
function pythonJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : spaced(JSON.parse(text) as unknown);
}

function spaced(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(spaced).join(', ') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).map((k) => JSON.stringify(k) + ': ' + spaced(o[k])).join(', ') + '}';
}

/** Python's `json.dumps(..., ensure_ascii=True)` escaping: every non-ASCII code unit as `\uXXXX`. */
function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const FORMATS: readonly string[] = ['jsonl', 'jsonlines', 'jl', 'json', 'csv'];

/**
 * Expand Scrapy's feed URI parameters: `%(name)s` (the spider's name), `%(time)s` (the UTC
 * start time, `2026-11-22T03-41-09`), `%(batch_id)d` (1) and `%(attr)s` for any other spider
 * attribute (`-a site=shop` → `%(site)s`).
 *
 * @throws TypeError for a parameter the spider does not have.
 */
export function expandFeedUri(uri: string, spider: Pick<Spider, 'name'> & object, startedAt: Date): string {
  const time = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return uri.replace(/%\((\w+)\)([sd])/g, (_m, key: string) => {
    if (key === 'name') return spider.name;
    if (key === 'time' || key === 'batch_time') return time;
    if (key === 'batch_id') return '1';
    const value = (spider as Record<string, unknown>)[key];
    if (value === undefined || value === null || typeof value === 'function') {
      throw new TypeError(`FEEDS: the URI ${uri} uses %(${key})s, but the spider has no '${key}' attribute (set it with -a ${key}=VALUE).`);
    }
    return String(value);
  });
}

/** The feed URI of standard output (Scrapy's `StdoutFeedStorage`; `-o -:jsonl` on the CLI). */
export const STDOUT_URI = 'stdout:';

/** The file a feed URI names, or `null` for standard output. */
function toPath(uri: string): string | null {
  if (uri === STDOUT_URI) return null;
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new TypeError(`FEEDS: only local files (a path or file:// URI) and '${STDOUT_URI}' are supported, got ${uri}.`);
  }
  return resolve(uri);
}

function csvCell(v: unknown): string {
  let s: string;
  if (v === undefined || v === null) s = '';
  else if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) s = v.join(','); // Scrapy's join_multivalued
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One open feed: its format (framing, separators, CSV header) over a {@link FeedTarget} (a
 * file) or standard output. A write that fails ends the feed at once — one error, the target
 * as it was — and the crawl goes on. @internal
 */
class FeedSlot {
  readonly uri: string;
  /** The file, or `stdout:`. */
  readonly path: string;
  /** Written to standard output rather than to a file. */
  readonly stdout: boolean;
  readonly format: 'jsonl' | 'json' | 'csv';
  readonly fields: string[] | undefined;
  readonly indent: number;
  readonly encoding: FeedEncoding;
  readonly #target: FeedTarget | null;
  /** Adding to an existing, non-empty file: the framing goes around the new items at publish. */
  readonly #appending: boolean;
  #closed = false;
  /** Items written by this crawl. */
  count = 0;
  /** Why the feed stopped (a write error, or a stdout reader that went away), once it did. */
  failure: Error | null = null;
  #csvHeader: string[] | undefined;

  constructor(
    uri: string,
    path: string | null,
    options: FeedOptions,
    encoding: FeedEncoding,
    defaults: { indent: number; fields: string[] | undefined },
    logger: Logger,
  ) {
    this.uri = uri;
    this.path = path ?? STDOUT_URI;
    this.stdout = path === null;
    this.format = options.format === 'json' ? 'json' : options.format === 'csv' ? 'csv' : 'jsonl';
    this.fields = options.fields ?? defaults.fields;
    this.indent = options.indent ?? defaults.indent;
    this.encoding = encoding;
    this.#logger = logger;
    if (path === null) {
      // Standard output: written as items come, nothing to append to or replace.
      if (options.overwrite === true) logger.warning(`Feed ${STDOUT_URI} cannot be overwritten (it is standard output); writing to it.`);
      this.#target = null;
      this.#appending = false;
      // A reader that goes away (`| head`) makes writes fail with EPIPE: without a listener
      // that 'error' event would end the process.
      process.stdout.on('error', this.#onStdoutError);
      this.#begin();
      return;
    }
    this.#target = new FeedTarget(path, { overwrite: options.overwrite === true, format: this.format, encoding: encoding.node, logger });
    this.#target.ready().catch((e: unknown) => this.#fail(e as Error));
    const append = this.#target.append;
    this.#appending = append !== undefined && !append.fresh;
    if (this.#appending) this.#csvHeader = this.fields ?? append!.csvHeader;
    else this.#begin();
  }

  /** The start of a new feed: the byte-order mark if the encoding has one, `[` for JSON. */
  #begin(): void {
    if (this.encoding.bom) this.#emit(Buffer.from([0xff, 0xfe]));
    if (this.format === 'json') this.#write('[');
  }

  readonly #logger: Logger;
  /** The last write to standard output, settled when it has been handed to the OS. */
  #flushed: Promise<void> = Promise.resolve();
  readonly #onStdoutError = (e: Error): void => {
    if (this.failure !== null) return;
    this.failure = e;
    this.#logger.error(
      `Feed ${STDOUT_URI} stopped: standard output was closed by its reader (${(e as NodeJS.ErrnoException).code ?? e.message}) after ${this.count} items; the rest are not written.`,
    );
  };

  /** A write failed: stop this feed, keep the target as it was, say so once. */
  #fail(e: Error): void {
    if (this.failure !== null) return;
    this.failure = e;
    const through = this.#target?.kind === 'through';
    this.#target?.abandon();
    this.#logger.error(
      `Feed ${this.path} failed after ${this.count} items: ${errorText(e)}. ` +
        (through ? 'What was written before stays there; the rest of the crawl is not written to it.' : `It is not written; ${this.path} keeps its previous content (if any).`) +
        ' The crawl goes on.',
    );
  }

  #emit(data: Buffer): void {
    if (this.failure !== null) return;
    if (this.#target !== null) {
      try {
        this.#target.write(data);
      } catch (e) {
        this.#fail(e as Error);
      }
      return;
    }
    this.#flushed = new Promise((resolve) => {
      process.stdout.write(data, (e) => {
        if (e) this.#onStdoutError(e);
        resolve();
      });
    });
  }

  /** `s` in the feed's encoding. @throws TypeError for a character the encoding lacks. */
  #encode(s: string): Buffer {
    const { node, max } = this.encoding;
    if (node !== 'utf8') {
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) > max) {
          const cp = s.codePointAt(i)!;
          throw new TypeError(
            `cannot encode ${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) in ${this.encoding.label}; ` +
              "set the feed's encoding (or FEED_EXPORT_ENCODING) to 'utf-8', or to null to escape it in JSON.",
          );
        }
      }
    }
    return Buffer.from(s, node);
  }

  #write(s: string): void {
    this.#emit(this.#encode(s));
  }

  #json(obj: unknown, indent?: number): string {
    const text = indent !== undefined && indent > 0 ? JSON.stringify(obj, null, indent) : pythonJson(obj);
    return this.encoding.escapeJson ? escapeNonAscii(text) : text;
  }

  #pick(item: object): Record<string, unknown> {
    const obj = item as Record<string, unknown>;
    if (this.fields === undefined) return obj;
    return Object.fromEntries(this.fields.map((f) => [f, obj[f]]));
  }

  export(item: object): void {
    if (this.failure !== null) return;
    const obj = this.#pick(item);
    let text: string;
    if (this.format === 'jsonl') text = this.#json(obj) + '\n';
    else if (this.format === 'json') {
      // A new array starts "[\n{…}"; items appended after an old array's last item are joined
      // by ",\n" and the framing around them is added when the feed is published.
      const sep = this.count === 0 ? (this.#appending ? '' : '\n') : ',\n';
      text = sep + this.#json(obj, this.indent);
    } else {
      let header = '';
      if (this.#csvHeader === undefined) {
        this.#csvHeader = this.fields ?? Object.keys(obj);
        header = this.#csvHeader.map(csvCell).join(',') + '\r\n';
      }
      text = header + this.#csvHeader.map((k) => csvCell(obj[k])).join(',') + '\r\n';
    }
    const bytes = this.#encode(text); // an encoding error fails this item only
    this.#emit(bytes);
    if (this.failure === null) this.count++;
  }

  /** What goes around the items when the feed is published. */
  #framing(): { before: string; after: string } {
    if (this.format !== 'json') return { before: '', after: '' };
    if (!this.#appending) return { before: '', after: this.count === 0 ? ']' : '\n]' };
    const append = this.#target!.append!;
    return { before: append.jsonNotArray ? '\n[\n' : append.jsonHasItems ? ',\n' : '\n', after: '\n]' };
  }

  /**
   * Publish the feed: the file renamed into place or appended to; on standard output, wait
   * until everything written has been handed over. A FIFO that nobody opened yet is waited for.
   *
   * @throws the write error, when the feed failed (already logged).
   */
  async finish(): Promise<void> {
    if (this.#target !== null && !this.#target.isOpen && this.failure === null) {
      this.#logger.warning(`Feed ${this.path} waits for a reader (a FIFO nobody has opened yet); Ctrl-C twice to stop without it.`);
      await this.#target.ready().catch(() => undefined);
    }
    this.finishSync();
    if (this.stdout) {
      await this.#flushed;
      process.stdout.off('error', this.#onStdoutError);
    }
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Publish what was scraped so far, synchronously (a forced exit): everything `finish()` does
   * except waiting. Never throws; a failure is in `failure`.
   */
  finishSync(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.failure !== null) return;
    const framing = this.#framing();
    if (this.#target === null) {
      if (framing.after !== '') this.#write(framing.after);
      return;
    }
    try {
      this.#target.publish({ before: framing.before, after: framing.after });
    } catch (e) {
      this.#fail(e as Error);
    }
  }

  /** Drop the spool file (the target keeps its previous content, if any). */
  abandon(): void {
    this.#closed = true;
    if (this.stdout) {
      process.stdout.off('error', this.#onStdoutError);
      return;
    }
    this.#target?.abandon();
  }
}

/** Scrapy's storage class name, used in the feedexport stats. */
function storageName(stdout: boolean): string {
  return stdout ? 'StdoutFeedStorage' : 'FileFeedStorage';
}

/**
 * Writes every scraped item to each feed of `FEEDS`
 * (`{ 'out/%(name)s.jsonl': { format: 'jsonl' } }`; formats `jsonl`, `json`, `csv`; options
 * `overwrite`, `fields`, `indent`, `encoding`). As in Scrapy, with no encoding
 * (`FEED_EXPORT_ENCODING = null`, the default) JSON and JSON lines escape non-ASCII characters
 * (`"\u00a3"`); set `'utf-8'` (as `scrapy startproject` does) to write them as they are.
 *
 * What a feed guarantees (docs/crawler.md, "What a feed guarantees"):
 * - Items are spooled to a file next to the target (`.<name>.<pid>-<n>.tmp`); the target is
 *   only touched when the feed is published. A new or overwritten (`-O`) regular file is
 *   renamed into place, keeping the old file's mode and owner; a hard-linked file is rewritten
 *   in place so every name sees the new feed.
 * - Appending (the default, as Scrapy's `-o`) costs the new items only: they are written after
 *   the old content (a `.json` array continues, so the file stays valid JSON; a `.csv` feed
 *   reuses the existing header), reading no more than the old file's first line and last bytes.
 *   A file the crawl cannot read or write is never replaced: that feed fails, with the fix named.
 * - A symbolic link is followed (it stays a link); a FIFO or a device is written through.
 * - A write that fails (a full disk) fails that feed once: one error, the target as it was (an
 *   append is undone byte for byte), `feedexport/failed_count`, and the crawl goes on.
 * - A forced exit (a second Ctrl-C) still publishes everything scraped so far, correctly
 *   terminated. A crash that kills the process outright (SIGKILL) leaves the target as it was
 *   and the scraped items in the spool file, which the next crawl to that target points out.
 *
 * `'stdout:'` as a URI (`-o -:jsonl` on the command line) writes the feed to standard output as
 * items come (the log goes to standard error).
 *
 * Sends `feedSlotClosed` per feed and `feedExporterClosed` (both awaited); counts
 * `feedexport/success_count/FileFeedStorage` (`StdoutFeedStorage` for standard output; or
 * `failed_count`).
 *
 * Mirrors Scrapy's `FeedExporter` with `FileFeedStorage`.
 */
export class FeedExporter {
  readonly #crawler: Crawler;
  readonly #feeds: Array<[string, FeedOptions]>;
  /** The encoding of each feed of `#feeds`. */
  readonly #encodings: FeedEncoding[];
  readonly #slots: FeedSlot[] = [];
  readonly #logger: Logger;
  /**
   * A forced exit (a second Ctrl-C, `process.exit()`): publish what was scraped so far, in
   * the same synchronous turn, so that nothing scraped is lost and no spool file is left.
   */
  readonly #onExit = (): void => {
    for (const slot of this.#slots.splice(0)) {
      slot.finishSync();
      if (slot.failure === null) this.#logger.info(`Stored ${slot.format} feed (${slot.count} items) in: ${slot.path} (forced stop)`);
    }
  };

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const feeds = crawler.settings.getDict<FeedOptions>('FEEDS');
    this.#feeds = Object.entries(feeds);
    if (this.#feeds.length === 0) throw new NotConfigured();
    // Encodings are resolved now, so that one deferkit cannot write stops the crawl before it
    // starts; `undefined` stands for FEED_EXPORT_ENCODING.
    const own: Array<FeedEncoding | undefined> = [];
    for (const [uri, options] of this.#feeds) {
      if (options === null || typeof options !== 'object' || !FORMATS.includes(options.format)) {
        throw new TypeError(`FEEDS['${uri}']: format must be 'jsonl', 'json' or 'csv', got ${JSON.stringify(options?.format)}.`);
      }
      if (options.fields !== undefined && options.fields !== null && !(Array.isArray(options.fields) && options.fields.every((f) => typeof f === 'string'))) {
        throw new TypeError(`FEEDS['${uri}']: fields must be a list of field names, got ${JSON.stringify(options.fields)}.`);
      }
      toPath(uri.replace(/%\(\w+\)[sd]/g, 'x')); // reject non-file URIs now
      own.push(options.encoding !== undefined ? feedEncoding(options.encoding, `FEEDS['${uri}'].encoding`) : undefined);
    }
    const fallback = feedEncoding(crawler.settings.get('FEED_EXPORT_ENCODING', null), 'FEED_EXPORT_ENCODING');
    this.#encodings = own.map((e) => e ?? fallback);
    this.#crawler = crawler;
    this.#logger = crawler.getLogger('scrapy.extensions.feedexport');
    crawler.signals.connect(() => this.#open(), signals.spiderOpened);
    crawler.signals.connect(({ item }) => this.#export(item), signals.itemScraped);
    crawler.signals.connect(() => this.#close(), signals.spiderClosed);
  }

  #open(): void {
    const started = new Date();
    const spider = this.#crawler.spider ?? { name: 'spider' };
    const settings = this.#crawler.settings;
    const fields = settings.get<string[] | string | null>('FEED_EXPORT_FIELDS', null);
    const defaults = {
      indent: settings.getInt('FEED_EXPORT_INDENT'),
      fields: fields === null || fields === undefined ? undefined : settings.getList<string>('FEED_EXPORT_FIELDS'),
    };
    for (const [i, [uri, options]] of this.#feeds.entries()) {
      let path: string | null = uri;
      try {
        path = toPath(expandFeedUri(uri, spider, started));
        this.#slots.push(new FeedSlot(uri, path, options, this.#encodings[i]!, defaults, this.#logger));
      } catch (e) {
        // A target the feed may not use is the user's to fix: one line, no stack.
        const cause = e instanceof FeedWriteError || e instanceof TypeError ? errorText(e) : e;
        this.#logger.error(`Error opening ${options.format} feed ${path ?? STDOUT_URI}: ${errorText(e)}`, cause === e ? e : undefined);
        this.#crawler.stats.incValue(`feedexport/failed_count/${storageName(path === null)}`);
      }
    }
    if (this.#slots.length > 0) process.on('exit', this.#onExit);
  }

  #export(item: unknown): void {
    // Only items reach itemScraped (the scraper logs anything else, as Scrapy does).
    if (item === null || typeof item !== 'object') return;
    for (const slot of this.#slots) {
      try {
        slot.export(item);
      } catch (e) {
        this.#logger.error(`Error exporting an item to ${slot.path}: ${(e as Error)?.message ?? String(e)}`, e);
      }
    }
  }

  async #close(): Promise<void> {
    // The exit hook stays until every slot is published: a forced stop while a slot waits (a
    // FIFO's reader) still publishes the others.
    const slots = [...this.#slots];
    for (const slot of slots) {
      try {
        await slot.finish();
        this.#logger.info(`Stored ${slot.format} feed (${slot.count} items) in: ${slot.path}`);
        this.#crawler.stats.incValue(`feedexport/success_count/${storageName(slot.stdout)}`);
      } catch {
        // Already logged, once, when the write failed.
        slot.abandon();
        this.#crawler.stats.incValue(`feedexport/failed_count/${storageName(slot.stdout)}`);
      }
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      await this.#crawler.signals.sendAsync(signals.feedSlotClosed, { slot: { uri: slot.uri, path: slot.path, count: slot.count, format: slot.format } });
    }
    process.off('exit', this.#onExit);
    await this.#crawler.signals.sendAsync(signals.feedExporterClosed, {});
  }
}
