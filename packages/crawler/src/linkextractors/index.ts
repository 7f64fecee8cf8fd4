// LinkExtractor and Link (scrapy.linkextractors.LinkExtractor, scrapy.link.Link).

import type { AnyNode, Element, ParentNode } from 'domhandler';
import type { Response } from '../Response.js';
import type { Selector, SelectorList } from '../Selector.js';
import { canonicalizeUrl } from './canonicalize.js';

export { canonicalizeUrl } from './canonicalize.js';
export type { CanonicalizeOptions } from './canonicalize.js';

/**
 * Extensions (without the dot) of links the LinkExtractor drops by default: archives, images,
 * audio, video, office documents and a few other binaries.
 *
 * Mirrors Scrapy's `scrapy.linkextractors.IGNORED_EXTENSIONS`.
 *
 * @example
 * ```ts
 * import { IGNORED_EXTENSIONS } from '@deferkit/crawler';
 *
 * console.log(IGNORED_EXTENSIONS.includes('pdf'), IGNORED_EXTENSIONS.includes('html'));
 * // prints: true false
 * ```
 */
export const IGNORED_EXTENSIONS: readonly string[] = Object.freeze([
  // archives
  ...['7z', '7zip', 'bz2', 'rar', 'tar', 'tar.gz', 'xz', 'zip'],
  // images
  ...['mng', 'pct', 'bmp', 'gif', 'jpg', 'jpeg', 'png', 'pst', 'psp', 'tif', 'tiff', 'ai', 'drw', 'dxf', 'eps', 'ps', 'svg', 'cdr', 'ico'],
  // audio
  ...['mp3', 'wma', 'ogg', 'wav', 'ra', 'aac', 'mid', 'au', 'aiff'],
  // video
  ...['3gp', 'asf', 'asx', 'avi', 'mov', 'mp4', 'mpg', 'qt', 'rm', 'swf', 'wmv', 'm4a', 'm4v', 'flv', 'webm'],
  // office suites
  ...['xls', 'xlsx', 'ppt', 'pptx', 'pps', 'doc', 'docx', 'odt', 'ods', 'odg', 'odp'],
  // other
  ...['css', 'pdf', 'exe', 'bin', 'rss', 'dmg', 'iso', 'apk'],
]);

/**
 * A link found by a {@link LinkExtractor}: the absolute URL, the link's text (every text node
 * inside the element, joined as is — not stripped, as XPath's `string()`), a fragment (always
 * `''` from the LinkExtractor, which keeps the fragment in `url`, as Scrapy does) and whether
 * its `rel` says `nofollow`. Two Links are equal when all four fields are ({@link Link.equals}).
 *
 * Mirrors Scrapy's `scrapy.link.Link`.
 *
 * @example
 * ```ts
 * import { Link } from '@deferkit/crawler';
 *
 * const link = new Link('http://127.0.0.1/a', 'A', '', true);
 * console.log(link.url, link.text, link.nofollow, link.equals(new Link('http://127.0.0.1/a', 'A', '', true)));
 * // prints: http://127.0.0.1/a A true true
 * ```
 */
export class Link {
  /** The absolute URL. */
  url: string;
  /** The text inside the link element. */
  text: string;
  /** The part after `#` (the LinkExtractor leaves it in `url` and this empty). */
  fragment: string;
  /** Whether the element's `rel` has `nofollow`. */
  nofollow: boolean;

  /**
   * @param url - the absolute URL.
   * @param text - the link's text.
   * @param fragment - the fragment.
   * @param nofollow - whether `rel` has `nofollow`.
   * @throws TypeError when `url` is not a string.
   */
  constructor(url: string, text = '', fragment = '', nofollow = false) {
    if (typeof url !== 'string') throw new TypeError(`Link urls must be strings, got ${url === null ? 'null' : typeof url}.`);
    this.url = url;
    this.text = text;
    this.fragment = fragment;
    this.nofollow = nofollow;
  }

  /** Whether `other` has the same url, text, fragment and nofollow. */
  equals(other: Link): boolean {
    return this.url === other.url && this.text === other.text && this.fragment === other.fragment && this.nofollow === other.nofollow;
  }

  /** A string that is the same for equal Links (for Sets and Maps). */
  key(): string {
    return JSON.stringify([this.url, this.text, this.fragment, this.nofollow]);
  }

  /** `Link(url='…', text='…', fragment='', nofollow=false)`, as Scrapy prints Links. */
  toString(): string {
    return `Link(url=${JSON.stringify(this.url)}, text=${JSON.stringify(this.text)}, fragment=${JSON.stringify(this.fragment)}, nofollow=${this.nofollow})`;
  }
}

/** A pattern: a regex, or a string compiled as one (searched anywhere in the URL, as `re.search`). */
export type Pattern = RegExp | string;

/**
 * Options of {@link LinkExtractor}. Scrapy's snake_case names map to camelCase: `allow_domains`
 * → `allowDomains`, `restrict_xpaths` → `restrictXpaths`, `process_value` → `processValue`, and
 * so on. A single value works where a list is expected, as in Scrapy.
 */
export interface LinkExtractorOptions {
  /** Keep only URLs one of these matches (none: every URL). */
  allow?: Pattern | readonly Pattern[];
  /** Drop URLs one of these matches (wins over `allow`). */
  deny?: Pattern | readonly Pattern[];
  /** Keep only URLs of these domains or their subdomains. The host compared includes a non-default port, as Scrapy compares the netloc. */
  allowDomains?: string | readonly string[];
  /** Drop URLs of these domains or their subdomains. */
  denyDomains?: string | readonly string[];
  /** Look for links only inside what these XPath expressions select (needs `response.xpath`). */
  restrictXpaths?: string | readonly string[];
  /** Look for links only inside what these CSS selectors select. */
  restrictCss?: string | readonly string[];
  /** Keep only links whose text one of these matches. */
  restrictText?: Pattern | readonly Pattern[];
  /** Element names to take links from (default `a`, `area`). */
  tags?: string | readonly string[];
  /** Attributes holding the URL (default `href`). */
  attrs?: string | readonly string[];
  /** Canonicalize each URL with {@link canonicalizeUrl} (default false). */
  canonicalize?: boolean;
  /** Drop duplicate links (default true). */
  unique?: boolean;
  /** Change each (absolute) URL, or return null/undefined to drop the link. */
  processValue?: (value: string) => string | null | undefined;
  /** Extensions (no dot) to drop; default {@link IGNORED_EXTENSIONS}; `[]` keeps every extension. */
  denyExtensions?: string | readonly string[];
  /** Strip HTML whitespace around attribute values (default true). */
  strip?: boolean;
}

function toList<T>(x: T | readonly T[] | undefined | null): T[] {
  if (x === undefined || x === null) return [];
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

function toRegex(p: Pattern, option: string): RegExp {
  if (p instanceof RegExp) return p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, '')) : p;
  if (typeof p !== 'string') throw new TypeError(`LinkExtractor ${option}: expected regexes (RegExp or string), got ${typeof p}.`);
  try {
    return new RegExp(p);
  } catch (e) {
    throw new SyntaxError(`LinkExtractor ${option}: ${JSON.stringify(p)} is not a valid regular expression (${(e as Error).message}).`);
  }
}

/** HTML's whitespace: space, tab, LF, FF, CR. */
const HTML5_WHITESPACE = /^[ \t\n\r\f]+|[ \t\n\r\f]+$/g;
const VALID_SCHEMES = new Set(['http', 'https', 'file', 'ftp']);
const TAG_NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/** The text of every text node below `node` (XPath's `string()`). */
function stringValue(node: AnyNode): string {
  let out = '';
  const stack: AnyNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text') out += (n as unknown as { data: string }).data;
    const ch = (n as ParentNode).children;
    if (ch !== undefined) for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]!);
  }
  return out;
}

/** Scrapy's `url_is_from_any_domain`: the (lower-cased) netloc is a domain or below one. */
export function urlIsFromAnyDomain(url: URL, domains: Iterable<string>): boolean {
  const auth = url.username !== '' ? `${url.username}${url.password !== '' ? ':' + url.password : ''}@` : '';
  const host = (auth + url.host).toLowerCase();
  if (host === '') return false;
  for (const d of domains) {
    const dl = d.toLowerCase();
    if (host === dl || host.endsWith('.' + dl)) return true;
  }
  return false;
}

/** A selector that can run XPath (the Response and Selector of the XPath API). */
interface XPathCapable {
  xpath(query: string): SelectorList;
}

/**
 * Finds the links of a response worth following: every `href` of `<a>` and `<area>` (or the
 * `tags`/`attrs` you name) inside the page or the regions `restrictCss`/`restrictXpaths`
 * select, resolved against the page's `<base href>` (else the response URL), kept when they
 * pass `allow`/`deny`, `allowDomains`/`denyDomains`, `denyExtensions` and `restrictText`, with
 * an `http`, `https`, `file` or `ftp` scheme (so `mailto:` and `javascript:` links are dropped),
 * and without duplicates (`unique`). Options are Scrapy's, camelCased.
 *
 * Mirrors Scrapy's `scrapy.linkextractors.LinkExtractor` (`LxmlLinkExtractor`).
 *
 * @example
 * ```ts
 * import { LinkExtractor, Response } from '@deferkit/crawler';
 *
 * const response = new Response('http://127.0.0.1/shop/', {
 *   headers: { 'Content-Type': 'text/html' },
 *   body: '<div id="nav"><a href="page/2"> Next </a><a href="/logo.png">logo</a></div>' +
 *     '<a href="mailto:me@example.com">mail</a><a href="/about" rel="nofollow">About</a>',
 * });
 * for (const link of new LinkExtractor().extractLinks(response)) console.log(link.url, JSON.stringify(link.text), link.nofollow);
 * console.log(new LinkExtractor({ restrictCss: '#nav' }).extractLinks(response).length);
 * // prints: http://127.0.0.1/shop/page/2 " Next " false
 * //         http://127.0.0.1/about "About" true
 * //         1
 * ```
 */
export class LinkExtractor {
  readonly #allow: RegExp[];
  readonly #deny: RegExp[];
  readonly #allowDomains: Set<string>;
  readonly #denyDomains: Set<string>;
  readonly #restrictXpaths: string[];
  readonly #restrictCss: string[];
  readonly #restrictText: RegExp[];
  readonly #tags: Set<string>;
  readonly #tagQuery: string;
  readonly #attrs: Set<string>;
  readonly #canonicalize: boolean;
  readonly #unique: boolean;
  readonly #processValue: ((value: string) => string | null | undefined) | undefined;
  readonly #denyExtensions: string[];
  readonly #strip: boolean;

  /**
   * @param options - what to keep; see {@link LinkExtractorOptions}.
   * @throws TypeError / SyntaxError for an option of the wrong type, an invalid regex, or a
   *   tag name that is no element name.
   */
  constructor(options: LinkExtractorOptions = {}) {
    const known = new Set([
      'allow', 'deny', 'allowDomains', 'denyDomains', 'restrictXpaths', 'restrictCss', 'restrictText',
      'tags', 'attrs', 'canonicalize', 'unique', 'processValue', 'denyExtensions', 'strip',
    ]);
    for (const key of Object.keys(options)) {
      if (!known.has(key)) {
        const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        const hint = known.has(camel) ? ` (deferkit spells Scrapy's ${key} as ${camel})` : ` (known options: ${[...known].join(', ')})`;
        throw new TypeError(`LinkExtractor: unknown option ${JSON.stringify(key)}${hint}.`);
      }
    }
    this.#allow = toList(options.allow).map((p) => toRegex(p, 'allow'));
    this.#deny = toList(options.deny).map((p) => toRegex(p, 'deny'));
    this.#allowDomains = new Set(toList(options.allowDomains));
    this.#denyDomains = new Set(toList(options.denyDomains));
    this.#restrictXpaths = toList(options.restrictXpaths);
    this.#restrictCss = toList(options.restrictCss);
    this.#restrictText = toList(options.restrictText).map((p) => toRegex(p, 'restrictText'));
    const tags = toList(options.tags ?? ['a', 'area']);
    for (const t of tags) {
      if (typeof t !== 'string' || !TAG_NAME.test(t)) throw new TypeError(`LinkExtractor tags: ${JSON.stringify(t)} is not an element name (give names like 'a', 'area', 'link').`);
    }
    this.#tags = new Set(tags.map((t) => t.toLowerCase()));
    this.#tagQuery = [...this.#tags].join(', ');
    this.#attrs = new Set(toList(options.attrs ?? ['href']).map((a) => a.toLowerCase()));
    this.#canonicalize = options.canonicalize ?? false;
    this.#unique = options.unique ?? true;
    if (options.processValue !== undefined && typeof options.processValue !== 'function') {
      throw new TypeError(`LinkExtractor processValue must be a function (value) => string | null, got ${typeof options.processValue}.`);
    }
    this.#processValue = options.processValue;
    this.#denyExtensions = toList(options.denyExtensions ?? IGNORED_EXTENSIONS).map((e) => '.' + e.toLowerCase());
    this.#strip = options.strip ?? true;
  }

  /**
   * The links of `response` this extractor keeps, in document order (region by region with
   * `restrictCss`/`restrictXpaths`: XPath regions first, as Scrapy translates the CSS ones and
   * appends them).
   *
   * @param response - an HTML response.
   * @returns the Links.
   * @throws TypeError with `restrictXpaths` when the response has no `xpath()`.
   */
  extractLinks(response: Response): Link[] {
    const regions: Array<Response | Selector> = [];
    if (this.#restrictXpaths.length > 0) {
      const xp = (response as unknown as Partial<XPathCapable>).xpath;
      if (typeof xp !== 'function') {
        throw new TypeError('LinkExtractor restrictXpaths needs response.xpath(), which this build does not have; use restrictCss instead.');
      }
      for (const x of this.#restrictXpaths) regions.push(...xp.call(response, x));
    }
    for (const c of this.#restrictCss) regions.push(...response.css(c));
    if (this.#restrictXpaths.length === 0 && this.#restrictCss.length === 0) regions.push(response);
    const all: Link[] = [];
    for (const region of regions) {
      // A region that is an extracted string (`::text`, an attribute) holds no elements.
      if (region !== response && (region as Selector).node === null) continue;
      const links = this.#extractFrom(region, response).filter((l) => this.#allowed(l));
      if (this.#canonicalize) for (const l of links) l.url = canonicalizeUrl(l.url);
      all.push(...this.#dedupe(links));
    }
    if (!this.#unique) return all;
    const seen = new Set<string>();
    return all.filter((l) => {
      const k = l.key();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /**
   * Whether a URL passes this extractor's domain and `allow`/`deny` filters (not the extension
   * or text ones). Scrapy's `LinkExtractor.matches`.
   *
   * @param url - an absolute URL.
   */
  matches(url: string): boolean {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (this.#allowDomains.size > 0 && (parsed === null || !urlIsFromAnyDomain(parsed, this.#allowDomains))) return false;
    if (this.#denyDomains.size > 0 && parsed !== null && urlIsFromAnyDomain(parsed, this.#denyDomains)) return false;
    const allowed = this.#allow.length === 0 || this.#allow.some((r) => r.test(url));
    return allowed && !this.#deny.some((r) => r.test(url));
  }

  #extractFrom(region: Response | Selector, response: Response): Link[] {
    const links: Link[] = [];
    for (const sel of region.css(this.#tagQuery)) {
      const el = sel.node as Element | null;
      if (el === null || el.attribs === undefined || !this.#tags.has(el.name)) continue;
      for (const [name, raw] of Object.entries(el.attribs)) {
        if (!this.#attrs.has(name)) continue;
        const value = this.#strip ? raw.replace(HTML5_WHITESPACE, '') : raw;
        let url: string | null | undefined;
        try {
          url = response.urljoin(value);
        } catch {
          continue; // a bogus link
        }
        if (this.#processValue !== undefined) {
          url = this.#processValue(url);
          if (url === null || url === undefined) continue;
          try {
            // What processValue returns may be relative again.
            url = new URL(url, response.url).href;
          } catch {
            continue;
          }
        }
        links.push(new Link(url, stringValue(el), '', relHasNofollow(el.attribs.rel)));
      }
    }
    return this.#dedupe(links);
  }

  /** Scrapy's per-region duplicate removal: by URL (canonical form, fragments kept, unless canonicalize already made it canonical). */
  #dedupe(links: Link[]): Link[] {
    if (!this.#unique) return links;
    const seen = new Set<string>();
    const out: Link[] = [];
    for (const l of links) {
      const k = this.#canonicalize ? l.url : canonicalizeUrl(l.url, { keepFragments: true });
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(l);
    }
    return out;
  }

  #allowed(link: Link): boolean {
    const scheme = link.url.split('://', 1)[0]!;
    if (!link.url.includes('://') || !VALID_SCHEMES.has(scheme)) return false;
    if (this.#allow.length > 0 && !this.#allow.some((r) => r.test(link.url))) return false;
    if (this.#deny.length > 0 && this.#deny.some((r) => r.test(link.url))) return false;
    let parsed: URL;
    try {
      parsed = new URL(link.url);
    } catch {
      return false;
    }
    if (this.#allowDomains.size > 0 && !urlIsFromAnyDomain(parsed, this.#allowDomains)) return false;
    if (this.#denyDomains.size > 0 && urlIsFromAnyDomain(parsed, this.#denyDomains)) return false;
    if (this.#denyExtensions.length > 0) {
      const path = parsed.pathname.toLowerCase();
      if (this.#denyExtensions.some((e) => path.endsWith(e))) return false;
    }
    if (this.#restrictText.length > 0 && !this.#restrictText.some((r) => r.test(link.text))) return false;
    return true;
  }
}

/** Scrapy's `rel_has_nofollow`: `nofollow` among the space- or comma-separated rel tokens. */
function relHasNofollow(rel: string | undefined): boolean {
  return rel !== undefined && rel.replace(/,/g, ' ').split(/\s+/).includes('nofollow');
}
