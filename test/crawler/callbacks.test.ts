// Scrapy experiment (j) — every shape a callback may return (the Scrapy reference (docs/rules.md) §2.10,
// §3 (j)) — plus errbacks, spider errors, cbKwargs, CloseSpider and CONCURRENT_ITEMS, each as a
// real crawl of the demo site under both reactors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseSpider, HttpError, Request, Spider, type ItemPipeline, type Response } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { Failure, inlineCallbacks, succeed, type Deferred } from '@deferkit/deferred';
import { deferLater } from '@deferkit/reactor';
import { closedPort, REACTORS, runCrawl, ValueError } from './experiments-harness.js';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(async () => {
  await site.close();
});

const url = (path: string): string => `${site.url}${path}`;
const byJson = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
const DEFERRED_WARNING = 'returned a Deferred. Returning Deferreds from spider callbacks is deprecated.';

for (const REACTOR of REACTORS) {
  describe(`exp (j) callback return shapes [${REACTOR}]`, () => {
    it('j: every callback shape yields exactly its items and requests (Deferred-returning ones with the deprecation warning)', async () => {
      const scheduled: string[] = [];
      const called: string[] = [];
      class ExpJ extends Spider {
        override name = 'exp_j';
        override async *start() {
          const shapes = [
            'syncItem', 'syncRequest', 'syncArray', 'syncUndefined', 'generator',
            'asyncList', 'asyncDict', 'asyncUndefined', 'asyncRequest', 'agenMixed',
            'inlineCbs', 'retDeferred', 'retPendingDeferred',
          ];
          for (const [i, name] of shapes.entries()) {
            yield new Request(url(`/catalogue/book-${i + 1}.html`), { callback: name, cbKwargs: { shape: name } });
          }
          // Twice more: the deprecation warning is still logged once per callback.
          yield new Request(url('/catalogue/book-30.html'), { callback: 'retDeferred' });
          yield new Request(url('/catalogue/book-31.html'), { callback: 'retPendingDeferred' });
        }
        syncItem(_r: Response, kw: { shape: string }) {
          called.push(kw.shape);
          return { cb: 'sync_item' };
        }
        syncRequest() {
          called.push('syncRequest');
          return new Request(url('/catalogue/book-41.html'), { callback: this.leaf, cbKwargs: { from: 'sync_request' } });
        }
        syncArray() {
          called.push('syncArray');
          return [{ cb: 'sync_array', i: 1 }, { cb: 'sync_array', i: 2 }];
        }
        syncUndefined(): undefined {
          called.push('syncUndefined');
          return undefined;
        }
        *generator() {
          called.push('generator');
          yield { cb: 'generator', i: 1 };
          yield { cb: 'generator', i: 2 };
        }
        async asyncList() {
          called.push('asyncList');
          return [{ cb: 'ret_list', i: 1 }, { cb: 'ret_list', i: 2 }];
        }
        async asyncDict() {
          called.push('asyncDict');
          return { cb: 'ret_item' };
        }
        async asyncUndefined() {
          called.push('asyncUndefined');
          return undefined;
        }
        async asyncRequest() {
          called.push('asyncRequest');
          return new Request(url('/catalogue/book-42.html'), { callback: this.leaf, cbKwargs: { from: 'ret_request' } });
        }
        async *agenMixed() {
          called.push('agenMixed');
          yield { cb: 'agen_mixed', i: 1 };
          yield new Request(url('/catalogue/book-43.html'), { callback: this.leaf, cbKwargs: { from: 'agen_mixed' } });
          yield { cb: 'agen_mixed', i: 2 };
        }
        // An inlineCallbacks generator awaiting a pending Deferred (engine.download) with yield*:
        // Deferred-driven, so it works under both reactors.
        inlineCbs = inlineCallbacks(function* inlineCbs(this: ExpJ, response: Response) {
          called.push('inlineCbs');
          const other: Response = yield* this.crawler.engine!.download(new Request(url('/catalogue/book-44.html')));
          return [{ cb: 'inline_callbacks', own: response.css('h1::text').get(), other: other.css('h1::text').get() }];
        });
        retDeferred() {
          called.push('retDeferred');
          return succeed([{ cb: 'ret_deferred' }]);
        }
        retPendingDeferred(): Deferred<unknown> {
          called.push('retPendingDeferred');
          return deferLater(this.crawler.reactor, 0.02, () => [{ cb: 'ret_pending_deferred' }]);
        }
        leaf(response: Response, kw: { from: string }) {
          return { cb: 'leaf', from: kw.from, path: new URL(response.url).pathname };
        }
      }
      const r = await runCrawl(ExpJ, { REACTOR }, {
        setup: (c) => c.signals.connect(({ request }) => void scheduled.push(new URL(request.url).pathname), 'requestScheduled'),
      });
      expect(called.sort()).toEqual(
        ['agenMixed', 'asyncDict', 'asyncList', 'asyncRequest', 'asyncUndefined', 'generator', 'inlineCbs', 'retDeferred', 'retDeferred',
          'retPendingDeferred', 'retPendingDeferred', 'syncArray', 'syncItem', 'syncRequest', 'syncUndefined'],
      );
      const title = (n: number): string => site.books[n - 1]!.title;
      expect([...r.items].sort(byJson)).toEqual(
        [
          { cb: 'sync_item' },
          { cb: 'leaf', from: 'sync_request', path: '/catalogue/book-41.html' },
          { cb: 'sync_array', i: 1 },
          { cb: 'sync_array', i: 2 },
          { cb: 'generator', i: 1 },
          { cb: 'generator', i: 2 },
          { cb: 'ret_list', i: 1 },
          { cb: 'ret_list', i: 2 },
          { cb: 'ret_item' },
          { cb: 'leaf', from: 'ret_request', path: '/catalogue/book-42.html' },
          { cb: 'agen_mixed', i: 1 },
          { cb: 'agen_mixed', i: 2 },
          { cb: 'leaf', from: 'agen_mixed', path: '/catalogue/book-43.html' },
          { cb: 'inline_callbacks', own: title(11), other: title(44) },
          { cb: 'ret_deferred' },
          { cb: 'ret_deferred' },
          { cb: 'ret_pending_deferred' },
          { cb: 'ret_pending_deferred' },
        ].sort(byJson),
      );
      // Requests returned or yielded by callbacks were scheduled; the inline download was not.
      expect(scheduled).toEqual(expect.arrayContaining(['/catalogue/book-41.html', '/catalogue/book-42.html', '/catalogue/book-43.html']));
      expect(scheduled).not.toContain('/catalogue/book-44.html');
      expect(scheduled).toHaveLength(18);
      expect(r.spiderErrors).toEqual([]);
      expect(r.count(`retDeferred ${DEFERRED_WARNING}`, 'WARNING')).toBe(1);
      expect(r.count(`retPendingDeferred ${DEFERRED_WARNING}`, 'WARNING')).toBe(1);
      expect(r.count(`inlineCbs ${DEFERRED_WARNING}`, 'WARNING')).toBe(1);
      expect(r.count(DEFERRED_WARNING, 'WARNING')).toBe(3);
      expect(r.stats['item_scraped_count']).toBe(18);
      expect(r.closeReason).toBe('finished');
    });
  });

  describe(`errbacks, spider errors, cbKwargs, CloseSpider, CONCURRENT_ITEMS [${REACTOR}]`, () => {
    it('errback: gets the Failure of a download error and of an HttpError; what it returns is scraped', async () => {
      const port = await closedPort();
      const got: Array<{ kind: string; name: string; status?: number; requestUrl?: string }> = [];
      class S extends Spider {
        override name = 'errbacks';
        override async *start() {
          yield new Request(`http://127.0.0.1:${port}/nothing-here`, { errback: this.onError, cbKwargs: {} });
          yield new Request(url('/status/404'), { errback: this.onError });
          yield new Request(url('/status/410'));
          yield new Request(`http://127.0.0.1:${port}/no-errback`);
        }
        override parse() {
          return { parsed: true };
        }
        onError(failure: Failure) {
          const value = failure.value as Error;
          const entry: (typeof got)[number] = { kind: failure instanceof Failure ? 'Failure' : typeof failure, name: value.name };
          if (value instanceof HttpError) entry.status = value.response.status;
          entry.requestUrl = (failure as Failure & { request?: Request }).request?.url;
          got.push(entry);
          return { fromErrback: value.name };
        }
      }
      const r = await runCrawl(S, { REACTOR, RETRY_ENABLED: false });
      const http = got.find((g) => g.name === 'HttpError');
      const download = got.find((g) => g.name !== 'HttpError');
      expect(got).toHaveLength(2);
      expect(http).toEqual({ kind: 'Failure', name: 'HttpError', status: 404, requestUrl: url('/status/404') });
      expect(download?.kind).toBe('Failure');
      expect(download?.requestUrl).toBe(`http://127.0.0.1:${port}/nothing-here`);
      expect(r.items.map((i) => i.fromErrback).sort()).toEqual([download!.name, 'HttpError'].sort());
      // Without an errback: the download error is logged, the HttpError ignored (INFO), no spider error.
      expect(r.count(`Error downloading <GET http://127.0.0.1:${port}/no-errback>`, 'ERROR')).toBe(1);
      expect(r.count(`Error downloading <GET http://127.0.0.1:${port}/nothing-here>`, 'ERROR')).toBe(0);
      expect(r.count(`Ignoring response <410 ${url('/status/410')}>`, 'INFO')).toBe(1);
      expect(r.spiderErrors).toEqual([]);
    });

    it('errback raising another exception: the download error is logged and the new one is a spider error', async () => {
      const port = await closedPort();
      class S extends Spider {
        override name = 'errback_raises';
        override async *start() {
          yield new Request(`http://127.0.0.1:${port}/x`, { errback: this.onError });
        }
        onError(): never {
          throw new ValueError('errback failed');
        }
      }
      const r = await runCrawl(S, { REACTOR, RETRY_ENABLED: false });
      expect(r.count(`Error downloading <GET http://127.0.0.1:${port}/x>`, 'ERROR')).toBe(1);
      expect(r.count(`Spider error processing <GET http://127.0.0.1:${port}/x> (referer: None)`, 'ERROR')).toBe(1);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
    });

    for (const kind of ['sync', 'async'] as const) {
      it(`a ${kind} generator callback that throws mid-stream keeps the earlier items and logs a spider error with stats`, async () => {
        class Boom extends Spider {
          override name = 'boom';
          override startUrls = [url('/catalogue/page-1.html')];
          override parse(response: Response) {
            const books = response.css('.book a::text').getall();
            if (kind === 'sync') {
              return (function* () {
                yield { title: books[0] };
                yield { title: books[1] };
                throw new ValueError('mid-stream');
              })();
            }
            return (async function* () {
              yield { title: books[0] };
              yield { title: books[1] };
              throw new ValueError('mid-stream');
            })();
          }
        }
        const r = await runCrawl(Boom, { REACTOR });
        expect(r.items).toEqual([{ title: site.books[0]!.title }, { title: site.books[1]!.title }]);
        expect(r.count(`Spider error processing <GET ${url('/catalogue/page-1.html')}> (referer: None)`, 'ERROR')).toBe(1);
        expect((r.record('Spider error processing')?.error as Error).message).toBe('mid-stream');
        expect(r.stats['spider_exceptions/count']).toBe(1);
        expect(r.stats['spider_exceptions/ValueError']).toBe(1);
        expect(r.spiderErrors).toHaveLength(1);
        expect((r.spiderErrors[0] as Failure).value).toBeInstanceOf(ValueError);
      });
    }

    for (const enabled of [true, false]) {
      it(`a spider error of a followed request names its referer (RefererMiddleware${enabled ? '' : ' disabled: None'})`, async () => {
        class Follow extends Spider {
          override name = 'referer';
          override startUrls = [url('/catalogue/page-2.html#top')];
          override parse(response: Response) {
            return response.follow('book-12.html', { callback: this.book });
          }
          book(): never {
            throw new ValueError('bad book');
          }
        }
        const r = await runCrawl(Follow, { REACTOR, REFERER_ENABLED: enabled });
        const referer = enabled ? url('/catalogue/page-2.html') : 'None';
        expect(r.count(`Crawled (200) <GET ${url('/catalogue/page-2.html#top')}> (referer: None)`, 'DEBUG')).toBe(1);
        expect(r.count(`Crawled (200) <GET ${url('/catalogue/book-12.html')}> (referer: ${referer})`, 'DEBUG')).toBe(1);
        expect(r.messages('ERROR')).toContain(`Spider error processing <GET ${url('/catalogue/book-12.html')}> (referer: ${referer})`);
        expect(r.stats['spider_exceptions/ValueError']).toBe(1);
      });
    }

    it('cbKwargs are passed as the second argument of the callback', async () => {
      const seen: unknown[] = [];
      class S extends Spider {
        override name = 'cbkwargs';
        override async *start() {
          yield new Request(url('/catalogue/book-3.html'), { callback: this.book, cbKwargs: { n: 3, tag: 'three' } });
          yield new Request(url('/catalogue/book-4.html'), { callback: this.book });
        }
        book(response: Response, kwargs: Record<string, unknown>) {
          seen.push(kwargs);
          return { title: response.css('h1::text').get(), ...kwargs };
        }
      }
      const r = await runCrawl(S, { REACTOR });
      expect(seen).toEqual(expect.arrayContaining([{ n: 3, tag: 'three' }, {}]));
      expect(r.items).toEqual(expect.arrayContaining([{ title: site.books[2]!.title, n: 3, tag: 'three' }, { title: site.books[3]!.title }]));
    });

    it('CloseSpider raised by a callback closes the spider with its reason (not a spider error)', async () => {
      let parsed = 0;
      class S extends Spider {
        override name = 'closer';
        override startUrls = [url('/catalogue/page-1.html')];
        override *parse(response: Response) {
          parsed++;
          yield { page: 1 };
          for (const href of response.css('.book a::attr(href)').getall()) yield response.follow(href, { callback: this.book });
          throw new CloseSpider('enough_books');
        }
        book() {
          parsed++;
          return { book: true };
        }
      }
      const r = await runCrawl(S, { REACTOR, CONCURRENT_REQUESTS: 1 });
      expect(r.closeReason).toBe('enough_books');
      expect(r.stats['finish_reason']).toBe('enough_books');
      expect(r.spiderErrors).toEqual([]);
      expect(r.count('Spider error processing')).toBe(0);
      expect(r.items[0]).toEqual({ page: 1 });
      // Closing lets in-flight downloads finish but schedules nothing new: far fewer than 10 books.
      expect(parsed).toBeLessThan(11);
    });

    for (const concurrentItems of [2, 100]) {
      it(`CONCURRENT_ITEMS=${concurrentItems} bounds the items of one response in the pipelines at once`, async () => {
        let inFlight = 0;
        let peak = 0;
        class SlowPipeline implements ItemPipeline {
          async processItem(item: unknown) {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 30));
            inFlight--;
            return item;
          }
        }
        class S extends Spider {
          override name = 'concurrent_items';
          override startUrls = [url('/catalogue/page-1.html')];
          override *parse() {
            for (let n = 1; n <= 6; n++) yield { n };
          }
        }
        const r = await runCrawl(S, { REACTOR, CONCURRENT_ITEMS: concurrentItems, ITEM_PIPELINES: [[SlowPipeline, 100]] });
        expect(r.items.map((i) => i.n).sort()).toEqual([1, 2, 3, 4, 5, 6]);
        expect(peak).toBe(Math.min(concurrentItems, 6));
      });
    }
  });
}
