// Scrapy's `urlparse_cached`: parse a Request's or Response's URL once, however many components
// ask for its host or scheme (the downloader's slot key, the download handler, the offsite and
// referer middlewares each used to parse it again, about a microsecond each). And the common
// case of `response.follow()` / `urljoin()` resolved without the URL parser.

const cache = new WeakMap<object, URL | null>();

/** How a Request of this package keeps its parsed URL (registered by Request.ts, which imports this module). */
let requestParsed: ((target: object) => URL | null | undefined) | null = null;

/** Let urlparseCached read (and fill) a Request's own parsed URL. @internal */
export function registerRequestUrlAccess(read: (target: object) => URL | null | undefined): void {
  requestParsed = read;
}

/**
 * The parsed `url` of a Request or Response, cached for as long as the object lives; `null` when
 * the URL does not parse. The URL object is shared: read it, never change it (copy it with
 * `new URL(parsed)` first).
 *
 * Mirrors Scrapy's `scrapy.utils.httpobj.urlparse_cached`.
 * @internal
 */
export function urlparseCached(target: { readonly url: string }): URL | null {
  // A Request keeps its own (a private field: faster than the WeakMap, and filled lazily for
  // the URLs follow() built without the parser).
  const own = requestParsed?.(target);
  if (own !== undefined) return own;
  let parsed = cache.get(target);
  if (parsed === undefined) {
    parsed = parseOrNull(target.url);
    cache.set(target, parsed);
  }
  return parsed;
}

/** `new URL(url)`, or null when it does not parse. @internal */
export function parseOrNull(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * What {@link joinSimple} needs of a base URL: everything before its path (`http://host:port`,
 * userinfo included) and its path up to the last `/`. Null for a base that is not http(s).
 * @internal
 */
export interface JoinBase {
  readonly origin: string;
  readonly dir: string;
}

/**
 * The JoinBase of `base`, a URL as the URL parser serialises it (`new URL(x).href`); null when
 * it is not http: or https: (other schemes keep to the parser). @internal
 */
export function joinBase(base: string): JoinBase | null {
  const m = /^(https?:\/\/[^/?#]*)(\/[^?#]*)/.exec(base);
  if (m === null) return null;
  const path = m[2]!;
  return { origin: m[1]!, dir: m[1]! + path.slice(0, path.lastIndexOf('/') + 1) };
}

// Characters the URL parser copies unchanged into an http(s) path or query: no percent-encoding
// (no space, quote, <, >, backtick, braces, non-ASCII), no stripping (tab, newline), no backslash
// (read as '/'), no fragment. The apostrophe is left out: the parser encodes it in a query.
const SIMPLE_REF = /^[A-Za-z0-9\-._~!$&()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?$/;
// A dot segment ('.', '..', or their %2e spellings) would be removed by the parser.
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e)(?:\.|%2e)?(?:[/?]|$)/i;

/**
 * `new URL(ref, base).href` for the links most pages are made of (`/path`, `page.html`,
 * `sub/page?x=1`, or an absolute URL on the base's own origin) when the parser would copy the
 * reference unchanged; `null` for anything else (the caller then asks the parser). The result
 * is a valid, already-serialised URL. Checked against the URL parser in
 * test/crawler/url-join.test.ts. @internal
 */
export function joinSimple(base: JoinBase, ref: string): string | null {
  if (!SIMPLE_REF.test(ref) || DOT_SEGMENT.test(ref)) return null;
  const c = ref.charCodeAt(0);
  if (c === 0x2f /* / */) {
    // '//host' is a network-path reference: another origin.
    return ref.charCodeAt(1) === 0x2f ? null : base.origin + ref;
  }
  if (c === 0x3f /* ? */ || ref.length === 0) return null;
  const colon = ref.indexOf(':');
  if (colon !== -1) {
    const slash = ref.indexOf('/');
    // A colon before the first '/' makes a scheme: an absolute URL. Only one on the base's own
    // origin, spelt as the parser spells it, is taken as is.
    if (slash === -1 || colon < slash) {
      if (!ref.startsWith(base.origin) || ref.charCodeAt(base.origin.length) !== 0x2f) return null;
      const rest = ref.slice(base.origin.length);
      return rest.charCodeAt(1) === 0x2f || DOT_SEGMENT.test(rest) ? null : ref;
    }
  }
  return base.dir + ref;
}
