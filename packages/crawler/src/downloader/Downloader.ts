// The downloader: per-domain slots with concurrency and delay, in front of the HTTP handler
// (scrapy.core.downloader.Downloader).

import type { IDelayedCall } from '@deferkit/deferred';
import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { signals } from '../signals.js';
import { DownloaderMiddlewareManager } from '../middleware/DownloaderMiddlewareManager.js';
import { FileDownloadHandler } from './FileDownloadHandler.js';
import { HttpDownloadHandler } from './HttpDownloadHandler.js';
import { urlparseCached } from '../utils/url.js';

interface Queued {
  request: Request;
  resolve: (r: Response) => void;
  reject: (e: unknown) => void;
}

/**
 * A download slot (one per domain, or per `meta.download_slot`): its own concurrency, delay
 * and queue. Mirrors Scrapy's `scrapy.core.downloader.Slot`.
 */
export class Slot {
  /** Transfers at once. */
  readonly concurrency: number;
  /**
   * Seconds between requests. Writable: AutoThrottle adjusts it while crawling, and the next
   * request leaving the slot waits the new delay.
   */
  delay: number;
  /** Randomise the delay to 0.5×–1.5×. */
  readonly randomizeDelay: boolean;
  /** Waiting requests. @internal */
  readonly queue: Queued[] = [];
  /** @internal */ queueHead = 0;
  /** Requests being transferred. */
  readonly transferring = new Set<Request>();
  /** Requests in the slot (queued or transferring). */
  readonly active = new Set<Request>();
  /** When the last request left the slot. */
  lastseen = 0;
  /** @internal */ latercall: IDelayedCall | null = null;

  /** @internal */
  constructor(concurrency: number, delay: number, randomizeDelay: boolean) {
    this.concurrency = concurrency;
    this.delay = delay;
    this.randomizeDelay = randomizeDelay;
  }

  /** Free transfer places. */
  freeTransferSlots(): number {
    return this.concurrency - this.transferring.size;
  }

  /** This request's delay. */
  downloadDelay(): number {
    return this.randomizeDelay ? (0.5 + Math.random()) * this.delay : this.delay;
  }

  /** @internal */
  queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** @internal */
  shift(): Queued | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const q = this.queue[this.queueHead]!;
    (this.queue as unknown[])[this.queueHead] = undefined;
    this.queueHead++;
    if (this.queueHead > 256 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return q;
  }
}

/**
 * Runs each request through the downloader middlewares and the HTTP handler, honouring
 * `CONCURRENT_REQUESTS` (checked by the engine through `needsBackout()`),
 * `CONCURRENT_REQUESTS_PER_DOMAIN`, `DOWNLOAD_DELAY`/`RANDOMIZE_DOWNLOAD_DELAY` and
 * `DOWNLOAD_SLOTS`.
 *
 * Mirrors Scrapy's `scrapy.core.downloader.Downloader`.
 */
export class Downloader {
  /** Requests being downloaded (through the middlewares). */
  readonly active = new Set<Request>();
  /** The slots by key. */
  readonly slots = new Map<string, Slot>();
  /** The downloader middlewares. */
  readonly middleware: DownloaderMiddlewareManager;
  /** The HTTP handler. */
  readonly handler: HttpDownloadHandler;
  /** The `file:` handler. */
  readonly fileHandler = new FileDownloadHandler();
  readonly #crawler: Crawler;
  readonly #totalConcurrency: number;
  /** The crawler's reactor, looked up on first use (it does not change during a crawl). */
  #reactor: Crawler['reactor'] | undefined;
  /**
   * The delay a new slot starts with, in seconds, unless `DOWNLOAD_SLOTS` gives one: starts as
   * `DOWNLOAD_DELAY`; AutoThrottle raises it to `AUTOTHROTTLE_START_DELAY` when the spider
   * opens. Mirrors the `spider.download_delay` that Scrapy's downloader reads for a new slot.
   */
  slotDelay: number;

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.#totalConcurrency = crawler.settings.getInt('CONCURRENT_REQUESTS');
    this.slotDelay = crawler.settings.getFloat('DOWNLOAD_DELAY');
    this.middleware = DownloaderMiddlewareManager.fromCrawler(crawler);
    this.handler = new HttpDownloadHandler(crawler);
  }

  /** Whether the engine should stop feeding requests (`CONCURRENT_REQUESTS` reached; 0 means no limit). */
  needsBackout(): boolean {
    return this.#totalConcurrency > 0 && this.active.size >= this.#totalConcurrency;
  }

  /**
   * Download `request` through the middlewares.
   *
   * @returns a Response, or a Request a middleware returned instead (a redirect, a retry).
   */
  async fetch(request: Request): Promise<Response | Request> {
    this.active.add(request);
    try {
      return await this.middleware.download(this.#enqueue, request);
    } finally {
      this.active.delete(request);
    }
  }

  #slotKey(request: Request): string {
    const fromMeta = request.meta.download_slot;
    if (typeof fromMeta === 'string') return fromMeta;
    return urlparseCached(request)?.hostname ?? '';
  }

  #getSlot(key: string): Slot {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      const s = this.#crawler.settings;
      const conf = (s.getDict('DOWNLOAD_SLOTS')[key] ?? {}) as { concurrency?: number; delay?: number; randomize_delay?: boolean };
      slot = new Slot(
        conf.concurrency ?? s.getInt('CONCURRENT_REQUESTS_PER_DOMAIN'),
        conf.delay ?? this.slotDelay,
        conf.randomize_delay ?? s.getBool('RANDOMIZE_DOWNLOAD_DELAY'),
      );
      this.slots.set(key, slot);
    }
    return slot;
  }

  #enqueue = (request: Request): Promise<Response> => {
    const key = this.#slotKey(request);
    request.meta.download_slot = key;
    const slot = this.#getSlot(key);
    slot.active.add(request);
    if (this.#crawler.signals.hasHandlers(signals.requestReachedDownloader)) this.#crawler.signals.send(signals.requestReachedDownloader, { request, spider: this.#crawler.spider });
    return new Promise<Response>((resolve, reject) => {
      slot.queue.push({ request, resolve, reject });
      this.#processQueue(slot);
    });
  };

  #processQueue(slot: Slot): void {
    if (slot.latercall?.active()) return;
    const reactor = (this.#reactor ??= this.#crawler.reactor);
    const now = reactor.seconds();
    const delay = slot.downloadDelay();
    if (delay > 0) {
      const penalty = delay - now + slot.lastseen;
      if (penalty > 0) {
        slot.latercall = reactor.callLater(penalty, () => {
          slot.latercall = null;
          this.#processQueue(slot);
        });
        return;
      }
    }
    while (slot.queued() > 0 && slot.freeTransferSlots() > 0) {
      slot.lastseen = now;
      const entry = slot.shift()!;
      void this.#download(slot, entry);
      // With a delay, one request per pass: no bursts.
      if (delay > 0) {
        this.#processQueue(slot);
        break;
      }
    }
  }

  /**
   * One transfer, and what follows it in Scrapy's order (`Downloader._download` and the
   * callbacks on its Deferred): `responseDownloaded`; the request leaves `transferring` and the
   * slot's queue moves on; `requestLeftDownloader`; the request leaves the slot; then the result
   * goes back up the middleware chain.
   */
  async #download(slot: Slot, { request, resolve, reject }: Queued): Promise<void> {
    slot.transferring.add(request);
    let response: Response | undefined;
    let error: unknown;
    let failed = false;
    try {
      response = await (urlparseCached(request)?.protocol === 'file:' ? this.fileHandler : this.handler).download(request);
      if (this.#crawler.signals.hasHandlers(signals.responseDownloaded)) this.#crawler.signals.send(signals.responseDownloaded, { response, request, spider: this.#crawler.spider });
    } catch (e) {
      failed = true;
      error = e;
    }
    slot.transferring.delete(request);
    this.#processQueue(slot);
    this.#leave(slot, request);
    if (failed) reject(error);
    else resolve(response!);
  }

  /** `request` leaves the downloader (Scrapy's `request_left_downloader`, then `_deactivate`). */
  #leave(slot: Slot, request: Request): void {
    if (this.#crawler.signals.hasHandlers(signals.requestLeftDownloader)) this.#crawler.signals.send(signals.requestLeftDownloader, { request, spider: this.#crawler.spider });
    slot.active.delete(request);
  }

  /** Stop pending delayed calls and close connections. */
  close(): void {
    for (const slot of this.slots.values()) {
      if (slot.latercall?.active()) slot.latercall.cancel();
      // Anything still queued will never be downloaded now.
      for (let q = slot.shift(); q !== undefined; q = slot.shift()) {
        this.#leave(slot, q.request);
        q.reject(new Error('Downloader closed before the request was sent.'));
      }
    }
    this.handler.close();
  }
}
