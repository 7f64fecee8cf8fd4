// Crawls the demo bookstore: every listing page, every book page, one item per book.
// Run it against the embedded demo site in one command:
//   npx deferkit runspider examples/spiders/books.ts --demo -o books.jsonl
// or against a demo site you started with `npx deferkit demo-site --port 8080`:
//   npx deferkit runspider examples/spiders/books.ts -a base=http://127.0.0.1:8080 -o books.jsonl

import { Request, Spider, type Response } from '@deferkit/crawler';

export default class BooksSpider extends Spider {
  // As in a `scrapy startproject` project: feeds keep '£' as it is. Without it (Scrapy's
  // default, FEED_EXPORT_ENCODING = null) JSON feeds escape it as "\u00a3".
  static override customSettings = { FEED_EXPORT_ENCODING: 'utf-8' };
  override name = 'books';
  /** The demo site's address; `-a base=…` sets it. */
  base = 'http://127.0.0.1:8080';

  override *startRequests() {
    yield new Request(`${this.base}/`);
  }

  override *parse(response: Response) {
    for (const href of response.css('.book a::attr(href)').getall()) {
      yield response.follow(href, { callback: this.parseBook });
    }
    const next = response.css('li.next a::attr(href)').get();
    if (next !== undefined) yield response.follow(next);
  }

  parseBook(response: Response) {
    return {
      title: response.css('h1::text').get(),
      price: response.css('.price::text').get(),
      color: response.css('.color::text').get(),
      url: response.url,
    };
  }
}
