// CrawlSpider and Rule: follow links by rules (scrapy.spiders.CrawlSpider, scrapy.spiders.Rule).

import type { Failure } from '@deferkit/deferred';
import type { Crawler } from '../Crawler.js';
import { LinkExtractor, type Link } from '../linkextractors/index.js';
import { Request, type Callback, type Errback } from '../Request.js';
import type { Response } from '../Response.js';
import { Spider, type SpiderClass } from '../Spider.js';
import { asOutput, settledOutput } from './output.js';

/** What a Rule needs of a link extractor: {@link LinkExtractor}, or your own. */
export interface LinkExtractorLike {
  /** The links of a response to follow. */
  extractLinks(response: Response): Link[];
}

/** Options of {@link Rule} (Scrapy's keyword arguments, camelCased). */
export interface RuleOptions {
  /** Called with each response of this rule's links (a function or a spider method name). None: the links are only followed. */
  callback?: Callback | string | null;
  /** Extra keyword arguments of the callback (merged under the request's own `cbKwargs`). */
  cbKwargs?: Record<string, unknown>;
  /** Extract links from this rule's responses too (default: true without a callback, false with one). */
  follow?: boolean;
  /** Filter or change the extracted links: `(links) => links` (or a spider method name). */
  processLinks?: ((links: Link[]) => Iterable<Link>) | string;
  /** Change each Request (or return null to drop it): `(request, response) => request` (or a spider method name). */
  processRequest?: ((request: Request, response: Response) => Request | null | undefined) | string;
  /** Called with the Failure of a request of this rule (a function or a spider method name). */
  errback?: Errback | string | null;
}

const DEFAULT_EXTRACTOR = new LinkExtractor();

/**
 * One crawling rule of a {@link CrawlSpider}: which links to follow (its link extractor, a
 * default {@link LinkExtractor} when none is given), what to call with their responses, and
 * whether to keep following links from those responses.
 *
 * Mirrors Scrapy's `scrapy.spiders.Rule`.
 *
 * @example
 * ```ts
 * import { LinkExtractor, Rule } from '@deferkit/crawler';
 *
 * const items = new Rule(new LinkExtractor({ allow: '/item/' }), { callback: 'parseItem' });
 * const pages = new Rule(new LinkExtractor({ allow: '/page/' }));
 * console.log(items.follow, pages.follow);
 * // prints: false true
 * ```
 */
export class Rule {
  /** Finds this rule's links. */
  readonly linkExtractor: LinkExtractorLike;
  /** The callback (function or spider method name), or null. */
  readonly callback: Callback | string | null;
  /** Extra arguments of the callback. */
  readonly cbKwargs: Record<string, unknown>;
  /** Whether links are extracted from this rule's responses too. */
  readonly follow: boolean;
  /** Filters the extracted links (function or spider method name), or null. */
  readonly processLinks: ((links: Link[]) => Iterable<Link>) | string | null;
  /** Changes each Request (function or spider method name), or null. */
  readonly processRequest: ((request: Request, response: Response) => Request | null | undefined) | string | null;
  /** The errback (function or spider method name), or null. */
  readonly errback: Errback | string | null;

  /**
   * @param linkExtractor - finds the links (default: a LinkExtractor with no options).
   * @param options - callback, cbKwargs, follow, processLinks, processRequest, errback.
   * @throws TypeError for an option of the wrong type.
   */
  constructor(linkExtractor?: LinkExtractorLike | null, options: RuleOptions = {}) {
    if (linkExtractor !== undefined && linkExtractor !== null && typeof linkExtractor.extractLinks !== 'function') {
      throw new TypeError('Rule(linkExtractor, options): the first argument must be a LinkExtractor (or have extractLinks(response)); put callback, follow, … in the second.');
    }
    for (const key of ['callback', 'processLinks', 'processRequest', 'errback'] as const) {
      const v = options[key];
      if (v !== undefined && v !== null && typeof v !== 'function' && typeof v !== 'string') {
        throw new TypeError(`Rule ${key} must be a function or a spider method name, got ${typeof v}.`);
      }
    }
    this.linkExtractor = linkExtractor ?? DEFAULT_EXTRACTOR;
    this.callback = options.callback ?? null;
    this.cbKwargs = options.cbKwargs ?? {};
    this.follow = options.follow ?? !this.callback;
    this.processLinks = options.processLinks ?? null;
    this.processRequest = options.processRequest ?? null;
    this.errback = options.errback ?? null;
  }
}

/** A rule with its spider method names resolved. */
interface CompiledRule {
  rule: Rule;
  callback: ((response: Response, kwargs: Record<string, unknown>) => unknown) | null;
  errback: ((failure: Failure) => unknown) | null;
  processLinks: (links: Link[]) => Iterable<Link>;
  processRequest: (request: Request, response: Response) => Request | null | undefined;
}

/** Content types of HTML responses (Scrapy's HtmlResponse). */
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml|application\/vnd\.wap\.xhtml\+xml)$/;

/**
 * Whether `response` is HTML as Scrapy's `HtmlResponse` would be: an HTML Content-Type, or none
 * and a text body that does not start as XML. @internal
 */
export function isHtmlResponse(response: Response): boolean {
  if (!response.isText) return false;
  const ct = (response.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (ct !== '') return HTML_TYPES.test(ct);
  return !/^\s*<\?xml/i.test(response.text.slice(0, 512));
}

/**
 * A spider that follows links by {@link Rule}s: every response of the start URLs (passed to
 * `parseStartUrl`) and of a following rule has its links extracted by each rule in turn; a
 * link goes to the first rule that extracts it (a later rule does not request it again from the
 * same response), its Request carrying `meta.rule` (the rule's index) and `meta.link_text`.
 * Only HTML responses have links extracted. Set `CRAWLSPIDER_FOLLOW_LINKS` to false to stop
 * all following.
 *
 * Do not override `parse`: CrawlSpider uses it to apply the rules (it warns when you do). Use
 * `parseStartUrl` for the start responses and rule callbacks for the others.
 *
 * Mirrors Scrapy's `scrapy.spiders.CrawlSpider`.
 *
 * @example
 * ```ts
 * import { CrawlSpider, LinkExtractor, Rule, type Response } from '@deferkit/crawler';
 *
 * class Shop extends CrawlSpider {
 *   override name = 'shop';
 *   override startUrls = ['http://127.0.0.1:8080/'];
 *   override rules = [
 *     new Rule(new LinkExtractor({ allow: '/category/' })),
 *     new Rule(new LinkExtractor({ allow: '/item/' }), { callback: 'parseItem' }),
 *   ];
 *   parseItem(response: Response) {
 *     return { name: response.css('h1::text').get(), url: response.url };
 *   }
 * }
 * console.log(new Shop().rules.map((r) => r.follow));
 * // prints: [ true, false ]
 * ```
 */
export class CrawlSpider extends Spider {
  /** The rules, in order: the first that extracts a link gets it. */
  rules: readonly Rule[] = [];
  #compiled: CompiledRule[] | undefined;
  #followLinks: boolean | undefined;

  /**
   * Create the spider (see {@link Spider.fromCrawler}); reads `CRAWLSPIDER_FOLLOW_LINKS`, and
   * warns when the subclass overrides `parse`.
   *
   * @param crawler - the crawler.
   * @param args - spider arguments.
   * @returns the spider.
   */
  static override fromCrawler(this: SpiderClass, crawler: Crawler, args: Record<string, unknown> = {}): Spider {
    const spider = Spider.fromCrawler.call(this, crawler, args) as CrawlSpider;
    spider.#followLinks = crawler.settings.getBool('CRAWLSPIDER_FOLLOW_LINKS', true);
    if (spider.parse !== CrawlSpider.prototype.parse) {
      spider.logger.warning(
        `${spider.constructor.name} overrides parse(): CrawlSpider uses parse to apply its rules, so they will not run. Rename it (parseStartUrl for the start responses, or a rule callback).`,
      );
    }
    return spider;
  }

  /**
   * Applies the rules to a start response (after `parseStartUrl`). Do not override.
   *
   * @param response - a response of a start request.
   * @param kwargs - the request's `cbKwargs`.
   */
  override parse(response: Response, kwargs: Record<string, unknown> = {}): AsyncGenerator<unknown, void, undefined> {
    return this.#parseResponse(response, (r, kw) => this.parseStartUrl(r, kw), kwargs, true);
  }

  /**
   * The output for a start response; nothing by default. Scrapy's `parse_start_url`.
   *
   * @param response - a response of a start request.
   * @param kwargs - the request's `cbKwargs`.
   */
  parseStartUrl(response: Response, kwargs: Record<string, unknown> = {}): unknown {
    void response;
    void kwargs;
    return [];
  }

  /**
   * Post-process what a callback (or `parseStartUrl`) returned; as is by default. Scrapy's
   * `process_results`.
   *
   * @param response - the response the callback got.
   * @param results - its output (an async generator's collected into an array).
   */
  processResults(response: Response, results: Iterable<unknown>): Iterable<unknown> {
    void response;
    return results;
  }

  /**
   * The Request for a link of rule `ruleIndex`. Scrapy's `_build_request`.
   *
   * @param ruleIndex - the rule's index in `rules`.
   * @param link - the link.
   */
  protected buildRequest(ruleIndex: number, link: Link): Request {
    return new Request(link.url, {
      callback: CrawlSpider.prototype._ruleCallback,
      errback: CrawlSpider.prototype._ruleErrback,
      meta: { rule: ruleIndex, link_text: link.text },
    });
  }

  /**
   * The Requests for the links the rules find in `response` (nothing for a response that is not
   * HTML). Scrapy's `_requests_to_follow`.
   *
   * @param response - the response.
   */
  protected *requestsToFollow(response: Response): Generator<Request, void, undefined> {
    if (!isHtmlResponse(response)) return;
    const seen = new Set<string>();
    const rules = this.#rules();
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const links = rule.rule.linkExtractor.extractLinks(response).filter((l) => !seen.has(l.key()));
      for (const link of rule.processLinks.call(this, links)) {
        seen.add(link.key());
        const request = rule.processRequest.call(this, this.buildRequest(i, link), response);
        if (request !== null && request !== undefined) yield request;
      }
    }
  }

  /** The callback of rule Requests. @internal */
  _ruleCallback(response: Response, kwargs: Record<string, unknown> = {}): AsyncGenerator<unknown, void, undefined> {
    const rule = this.#ruleOf(response.meta);
    return this.#parseResponse(response, rule.callback, { ...rule.rule.cbKwargs, ...kwargs }, rule.rule.follow);
  }

  /** The errback of rule Requests: the rule's errback, or nothing (the failure is dropped, as in Scrapy). @internal */
  async *_ruleErrback(failure: Failure): AsyncGenerator<unknown, void, undefined> {
    const request = (failure as Failure & { request?: Request }).request;
    const rule = this.#ruleOf(request?.meta ?? {});
    if (rule.errback === null) return;
    yield* await settledOutput(rule.errback.call(this, failure));
  }

  #ruleOf(meta: Record<string, unknown>): CompiledRule {
    const rules = this.#rules();
    const index = meta.rule;
    const rule = typeof index === 'number' ? rules[index] : undefined;
    if (rule === undefined) {
      throw new Error(`CrawlSpider: meta.rule is ${JSON.stringify(index)}, which is no index of this spider's ${rules.length} rules (keep meta.rule as the spider set it).`);
    }
    return rule;
  }

  async *#parseResponse(
    response: Response,
    callback: ((response: Response, kwargs: Record<string, unknown>) => unknown) | null,
    kwargs: Record<string, unknown>,
    follow: boolean,
  ): AsyncGenerator<unknown, void, undefined> {
    if (callback !== null) {
      const results = await settledOutput(callback.call(this, response, kwargs));
      yield* asOutput(this.processResults(response, results));
    }
    if (follow && (this.#followLinks ?? true)) yield* this.requestsToFollow(response);
  }

  #rules(): CompiledRule[] {
    if (this.#compiled !== undefined) return this.#compiled;
    const method = <F>(value: F | string | null, what: string, index: number): F | null => {
      if (value === null || typeof value !== 'string') return value as F | null;
      const m = (this as unknown as Record<string, unknown>)[value];
      if (typeof m !== 'function') {
        throw new TypeError(`Rule ${index} of ${this.constructor.name}: ${what} ${JSON.stringify(value)} is not a method of the spider (define ${value}() on it, or pass a function).`);
      }
      return m as F;
    };
    this.#compiled = this.rules.map((rule, i) => {
      if (!(rule instanceof Rule)) throw new TypeError(`${this.constructor.name}.rules[${i}] is not a Rule (write new Rule(linkExtractor, { … })).`);
      return {
        rule,
        callback: method(rule.callback as CompiledRule['callback'] | string | null, 'callback', i),
        errback: method(rule.errback as CompiledRule['errback'] | string | null, 'errback', i),
        processLinks: method(rule.processLinks, 'processLinks', i) ?? ((links: Link[]) => links),
        processRequest: method(rule.processRequest, 'processRequest', i) ?? ((request: Request) => request),
      };
    });
    return this.#compiled;
  }
}
