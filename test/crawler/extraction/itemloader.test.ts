// ItemLoader, processors and declared Items: itemloaders' rules, one per test, and a loader in
// a real crawl's callback.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Compose,
  CrawlSpider,
  Field,
  Identity,
  Item,
  ItemLoader,
  Join,
  LinkExtractor,
  MapCompose,
  Response,
  Rule,
  SelectJmes,
  TakeFirst,
  withLoaderContext,
} from '@deferkit/crawler';
import { runCrawl } from '../crawl-harness.js';
import { startExtractionSite, type ExtractionSite } from './site.js';

const page = new Response('http://x.test/p', {
  headers: { 'Content-Type': 'text/html' },
  body: '<div id="p"><h1> Lamp </h1><span class="price">$ 12.50</span><ul><li>Home</li><li>Light</li></ul></div><div id="q"><h1>Other</h1></div>',
});

describe('processors', () => {
  it('MapCompose maps each function over every value; undefined/null drop a value, arrays are flattened', () => {
    const p = MapCompose((s: string) => (s === 'x' ? null : s), (s: string) => [s, s.toUpperCase()]);
    expect(p(['a', 'x', 'b'])).toEqual(['a', 'A', 'b', 'B']);
    expect(p('a')).toEqual(['a', 'A']);
  });

  it('Compose passes the whole value along and stops at undefined/null unless stopOnNone is false', () => {
    let calls = 0;
    const count = (v: unknown): unknown => {
      calls++;
      return v;
    };
    expect(Compose(() => null, count)(['a'])).toBeNull();
    expect(calls).toBe(0);
    Compose(() => null, count, { stopOnNone: false })(['a']);
    expect(calls).toBe(1);
  });

  it("TakeFirst skips undefined, null and ''; Identity returns the values; Join joins with a space by default", () => {
    expect(TakeFirst()([undefined, null, '', 0, 'a'])).toBe(0);
    expect(TakeFirst()([])).toBeUndefined();
    expect(Identity()(['a'])).toEqual(['a']);
    expect(Join()(['a', 'b'])).toBe('a b');
    expect(Join('-')(['a', 'b'])).toBe('a-b');
  });

  it('SelectJmes queries a value with JMESPath', () => {
    expect(SelectJmes('a.b[1]')({ a: { b: [1, 2] } })).toBe(2);
    expect(MapCompose(SelectJmes('id'))([{ id: 1 }, { id: 2 }, {}])).toEqual([1, 2]);
  });

  it('an error inside MapCompose names the function and the value', () => {
    const p = MapCompose(function toNumber(s: string) {
      if (s === 'bad') throw new RangeError('not a number');
      return Number(s);
    });
    expect(() => p(['1', 'bad'])).toThrow(/Error in MapCompose with toNumber value="bad" error='RangeError: not a number'/);
  });
});

describe('ItemLoader', () => {
  it('addCss collects through the input processor; loadItem applies the output processor per field', () => {
    const l = new ItemLoader({ response: page });
    l.defaultOutputProcessor = TakeFirst();
    l.addCss('name', '#p h1::text', MapCompose((s: string) => s.trim()));
    l.addCss('tags', 'li::text');
    expect(l.getCollectedValues('name')).toEqual(['Lamp']);
    expect(l.loadItem()).toEqual({ name: 'Lamp', tags: 'Home' });
  });

  it('field processors: loader <field>In/<field>Out first, then the Item field, then the defaults', () => {
    class Product extends Item {
      static override fields = { name: Field({ inputProcessor: MapCompose((s: string) => `field:${s}`) }), tags: Field({ outputProcessor: Join(',') }) };
      declare name?: string;
      declare tags?: string;
    }
    class L extends ItemLoader<Product> {
      static override defaultItemClass = Product;
      override defaultOutputProcessor = TakeFirst();
      nameIn = MapCompose((s: string) => `loader:${s.trim()}`);
    }
    const l = new L({ response: page });
    l.addCss('name', '#p h1::text');
    l.addCss('tags', 'li::text');
    const item = l.loadItem();
    expect(item).toBeInstanceOf(Product);
    expect({ ...item }).toEqual({ name: 'loader:Lamp', tags: 'Home,Light' });
    expect(l.getInputProcessor('other')).toBe(l.defaultInputProcessor);
  });

  it('addValue with processors and { re }; a null field takes an object of fields; replaceValue drops what was collected', () => {
    const l = new ItemLoader({ response: page });
    l.addCss('price', '.price::text', { re: /([\d.]+)/ }, MapCompose(Number));
    expect(l.getCollectedValues('price')).toEqual([12.5]);
    l.addValue(null, { a: 1, b: [2, 3] });
    expect(l.getCollectedValues('b')).toEqual([2, 3]);
    l.addValue('a', 4);
    l.replaceValue('a', 5);
    expect(l.getCollectedValues('a')).toEqual([5]);
    // An input processor result that is empty (Python-falsy) collects nothing.
    l.addValue('empty', '', MapCompose(() => null));
    expect(l.getCollectedValues('empty')).toEqual([]);
    expect(l.getValue(' x ', (v: string) => v.trim(), (v: string) => v.toUpperCase())).toBe('X');
  });

  it('a { re } with an "extract" named group keeps that group only', () => {
    const l = new ItemLoader({ response: page });
    expect(l.getCss('.price::text', { re: /(?<cur>\$)\s*(?<extract>[\d.]+)/ })).toEqual(['12.50']);
  });

  it('nested loaders select inside their region and share the item and values', () => {
    const l = new ItemLoader({ response: page });
    const nested = l.nestedCss('#q');
    nested.addCss('name', 'h1::text');
    l.addCss('name', '#p h1::text', MapCompose((s: string) => s.trim()));
    expect(l.getCollectedValues('name')).toEqual(['Other', 'Lamp']);
    expect(nested.loadItem()).toBe(l.item);
    expect(l.item).toEqual({ name: ['Other', 'Lamp'] });
  });

  it('the loader context reaches processors marked withLoaderContext (with item, selector, response and your keys)', () => {
    const l = new ItemLoader({ response: page, context: { currency: 'EUR' } });
    l.addValue('price', '12', MapCompose(withLoaderContext((v: string, ctx) => `${v} ${String(ctx.currency)} from ${(ctx.response as Response).url}`)));
    expect(l.getCollectedValues('price')).toEqual(['12 EUR from http://x.test/p']);
  });

  it("an item given to the loader has its values collected first", () => {
    const l = new ItemLoader({ item: { name: 'Given', tags: ['a'] } });
    l.addValue('tags', 'b');
    expect(l.loadItem()).toEqual({ name: ['Given'], tags: ['a', 'b'] });
  });

  it('output and input processor errors name the field and the value', () => {
    const l = new ItemLoader();
    l.defaultOutputProcessor = () => {
      throw new TypeError('nope');
    };
    l.addValue('x', 1);
    expect(() => l.loadItem()).toThrow(`Error with output processor: field="x" value=[1] error='TypeError: nope'`);
    class L extends ItemLoader {
      xIn = function failing(): never {
        throw new Error('in');
      };
    }
    expect(() => new L().addValue('x', 1)).toThrow(/Error with input processor failing: field="x" value=\[1\] error='Error: in'/);
  });

  it('addXpath, getXpath and nestedXpath select with XPath on the same page', () => {
    const l = new ItemLoader({ response: page });
    l.addXpath('name', '//div[@id="p"]/h1/text()', MapCompose((s: string) => s.trim()));
    l.addXpath('tags', ['//li[1]/text()', '//li[2]/text()']);
    expect(l.getXpath('//span[@class="price"]/text()', { re: /[\d.]+/ }, TakeFirst())).toBe('12.50');
    l.nestedXpath('//div[@id="q"]').addXpath('other', './/h1/text()');
    expect(l.loadItem()).toEqual({ name: ['Lamp'], tags: ['Home', 'Light'], other: ['Other'] });
  });

  it('CSS and XPath methods without a selector are an error naming the fix', () => {
    expect(() => new ItemLoader().addCss('x', 'h1')).toThrow(/must be created with a selector or a response/);
  });

  it('a declared Item rejects an unknown field at loadItem: "Product does not support field: colour"', () => {
    class Product extends Item {
      static override fields = { name: Field() };
      declare name?: string;
    }
    const l = new ItemLoader<Product>({ item: new Product() });
    l.addValue('name', 'Lamp');
    (l as unknown as ItemLoader).addValue('colour', 'red');
    expect(() => l.loadItem()).toThrow('Product does not support field: colour (declare it in Product.fields)');
    expect(() => new Product({ colour: 'red' })).toThrow('Product does not support field: colour');
  });
});

describe('ItemLoader in a crawl (loopback)', () => {
  let site: ExtractionSite;
  beforeAll(async () => {
    site = await startExtractionSite();
  });
  afterAll(async () => {
    await site.close();
  });

  it('a CrawlSpider callback fills declared Items with a loader; the items reach itemScraped as loaded', async () => {
    class Product extends Item {
      static override fields = { name: Field(), price: Field({ inputProcessor: MapCompose((s: string) => s.trim(), Number) }), url: Field() };
      declare name?: string;
      declare price?: number;
      declare url?: string;
    }
    class ProductLoader extends ItemLoader<Product> {
      static override defaultItemClass = Product;
      override defaultOutputProcessor = TakeFirst();
    }
    class Shop extends CrawlSpider {
      override name = 'loader-shop';
      override startUrls = [`${site.url}/cat/1`];
      override rules = [new Rule(new LinkExtractor({ allow: '/item/', restrictCss: '.items' }), { callback: 'parseItem' })];
      parseItem(response: Response): Product {
        const l = new ProductLoader({ response });
        l.addCss('name', 'h1::text');
        l.addCss('price', '.price::text');
        l.addValue('url', response.url);
        return l.loadItem();
      }
    }
    const r = await runCrawl(Shop);
    const items = r.items.map((i) => ({ ...i })).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(items).toEqual([
      { name: 'Item 1', price: 10, url: `${site.url}/item/1` },
      { name: 'Item 2', price: 20, url: `${site.url}/item/2` },
    ]);
    expect(r.items.every((i) => i instanceof Product)).toBe(true);
  });
});
