// FeedExporter: write scraped items to files (FEEDS), atomically.

import type { Crawler } from '../../Crawler.js';
import { FeedWriteError, NotConfigured } from '../../errors.js';
import type { Logger } from '../../log.js';
import { signals } from '../../signals.js';
import { feedEncoding, type FeedEncoding } from './codecs.js';
import { FeedSlot } from './FeedSlot.js';
import { FORMATS, type FeedOptions } from './options.js';
import { storageName } from './storages.js';
import { errorText } from './target.js';
import { expandFeedUri, STDOUT_URI, toPath } from './uri.js';

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
