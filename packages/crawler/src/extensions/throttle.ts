// AutoThrottle: each download slot's delay follows the server's latency (scrapy.extensions.throttle).

import type { Crawler } from '../Crawler.js';
import type { Slot } from '../downloader/Downloader.js';
import { NotConfigured, UsageError } from '../errors.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { signals } from '../signals.js';

/** Python's `%Nd` of a number: truncated toward zero, right-aligned in `width`. */
function intField(n: number, width: number, sign = false): string {
  const t = Math.trunc(n);
  const text = sign && t >= 0 ? `+${t}` : String(t === 0 ? 0 : t);
  return text.padStart(width);
}

/**
 * The next delay of a slot, by Scrapy's AutoThrottle policy: aim at `latency / target`
 * seconds between requests (so that `target` requests are in flight at the server on average),
 * move halfway there from `current` (all the way when the target is higher), keep within
 * `[minDelay, maxDelay]`; a non-200 response may raise the delay but never lowers it (error
 * pages and redirects are small and fast, and would otherwise speed the crawl up against a
 * struggling server).
 *
 * Mirrors Scrapy's `AutoThrottle._adjust_delay`.
 *
 * @param current - the slot's delay now, in seconds.
 * @param latency - the response's `meta.download_latency`, in seconds.
 * @param status - the response's HTTP status.
 * @param options - `target` (AUTOTHROTTLE_TARGET_CONCURRENCY), `minDelay` (DOWNLOAD_DELAY), `maxDelay` (AUTOTHROTTLE_MAX_DELAY).
 * @returns the new delay (equal to `current` when unchanged).
 *
 * @example
 * ```ts
 * import { autoThrottleDelay } from '@deferkit/crawler';
 *
 * const options = { target: 2, minDelay: 0, maxDelay: 60 };
 * console.log(autoThrottleDelay(5, 1, 200, options)); // halfway from 5 s to 1 / 2 s
 * // prints: 2.75
 * console.log(autoThrottleDelay(5, 1, 404, options)); // a 404 does not lower it
 * // prints: 5
 * ```
 */
export function autoThrottleDelay(current: number, latency: number, status: number, options: { target: number; minDelay: number; maxDelay: number }): number {
  const target = latency / options.target;
  const next = Math.min(Math.max(options.minDelay, Math.max(target, (current + target) / 2)), options.maxDelay);
  if (status !== 200 && next <= current) return current;
  return next;
}

/**
 * Adjusts each download slot's delay to the server's latency, when `AUTOTHROTTLE_ENABLED`
 * (off by default, as in Scrapy). When the spider opens, new slots start at
 * `max(DOWNLOAD_DELAY, AUTOTHROTTLE_START_DELAY)`; after each download with a
 * `meta.download_latency`, the slot's delay becomes {@link autoThrottleDelay} of it, between
 * `DOWNLOAD_DELAY` and `AUTOTHROTTLE_MAX_DELAY`. `AUTOTHROTTLE_DEBUG` logs every adjustment at
 * INFO (`slot: … | conc: … | delay: … ms (+…) | latency: … ms | size: … bytes`, logger
 * `scrapy.extensions.throttle`). `CONCURRENT_REQUESTS_PER_DOMAIN` still caps the concurrency.
 *
 * Mirrors Scrapy's `scrapy.extensions.throttle.AutoThrottle`.
 *
 * @example
 * ```ts
 * import { AutoThrottle, Crawler, Spider } from '@deferkit/crawler';
 *
 * class Quiet extends Spider {
 *   override name = 'quiet';
 *   override parse() {}
 * }
 * const crawler = new Crawler(Quiet, { AUTOTHROTTLE_ENABLED: true, AUTOTHROTTLE_TARGET_CONCURRENCY: 4 });
 * console.log(new AutoThrottle(crawler).targetConcurrency);
 * // prints: 4
 * ```
 */
export class AutoThrottle {
  /** AUTOTHROTTLE_TARGET_CONCURRENCY. */
  readonly targetConcurrency: number;
  /** AUTOTHROTTLE_DEBUG. */
  readonly debug: boolean;
  /** The lowest delay (DOWNLOAD_DELAY), in seconds. */
  readonly minDelay: number;
  /** The highest delay (AUTOTHROTTLE_MAX_DELAY), in seconds. */
  readonly maxDelay: number;
  /** The delay new slots start with, in seconds. */
  readonly startDelay: number;
  readonly #crawler: Crawler;

  /**
   * @param crawler - the crawler.
   * @throws NotConfigured when AUTOTHROTTLE_ENABLED is false; UsageError for a target
   *   concurrency that is not a positive number.
   */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    if (!s.getBool('AUTOTHROTTLE_ENABLED')) throw new NotConfigured();
    this.#crawler = crawler;
    this.debug = s.getBool('AUTOTHROTTLE_DEBUG');
    this.targetConcurrency = s.getFloat('AUTOTHROTTLE_TARGET_CONCURRENCY');
    if (!(this.targetConcurrency > 0)) {
      throw new UsageError(
        `AUTOTHROTTLE_TARGET_CONCURRENCY=${JSON.stringify(s.get('AUTOTHROTTLE_TARGET_CONCURRENCY'))} is not valid: it must be a number > 0 (e.g. 1.0, the default).`,
        null,
        false,
      );
    }
    this.minDelay = s.getFloat('DOWNLOAD_DELAY');
    this.maxDelay = delaySetting(s, 'AUTOTHROTTLE_MAX_DELAY', '60.0');
    this.startDelay = Math.max(this.minDelay, delaySetting(s, 'AUTOTHROTTLE_START_DELAY', '5.0'));
    crawler.signals.connect(() => this.#spiderOpened(), signals.spiderOpened);
    crawler.signals.connect(
      ({ response, request }) => this.#responseDownloaded(response as Response, request as Request),
      signals.responseDownloaded,
    );
  }

  #spiderOpened(): void {
    const downloader = this.#crawler.engine?.downloader;
    if (downloader !== undefined) downloader.slotDelay = this.startDelay;
  }

  #responseDownloaded(response: Response, request: Request): void {
    const key = request.meta.download_slot;
    const latency = request.meta.download_latency;
    if (typeof latency !== 'number' || typeof key !== 'string') return;
    const slot: Slot | undefined = this.#crawler.engine?.downloader.slots.get(key);
    if (slot === undefined) return;
    const before = slot.delay;
    slot.delay = autoThrottleDelay(before, latency, response.status, { target: this.targetConcurrency, minDelay: this.minDelay, maxDelay: this.maxDelay });
    if (this.debug) {
      this.#crawler
        .getLogger('scrapy.extensions.throttle')
        .info(
          `slot: ${key} | conc:${intField(slot.transferring.size, 2)} | delay:${intField(slot.delay * 1000, 5)} ms (${intField((slot.delay - before) * 1000, 0, true)}) | ` +
            `latency:${intField(latency * 1000, 5)} ms | size:${intField(response.body.length, 6)} bytes`,
        );
    }
  }
}

// A delay setting in seconds: a finite number ≥ 0. Scrapy takes any float and then sleeps for
// NaN or a negative time; here a bad value stops the crawl at start with the fix named.
function delaySetting(s: Crawler['settings'], name: string, example: string): number {
  const raw = s.get<unknown>(name);
  const v = Number(raw);
  if (raw === null || raw === '' || typeof raw === 'boolean' || !Number.isFinite(v) || v < 0) {
    throw new UsageError(`${name}=${JSON.stringify(raw)} is not valid: it must be a number of seconds ≥ 0 (e.g. ${example}, the default).`, null, false);
  }
  return v;
}
