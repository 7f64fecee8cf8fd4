// MemoryUsage: watch the process's memory, warn and close the spider over a limit
// (scrapy.extensions.memusage).

import { LoopingCall } from '@deferkit/reactor';
import type { Crawler } from '../Crawler.js';
import { NotConfigured, UsageError } from '../errors.js';
import { signals } from '../signals.js';

/**
 * The process's peak resident set size, in bytes: `getrusage(RUSAGE_SELF).ru_maxrss`, the
 * number Scrapy's MemoryUsage reads (Node reports it in kilobytes on every platform).
 *
 * @example
 * ```ts
 * import { peakMemoryUsage } from '@deferkit/crawler';
 *
 * console.log(peakMemoryUsage() >= process.memoryUsage.rss() - 1024 * 1024);
 * // prints: true
 * ```
 */
export function peakMemoryUsage(): number {
  return process.resourceUsage().maxRSS * 1024;
}

const MIB = 1024 * 1024;

/**
 * Watches the process's peak memory (see {@link peakMemoryUsage}) while the engine runs, when
 * `MEMUSAGE_ENABLED` (on by default, as in Scrapy). At engine start it records
 * `memusage/startup`, then every `MEMUSAGE_CHECK_INTERVAL_SECONDS` (the first check at once):
 *
 * - `memusage/max`: the highest value seen;
 * - with `MEMUSAGE_LIMIT_MB`: over the limit, `memusage/limit_reached` = 1, the ERROR
 *   `Memory usage exceeded N MiB. Shutting down Scrapy...` and the spider closes with
 *   `memusage_exceeded`; under it, the INFO `Peak memory usage is N MiB`;
 * - with `MEMUSAGE_WARNING_MB`: the first time over it, `memusage/warning_reached` = 1 and the
 *   WARNING `Memory usage reached N MiB`.
 *
 * The checks stop when the engine stops (they never keep the process alive). Logger
 * `scrapy.extensions.memusage`. `MEMUSAGE_NOTIFY_MAIL` is not supported (no mail is sent).
 *
 * Mirrors Scrapy's `scrapy.extensions.memusage.MemoryUsage`.
 *
 * @example
 * ```ts
 * import { Crawler, MemoryUsage, Spider } from '@deferkit/crawler';
 *
 * class Quiet extends Spider {
 *   override name = 'quiet';
 *   override parse() {}
 * }
 * const crawler = new Crawler(Quiet, { MEMUSAGE_LIMIT_MB: 2048 });
 * console.log(new MemoryUsage(crawler).limit / 1024 / 1024, 'MiB');
 * // prints: 2048 MiB
 * ```
 */
export class MemoryUsage {
  /** MEMUSAGE_LIMIT_MB in bytes (0: no limit). */
  readonly limit: number;
  /** MEMUSAGE_WARNING_MB in bytes (0: no warning). */
  readonly warning: number;
  /** MEMUSAGE_CHECK_INTERVAL_SECONDS. */
  readonly checkInterval: number;
  readonly #crawler: Crawler;
  readonly #tasks: LoopingCall[] = [];
  #warned = false;

  /**
   * @param crawler - the crawler.
   * @throws NotConfigured when MEMUSAGE_ENABLED is false; UsageError for a negative size or
   *   an interval that is not a positive number.
   */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    if (!s.getBool('MEMUSAGE_ENABLED')) throw new NotConfigured();
    for (const name of ['MEMUSAGE_LIMIT_MB', 'MEMUSAGE_WARNING_MB']) {
      const mb = s.getInt(name);
      if (!(mb >= 0)) throw new UsageError(`${name}=${JSON.stringify(s.get(name))} is not valid: it must be a whole number of MiB ≥ 0 (0 turns it off).`, null, false);
    }
    this.limit = s.getInt('MEMUSAGE_LIMIT_MB') * MIB;
    this.warning = s.getInt('MEMUSAGE_WARNING_MB') * MIB;
    this.checkInterval = s.getFloat('MEMUSAGE_CHECK_INTERVAL_SECONDS');
    if (!(this.checkInterval > 0)) {
      throw new UsageError(
        `MEMUSAGE_CHECK_INTERVAL_SECONDS=${JSON.stringify(s.get('MEMUSAGE_CHECK_INTERVAL_SECONDS'))} is not valid: it must be a number of seconds > 0 (default 60).`,
        null,
        false,
      );
    }
    this.#crawler = crawler;
    crawler.signals.connect(() => this.#engineStarted(), signals.engineStarted);
    crawler.signals.connect(() => this.#engineStopped(), signals.engineStopped);
  }

  #every(fn: () => void): void {
    const task = new LoopingCall(fn);
    task.clock = this.#crawler.reactor;
    this.#tasks.push(task);
    task.start(this.checkInterval, true);
  }

  #engineStarted(): void {
    this.#crawler.stats.setValue('memusage/startup', peakMemoryUsage());
    this.#every(() => this.#crawler.stats.maxValue('memusage/max', peakMemoryUsage()));
    if (this.limit > 0) this.#every(() => this.#checkLimit());
    if (this.warning > 0) this.#every(() => this.#checkWarning());
  }

  #engineStopped(): void {
    for (const task of this.#tasks) if (task.running) task.stop();
  }

  #logger(): ReturnType<Crawler['getLogger']> {
    return this.#crawler.getLogger('scrapy.extensions.memusage');
  }

  #checkLimit(): void {
    const peak = peakMemoryUsage();
    if (peak > this.limit) {
      this.#crawler.stats.setValue('memusage/limit_reached', 1);
      this.#logger().error(`Memory usage exceeded ${Math.trunc(this.limit / MIB)}MiB. Shutting down Scrapy...`);
      const engine = this.#crawler.engine;
      if (engine?.spider != null) void engine.closeSpider('memusage_exceeded');
      else void this.#crawler.stopAsync();
    } else {
      this.#logger().info(`Peak memory usage is ${Math.trunc(peak / MIB)}MiB`);
    }
  }

  #checkWarning(): void {
    if (this.#warned) return;
    if (peakMemoryUsage() > this.warning) {
      this.#crawler.stats.setValue('memusage/warning_reached', 1);
      this.#logger().warning(`Memory usage reached ${Math.trunc(this.warning / MIB)}MiB`);
      this.#warned = true;
    }
  }
}
