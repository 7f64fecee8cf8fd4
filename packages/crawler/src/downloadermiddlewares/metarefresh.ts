// MetaRefreshMiddleware: follow `<meta http-equiv="refresh" content="N; url=…">` in HTML
// responses (scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware, w3lib's
// get_meta_refresh).

import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { cp1252Char } from '../utils/cp1252.js';
import { codepointOf as entityCodepoint } from '../utils/entities.js';
import { BaseRedirectMiddleware } from './redirect.js';

/** w3lib's `replace_entities` (remove_illegal): `&amp;`, `&#38;`, `&#x26;`; unknown `&x;` dropped. */
function replaceEntities(text: string): string {
  return text.replace(/&(?:([a-z\d]+)|#(\d+)|#x([a-f\d]+))(;?)/gi, (whole, named: string | undefined, dec: string | undefined, hex: string | undefined, semi: string) => {
    const n = named !== undefined ? entityCodepoint(named) : dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
    if (n !== undefined) {
      // As browsers (and w3lib) do, &#128;-&#159; are the windows-1252 characters of those bytes.
      if (n >= 0x80 && n <= 0x9f) {
        const c = cp1252Char(n);
        if (c !== undefined) return c;
      } else if (n <= 0x10ffff) {
        return String.fromCodePoint(n);
      }
    }
    return semi === ';' ? '' : whole;
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// http-equiv before content, and content before http-equiv (w3lib's two patterns).
const META_REFRESH = /<meta\s[^>]*http-equiv[^>]*refresh[^>]*content\s*=\s*(["'])((?:\d*\.)?\d+)\s*;\s*url=\s*(.*?)\1/is;
const META_REFRESH_REVERSED = /<meta\s[^>]*content\s*=\s*(["'])((?:\d*\.)?\d+)\s*;\s*url=\s*(.*?)\1[^>]*?\shttp-equiv\s*=[^>]*refresh/is;

/**
 * The meta refresh of an HTML text: `[seconds, absolute URL]`, or `[null, null]` when there is
 * none (a refresh without `url=` does not count). `ignoreTags` elements are removed with their
 * content first (a meta inside `<noscript>` then does not count), then character references are
 * decoded and comments removed. The URL is resolved against `baseUrl` (Scrapy passes the
 * response URL: a `<base href>` does not apply); one that does not parse gives `[null, null]`.
 *
 * Mirrors w3lib's `get_meta_refresh` (as Scrapy 2.8 calls it on the first 4096 characters).
 *
 * @param text - the HTML.
 * @param baseUrl - the URL relative ones are resolved against.
 * @param ignoreTags - tag names whose content is ignored (METAREFRESH_IGNORE_TAGS).
 * @returns e.g. `[5, 'http://127.0.0.1/next']` for
 * `('<meta http-equiv="refresh" content="5; url=/next">', 'http://127.0.0.1/a', [])`. (Not an
 * `@example`: those are run by test/docs/jsdoc-examples.test.ts as user code, and this helper is
 * internal; test/crawler/metarefresh.test.ts pins it.)
 * @internal
 */
export function getMetaRefresh(text: string, baseUrl: string, ignoreTags: readonly string[]): [number, string] | [null, null] {
  let t = text;
  if (ignoreTags.length > 0) {
    const alternatives = ignoreTags.map((tag) => {
      const e = escapeRegExp(tag);
      return `<${e}\\b.*?</${e}>|<${e}\\s*/>`;
    });
    t = t.replace(new RegExp(alternatives.join('|'), 'gis'), '');
  }
  t = replaceEntities(t).replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const m = META_REFRESH.exec(t) ?? META_REFRESH_REVERSED.exec(t);
  if (m === null) return [null, null];
  const seconds = Number(m[2]);
  try {
    return [seconds, new URL(m[3]!.replace(/^[ "']+|[ "']+$/g, ''), baseUrl).href];
  } catch {
    return [null, null];
  }
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml', 'application/vnd.wap.xhtml+xml']);

/** Whether Scrapy would have made `response` an HtmlResponse (by its Content-Type). */
function isHtmlResponse(response: Response): boolean {
  const ct = response.headers.get('content-type');
  if (ct === null) return false;
  return HTML_TYPES.has(ct.split(';')[0]!.trim().toLowerCase());
}

/**
 * Follows meta refreshes: an HTML response whose first 4096 characters hold a
 * `<meta http-equiv="refresh" content="N; url=…">` with `N < METAREFRESH_MAXDELAY` (default 100
 * seconds) is replaced by a GET of that URL (resolved against the response URL), through the
 * same bookkeeping as {@link RedirectMiddleware}: `REDIRECT_MAX_TIMES`, `redirect_ttl`,
 * `redirect_times`, `redirect_urls`, and `'meta refresh'` appended to `redirect_reasons`, logged
 * as `Redirecting (meta refresh) to <GET …> from <GET …>`. Metas inside the elements named in
 * `METAREFRESH_IGNORE_TAGS` (default none) do not count. HEAD requests, non-HTML responses
 * and requests with `meta.dont_redirect` pass unchanged. `METAREFRESH_ENABLED: false`
 * disables it (as in Scrapy 2.8, `REDIRECT_ENABLED` does not).
 *
 * Mirrors Scrapy's `MetaRefreshMiddleware` (DOWNLOADER_MIDDLEWARES_BASE order 580).
 *
 * @example
 * ```ts
 * import { Spider } from '@deferkit/crawler';
 *
 * // On by default; follow only immediate refreshes, and not those in <noscript>:
 * class MySpider extends Spider {
 *   static override customSettings = { METAREFRESH_MAXDELAY: 1, METAREFRESH_IGNORE_TAGS: ['noscript'] };
 * }
 * ```
 */
export class MetaRefreshMiddleware extends BaseRedirectMiddleware {
  readonly #ignoreTags: string[];
  readonly #maxDelay: number;

  /**
   * @param crawler - the crawler.
   * @throws NotConfigured when `METAREFRESH_ENABLED` is false.
   */
  constructor(crawler: Crawler) {
    super(crawler, 'METAREFRESH_ENABLED');
    this.#ignoreTags = crawler.settings.getList<string>('METAREFRESH_IGNORE_TAGS');
    this.#maxDelay = crawler.settings.getInt('METAREFRESH_MAXDELAY');
  }

  /** Follow the meta refresh of an HTML response. */
  processResponse(request: Request, response: Response): Response | Request {
    if (request.meta.dont_redirect === true || request.method === 'HEAD' || !isHtmlResponse(response)) return response;
    const [seconds, url] = getMetaRefresh(response.text.slice(0, 4096), response.url, this.#ignoreTags);
    if (url === null || !(seconds < this.#maxDelay)) return response;
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return response;
    return this.redirect(this.buildRedirectRequest(request, target, true), request, 'meta refresh');
  }
}
