// CrawlSpider and Rule: Scrapy's rule semantics, on responses built in code and in one real
// loopback crawl.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrawlSpider, LinkExtractor, Request, Response, Rule, type Failure, type Link } from '@deferkit/crawler';
import { runCrawl } from '../crawl-harness.js';
import { startExtractionSite, type ExtractionSite } from './site.js';

const html = (url: string, body: string, type = 'text/html'): Response => {
  const r = new Response(url, { headers: { 'Content-Type': type }, body });
  r.request = new Request(url, { meta: {} });
  return r;
};

async function collect(out: unknown): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const x of out as AsyncIterable<unknown>) all.push(x);
  return all;
}

const requests = (out: unknown[]): Request[] => out.filter((x): x is Request => x instanceof Request);

describe('Rule', () => {
  it('follow defaults to true without a callback and false with one; an explicit value wins', () => {
    expect(new Rule(new LinkExtractor()).follow).toBe(true);
    expect(new Rule(new LinkExtractor(), { callback: 'parseItem' }).follow).toBe(false);
    expect(new Rule(new LinkExtractor(), { callback: 'parseItem', follow: true }).follow).toBe(true);
    expect(new Rule(null, { follow: false }).follow).toBe(false);
  });

  it('a misplaced or wrongly typed argument is an error that says what goes where', () => {
    expect(() => new Rule({ callback: 'x' } as never)).toThrow(/first argument must be a LinkExtractor/);
    expect(() => new Rule(null, { callback: 3 as never })).toThrow(/callback must be a function or a spider method name/);
  });
});

describe('CrawlSpider rule semantics', () => {
  const page = '<a href="/item/1">one</a><a href="/item/2">two</a><a href="/cat/1">cat</a>';

  it('a link goes to the first rule that extracts it; a later rule does not request it again', async () => {
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor({ allow: '/item/1' }), { callback: 'a' }), new Rule(new LinkExtractor({ allow: '/item/' }), { callback: 'b' })];
      a(): unknown {
        return [];
      }
      b(): unknown {
        return [];
      }
    }
    const out = requests(await collect(new S().parse(html('http://x.test/', page))));
    expect(out.map((r) => [r.url, r.meta.rule])).toEqual([
      ['http://x.test/item/1', 0],
      ['http://x.test/item/2', 1],
    ]);
  });

  it('rule requests carry meta.rule and meta.link_text, and go to the rule callback with its cbKwargs', async () => {
    const seen: unknown[] = [];
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor({ allow: '/item/' }), { callback: 'parseItem', cbKwargs: { shop: 'x' } })];
      parseItem(response: Response, kwargs: Record<string, unknown>): unknown {
        seen.push([response.meta.link_text, kwargs]);
        return { url: response.url };
      }
    }
    const spider = new S();
    const [first] = requests(await collect(spider.parse(html('http://x.test/', page))));
    expect(first!.meta).toEqual({ rule: 0, link_text: 'one' });
    const response = html(first!.url, '<a href="/item/9">nine</a>');
    response.request = first!;
    const out = await collect((first!.callback as (r: Response, k: Record<string, unknown>) => unknown).call(spider, response, { extra: 1 }));
    // follow is false for a rule with a callback: the item only, no request for /item/9.
    expect(out).toEqual([{ url: 'http://x.test/item/1' }]);
    expect(seen).toEqual([['one', { shop: 'x', extra: 1 }]]);
  });

  it('parseStartUrl output comes first, through processResults, then the start page links', async () => {
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor({ allow: '/cat/' }))];
      override async parseStartUrl(response: Response): Promise<unknown> {
        return [{ start: response.url }];
      }
      override processResults(_response: Response, results: Iterable<unknown>): Iterable<unknown> {
        return [...results].map((r) => ({ ...(r as object), processed: true }));
      }
    }
    const out = await collect(new S().parse(html('http://x.test/', page)));
    expect(out[0]).toEqual({ start: 'http://x.test/', processed: true });
    expect(requests(out).map((r) => r.url)).toEqual(['http://x.test/cat/1']);
  });

  it('processLinks and processRequest apply per rule, as functions or spider method names; a null request is dropped', async () => {
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor({ allow: '/item/' }), { processLinks: 'onlyOne', processRequest: 'tag' }), new Rule(new LinkExtractor(), { processRequest: () => null })];
      onlyOne(links: Link[]): Link[] {
        return links.filter((l) => l.text === 'two');
      }
      tag(request: Request, response: Response): Request {
        return request.replace({ meta: { ...request.meta, from: response.url } });
      }
    }
    const out = requests(await collect(new S().parse(html('http://x.test/', page))));
    // /item/1 was filtered out by rule 0's processLinks, so rule 1 extracted it, and dropped it.
    expect(out.map((r) => [r.url, r.meta.from])).toEqual([['http://x.test/item/2', 'http://x.test/']]);
  });

  it('only HTML responses have links extracted (a JSON or XML body is not scanned)', async () => {
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor())];
    }
    expect(await collect(new S().parse(html('http://x.test/d.json', '<a href="/a">a</a>', 'application/json')))).toEqual([]);
    expect(await collect(new S().parse(html('http://x.test/d.xml', '<a href="/a">a</a>', 'text/xml')))).toEqual([]);
    expect(requests(await collect(new S().parse(html('http://x.test/', '<a href="/a">a</a>', 'application/xhtml+xml'))))).toHaveLength(1);
  });

  it('a rule callback name that is no spider method is an error naming the rule and the fix', async () => {
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor(), { callback: 'parseItme' })];
    }
    await expect(collect(new S().parse(html('http://x.test/', page)))).rejects.toThrow(/Rule 0 of S: callback "parseItme" is not a method of the spider/);
  });

  it("the rule errback gets the Failure of the rule's request; without one the failure is dropped (Scrapy's _errback)", async () => {
    const got: unknown[] = [];
    class S extends CrawlSpider {
      override rules = [new Rule(new LinkExtractor({ allow: 'a' }), { errback: 'onError' }), new Rule(new LinkExtractor({ allow: 'b' }))];
      onError(failure: Failure): unknown {
        got.push((failure as Failure & { request: Request }).request.url);
        return [{ failed: true }];
      }
    }
    const spider = new S();
    const [ra, rb] = requests(await collect(spider.parse(html('http://x.test/', '<a href="/a">a</a><a href="/b">b</a>'))));
    const failureFor = (request: Request): Failure => {
      const f = { value: new Error('boom'), request } as unknown as Failure;
      return f;
    };
    const eb = ra!.errback as (f: Failure) => unknown;
    expect(await collect(eb.call(spider, failureFor(ra!)))).toEqual([{ failed: true }]);
    expect(await collect((rb!.errback as (f: Failure) => unknown).call(spider, failureFor(rb!)))).toEqual([]);
    expect(got).toEqual(['http://x.test/a']);
  });
});

describe('CrawlSpider crawl (loopback)', () => {
  let site: ExtractionSite;
  beforeAll(async () => {
    site = await startExtractionSite();
  });
  afterAll(async () => {
    await site.close();
  });

  function shopSpider(errors: string[]) {
    return class Shop extends CrawlSpider {
      override name = 'shop';
      override startUrls = [`${site.url}/`];
      override rules = [
        new Rule(new LinkExtractor({ allow: '/cat/', deny: '/private/' })),
        new Rule(new LinkExtractor({ allow: '/item/', restrictCss: ['.items', 'body'] }), { callback: 'parseItem' }),
        new Rule(new LinkExtractor({ allow: '/missing' }), { errback: 'onError' }),
      ];
      override parseStartUrl(response: Response): unknown {
        return { start: response.url };
      }
      parseItem(response: Response): unknown {
        return { name: response.css('h1::text').get(), price: response.css('.price::text').get()?.trim(), via: response.meta.link_text, rule: response.meta.rule };
      }
      onError(failure: Failure): void {
        errors.push(String((failure as Failure & { request: Request }).request.url));
      }
    };
  }

  it('follows rule links to the items: rules without callback followed, item pages not, denied and ignored links never fetched', async () => {
    const errors: string[] = [];
    const r = await runCrawl(shopSpider(errors));
    const items = r.items.filter((i) => 'name' in i).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(items).toEqual([
      { name: 'Item 1', price: '10', via: 'Featured', rule: 1 },
      { name: 'Item 2', price: '20', via: 'Lamp two', rule: 1 },
      { name: 'Item 3', price: '30', via: ' Chair ', rule: 1 },
    ]);
    expect(r.items.filter((i) => 'start' in i)).toEqual([{ start: `${site.url}/` }]);
    // /item/99 is linked only from an item page (its rule does not follow); /private/ is denied,
    // /about matches no rule, /logo.png has an ignored extension.
    for (const path of ['/item/99', '/private/x', '/about', '/logo.png']) expect(site.hits).not.toContain(path);
    expect(errors).toEqual([`${site.url}/missing`]);
    expect(r.stat('item_scraped_count')).toBe(4);
    // Each page once: the duplicate filter drops the second /item/1 and /cat/2 requests.
    expect(r.stat('downloader/request_count')).toBe(7);
    expect(r.stat('dupefilter/filtered')).toBeGreaterThan(0);
  });

  it('CRAWLSPIDER_FOLLOW_LINKS=false: only the start responses are parsed', async () => {
    site.hits.length = 0;
    const r = await runCrawl(shopSpider([]), { CRAWLSPIDER_FOLLOW_LINKS: false });
    expect(r.items).toEqual([{ start: `${site.url}/` }]);
    expect(site.hits).toEqual(['/']);
  });
});
