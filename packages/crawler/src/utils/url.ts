// Scrapy's `urlparse_cached`: parse a Request's or Response's URL once, however many components
// ask for its host or scheme (the downloader's slot key, the download handler, the offsite and
// referer middlewares each used to parse it again, about a microsecond each).

const cache = new WeakMap<object, URL | null>();

/**
 * The parsed `url` of a Request or Response, cached for as long as the object lives; `null` when
 * the URL does not parse. The URL object is shared: read it, never change it (copy it with
 * `new URL(parsed)` first).
 *
 * Mirrors Scrapy's `scrapy.utils.httpobj.urlparse_cached`.
 * @internal
 */
export function urlparseCached(target: { readonly url: string }): URL | null {
  let parsed = cache.get(target);
  if (parsed === undefined) {
    try {
      parsed = new URL(target.url);
    } catch {
      parsed = null;
    }
    cache.set(target, parsed);
  }
  return parsed;
}

/** Record the URL a Request's constructor has just parsed, so the first lookup finds it. @internal */
export function seedUrlCache(target: { readonly url: string }, parsed: URL): void {
  cache.set(target, parsed);
}
