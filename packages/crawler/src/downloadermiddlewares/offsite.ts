// OffsiteMiddleware: drop requests to domains outside the spider's allowedDomains.

import type { Crawler } from '../Crawler.js';
import { IgnoreRequest } from '../errors.js';
import type { Request } from '../Request.js';
import { signals } from '../signals.js';
import { urlparseCached } from '../utils/url.js';

/**
 * Drops requests whose host is not one of the spider's `allowedDomains` (or a subdomain of one)
 * with IgnoreRequest, logging each filtered domain once at DEBUG. `dontFilter` or
 * `meta.allow_offsite` let a request through.
 *
 * Requests are checked when they are scheduled (the `requestScheduled` signal), so an offsite
 * request is dropped before the duplicate filter sees it and never reaches an errback — as
 * Scrapy 2.8's spider-middleware OffsiteMiddleware drops callback output before the scheduler
 * (and Scrapy ≥ 2.11.2's downloader one hooks `request_scheduled`). Requests that skip the
 * scheduler (`engine.download()`) are checked when they are downloaded.
 *
 * Mirrors Scrapy's `scrapy.downloadermiddlewares.offsite.OffsiteMiddleware`.
 */
export class OffsiteMiddleware {
  readonly #crawler: Crawler;
  #regex: RegExp | null | undefined;
  readonly #seen = new Set<string>();
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    crawler.signals.connect(({ request }) => this.processRequest(request as Request, crawler.spider ?? undefined), signals.requestScheduled);
  }

  #hostRegex(spider: { allowedDomains?: string[] | undefined } | undefined): RegExp | null {
    if (this.#regex !== undefined) return this.#regex;
    const domains = spider?.allowedDomains;
    if (domains === undefined || domains.length === 0) return (this.#regex = null);
    const logger = this.#crawler.getLogger('scrapy.downloadermiddlewares.offsite');
    const ok: string[] = [];
    for (const d of domains) {
      if (d === null || d === undefined) continue;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d)) {
        logger.warning(`allowedDomains accepts only domains, not URLs. Ignoring URL entry ${d} in allowedDomains.`);
      } else if (/:\d+$/.test(d)) {
        logger.warning(`allowedDomains accepts only domains without ports. Ignoring entry ${d} in allowedDomains.`);
      } else ok.push(d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    return (this.#regex = new RegExp(`^(.*\\.)?(${ok.join('|')})$`, 'i'));
  }

  /** Drop offsite requests. */
  processRequest(request: Request, spider: { allowedDomains?: string[] | undefined } | undefined): void {
    if (request.dontFilter || request.meta.allow_offsite === true) return;
    const regex = this.#hostRegex(spider);
    if (regex === null) return;
    // No host (an invalid URL): offsite.
    const host = urlparseCached(request)?.hostname ?? '';
    if (regex.test(host)) return;
    const stats = this.#crawler.stats;
    if (host !== '' && !this.#seen.has(host)) {
      this.#seen.add(host);
      this.#crawler.getLogger('scrapy.downloadermiddlewares.offsite').debug(`Filtered offsite request to '${host}': ${request}`);
      stats.incValue('offsite/domains');
    }
    stats.incValue('offsite/filtered');
    throw new IgnoreRequest(`Filtered offsite request to '${host}'`);
  }
}
