// Response: what came back, with text decoding, CSS selectors and link following.

import { Headers, type HeadersInit } from './Headers.js';
import { Request, requestFromTrustedUrl, type RequestInit } from './Request.js';
import { loadHtml, loadXml, select, Selector, urlFromSelector, type SelectorList, type XPathOptions } from './Selector.js';
import { brandClass } from './utils/brand.js';
import { joinBase, joinSimple, type JoinBase } from './utils/url.js';
import { CP1252_C1 } from './utils/cp1252.js';
import { NotSupported } from './errors.js';
import type { PeerCertificate } from 'node:tls';

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
  /** The server's TLS certificate (HTTPS responses). */
  certificate?: PeerCertificate;
  /** The protocol the response came with, e.g. `'HTTP/1.1'`. */
  protocol?: string;
  /** Force this text encoding. */
  encoding?: string;
}

// Label → canonical encoding name (null: unknown label), and one decoder per encoding: a
// non-streaming decode() leaves a TextDecoder as it found it, and making one costs more than
// decoding a small page.
const labels = new Map<string, string | null>();
const PYTHON_LABELS: Record<string, string> = { 'latin-1': 'windows-1252', latin_1: 'windows-1252', l1: 'windows-1252', cp819: 'windows-1252', 'iso_8859-1': 'windows-1252' };
const decoders = new Map<string, InstanceType<typeof TextDecoder>>();

function knownEncoding(label: string | undefined | null): string | null {
  if (!label) return null;
  let encoding = labels.get(label);
  if (encoding === undefined) {
    try {
      const l = label.trim().toLowerCase();
      // Python's names that WHATWG lacks: latin-1 is cp1252 to w3lib, as iso-8859-1 is to WHATWG.
      encoding = new TextDecoder(PYTHON_LABELS[l] ?? l).encoding;
    } catch {
      encoding = null;
    }
    // Labels come from the pages: keep the cache small whatever they say.
    if (labels.size >= 64) labels.clear();
    labels.set(label, encoding);
  }
  return encoding;
}

/** The body of responses without one (never written to: it has no bytes). */
const EMPTY_BODY = new Uint8Array(0);

let cp1252Broken: boolean | undefined;

/** `body` decoded as `encoding`, undecodable bytes as U+FFFD. */
function decodeText(encoding: string, body: Uint8Array): string {
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    decoder = new TextDecoder(encoding, { fatal: false, ignoreBOM: false });
    decoders.set(encoding, decoder);
  }
  const text = decoder.decode(body);
  if (encoding !== 'windows-1252') return text;
  cp1252Broken ??= new TextDecoder('windows-1252').decode(Uint8Array.of(0x80)) !== '\u20ac';
  return cp1252Broken ? text.replace(/[\u0080-\u009f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!) : text;
}

let utf8Check: InstanceType<typeof TextDecoder> | undefined;

/**
 * A body that declares no encoding, decoded as w3lib's `html_to_unicode` guesses it for
 * Scrapy's TextResponse: UTF-8 when the bytes are valid UTF-8 (pure ASCII included), else
 * windows-1252 (cp1252), which decodes any byte. Without this a cp1252 page decoded as UTF-8
 * with U+FFFD. The UTF-8 text comes with the guess, so it is not decoded twice.
 */
function detectEncoding(body: Uint8Array): { encoding: string; text: string | undefined } {
  utf8Check ??= new TextDecoder('utf-8', { fatal: true });
  try {
    return { encoding: 'utf-8', text: utf8Check.decode(body) };
  } catch {
    return { encoding: 'windows-1252', text: undefined };
  }
}

/** Content-Types Scrapy answers with an XmlResponse. */
const XML_TYPES = new Set(['text/xml', 'application/xml', 'application/rss+xml', 'application/atom+xml', 'application/rdf+xml']);

/** Content-Types whose body is text (Scrapy's responsetypes: TextResponse and its subclasses). */
const TEXT_TYPES = /^(text\/|application\/(json|x-json|javascript|x-javascript|ecmascript|xml|xhtml\+xml|x-www-form-urlencoded)$|[\w.-]+\/[\w.-]+\+(xml|json)$)/;

/** Scrapy's `binary_is_text` on the first 5,000 bytes: no control byte but \t \n \r and NUL. */
function sniffText(body: Uint8Array): boolean {
  const n = Math.min(body.length, 5000);
  for (let i = 0; i < n; i++) {
    const b = body[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x00) return false;
  }
  return true;
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
 * charset, then a `<meta>` charset, then a guess as w3lib makes it: UTF-8 if the bytes are valid UTF-8, else windows-1252; undecodable bytes become U+FFFD, never an
 * error); `css()` selects with Scrapy's `::text` / `::attr(name)`; `follow()` makes Requests
 * for relative links.
 *
 * Mirrors Scrapy's `scrapy.http.TextResponse` / `HtmlResponse`.
 *
 * @example
 * ```ts
 * import { Request, Response, Spider } from '@deferkit/crawler';
 *
 * class Books extends Spider {
 *   override name = 'books';
 *   override *parse(response: Response) {
 *     yield { title: response.css('h1::text').get() };
 *     for (const href of response.css('a.next::attr(href)').getall()) yield response.follow(href);
 *   }
 * }
 * const page = new Response('http://127.0.0.1/', {
 *   headers: { 'Content-Type': 'text/html' },
 *   body: '<h1>Books</h1><a class="next" href="/page/2">next</a>',
 * });
 * for (const out of new Books().parse(page)) console.log(out instanceof Request ? out.url : out);
 * // prints: { title: 'Books' }
 * //         http://127.0.0.1/page/2
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
  /** The remote IP address, when known. Scrapy's `ip_address`. */
  readonly ip: string | undefined;
  /**
   * The server's TLS certificate, for responses downloaded over HTTPS (Node's
   * `tls.PeerCertificate`: `subject`, `issuer`, `valid_to`, `fingerprint256`, `raw`, …). Like
   * Scrapy's default, the download handler does not verify it: check it here if you need to.
   * Scrapy's `certificate`.
   */
  readonly certificate: PeerCertificate | undefined;
  /** The protocol the response came with (`'HTTP/1.1'`), when downloaded. Scrapy's `protocol`. */
  readonly protocol: string | undefined;
  readonly #forcedEncoding: string | undefined;
  #text: string | undefined;
  #isText: boolean | undefined;
  #encoding: string | undefined;
  #dom: ReturnType<typeof loadHtml> | undefined;
  #selector: Selector | undefined;
  #json: { value: unknown } | undefined;
  #base: string | undefined;
  #joinBase: JoinBase | null | undefined;

  /**
   * @param url - the response URL.
   * @param init - status, headers, body, request.
   */
  constructor(url: string, init: ResponseInit = {}) {
    if (typeof url !== 'string') {
      throw new TypeError(`new Response(url, init): url must be a string, got ${url === null ? 'null' : typeof url}; pass status, headers and body in init.`);
    }
    this.url = url;
    this.status = init.status ?? 200;
    this.headers = new Headers(init.headers);
    const body = init.body ?? EMPTY_BODY;
    this.body = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    this.request = init.request ?? null;
    this.flags = init.flags ?? [];
    this.ip = init.ip;
    this.certificate = init.certificate;
    this.protocol = init.protocol;
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
      const declared =
        knownEncoding(this.#forcedEncoding) ?? bomEncoding(this.body) ?? knownEncoding(headerCharset) ?? knownEncoding(metaCharset(this.body));
      if (declared !== null) this.#encoding = declared;
      else {
        const guess = detectEncoding(this.body);
        this.#encoding = guess.encoding;
        this.#text = guess.text;
      }
    }
    return this.#encoding;
  }

  /**
   * Whether the body is text (Scrapy's TextResponse/HtmlResponse/XmlResponse rather than a
   * plain Response), decided as `scrapy.responsetypes` does: from the Content-Type
   * (`text/*`, JSON, JavaScript, XML types are text; images, audio, video, fonts, PDF, archives
   * are not); with none, or `application/octet-stream`, from the first 5,000 bytes (no control
   * bytes but tab, newline, carriage return and NUL: text). A Response built in code with a
   * string body and no Content-Type is text, as Scrapy's `HtmlResponse(url, body=…)`.
   */
  get isText(): boolean {
    if (this.#isText === undefined) {
      const ct = (this.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
      if (ct === '' || ct === 'application/octet-stream') this.#isText = sniffText(this.body);
      else this.#isText = TEXT_TYPES.test(ct);
    }
    return this.#isText;
  }

  #notText(what: string): NotSupported {
    return new NotSupported(
      `Response content isn't text: ${what} needs a text response, and ${this.url} is ${this.headers.get('content-type') ?? 'binary'}. ` +
        'Check response.isText (or the Content-Type) first, and read response.body for binary content.',
    );
  }

  /**
   * The body decoded to text.
   *
   * @throws NotSupported for a binary response (`isText` false), as Scrapy's plain Response has no text.
   */
  get text(): string {
    if (!this.isText) throw this.#notText('text');
    // Reading the encoding first: guessing it may already have decoded the text.
    const encoding = this.encoding;
    if (this.#text === undefined) {
      let t = decodeText(encoding, this.body);
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
    // Parsed once, as Scrapy caches it; a body that is no JSON throws again on every call.
    this.#json ??= { value: JSON.parse(this.text) as unknown };
    return this.#json.value;
  }

  /**
   * Whether the body is read as XML (Scrapy's XmlResponse): a `text/xml`, `application/xml`,
   * `application/rss+xml`, `application/atom+xml` or `application/rdf+xml` Content-Type; with
   * no Content-Type (or `application/octet-stream`), a URL path ending in `.xml`, or a body
   * whose first 5,000 bytes have `<?xml` and no `<html>` (Scrapy's responsetypes). XML is parsed
   * with names kept in case and namespaces honoured by xpath(); {@link XmlResponse} is always XML.
   */
  get isXml(): boolean {
    const ct = (this.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (ct !== '' && ct !== 'application/octet-stream') return XML_TYPES.has(ct);
    let path = '';
    try {
      path = new URL(this.url).pathname;
    } catch {
      /* no path */
    }
    if (/\.xml$/i.test(path)) return true;
    const head = new TextDecoder('latin1').decode(this.body.subarray(0, 5000)).toLowerCase();
    return !head.includes('<html>') && head.includes('<?xml');
  }

  /** The parsed body, made on the first css()/xpath() (HTML or XML, see isXml). */
  #parsed(what: string): ReturnType<typeof loadHtml> {
    if (!this.isText) throw this.#notText(what);
    return (this.#dom ??= this.isXml ? loadXml(this.text) : loadHtml(this.text));
  }

  /**
   * The Selector on the whole page (the root element), which `css()` and `xpath()` query:
   * register namespaces on it (`response.selector.registerNamespace('atom', uri)`), or remove
   * them (`response.selector.removeNamespaces()`).
   *
   * Mirrors Scrapy's `TextResponse.selector`.
   *
   * @throws NotSupported for a binary response.
   */
  get selector(): Selector {
    if (this.#selector === undefined) {
      const dom = this.#parsed('selector');
      this.#selector = new Selector(dom, dom.rootElement, null);
    }
    return this.#selector;
  }

  /**
   * XPath 1.0 query on the page, with parsel's extensions (`has-class()`, EXSLT `re:`,
   * `set:`), variables and namespaces: see {@link Selector.xpath}. Parsed once, on the first
   * css() or xpath(); the XPath view of the tree is built on the first xpath().
   *
   * Mirrors Scrapy's `TextResponse.xpath`.
   *
   * @param query - the XPath expression, e.g. `'//a/@href'`.
   * @param options - `namespaces` and XPath variables (`xpath('//a[@id=$id]', { id: 'x' })`).
   * @throws NotSupported for a binary response; XPathError for an expression that is invalid.
   *
   * @example
   * ```ts
   * import { Response } from '@deferkit/crawler';
   *
   * const response = new Response('http://127.0.0.1/', {
   *   headers: { 'Content-Type': 'text/html' },
   *   body: '<html><body><div class="book"><h3>Dune</h3><p class="price">£9.99</p></div></body></html>',
   * });
   * for (const book of response.xpath('//div[has-class("book")]')) {
   *   console.log(book.xpath('./h3/text()').get(), book.css('.price::text').reFirst(/[\d.]+/));
   * }
   * // prints: Dune 9.99
   * ```
   */
  xpath(query: string, options: XPathOptions = {}): SelectorList {
    if (!this.isText) throw this.#notText(`xpath(${JSON.stringify(query)})`);
    return this.selector.xpath(query, options);
  }

  /**
   * JMESPath query on the JSON body (see {@link Selector.jmespath}); a body that is no JSON
   * selects nothing.
   *
   * Mirrors Scrapy's `TextResponse.jmespath` (Scrapy 2.11, parsel 1.8).
   *
   * @param query - the JMESPath expression.
   * @throws NotSupported for a binary response.
   *
   * @example
   * ```ts
   * import { Response } from '@deferkit/crawler';
   *
   * const response = new Response('http://127.0.0.1/api', {
   *   headers: { 'Content-Type': 'application/json' },
   *   body: '{"items": [{"title": "Dune"}, {"title": "Emma"}], "next": "/api?page=2"}',
   * });
   * console.log(response.jmespath('items[*].title').getall(), response.jmespath('next').get());
   * // prints: [ 'Dune', 'Emma' ] /api?page=2
   * ```
   */
  jmespath(query: string): SelectorList {
    if (!this.isText) throw this.#notText(`jmespath(${JSON.stringify(query)})`);
    return Selector.fromText(this.text, { type: 'json' }).jmespath(query);
  }

  /**
   * Resolve `url` against this response's URL (a `<base href>` in the page is honoured).
   *
   * @param url - a relative or absolute URL.
   */
  urljoin(url: string): string {
    return this.#joinFast(url) ?? new URL(url, this.#baseUrl()).href;
  }

  /** `url` resolved without the URL parser, when {@link joinSimple} can; else null. */
  #joinFast(url: string): string | null {
    if (this.#joinBase === undefined) {
      let base: string | null = null;
      try {
        // The parser's own spelling of the base (host case, default port): joinSimple copies it.
        base = new URL(this.#baseUrl()).href;
      } catch {
        /* the parser will say what is wrong */
      }
      this.#joinBase = base === null ? null : joinBase(base);
    }
    return this.#joinBase === null ? null : joinSimple(this.#joinBase, url);
  }

  /** The URL relative links resolve against: `<base href>`, else the response URL (found once). */
  #baseUrl(): string {
    if (this.#base === undefined) {
      let base = this.url;
      const baseHref = this.isText ? /<base[^>]+href\s*=\s*["']([^"']+)["']/i.exec(this.text.slice(0, 4096))?.[1] : undefined;
      if (baseHref !== undefined) {
        try {
          base = new URL(baseHref, this.url).href;
        } catch {
          /* keep the response URL */
        }
      }
      this.#base = base;
    }
    return this.#base;
  }

  /**
   * CSS query with Scrapy's pseudo-elements: `'h1::text'`, `'a::attr(href)'`.
   *
   * @param query - the selector.
   * @throws NotSupported for a binary response (an image, a PDF), as Scrapy's `Response.css`.
   */
  css(query: string): SelectorList {
    const dom = this.#parsed(`css(${JSON.stringify(query)})`);
    if (this.#selector !== undefined) return this.#selector.css(query);
    return select(dom, query);
  }

  /**
   * A Request for a (possibly relative) URL, or for a link: an `<a>`/`<link>` Selector (its
   * `href`) or an extracted string Selector (`a::attr(href)`).
   *
   * @param url - a URL, a Selector, or a Request (returned as is).
   * @param init - Request options.
   * @throws TypeError for a URL that cannot be resolved (`http://[broken`), for one the Request
   *   refuses (`Missing scheme in request URL: mailto:x@y …`, as Scrapy), and for a Selector
   *   that is no link.
   */
  follow(url: string | Request | Selector, init: RequestInit = {}): Request {
    if (url instanceof Request) return url;
    if (url instanceof Selector) url = urlFromSelector(url);
    if (typeof url !== 'string') throw new TypeError(`Response.follow(): url must be a string, a Selector or a Request, got ${url === null ? 'null' : typeof url}.`);
    const trimmed = url.trim();
    // A subclass's own urljoin() is honoured, as Scrapy's follow() calls self.urljoin().
    const ownJoin = this.urljoin === Response.prototype.urljoin;
    const simple = ownJoin ? this.#joinFast(trimmed) : null;
    if (simple !== null) return requestFromTrustedUrl(simple, init);
    let absolute: string;
    try {
      // joinSimple already declined it: straight to the parser.
      absolute = ownJoin ? new URL(trimmed, this.#baseUrl()).href : this.urljoin(trimmed);
    } catch {
      throw new TypeError(`Response.follow(): cannot build a URL from ${JSON.stringify(url)} relative to ${this.url}.`);
    }
    return new Request(absolute, init);
  }

  /**
   * Requests for several URLs or Selectors, or for every link a CSS query selects
   * (`followAll({ css: 'a.next' })`; selected nodes that are no link, like an `<a>` without
   * `href`, are skipped). Lazy, like Scrapy's generator: a URL that cannot be followed (see
   * {@link Response.follow}) throws when it is reached, after the Requests before it.
   *
   * @param urls - URLs or Selectors, or `{ css }`.
   * @param init - Request options.
   */
  *followAll(urls: Iterable<string | Selector> | { css: string }, init: RequestInit = {}): Generator<Request, void, undefined> {
    if (typeof (urls as { css?: unknown }).css === 'string') {
      for (const sel of this.css((urls as { css: string }).css)) {
        let href: string;
        try {
          href = urlFromSelector(sel);
        } catch {
          continue;
        }
        yield this.follow(href, init);
      }
      return;
    }
    for (const u of urls as Iterable<string | Selector>) yield this.follow(u, init);
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
      ip: changes.ip ?? this.ip,
      certificate: changes.certificate ?? this.certificate,
      protocol: changes.protocol ?? this.protocol,
      ...(changes.encoding !== undefined ? { encoding: changes.encoding } : {}),
    });
  }

  /** `<200 http://…>`, as Scrapy prints responses. */
  toString(): string {
    return `<${this.status} ${this.url}>`;
  }
}

/**
 * A Response whose body is always read as XML, whatever its Content-Type: names keep their
 * case, namespaces apply to xpath() (register a prefix for a default namespace, as in lxml).
 *
 * Mirrors Scrapy's `XmlResponse`.
 *
 * @example
 * ```ts
 * import { XmlResponse } from '@deferkit/crawler';
 *
 * const response = new XmlResponse('http://127.0.0.1/sitemap.xml', {
 *   body: '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1/a</loc></url></urlset>',
 * });
 * response.selector.registerNamespace('sm', 'http://www.sitemaps.org/schemas/sitemap/0.9');
 * console.log(response.xpath('//sm:loc/text()').getall());
 * // prints: [ 'http://127.0.0.1/a' ]
 * ```
 */
export class XmlResponse extends Response {
  /** Always true. */
  override get isXml(): boolean {
    return true;
  }

  /** A copy with some fields changed, still an XmlResponse. */
  override replace(changes: ResponseInit & { url?: string } = {}): XmlResponse {
    const r = super.replace(changes);
    return new XmlResponse(r.url, { status: r.status, headers: r.headers, body: r.body, request: r.request, flags: r.flags, ip: r.ip, certificate: r.certificate, protocol: r.protocol, ...(changes.encoding !== undefined ? { encoding: changes.encoding } : {}) });
  }
}

// `instanceof Response` holds for a Response of another loaded copy too (see utils/brand.ts).
brandClass(Response, 'Response');
