// DepthMiddleware: track request depth, limit it, adjust priority by it.

import type { Crawler } from '../Crawler.js';
import { isRequest, type Request } from '../Request.js';
import type { Response } from '../Response.js';

/**
 * Sets `meta.depth` on requests made from a response (its depth + 1), drops those deeper than
 * `DEPTH_LIMIT` (0: no limit) with a DEBUG log, lowers priority by `depth × DEPTH_PRIORITY`, and
 * records `request_depth_max`. A universal middleware (sync and async output).
 * Mirrors Scrapy's `DepthMiddleware`.
 */
export class DepthMiddleware {
  readonly #crawler: Crawler;
  readonly #limit: number;
  readonly #prio: number;
  readonly #verbose: boolean;
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    this.#limit = crawler.settings.getInt('DEPTH_LIMIT');
    this.#prio = crawler.settings.getInt('DEPTH_PRIORITY');
    this.#verbose = crawler.settings.getBool('DEPTH_STATS_VERBOSE');
  }

  #initDepth(response: Response): number {
    const meta = response.request?.meta;
    if (meta === undefined) return 0;
    if (meta.depth === undefined) {
      meta.depth = 0;
      if (this.#verbose) this.#crawler.stats.incValue('request_depth_count/0');
    }
    return Number(meta.depth);
  }

  #filter(x: unknown, parentDepth: number): unknown {
    if (!isRequest(x)) return x;
    const request = x as Request;
    const depth = parentDepth + 1;
    request.meta.depth = depth;
    let out: Request = request;
    if (this.#prio !== 0) out = request.replace({ priority: request.priority - depth * this.#prio });
    if (this.#limit > 0 && depth > this.#limit) {
      this.#crawler.getLogger('scrapy.spidermiddlewares.depth').debug(`Ignoring link (depth > ${this.#limit}): ${request.url}`);
      return undefined;
    }
    if (this.#verbose) this.#crawler.stats.incValue(`request_depth_count/${depth}`);
    this.#crawler.stats.maxValue('request_depth_max', depth);
    return out;
  }

  /** Sync output. */
  *processSpiderOutput(response: Response, result: Iterable<unknown>): Generator<unknown> {
    const depth = this.#initDepth(response);
    for (const x of result) {
      const y = this.#filter(x, depth);
      if (y !== undefined) yield y;
    }
  }

  /** Async output. */
  async *processSpiderOutputAsync(response: Response, result: AsyncIterable<unknown>): AsyncGenerator<unknown> {
    const depth = this.#initDepth(response);
    for await (const x of result) {
      const y = this.#filter(x, depth);
      if (y !== undefined) yield y;
    }
  }
}
