// MetaRefreshMiddleware: follow `<meta http-equiv="refresh" content="N; url=…">` in HTML
// responses (scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware, w3lib's
// get_meta_refresh).

import type { Crawler } from '../Crawler.js';
import type { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { cp1252Char } from '../utils/cp1252.js';
import { BaseRedirectMiddleware } from './redirect.js';

// The HTML 4 named character references (the set Python's html.entities.name2codepoint has,
// which w3lib's replace_entities uses), as `name:hex-codepoint`.
const ENTITY_TABLE =
  'quot:22 amp:26 lt:3c gt:3e nbsp:a0 iexcl:a1 cent:a2 pound:a3 curren:a4 yen:a5 brvbar:a6 sect:a7 uml:a8 copy:a9 ' +
  'ordf:aa laquo:ab not:ac shy:ad reg:ae macr:af deg:b0 plusmn:b1 sup2:b2 sup3:b3 acute:b4 micro:b5 para:b6 ' +
  'middot:b7 cedil:b8 sup1:b9 ordm:ba raquo:bb frac14:bc frac12:bd frac34:be iquest:bf Agrave:c0 Aacute:c1 ' +
  'Acirc:c2 Atilde:c3 Auml:c4 Aring:c5 AElig:c6 Ccedil:c7 Egrave:c8 Eacute:c9 Ecirc:ca Euml:cb Igrave:cc ' +
  'Iacute:cd Icirc:ce Iuml:cf ETH:d0 Ntilde:d1 Ograve:d2 Oacute:d3 Ocirc:d4 Otilde:d5 Ouml:d6 times:d7 Oslash:d8 ' +
  'Ugrave:d9 Uacute:da Ucirc:db Uuml:dc Yacute:dd THORN:de szlig:df agrave:e0 aacute:e1 acirc:e2 atilde:e3 ' +
  'auml:e4 aring:e5 aelig:e6 ccedil:e7 egrave:e8 eacute:e9 ecirc:ea euml:eb igrave:ec iacute:ed icirc:ee iuml:ef ' +
  'eth:f0 ntilde:f1 ograve:f2 oacute:f3 ocirc:f4 otilde:f5 ouml:f6 divide:f7 oslash:f8 ugrave:f9 uacute:fa ' +
  'ucirc:fb uuml:fc yacute:fd thorn:fe yuml:ff OElig:152 oelig:153 Scaron:160 scaron:161 Yuml:178 fnof:192 ' +
  'circ:2c6 tilde:2dc Alpha:391 Beta:392 Gamma:393 Delta:394 Epsilon:395 Zeta:396 Eta:397 Theta:398 Iota:399 ' +
  'Kappa:39a Lambda:39b Mu:39c Nu:39d Xi:39e Omicron:39f Pi:3a0 Rho:3a1 Sigma:3a3 Tau:3a4 Upsilon:3a5 Phi:3a6 ' +
  'Chi:3a7 Psi:3a8 Omega:3a9 alpha:3b1 beta:3b2 gamma:3b3 delta:3b4 epsilon:3b5 zeta:3b6 eta:3b7 theta:3b8 ' +
  'iota:3b9 kappa:3ba lambda:3bb mu:3bc nu:3bd xi:3be omicron:3bf pi:3c0 rho:3c1 sigmaf:3c2 sigma:3c3 tau:3c4 ' +
  'upsilon:3c5 phi:3c6 chi:3c7 psi:3c8 omega:3c9 thetasym:3d1 upsih:3d2 piv:3d6 ensp:2002 emsp:2003 thinsp:2009 ' +
  'zwnj:200c zwj:200d lrm:200e rlm:200f ndash:2013 mdash:2014 lsquo:2018 rsquo:2019 sbquo:201a ldquo:201c ' +
  'rdquo:201d bdquo:201e dagger:2020 Dagger:2021 bull:2022 hellip:2026 permil:2030 prime:2032 Prime:2033 ' +
  'lsaquo:2039 rsaquo:203a oline:203e frasl:2044 euro:20ac image:2111 weierp:2118 real:211c trade:2122 ' +
  'alefsym:2135 larr:2190 uarr:2191 rarr:2192 darr:2193 harr:2194 crarr:21b5 lArr:21d0 uArr:21d1 rArr:21d2 ' +
  'dArr:21d3 hArr:21d4 forall:2200 part:2202 exist:2203 empty:2205 nabla:2207 isin:2208 notin:2209 ni:220b ' +
  'prod:220f sum:2211 minus:2212 lowast:2217 radic:221a prop:221d infin:221e ang:2220 and:2227 or:2228 cap:2229 ' +
  'cup:222a int:222b there4:2234 sim:223c cong:2245 asymp:2248 ne:2260 equiv:2261 le:2264 ge:2265 sub:2282 ' +
  'sup:2283 nsub:2284 sube:2286 supe:2287 oplus:2295 otimes:2297 perp:22a5 sdot:22c5 lceil:2308 rceil:2309 ' +
  'lfloor:230a rfloor:230b lang:2329 rang:232a loz:25ca spades:2660 clubs:2663 hearts:2665 diams:2666 ';

let entities: Map<string, number> | undefined;
function entityCodepoint(name: string): number | undefined {
  if (entities === undefined) {
    entities = new Map();
    for (const pair of ENTITY_TABLE.trim().split(' ')) {
      const [n, cp] = pair.split(':') as [string, string];
      entities.set(n, parseInt(cp, 16));
    }
  }
  return entities.get(name) ?? entities.get(name.toLowerCase());
}

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
