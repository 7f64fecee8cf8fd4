// Pins the extraction API types: LinkExtractor options and Link, CrawlSpider/Rule,
// SitemapSpider rules, ItemLoader field names and typed loadItem(), declared Items.

import { expectTypeOf, test } from 'vitest';
import {
  CrawlSpider,
  Field,
  Item,
  ItemLoader,
  Link,
  LinkExtractor,
  MapCompose,
  Rule,
  SitemapSpider,
  TakeFirst,
  withLoaderContext,
  type LinkExtractorOptions,
  type Processor,
  type Response,
  type SitemapEntry,
  type SpiderClass,
} from '@deferkit/crawler';

declare const response: Response;

test('extractLinks returns Links; options are camelCase and take one value or a list', () => {
  expectTypeOf(new LinkExtractor({ allow: /x/, deny: ['a', /b/], allowDomains: 'x.test', tags: ['a'] }).extractLinks(response)).toEqualTypeOf<Link[]>();
  expectTypeOf<LinkExtractorOptions['processValue']>().toEqualTypeOf<((value: string) => string | null | undefined) | undefined>();
  // @ts-expect-error Scrapy's snake_case names are not options
  new LinkExtractor({ allow_domains: 'x.test' });
  expectTypeOf(new Link('u').nofollow).toEqualTypeOf<boolean>();
});

test('a CrawlSpider subclass is a SpiderClass; Rule takes a link extractor and options', () => {
  class Shop extends CrawlSpider {
    override rules = [new Rule(new LinkExtractor(), { callback: 'parseItem', cbKwargs: { a: 1 }, processLinks: (links) => links.slice(1) })];
    parseItem(r: Response) {
      return { url: r.url };
    }
  }
  expectTypeOf(Shop).toMatchTypeOf<SpiderClass>();
  // @ts-expect-error follow is a boolean
  new Rule(null, { follow: 'yes' });
});

test('sitemapRules are [pattern, callback] pairs; sitemapFilter sees SitemapEntry', () => {
  class S extends SitemapSpider {
    override sitemapRules = [[/product/, 'parseProduct'], ['', (r: Response) => r.url]] as const;
    override *sitemapFilter(entries: Iterable<SitemapEntry>) {
      for (const e of entries) {
        expectTypeOf(e.loc).toEqualTypeOf<string>();
        expectTypeOf(e.alternate).toEqualTypeOf<string[] | undefined>();
        yield e;
      }
    }
  }
  expectTypeOf(S).toMatchTypeOf<SpiderClass>();
});

test('ItemLoader<T>: field names are checked and loadItem returns T', () => {
  interface Product {
    name?: string;
    price?: number;
  }
  const loader = new ItemLoader<Product>({ response });
  loader.addCss('name', 'h1::text', MapCompose((s: string) => s.trim()), { re: /\w+/ });
  loader.addValue(null, { name: 'x' });
  // @ts-expect-error not a field of Product
  loader.addCss('colour', 'h1::text');
  expectTypeOf(loader.loadItem()).toEqualTypeOf<Product>();
  // Untyped loaders take any field name.
  new ItemLoader().addValue('anything', 1);
});

test('declared Items: Field metadata, declared property types, loader subclasses with field processors', () => {
  class Product extends Item {
    static override fields = { name: Field({ outputProcessor: TakeFirst() }) };
    declare name?: string;
  }
  class L extends ItemLoader<Product> {
    static override defaultItemClass = Product;
    nameIn: Processor = MapCompose((s: string) => s.trim());
  }
  expectTypeOf(new L().loadItem().name).toEqualTypeOf<string | undefined>();
  expectTypeOf(withLoaderContext((v: string, ctx) => `${v}${String(ctx.unit)}`)).toBeFunction();
});
