// FeedExporter: write scraped items to files (FEEDS), atomically.

import {
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import type { Logger } from '../log.js';
import { signals } from '../signals.js';
import type { Spider } from '../Spider.js';

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

/** The cells of one CSV line (the header of a file being appended to). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

let tmpCounter = 0;

/**
 * One open feed: a temporary file next to the target, renamed over it when finished; or
 * standard output, written as items come. @internal
 */
class FeedSlot {
  readonly uri: string;
  /** The file, or `stdout:`. */
  readonly path: string;
  readonly tmp: string;
  /** Written to standard output rather than to a file. */
  readonly stdout: boolean;
  readonly format: 'jsonl' | 'json' | 'csv';
  readonly fields: string[] | undefined;
  readonly indent: number;
  readonly encoding: FeedEncoding;
  readonly #fd: number;
  #closed = false;
  /** Items written by this crawl. */
  count = 0;
  /** Items already in the file when appending (json: decides the separator). */
  #existing = 0;
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
      this.tmp = '';
      this.#fd = -1;
      // A reader that goes away (`| head`) makes writes fail with EPIPE: without a listener
      // that 'error' event would end the process.
      process.stdout.on('error', this.#onStdoutError);
      this.#begin();
      return;
    }
    mkdirSync(dirname(path), { recursive: true });
    // Write next to the target (same file system), then rename: a crash never leaves a
    // half-written feed under the target's name, only this temporary file.
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${++tmpCounter}.tmp`);
    let existing: Buffer | null = null;
    if (options.overwrite !== true) {
      try {
        if (statSync(path).size > 0) existing = readFileSync(path);
      } catch {
        existing = null; // no file yet
      }
    }
    if (existing === null) {
      this.#fd = openSync(this.tmp, 'w');
      this.#begin();
      return;
    }
    // Append: start from a copy of the existing file.
    copyFileSync(path, this.tmp);
    if (this.format === 'json') {
      // Continue the existing array, so the file stays valid JSON (Scrapy appends a second
      // array after the first; deferkit does not).
      let end = existing.length - 1;
      while (end >= 0 && isBlank(existing[end]!)) end--;
      let start = 0;
      while (start < existing.length && isBlank(existing[start]!)) start++;
      if (existing[start] === 0x5b /* [ */ && existing[end] === 0x5d /* ] */) {
        let inner = end - 1;
        while (inner > start && isBlank(existing[inner]!)) inner--;
        this.#existing = inner > start ? 1 : 0;
        // Keep "[…last item" (or just "["), then write ",\n{…}" … "\n]".
        truncateSync(this.tmp, inner > start ? inner + 1 : start + 1);
        this.#fd = openSync(this.tmp, 'a');
      } else {
        logger.warning(`Feed ${path} exists but is not a JSON array; appending to it leaves invalid JSON (use -O / overwrite: true to replace it).`);
        this.#fd = openSync(this.tmp, 'a');
        this.#write('\n[');
      }
    } else {
      this.#fd = openSync(this.tmp, 'a');
      const last = existing[existing.length - 1];
      if (last !== 0x0a) this.#write(this.format === 'csv' ? '\r\n' : '\n');
      if (this.format === 'csv') {
        const firstLine = existing.toString(this.encoding.node).replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
        this.#csvHeader = this.fields ?? parseCsvLine(firstLine);
      }
    }
  }

  /** The start of a new feed: the byte-order mark if the encoding has one, `[` for JSON. */
  #begin(): void {
    if (this.encoding.bom) this.#emit(Buffer.from([0xff, 0xfe]));
    if (this.format === 'json') this.#write('[');
  }

  readonly #logger: Logger;
  /** The last write to standard output, settled when it has been handed to the OS. */
  #flushed: Promise<void> = Promise.resolve();
  /** Why standard output can no longer be written (its reader went away), once it happened. */
  #broken: Error | null = null;
  readonly #onStdoutError = (e: Error): void => {
    if (this.#broken !== null) return;
    this.#broken = e;
    this.#logger.error(
      `Feed ${STDOUT_URI} stopped: standard output was closed by its reader (${(e as NodeJS.ErrnoException).code ?? e.message}) after ${this.count} items; the rest are not written.`,
    );
  };

  #emit(data: string | Buffer): void {
    if (!this.stdout) {
      if (typeof data === 'string') writeSync(this.#fd, data);
      else writeSync(this.#fd, data);
      return;
    }
    if (this.#broken !== null) return;
    this.#flushed = new Promise((resolve) => {
      process.stdout.write(data, (e) => {
        if (e) this.#onStdoutError(e);
        resolve();
      });
    });
  }

  #write(s: string): void {
    const { node, max } = this.encoding;
    if (node === 'utf8') {
      this.#emit(s);
      return;
    }
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > max) {
        const cp = s.codePointAt(i)!;
        throw new TypeError(
          `cannot encode ${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) in ${this.encoding.label}; ` +
            "set the feed's encoding (or FEED_EXPORT_ENCODING) to 'utf-8', or to null to escape it in JSON.",
        );
      }
    }
    this.#emit(Buffer.from(s, node));
  }

  #json(obj: unknown, indent?: number): string {
    const text = indent !== undefined && indent > 0 ? JSON.stringify(obj, null, indent) : pythonJson(obj);
    return this.encoding.escapeJson ? escapeNonAscii(text) : text;
  }

  #pick(item: unknown): Record<string, unknown> {
    const obj = (item !== null && typeof item === 'object' ? item : { value: item }) as Record<string, unknown>;
    if (this.fields === undefined) return obj;
    return Object.fromEntries(this.fields.map((f) => [f, obj[f]]));
  }

  export(item: unknown): void {
    const obj = this.#pick(item);
    if (this.format === 'jsonl') this.#write(this.#json(obj) + '\n');
    else if (this.format === 'json') {
      const text = this.#json(obj, this.indent);
      this.#write((this.count + this.#existing === 0 ? '\n' : ',\n') + text);
    } else {
      if (this.#csvHeader === undefined) {
        this.#csvHeader = this.fields ?? Object.keys(obj);
        this.#write(this.#csvHeader.map(csvCell).join(',') + '\r\n');
      }
      this.#write(this.#csvHeader.map((k) => csvCell(obj[k])).join(',') + '\r\n');
    }
    this.count++;
  }

  /**
   * Close the temporary file, flush it to disk and rename it over the target; on standard
   * output, wait until everything written has been handed over.
   */
  async finish(): Promise<void> {
    if (this.format === 'json') this.#write(this.count + this.#existing === 0 ? ']' : '\n]');
    if (this.stdout) {
      this.#closed = true;
      await this.#flushed;
      process.stdout.off('error', this.#onStdoutError);
      if (this.#broken !== null) throw this.#broken;
      return;
    }
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#closed = true;
    renameSync(this.tmp, this.path);
  }

  /** Drop the temporary file (the target keeps its previous content, if any). */
  abandon(): void {
    if (this.stdout) {
      process.stdout.off('error', this.#onStdoutError);
      return;
    }
    if (!this.#closed) {
      this.#closed = true;
      try {
        closeSync(this.#fd);
      } catch {
        /* already closed */
      }
    }
    rmSync(this.tmp, { force: true });
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
 * (`"\u00a3"`); set `'utf-8'` (as `scrapy startproject` does) to write them as they are. Each feed is written to a temporary file next to the target
 * (`.<name>.<pid>-<n>.tmp`) and renamed over it when the spider closes, so an interrupted
 * crawl never leaves a half-written feed: the target is either absent, its previous version, or
 * complete. A forced exit (a second Ctrl-C) removes the temporary files; only a crash that kills
 * the process outright (SIGKILL, power loss) can leave one behind.
 *
 * Appending (the default, as Scrapy's `-o`) starts from a copy of the existing file: a `.json`
 * feed continues the existing array, so the file stays valid JSON; a `.csv` feed reuses the
 * existing header.
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
  readonly #onExit = (): void => {
    for (const slot of this.#slots) slot.abandon();
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
        this.#logger.error(`Error opening ${options.format} feed ${path ?? STDOUT_URI}: ${(e as Error)?.message ?? String(e)}`, e);
        this.#crawler.stats.incValue(`feedexport/failed_count/${storageName(path === null)}`);
      }
    }
    if (this.#slots.length > 0) process.on('exit', this.#onExit);
  }

  #export(item: unknown): void {
    for (const slot of this.#slots) {
      try {
        slot.export(item);
      } catch (e) {
        this.#logger.error(`Error exporting an item to ${slot.path}: ${(e as Error)?.message ?? String(e)}`, e);
      }
    }
  }

  async #close(): Promise<void> {
    process.off('exit', this.#onExit);
    for (const slot of this.#slots.splice(0)) {
      try {
        await slot.finish();
        this.#logger.info(`Stored ${slot.format} feed (${slot.count} items) in: ${slot.path}`);
        this.#crawler.stats.incValue(`feedexport/success_count/${storageName(slot.stdout)}`);
      } catch (e) {
        slot.abandon();
        this.#logger.error(`Error storing ${slot.format} feed (${slot.count} items) in: ${slot.path}`, e);
        this.#crawler.stats.incValue(`feedexport/failed_count/${storageName(slot.stdout)}`);
      }
      await this.#crawler.signals.sendAsync(signals.feedSlotClosed, { slot: { uri: slot.uri, path: slot.path, count: slot.count, format: slot.format } });
    }
    await this.#crawler.signals.sendAsync(signals.feedExporterClosed, {});
  }
}
