// Spider: what to crawl and how to parse it (scrapy.Spider).

import type { Crawler } from './Crawler.js';
import type { Logger } from './log.js';
import { Request } from './Request.js';
import type { Response } from './Response.js';
import type { Settings } from './Settings.js';
import { brandClass } from './utils/brand.js';

/**
 * The base class of spiders. Give it a `name`, `startUrls` (or a `start()` async generator, or
 * a legacy `startRequests()`), and a `parse(response)` callback that returns or yields items
 * (plain objects) and Requests — as a plain function, a generator, an `async` function, an async
 * generator, an `inlineCallbacks` generator, or a function returning a Deferred.
 *
 * Settings for this spider go in `static customSettings` (applied before the crawler starts;
 * an instance `customSettings` works too). `-a name=value` command-line arguments become
 * properties of the instance.
 *
 * Mirrors Scrapy's `scrapy.Spider`.
 *
 * @example
 * ```ts
 * import { Spider, type Response } from '@deferkit/crawler';
 *
 * export default class BooksSpider extends Spider {
 *   override name = 'books';
 *   override startUrls = ['http://127.0.0.1:8080/'];
 *   override *parse(response: Response) {
 *     for (const href of response.css('.book a::attr(href)').getall()) yield response.follow(href, { callback: this.parseBook });
 *   }
 *   parseBook(response: Response) {
 *     return { title: response.css('h1::text').get(), price: response.css('.price::text').get() };
 *   }
 * }
 * ```
 */
export class Spider {
  /** Settings applied at spider priority before the crawl starts. Scrapy's `custom_settings`. */
  static customSettings: Record<string, unknown> | undefined = undefined;

  /**
   * Create the spider for a crawler: the crawler calls this (never `new` directly), so a
   * subclass can override it to connect signals or read settings, as in Scrapy. The default
   * makes an instance, copies `args` (the `-a name=value` arguments) onto it and sets `crawler`.
   *
   * Mirrors Scrapy's `Spider.from_crawler`.
   *
   * @param crawler - the crawler that will run the spider.
   * @param args - spider arguments, copied onto the instance.
   * @returns the spider.
   * @example
   * ```ts
   * import { Spider, signals, type Crawler } from '@deferkit/crawler';
   *
   * class Tidy extends Spider {
   *   static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>) {
   *     const spider = super.fromCrawler(crawler, args);
   *     crawler.signals.connect(() => console.log('closed'), signals.spiderClosed);
   *     return spider;
   *   }
   * }
   * // prints "closed" when the crawl ends
   * ```
   */
  static fromCrawler(this: SpiderClass, crawler: Crawler, args: Record<string, unknown> = {}): Spider {
    const spider = new this();
    Object.assign(spider, args);
    spider.crawler = crawler;
    return spider;
  }

  /** The spider's name (shown in logs and stats). */
  name = 'spider';
  /** URLs of the default start requests. */
  startUrls: string[] = [];
  /** Domains the OffsiteMiddleware lets through (none: every domain). */
  allowedDomains: string[] | undefined = undefined;
  /** Per-instance settings (read at crawl time; `static customSettings` is preferred). */
  customSettings: Record<string, unknown> | undefined = undefined;
  /** The crawler running this spider (set by the crawler). */
  crawler!: Crawler;
  /**
   * With `JOBDIR`: a plain object kept between runs of a paused crawl (the SpiderState
   * extension loads it before the spider opens and saves it when it closes); unset otherwise.
   */
  state?: Record<string, unknown>;

  /** The crawler's settings. */
  get settings(): Settings {
    return this.crawler.settings;
  }

  /** A logger named after the spider. */
  get logger(): Logger {
    return this.crawler.getLogger(this.name);
  }

  /**
   * The start requests and items, as an async generator (Scrapy ≥2.13). The default yields
   * `startRequests()`.
   */
  async *start(): AsyncGenerator<unknown, void, undefined> {
    yield* this.startRequests();
  }

  /**
   * Legacy start requests: by default one Request per start URL, with `dontFilter: true`.
   * Scrapy's `start_requests`.
   */
  *startRequests(): Iterable<unknown> {
    for (const url of this.startUrls) yield new Request(url, { dontFilter: true });
  }

  /**
   * The default callback.
   *
   * @throws Error when the subclass does not define it.
   */
  parse(response: Response, kwargs?: Record<string, unknown>): unknown {
    void kwargs;
    throw new Error(`${this.constructor.name}.parse callback is not defined (define parse(response), or give each Request a callback).`);
  }

  /** Called when the spider closes, with the reason. */
  closed?(reason: string): unknown;

  /** `<BooksSpider 'books'>`. */
  toString(): string {
    return `<${this.constructor.name} '${this.name}'>`;
  }
}

/** A Spider subclass. */
export type SpiderClass<S extends Spider = Spider> = (new () => S) & {
  customSettings?: Record<string, unknown> | undefined;
  /** Scrapy's `from_crawler`; `Spider`'s own when a class does not define it. */
  fromCrawler?: (crawler: Crawler, args?: Record<string, unknown>) => Spider;
};

// `instanceof Spider` holds for a Spider of another loaded copy too (see utils/brand.ts).
brandClass(Spider, 'Spider');
