// SitemapSpider: crawl what sitemaps list (scrapy.spiders.SitemapSpider).

import { Request, type Callback } from '../Request.js';
import type { Response } from '../Response.js';
import { Spider } from '../Spider.js';
import { GunzipTooLarge, Sitemap, gunzip, hasGzipMagic, isXmlResponse, sitemapUrlsFromRobots, type SitemapEntry } from './sitemap.js';

/** A sitemap rule: a URL pattern and the callback (function or spider method name) for the pages it matches. */
export type SitemapRule = readonly [pattern: RegExp | string, callback: Callback | string];

function toRegex(p: RegExp | string, what: string): RegExp {
  if (p instanceof RegExp) return p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, '')) : p;
  if (typeof p !== 'string') throw new TypeError(`${what}: expected a RegExp or a string, got ${typeof p}.`);
  try {
    return new RegExp(p);
  } catch (e) {
    throw new SyntaxError(`${what}: ${JSON.stringify(p)} is not a valid regular expression (${(e as Error).message}).`);
  }
}

/**
 * A spider that crawls the pages sitemaps list. Its start requests are `sitemapUrls`: sitemaps
 * (`<urlset>`), sitemap indexes (`<sitemapindex>`, whose sitemaps matching `sitemapFollow` are
 * fetched in turn) and robots.txt URLs (whose `Sitemap:` lines are fetched). Gzipped sitemaps
 * are decompressed (up to `DOWNLOAD_MAXSIZE`). Each page URL goes to the callback of the first
 * of `sitemapRules` whose pattern it matches (`[['', 'parse']]` by default); with
 * `sitemapAlternateLinks`, the `<xhtml:link rel="alternate">` URLs of an entry are crawled
 * too. Override `sitemapFilter(entries)` to choose entries by their fields (`lastmod`, …).
 *
 * A response counts as a sitemap when it is XML (an XML Content-Type), gzip data, or its URL ends
 * with `.xml` or `.xml.gz`; anything else is logged (`Ignoring invalid sitemap: …`) and skipped.
 *
 * Mirrors Scrapy's `scrapy.spiders.SitemapSpider`.
 *
 * @example
 * ```ts
 * import { SitemapSpider, type Response } from '@deferkit/crawler';
 *
 * class Shop extends SitemapSpider {
 *   override name = 'shop';
 *   override sitemapUrls = ['http://127.0.0.1:8080/robots.txt'];
 *   override sitemapRules = [['/product/', 'parseProduct'], ['', 'parse']] as const;
 *   parseProduct(response: Response) {
 *     return { name: response.css('h1::text').get() };
 *   }
 *   override parse(response: Response) {
 *     return { page: response.url };
 *   }
 * }
 * console.log([...new Shop().startRequests()].map(String));
 * // prints: [ '<GET http://127.0.0.1:8080/robots.txt>' ]
 * ```
 */
export class SitemapSpider extends Spider {
  /** Sitemap, sitemap index and robots.txt URLs to start from. */
  sitemapUrls: readonly string[] = [];
  /** `[pattern, callback]` pairs: a page goes to the first whose pattern matches its URL. */
  sitemapRules: readonly SitemapRule[] = [['', 'parse']];
  /** Patterns of the sitemap URLs of an index to follow (default: all). */
  sitemapFollow: ReadonlyArray<RegExp | string> = [''];
  /** Also crawl each entry's alternate-language URLs (`<xhtml:link rel="alternate">`). */
  sitemapAlternateLinks = false;
  #rules: Array<[RegExp, Callback]> | undefined;
  #follow: RegExp[] | undefined;

  /** One Request per sitemap URL, to the sitemap parser (duplicates filtered, as in Scrapy). */
  override *startRequests(): Iterable<unknown> {
    for (const url of this.sitemapUrls) yield new Request(url, { callback: SitemapSpider.prototype._parseSitemap });
  }

  /**
   * The entries of a sitemap to use; all by default. Override to filter them by their fields.
   * Scrapy's `sitemap_filter`.
   *
   * @param entries - the sitemap's entries.
   * @returns the entries to crawl.
   * @example
   * ```ts
   * import { SitemapSpider, type SitemapEntry } from '@deferkit/crawler';
   *
   * class Recent extends SitemapSpider {
   *   override *sitemapFilter(entries: Iterable<SitemapEntry>) {
   *     for (const e of entries) if ((e.lastmod ?? '') >= '2026-01-01') yield e;
   *   }
   * }
   * console.log([...new Recent().sitemapFilter([{ loc: 'a', lastmod: '2025-12-31' }, { loc: 'b', lastmod: '2026-02-01' }])].map((e) => e.loc));
   * // prints: [ 'b' ]
   * ```
   */
  *sitemapFilter(entries: Iterable<SitemapEntry>): Iterable<SitemapEntry> {
    yield* entries;
  }

  /** The callback of sitemap requests: robots.txt, index and urlset responses. @internal */
  *_parseSitemap(response: Response): Generator<Request, void, undefined> {
    if (response.url.endsWith('/robots.txt')) {
      for (const url of sitemapUrlsFromRobots(response.text, response.url)) yield new Request(url, { callback: SitemapSpider.prototype._parseSitemap });
      return;
    }
    const body = this.getSitemapBody(response);
    if (body === null) {
      this.logger.warning(`Ignoring invalid sitemap: ${response}`);
      return;
    }
    const sitemap = new Sitemap(body);
    const entries = this.sitemapFilter(sitemap);
    if (sitemap.type === 'sitemapindex') {
      const follow = (this.#follow ??= this.sitemapFollow.map((p) => toRegex(p, `${this.constructor.name}.sitemapFollow`)));
      for (const loc of this.#locs(entries)) {
        if (follow.some((r) => r.test(loc))) yield new Request(loc, { callback: SitemapSpider.prototype._parseSitemap });
      }
    } else if (sitemap.type === 'urlset') {
      const rules = this.#compiledRules();
      for (const loc of this.#locs(entries)) {
        const rule = rules.find(([r]) => r.test(loc));
        if (rule !== undefined) yield new Request(loc, { callback: rule[1] });
      }
    }
  }

  /**
   * The sitemap document in `response`, or null when it is no sitemap: the body of an XML
   * response; gzip data decompressed; the body of a URL ending in `.xml` or `.xml.gz` (a
   * `.xml.gz` served with `Content-Encoding: gzip` arrives decompressed). Scrapy's
   * `_get_sitemap_body`.
   *
   * @param response - a response of a sitemap request.
   */
  protected getSitemapBody(response: Response): Uint8Array | null {
    if (isXmlResponse(response)) return response.body;
    if (hasGzipMagic(response.body)) {
      const maxSize = this.crawler === undefined ? 0 : this.settings.getInt('DOWNLOAD_MAXSIZE', 0);
      try {
        return gunzip(response.body, maxSize);
      } catch (e) {
        if (e instanceof GunzipTooLarge) {
          this.logger.warning(`Ignoring sitemap ${response}: its decompressed size exceeds DOWNLOAD_MAXSIZE (${maxSize} bytes); raise DOWNLOAD_MAXSIZE to read it.`);
        }
        return null;
      }
    }
    if (response.url.endsWith('.xml') || response.url.endsWith('.xml.gz')) return response.body;
    return null;
  }

  *#locs(entries: Iterable<SitemapEntry>): Generator<string, void, undefined> {
    for (const e of entries) {
      yield e.loc;
      if (this.sitemapAlternateLinks && e.alternate !== undefined) yield* e.alternate;
    }
  }

  #compiledRules(): Array<[RegExp, Callback]> {
    if (this.#rules !== undefined) return this.#rules;
    this.#rules = this.sitemapRules.map(([pattern, cb], i) => {
      const what = `${this.constructor.name}.sitemapRules[${i}]`;
      let fn: unknown = cb;
      if (typeof cb === 'string') {
        fn = (this as unknown as Record<string, unknown>)[cb];
        if (typeof fn !== 'function') throw new TypeError(`${what}: callback ${JSON.stringify(cb)} is not a method of the spider (define ${cb}() on it, or pass a function).`);
      } else if (typeof cb !== 'function') throw new TypeError(`${what}: the callback must be a function or a spider method name, got ${typeof cb}.`);
      return [toRegex(pattern, what), fn as Callback];
    });
    return this.#rules;
  }
}
