// Response: what came back, with text decoding, CSS selectors and link following.

import { Headers, type HeadersInit } from './Headers.js';
import { Request, type RequestInit } from './Request.js';
import { loadHtml, select, type SelectorList } from './Selector.js';

/** Options of {@link Response}. */
export interface ResponseInit {
  /** HTTP status (default 200). */
  status?: number;
  /** Response headers. */
  headers?: HeadersInit;
  /** Raw (decompressed) body. */
  body?: Uint8Array | string;
  /** The request it answers. */
  request?: Request | null;
  /** Labels shown in logs (e.g. `'cached'`). */
  flags?: string[];
  /** The remote IP address. */
  ip?: string;
  /** Force this text encoding. */
  encoding?: string;
}

function knownEncoding(label: string | undefined | null): string | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim().toLowerCase()).encoding;
  } catch {
    return null;
  }
}

function bomEncoding(body: Uint8Array): string | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  return null;
}

function metaCharset(body: Uint8Array): string | null {
  const head = new TextDecoder('latin1').decode(body.subarray(0, 4096));
  const m =
    /<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)/i.exec(head) ??
    /<meta[^>]+content\s*=\s*["'][^"']*charset=([a-zA-Z0-9_.:-]+)/i.exec(head);
  return m === null ? null : (m[1] ?? null);
}

/**
 * A downloaded response. `text` decodes the body (byte-order mark, then the Content-Type
 * charset, then a `<meta>` charset, then UTF-8; undecodable bytes become U+FFFD, never an
 * error); `css()` selects with Scrapy's `::text` / `::attr(name)`; `follow()` makes Requests
 * for relative links.
 *
 * Mirrors Scrapy's `scrapy.http.TextResponse` / `HtmlResponse`.
 *
 * @example
 * ```ts
 * parse(response: Response) {
 *   yield { title: response.css('h1::text').get() };
 *   for (const href of response.css('a.next::attr(href)').getall()) yield response.follow(href);
 * }
 * ```
 */
export class Response {
  /** The final URL (after redirects). */
  readonly url: string;
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** The body, decompressed. */
  readonly body: Uint8Array;
  /** The request it answers (set by the engine). */
  request: Request | null;
  /** Labels shown in logs. */
  readonly flags: string[];
  /** The remote IP address, when known. */
  readonly ip: string | undefined;
  readonly #forcedEncoding: string | undefined;
  #text: string | undefined;
  #encoding: string | undefined;
  #dom: ReturnType<typeof loadHtml> | undefined;

  /**
   * @param url - the response URL.
   * @param init - status, headers, body, request.
   */
  constructor(url: string, init: ResponseInit = {}) {
    this.url = url;
    this.status = init.status ?? 200;
    this.headers = new Headers(init.headers);
    const body = init.body ?? new Uint8Array(0);
    this.body = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    this.request = init.request ?? null;
    this.flags = init.flags ?? [];
    this.ip = init.ip;
    this.#forcedEncoding = init.encoding;
  }

  /** `request.meta` (Scrapy's `response.meta`). */
  get meta(): Record<string, unknown> {
    if (this.request === null) {
      throw new Error('Response.meta is not available: this response is not tied to any request (set response.request).');
    }
    return this.request.meta;
  }

  /** The text encoding used by `text`. */
  get encoding(): string {
    if (this.#encoding === undefined) {
      const ct = this.headers.get('content-type') ?? '';
      const headerCharset = /charset\s*=\s*["']?([^;"'\s]+)/i.exec(ct)?.[1];
      this.#encoding =
        knownEncoding(this.#forcedEncoding) ??
        bomEncoding(this.body) ??
        knownEncoding(headerCharset) ??
        knownEncoding(metaCharset(this.body)) ??
        'utf-8';
    }
    return this.#encoding;
  }

  /** The body decoded to text. */
  get text(): string {
    if (this.#text === undefined) {
      let t = new TextDecoder(this.encoding, { fatal: false, ignoreBOM: false }).decode(this.body);
      if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
      this.#text = t;
    }
    return this.#text;
  }

  /**
   * The body parsed as JSON.
   *
   * @throws SyntaxError when the body is not JSON.
   */
  json(): unknown {
    return JSON.parse(this.text);
  }

  /**
   * Resolve `url` against this response's URL (a `<base href>` in the page is honoured).
   *
   * @param url - a relative or absolute URL.
   */
  urljoin(url: string): string {
    let base = this.url;
    const baseHref = /<base[^>]+href\s*=\s*["']([^"']+)["']/i.exec(this.text.slice(0, 4096))?.[1];
    if (baseHref !== undefined) {
      try {
        base = new URL(baseHref, this.url).href;
      } catch {
        /* keep the response URL */
      }
    }
    return new URL(url, base).href;
  }

  /**
   * CSS query with Scrapy's pseudo-elements: `'h1::text'`, `'a::attr(href)'`.
   *
   * @param query - the selector.
   */
  css(query: string): SelectorList {
    this.#dom ??= loadHtml(this.text);
    return select(this.#dom, query);
  }

  /**
   * A Request for a (possibly relative) URL, or for a link's `href`.
   *
   * @param url - a URL, or a Request (returned as is).
   * @param init - Request options.
   * @throws TypeError for a URL that cannot be resolved.
   */
  follow(url: string | Request, init: RequestInit = {}): Request {
    if (url instanceof Request) return url;
    const trimmed = String(url).trim();
    let absolute: string;
    try {
      absolute = this.urljoin(trimmed);
    } catch {
      throw new TypeError(`Response.follow(): cannot build a URL from ${JSON.stringify(url)} relative to ${this.url}.`);
    }
    return new Request(absolute, init);
  }

  /**
   * Requests for several URLs, or for every `href` a CSS query selects
   * (`followAll({ css: 'a.next' })`). Links with a non-HTTP(S) scheme (mailto:, javascript:, …)
   * are skipped, as Scrapy's link extractors do.
   *
   * @param urls - URLs, or `{ css }` selecting `<a>` elements.
   * @param init - Request options.
   */
  followAll(urls: Iterable<string> | { css: string }, init: RequestInit = {}): Request[] {
    const list: string[] =
      typeof (urls as { css?: unknown }).css === 'string'
        ? this.css(`${(urls as { css: string }).css}`).flatMap((s) => (s.attrib.href !== undefined ? [s.attrib.href] : []))
        : [...(urls as Iterable<string>)];
    const out: Request[] = [];
    for (const u of list) {
      let absolute: string;
      try {
        absolute = this.urljoin(u.trim());
      } catch {
        continue;
      }
      if (!/^https?:/i.test(absolute)) continue;
      out.push(new Request(absolute, init));
    }
    return out;
  }

  /**
   * A copy with some fields changed.
   *
   * @param changes - fields to change, including `url`.
   */
  replace(changes: ResponseInit & { url?: string } = {}): Response {
    return new Response(changes.url ?? this.url, {
      status: changes.status ?? this.status,
      headers: changes.headers ?? this.headers,
      body: changes.body ?? this.body,
      request: changes.request !== undefined ? changes.request : this.request,
      flags: changes.flags ?? [...this.flags],
      ...(this.ip !== undefined ? { ip: this.ip } : {}),
      ...(changes.encoding !== undefined ? { encoding: changes.encoding } : {}),
    });
  }

  /** `<200 http://…>`, as Scrapy prints responses. */
  toString(): string {
    return `<${this.status} ${this.url}>`;
  }
}
