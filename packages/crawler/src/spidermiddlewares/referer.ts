// RefererMiddleware: requests made from a response carry it as their Referer header.

import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { isRequest, type Request } from '../Request.js';
import type { Response } from '../Response.js';

/**
 * The Referer a request made from `responseUrl` should carry, under Scrapy's default policy
 * (`no-referrer-when-downgrade` for http(s) pages): the page URL without fragment and
 * credentials, none from an https page to an http URL or from a non-http(s) page.
 */
export function defaultReferrer(responseUrl: string, requestUrl: string): string | null {
  let from: URL;
  let to: URL;
  try {
    from = new URL(responseUrl);
    to = new URL(requestUrl);
  } catch {
    return null;
  }
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return null;
  if (from.protocol === 'https:' && to.protocol !== 'https:') return null;
  from.hash = '';
  from.username = '';
  from.password = '';
  return from.href;
}

/**
 * Sets the `Referer` header of the Requests a callback yields to the URL of the response they
 * came from (unless they already have one), so logs read `Crawled (200) <GET …> (referer: …)`
 * as in Scrapy. `REFERER_ENABLED = false` disables it. A universal middleware.
 * Mirrors Scrapy's `RefererMiddleware` with its default policy.
 */
export class RefererMiddleware {
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    if (!crawler.settings.getBool('REFERER_ENABLED', true)) throw new NotConfigured();
  }

  #process(x: unknown, response: Response): unknown {
    if (!isRequest(x)) return x;
    const request = x as Request;
    if (request.headers.get('Referer') === null) {
      const referrer = defaultReferrer(response.url, request.url);
      if (referrer !== null) request.headers.set('Referer', referrer);
    }
    return request;
  }

  /** Sync output. */
  *processSpiderOutput(response: Response, result: Iterable<unknown>): Generator<unknown> {
    for (const x of result) yield this.#process(x, response);
  }

  /** Async output. */
  async *processSpiderOutputAsync(response: Response, result: AsyncIterable<unknown>): AsyncGenerator<unknown> {
    for await (const x of result) yield this.#process(x, response);
  }
}
