// RefererMiddleware: requests made from a response carry it as their Referer header.

import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { isRequest, type Request } from '../Request.js';
import type { Response } from '../Response.js';
import { signals } from '../signals.js';

/**
 * The Referer a request made from `responseUrl` should carry, under Scrapy's default policy
 * (`no-referrer-when-downgrade` for http(s) pages): the page URL without fragment and
 * credentials, none from an https page to an http URL or from a non-http(s) page.
 */
export function defaultReferrer(responseUrl: string, requestUrl: string): string | null {
  const source = referrerSource(responseUrl);
  if (source === null) return null;
  let to: URL;
  try {
    to = new URL(requestUrl);
  } catch {
    return null;
  }
  return referrerFor(source, to.protocol);
}

/** The page side of the default policy: its scheme, and its URL as a Referer; `null` for no Referer at all. */
interface ReferrerSource {
  https: boolean;
  referrer: string;
}

function referrerSource(responseUrl: string): ReferrerSource | null {
  let from: URL;
  try {
    from = new URL(responseUrl);
  } catch {
    return null;
  }
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return null;
  from.hash = '';
  from.username = '';
  from.password = '';
  return { https: from.protocol === 'https:', referrer: from.href };
}

function referrerFor(source: ReferrerSource, toProtocol: string): string | null {
  return source.https && toProtocol !== 'https:' ? null : source.referrer;
}

/** The scheme of a Request's URL (already serialized by the URL parser, so lower case), with its colon. */
function protocolOf(url: string): string {
  return url.slice(0, url.indexOf(':') + 1);
}

/**
 * Sets the `Referer` header of the Requests a callback yields to the URL of the response they
 * came from (unless they already have one), so logs read `Crawled (200) <GET …> (referer: …)`
 * as in Scrapy. A redirected request is checked again when it is scheduled: its Referer (the
 * page it came from) is dropped if the redirect went from https to http, as the policy says.
 * `REFERER_ENABLED = false` disables it. A universal middleware.
 * Mirrors Scrapy's `RefererMiddleware` with its default policy.
 */
export class RefererMiddleware {
  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    if (!crawler.settings.getBool('REFERER_ENABLED', true)) throw new NotConfigured();
    crawler.signals.connect(({ request }) => RefererMiddleware.#redirected(request as Request), signals.requestScheduled);
  }

  /**
   * Scrapy's `request_scheduled` hook: a redirected request keeps the Referer of the request it
   * replaces, which stands for the page it came from; apply the policy again to its new URL.
   */
  static #redirected(request: Request): void {
    const redirects = request.meta.redirect_urls;
    if (!Array.isArray(redirects) || redirects.length === 0) return;
    const current = request.headers.get('Referer');
    if (current === null) return;
    const wanted = defaultReferrer(current, request.url);
    if (wanted === current) return;
    if (wanted === null) request.headers.delete('Referer');
    else request.headers.set('Referer', wanted);
  }

  /** Sets the Referer of the requests of one response; the response URL is looked at once. */
  #processor(response: Response): (x: unknown) => unknown {
    let source: ReferrerSource | null | undefined;
    return (x) => {
      if (!isRequest(x)) return x;
      const request = x as Request;
      if (request.headers.get('Referer') === null) {
        if (source === undefined) source = referrerSource(response.url);
        const referrer = source === null ? null : referrerFor(source, protocolOf(request.url));
        if (referrer !== null) request.headers.set('Referer', referrer);
      }
      return request;
    };
  }

  /** Sync output. */
  *processSpiderOutput(response: Response, result: Iterable<unknown>): Generator<unknown> {
    const process = this.#processor(response);
    for (const x of result) yield process(x);
  }

  /** Async output. */
  async *processSpiderOutputAsync(response: Response, result: AsyncIterable<unknown>): AsyncGenerator<unknown> {
    const process = this.#processor(response);
    for await (const x of result) yield process(x);
  }
}
