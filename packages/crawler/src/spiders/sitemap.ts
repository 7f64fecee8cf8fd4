// Sitemaps: parse urlset / sitemapindex documents and robots.txt Sitemap: lines
// (scrapy.utils.sitemap), and decide which responses are sitemaps.

import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { load } from 'cheerio/slim';
import type { AnyNode, Element, ParentNode } from 'domhandler';
import type { Response } from '../Response.js';

/** One `<url>` or `<sitemap>` entry: `loc`, the other child elements by name (`lastmod`, `changefreq`, `priority`, …) and `alternate` hrefs. */
export interface SitemapEntry {
  /** The entry's URL. */
  loc: string;
  /** The `href`s of its `<xhtml:link rel="alternate">` children, when it has any. */
  alternate?: string[];
  /** Every other child element, by local name, as its stripped text. */
  [field: string]: string | string[] | undefined;
}

/** The local name of an XML element name (`sm:urlset` → `urlset`). */
function localName(name: string): string {
  const i = name.indexOf(':');
  return i === -1 ? name : name.slice(i + 1);
}

function isElement(n: AnyNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}

/** An element's text before its first child element, CDATA included (lxml's `el.text`). */
function leadingText(el: Element): string {
  let out = '';
  for (const c of el.children) {
    if (c.type === 'text') out += (c as unknown as { data: string }).data;
    else if (c.type === 'cdata') for (const t of (c as ParentNode).children) out += (t as unknown as { data?: string }).data ?? '';
    else if (isElement(c)) break;
  }
  return out;
}

/**
 * A parsed sitemap: its `type` (`urlset`, `sitemapindex`, or the root element's local name for
 * anything else) and its entries (those with a `<loc>`). Namespaces are ignored (elements are
 * matched by local name); comments are skipped; broken XML is read as far as it goes.
 *
 * Mirrors Scrapy's `scrapy.utils.sitemap.Sitemap`.
 *
 * @example
 * ```ts
 * import { Sitemap } from '@deferkit/crawler';
 *
 * const s = new Sitemap(`<?xml version="1.0"?>
 * <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
 *   <url><loc> http://127.0.0.1/a </loc><lastmod>2026-01-01</lastmod></url>
 * </urlset>`);
 * console.log(s.type, [...s]);
 * // prints: urlset [ { loc: 'http://127.0.0.1/a', lastmod: '2026-01-01' } ]
 * ```
 */
export class Sitemap implements Iterable<SitemapEntry> {
  /** `urlset`, `sitemapindex`, or the root element's local name (`''` when there is none). */
  readonly type: string;
  readonly #root: Element | undefined;

  /**
   * @param xml - the sitemap document (bytes are decoded as UTF-8).
   */
  constructor(xml: string | Uint8Array) {
    const text = typeof xml === 'string' ? xml : new TextDecoder('utf-8').decode(xml);
    const doc = load(text, { xml: { xmlMode: true, decodeEntities: true } }).root()[0] as unknown as ParentNode;
    this.#root = doc.children.find(isElement);
    this.type = this.#root === undefined ? '' : localName(this.#root.name);
  }

  /** The entries, in document order. */
  *[Symbol.iterator](): Iterator<SitemapEntry> {
    if (this.#root === undefined) return;
    for (const entry of this.#root.children) {
      if (!isElement(entry)) continue;
      const d: Record<string, string | string[]> = {};
      for (const el of entry.children) {
        if (!isElement(el)) continue;
        const name = localName(el.name);
        if (name === 'link') {
          const href = el.attribs.href;
          if (href !== undefined) ((d.alternate ??= []) as string[]).push(href);
        } else d[name] = leadingText(el).trim();
      }
      if (typeof d.loc === 'string') yield d as SitemapEntry;
    }
  }
}

/**
 * The sitemap URLs of a robots.txt: every `Sitemap:` line (any case, leading spaces allowed),
 * resolved against `baseUrl`.
 *
 * Mirrors Scrapy's `scrapy.utils.sitemap.sitemap_urls_from_robots`.
 *
 * @param robotsText - the robots.txt text.
 * @param baseUrl - the robots.txt URL (relative sitemap URLs resolve against it).
 * @example
 * ```ts
 * import { sitemapUrlsFromRobots } from '@deferkit/crawler';
 *
 * console.log([...sitemapUrlsFromRobots('User-agent: *\nSitemap: /sitemap.xml\n  sitemap: http://127.0.0.1/news.xml', 'http://127.0.0.1/robots.txt')]);
 * // prints: [ 'http://127.0.0.1/sitemap.xml', 'http://127.0.0.1/news.xml' ]
 * ```
 */
export function* sitemapUrlsFromRobots(robotsText: string, baseUrl?: string): Generator<string, void, undefined> {
  for (const line of robotsText.split(/\r\n|\r|\n/)) {
    if (!line.trimStart().toLowerCase().startsWith('sitemap:')) continue;
    const url = line.slice(line.indexOf(':') + 1).trim();
    try {
      yield baseUrl === undefined ? new URL(url).href : new URL(url, baseUrl).href;
    } catch {
      // Not a URL: skipped.
    }
  }
}

/** Whether the body starts with gzip's magic number and the deflate method. Scrapy's `gzip_magic_number`. */
export function hasGzipMagic(body: Uint8Array): boolean {
  return body[0] === 0x1f && body[1] === 0x8b && body[2] === 0x08;
}

/** Raised by {@link gunzip} when the output would pass `maxSize`. @internal */
export class GunzipTooLarge extends Error {
  override name = 'GunzipTooLarge' as const;
}

/**
 * Decompress gzip data, keeping what a truncated or corrupt stream yields before the damage
 * (as Scrapy's `gunzip`); stops with GunzipTooLarge past `maxSize` bytes (0: no limit).
 * @internal
 */
export function gunzip(data: Uint8Array, maxSize = 0): Uint8Array {
  const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH, ...(maxSize > 0 ? { maxOutputLength: maxSize + 1 } : {}) };
  let out: Uint8Array;
  try {
    out = gunzipSync(data, options);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new GunzipTooLarge(`decompressed size exceeds ${maxSize} bytes`);
    throw e;
  }
  if (maxSize > 0 && out.length > maxSize) throw new GunzipTooLarge(`decompressed size exceeds ${maxSize} bytes`);
  return out;
}

/** Content types of XML responses (Scrapy's XmlResponse). */
const XML_TYPES = /^(application\/xml|text\/xml)$/;

/** Whether Scrapy would make `response` an XmlResponse: an XML Content-Type, or none and an XML declaration. @internal */
export function isXmlResponse(response: Response): boolean {
  const ct = (response.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (ct !== '') return XML_TYPES.test(ct);
  return response.isText && /^\s*<\?xml/.test(response.text.slice(0, 512));
}
