// A full crawl of the embedded demo bookstore gives exactly its catalogue, under both reactors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Spider, type Response } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { REACTORS, runCrawl } from './experiments-harness.js';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(async () => {
  await site.close();
});

class BooksSpider extends Spider {
  override name = 'books';
  override startUrls = [`${site.url}/`];

  override *parse(response: Response) {
    for (const href of response.css('.book a::attr(href)').getall()) yield response.follow(href, { callback: this.parseBook });
    const next = response.css('li.next a::attr(href)').get();
    if (next) yield response.follow(next);
  }

  async parseBook(response: Response) {
    return {
      title: response.css('h1::text').get(),
      price: response.css('.price::text').get(),
      color: response.css('.color::text').get(),
      url: response.url,
    };
  }
}

for (const REACTOR of REACTORS) {
  describe(`demo site crawl [${REACTOR}]`, () => {
    it('scrapes every book exactly once, with its title, price and colour', async () => {
      const r = await runCrawl(BooksSpider, { REACTOR });
      const expected = site.books.map((b) => ({ title: b.title, price: b.price, color: b.color, url: `${site.url}${b.path}` }));
      const byUrl = (a: { url: string }, b: { url: string }) => a.url.localeCompare(b.url);
      expect(r.items).toHaveLength(site.books.length);
      expect([...r.items].sort(byUrl)).toEqual(expected.sort(byUrl));
      expect(r.stats['item_scraped_count']).toBe(site.books.length);
      // 1 start page + (pages - 1) listing pages + one page per book.
      expect(r.stats['response_received_count']).toBe(site.pages + site.books.length);
      expect(r.stats['request_depth_max']).toBe(site.pages);
      expect(r.spiderErrors).toEqual([]);
      expect(r.count('')).toBe(0); // no WARNING or ERROR at all
      expect(r.closeReason).toBe('finished');
    });
  });
}
