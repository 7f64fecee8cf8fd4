// RobotsTxtMiddleware: fetch each netloc's robots.txt once and drop the requests it forbids.

import type { Crawler } from '../Crawler.js';
import { IgnoreRequest, NotConfigured } from '../errors.js';
import { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { ProtegoRobotParser, type RobotParser, type RobotParserClass } from '../robotstxt.js';
import { urlparseCached } from '../utils/url.js';

/** The Scrapy class paths that mean the default parser here (they all answer the same questions). */
const DEFAULT_PARSER_NAMES: ReadonlySet<string> = new Set([
  'scrapy.robotstxt.ProtegoRobotParser',
  'ProtegoRobotParser',
]);

/** The `ROBOTSTXT_PARSER` setting as a parser class. */
function parserClass(value: unknown): RobotParserClass {
  if (value === undefined || value === null || (typeof value === 'string' && DEFAULT_PARSER_NAMES.has(value))) return ProtegoRobotParser;
  if (typeof (value as RobotParserClass | null)?.fromCrawler === 'function') return value as RobotParserClass;
  throw new TypeError(
    `ROBOTSTXT_PARSER must be a class with a static fromCrawler(crawler, body) returning an object with allowed(url, userAgent), ` +
      `or 'scrapy.robotstxt.ProtegoRobotParser' (the default); got ${typeof value === 'string' ? `'${value}'` : String(value)}. ` +
      `Scrapy's other parsers (PythonRobotParser, RerpRobotParser, ReppyRobotParser) are Python libraries: leave the setting unset.`,
  );
}

/**
 * Obeys robots.txt when `ROBOTSTXT_OBEY` is true. Before the first request to a netloc
 * (scheme-independent host:port) it downloads `<scheme>://<netloc>/robots.txt` through the engine
 * (`engine.downloadAsync`: priority 1000, `meta.dont_obey_robotstxt`), once — requests to that
 * netloc arriving meanwhile wait for the same fetch. A request the file forbids for
 * `ROBOTSTXT_USER_AGENT` (else the request's User-Agent header, else `USER_AGENT`) is dropped
 * with IgnoreRequest('Forbidden by robots.txt') and the DEBUG line `Forbidden by robots.txt:
 * <GET …>`. Any response is parsed, whatever its status (a 404 page has no rules: everything
 * is allowed); a download error (timeout, refused connection) is logged at ERROR and allows
 * everything too. `meta.dont_obey_robotstxt` skips the check; `data:` and `file:` URLs are never
 * checked. Stats: `robotstxt/request_count`, `robotstxt/response_count`,
 * `robotstxt/response_status_count/<status>`, `robotstxt/forbidden`,
 * `robotstxt/exception_count/<error name>`.
 *
 * Mirrors Scrapy's `RobotsTxtMiddleware`.
 *
 * @example
 * ```ts
 * import { RobotsTxtMiddleware, Settings } from '@deferkit/crawler';
 * // Off unless ROBOTSTXT_OBEY is set: the constructor throws NotConfigured.
 * try { new RobotsTxtMiddleware({ settings: new Settings() } as never); } catch (e) { console.log((e as Error).name); }
 * // prints: NotConfigured
 * ```
 */
export class RobotsTxtMiddleware {
  /** The priority of robots.txt requests. Scrapy's `DOWNLOAD_PRIORITY`. */
  static readonly DOWNLOAD_PRIORITY = 1000;
  readonly #crawler: Crawler;
  readonly #defaultUserAgent: string;
  readonly #robotsUserAgent: string | null;
  readonly #parserImpl: RobotParserClass;
  /** By netloc: the parser, null (allow all), or the fetch in progress. */
  readonly #parsers = new Map<string, RobotParser | null | Promise<RobotParser | null>>();

  /** @param crawler - the crawler. */
  constructor(crawler: Crawler) {
    const s = crawler.settings;
    if (!s.getBool('ROBOTSTXT_OBEY')) throw new NotConfigured();
    this.#crawler = crawler;
    this.#defaultUserAgent = s.get<string>('USER_AGENT') || 'Scrapy';
    this.#robotsUserAgent = s.get<string | null>('ROBOTSTXT_USER_AGENT') ?? null;
    this.#parserImpl = parserClass(s.get('ROBOTSTXT_PARSER'));
    // As Scrapy: a parser that cannot work fails now, not at the first response.
    this.#parserImpl.fromCrawler(crawler, new Uint8Array(0));
  }

  /** Wait for the netloc's robots.txt, then drop the request if it is forbidden. */
  processRequest(request: Request): void | Promise<void> {
    if (request.meta.dont_obey_robotstxt) return undefined;
    if (request.url.startsWith('data:') || request.url.startsWith('file:')) return undefined;
    const rp = this.robotParser(request);
    if (rp instanceof Promise) return rp.then((p) => this.#check(p, request));
    this.#check(rp, request);
    return undefined;
  }

  #check(rp: RobotParser | null, request: Request): void {
    if (rp === null) return;
    const userAgent = this.#robotsUserAgent || request.headers.get('User-Agent') || this.#defaultUserAgent;
    if (rp.allowed(request.url, userAgent)) return;
    this.#crawler.getLogger('scrapy.downloadermiddlewares.robotstxt').debug(`Forbidden by robots.txt: ${request}`);
    this.#crawler.stats.incValue('robotstxt/forbidden');
    throw new IgnoreRequest('Forbidden by robots.txt');
  }

  /**
   * The parser for `request`'s netloc: at once when known, else the fetch in progress (started
   * now for a new netloc). null means "allow everything". Scrapy's `robot_parser`.
   */
  robotParser(request: Request): RobotParser | null | Promise<RobotParser | null> {
    const url = urlparseCached(request);
    if (url === null) return null;
    const netloc = url.host;
    const known = this.#parsers.get(netloc);
    if (known !== undefined) return known;
    const robotsReq = new Request(`${url.protocol}//${netloc}/robots.txt`, {
      priority: RobotsTxtMiddleware.DOWNLOAD_PRIORITY,
      meta: { dont_obey_robotstxt: true },
    });
    const engine = this.#crawler.engine;
    this.#crawler.stats.incValue('robotstxt/request_count');
    const fetch = (engine === null ? Promise.reject(new Error('robots.txt requested with no engine running')) : engine.downloadAsync(robotsReq)).then(
      (response) => this.#parse(response, netloc),
      (e: unknown) => this.#error(e, robotsReq, netloc),
    );
    // Set only if the fetch has not finished synchronously (it never does: a download takes turns).
    if (!this.#parsers.has(netloc)) this.#parsers.set(netloc, fetch);
    return fetch;
  }

  #parse(response: Response, netloc: string): RobotParser | null {
    const stats = this.#crawler.stats;
    stats.incValue('robotstxt/response_count');
    stats.incValue(`robotstxt/response_status_count/${response.status}`);
    const rp = this.#parserImpl.fromCrawler(this.#crawler, response.body);
    this.#parsers.set(netloc, rp);
    return rp;
  }

  #error(e: unknown, robotsReq: Request, netloc: string): null {
    if (!(e instanceof IgnoreRequest)) {
      const name = (e as Error | null)?.name ?? typeof e;
      this.#crawler
        .getLogger('scrapy.downloadermiddlewares.robotstxt')
        .error(`Error downloading ${robotsReq}: ${(e as Error | null)?.message ?? String(e)}`, e);
      this.#crawler.stats.incValue(`robotstxt/exception_count/${name}`);
    }
    this.#parsers.set(netloc, null);
    return null;
  }
}
