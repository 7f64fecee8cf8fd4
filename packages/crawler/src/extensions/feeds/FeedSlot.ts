// One open feed: its format's framing and separators over its storage (a FeedTarget file, or
// standard output).

import type { Logger } from '../../log.js';
import { encodeFeedText, type FeedEncoding } from './codecs.js';
import { csvRow } from './csv.js';
import { itemJson, pickFields } from './itemExporters.js';
import type { FeedOptions } from './options.js';
import { StdoutFeedStorage } from './storages.js';
import { errorText, FeedTarget } from './target.js';
import { STDOUT_URI } from './uri.js';

/**
 * One open feed: its format (framing, separators, CSV header) over a {@link FeedTarget} (a
 * file) or standard output. A write that fails ends the feed at once — one error, the target
 * as it was — and the crawl goes on. @internal
 */
export class FeedSlot {
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
  /** Standard output, when the feed is written there. */
  readonly #out: StdoutFeedStorage | null;
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
      this.#out = new StdoutFeedStorage(this.#onStdoutError);
      this.#begin();
      return;
    }
    this.#out = null;
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
    this.#out!.write(data);
  }

  /** `s` in the feed's encoding. @throws TypeError for a character the encoding lacks. */
  #encode(s: string): Buffer {
    return encodeFeedText(s, this.encoding);
  }

  #write(s: string): void {
    this.#emit(this.#encode(s));
  }

  #json(obj: unknown, indent?: number): string {
    return itemJson(obj, this.encoding.escapeJson, indent);
  }

  export(item: object): void {
    if (this.failure !== null) return;
    const obj = pickFields(item, this.fields);
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
        header = csvRow(this.#csvHeader);
      }
      text = header + csvRow(this.#csvHeader.map((k) => obj[k]));
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
    if (this.#out !== null) {
      await this.#out.flushed();
      this.#out.close();
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
    if (this.#out !== null) {
      this.#out.close();
      return;
    }
    this.#target?.abandon();
  }
}
