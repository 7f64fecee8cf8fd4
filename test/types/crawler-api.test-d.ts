// Pins the crawler's public API types: Spider subclasses, Request callback/errback/cbKwargs,
// Response.css / Selector get, Settings' typed getters, pipeline and middleware interfaces.
// (Spider.fromCrawler / SpiderClass are in crawler.test-d.ts.)

import { expectTypeOf, test } from 'vitest';
import type { Failure } from '@deferkit/deferred';
import {
  CloseSpider,
  ConnectionError,
  DropItem,
  IgnoreRequest,
  Request,
  Response,
  SelectorList,
  Settings,
  Spider,
  type Callback,
  type DownloaderMiddleware,
  type Errback,
  type ItemPipeline,
  type RequestInit,
  type SpiderClass,
  type SpiderMiddleware,
} from '@deferkit/crawler';

declare const response: Response;
declare const settings: Settings;

test('a Spider subclass overrides name/startUrls/parse and is a SpiderClass', () => {
  class Books extends Spider {
    override name = 'books';
    override startUrls = ['http://127.0.0.1/'];
    static override customSettings = { DOWNLOAD_DELAY: 0 };
    override *parse(r: Response) {
      yield { title: r.css('h1::text').get() };
      yield r.follow('/next', { callback: this.parseBook });
    }
    async parseBook(r: Response, kwargs: { id: number }) {
      return { url: r.url, id: kwargs.id };
    }
  }
  expectTypeOf(Books).toMatchTypeOf<SpiderClass>();
  expectTypeOf(new Books().name).toEqualTypeOf<string>();
  expectTypeOf(Spider.prototype.parse).parameters.toEqualTypeOf<[response: Response, kwargs?: Record<string, unknown>]>();
  class Bad extends Spider {
    // @ts-expect-error name is a string
    override name = 42;
  }
  void Bad;
});

test('Request: callback / errback / cbKwargs / priority typing', () => {
  expectTypeOf<RequestInit['callback']>().toEqualTypeOf<Callback | string | null | undefined>();
  expectTypeOf<RequestInit['errback']>().toEqualTypeOf<Errback | string | null | undefined>();
  expectTypeOf<RequestInit['cbKwargs']>().toEqualTypeOf<Record<string, unknown> | undefined>();
  expectTypeOf<Errback>().parameters.toEqualTypeOf<[failure: Failure]>();
  const r = new Request('http://127.0.0.1/', {
    callback: (res: Response, kw: { page: number }) => kw.page + res.status,
    errback: (f) => expectTypeOf(f).toEqualTypeOf<Failure>(),
    cbKwargs: { page: 2 },
    priority: 1,
  });
  expectTypeOf(r.callback).toEqualTypeOf<Callback | string | null>();
  expectTypeOf(r.cbKwargs).toEqualTypeOf<Record<string, unknown>>();
  expectTypeOf(r.priority).toEqualTypeOf<number>();
  // @ts-expect-error priority is a number
  new Request('http://127.0.0.1/', { priority: 'high' });
  // @ts-expect-error cbKwargs is an object
  new Request('http://127.0.0.1/', { cbKwargs: 1 });
  // @ts-expect-error an errback takes a Failure
  new Request('http://127.0.0.1/', { errback: (e: Response) => e });
});

test('Response.css gives a SelectorList; get() is string | undefined, or string | D with a default; getall() string[]', () => {
  expectTypeOf(response.css('h1')).toEqualTypeOf<SelectorList>();
  expectTypeOf(response.css('h1::text').get()).toEqualTypeOf<string | undefined>();
  expectTypeOf(response.css('h1::text').get('')).toEqualTypeOf<string>();
  expectTypeOf(response.css('h1::text').get(null)).toEqualTypeOf<string | null>();
  expectTypeOf(response.css('a::attr(href)').getall()).toEqualTypeOf<string[]>();
  expectTypeOf(response.follow('/x')).toEqualTypeOf<Request>();
  expectTypeOf(response.status).toEqualTypeOf<number>();
  // @ts-expect-error css takes a selector string
  response.css(1);
});

test('Settings: typed getters', () => {
  expectTypeOf(settings.get('X')).toEqualTypeOf<unknown>();
  expectTypeOf(settings.get<string>('X')).toEqualTypeOf<string>();
  expectTypeOf(settings.get('X', 5)).toEqualTypeOf<number>();
  expectTypeOf(settings.getBool('X')).toEqualTypeOf<boolean>();
  expectTypeOf(settings.getInt('X')).toEqualTypeOf<number>();
  expectTypeOf(settings.getFloat('X')).toEqualTypeOf<number>();
  expectTypeOf(settings.getList('X')).toEqualTypeOf<string[]>();
  expectTypeOf(settings.getList<number>('X')).toEqualTypeOf<number[]>();
  expectTypeOf(settings.getDict<number>('X')).toEqualTypeOf<Record<string, number>>();
  // @ts-expect-error getInt's default is a number
  settings.getInt('X', '1');
  // @ts-expect-error getBool's default is a boolean
  settings.getBool('X', 'yes');
});

test('pipelines and middlewares: every hook optional, the shapes Scrapy has', () => {
  class Pipeline {
    processItem(item: { price: number }) {
      return item;
    }
  }
  expectTypeOf(new Pipeline()).toMatchTypeOf<ItemPipeline>();
  expectTypeOf({}).toMatchTypeOf<ItemPipeline>();
  expectTypeOf<Parameters<NonNullable<DownloaderMiddleware['processRequest']>>>().toEqualTypeOf<[request: Request, spider: unknown]>();
  expectTypeOf<Parameters<NonNullable<DownloaderMiddleware['processResponse']>>>().toEqualTypeOf<
    [request: Request, response: Response, spider: unknown]
  >();
  expectTypeOf<Parameters<NonNullable<SpiderMiddleware['processSpiderInput']>>>().toEqualTypeOf<[response: Response, spider: unknown]>();
  expectTypeOf<ReturnType<NonNullable<SpiderMiddleware['processSpiderInput']>>>().toEqualTypeOf<void>();
  const mw: DownloaderMiddleware = {
    // @ts-expect-error processRequest gets a Request first
    processRequest(request: Response) {
      return request;
    },
  };
  void mw;
});

test("crawler errors carry a literal-typed name (ConnectionError's subclasses rename it, so it stays string)", () => {
  expectTypeOf(new IgnoreRequest().name).toEqualTypeOf<'IgnoreRequest'>();
  expectTypeOf(new DropItem('x').name).toEqualTypeOf<'DropItem'>();
  expectTypeOf(new CloseSpider().name).toEqualTypeOf<'CloseSpider'>();
  expectTypeOf(new ConnectionError().name).toEqualTypeOf<string>();
});
