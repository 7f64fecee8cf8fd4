// Bad input and faults, each in a real crawl against the loopback fault server, under both
// reactors: every one ends in Scrapy's outcome (retried, dropped, logged, counted in stats) with
// a clear message — never a hang, never a crash, never a lost item that was already scraped.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DropItem, Request, Spider, type Response } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { listSpider, pageItem, REACTORS, runCrawl } from './crawl-harness.js';
import { closedPort, LINKS_BAD_HREFS, startFaultServer, type FaultServer } from './fault-server.js';

let server: FaultServer;
let site: DemoSite;
beforeAll(async () => {
  [server, site] = await Promise.all([startFaultServer(), startDemoSite({ books: 12, perPage: 4 })]);
});
afterAll(async () => {
  await Promise.all([server.close(), site.close()]);
});
beforeEach(() => {
  server.reset();
});

class ParseError extends Error {
  override name = 'ParseError';
}
class PipelineError extends Error {
  override name = 'PipelineError';
}

for (const REACTOR of REACTORS) {
  describe(`faults [${REACTOR}]`, () => {
    it('connection reset mid-body (Content-Length): ResponseDataLossError, retried RETRY_TIMES, then given up and logged; other items kept', async () => {
      const url = `${server.url}/reset-mid-body`;
      const r = await runCrawl(listSpider([url, `${server.url}/ok?p=fine`]), { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual(['ok fine']);
      expect(server.hitCount('/reset-mid-body')).toBe(3);
      expect(r.stat('downloader/exception_type_count/ResponseDataLossError')).toBe(3);
      expect(r.stat('retry/count')).toBe(2);
      expect(r.stat('retry/reason_count/ResponseDataLossError')).toBe(2);
      expect(r.stat('retry/max_reached')).toBe(1);
      expect(
        r.grep(
          `WARNING Got data loss in ${url}. If you want to process broken responses set the setting DOWNLOAD_FAIL_ON_DATALOSS = False -- This message won't be shown in further requests`,
        ),
      ).toHaveLength(1);
      expect(r.grep(`ERROR Gave up retrying <GET ${url}> (failed 3 times): ResponseDataLossError: Connection to 127.0.0.1:${server.port} was lost after 100 bytes`)).toHaveLength(1);
      expect(r.grep(`ERROR Error downloading <GET ${url}>: ResponseDataLossError: `)).toHaveLength(1);
      expect(r.stat('finish_reason')).toBe('finished');
    });

    it('connection reset mid-body (chunked, no Content-Length): the same outcome', async () => {
      const url = `${server.url}/reset-mid-body-chunked`;
      const r = await runCrawl(listSpider([url]), { REACTOR });
      expect(server.hitCount('/reset-mid-body-chunked')).toBe(3);
      expect(r.stat('downloader/exception_type_count/ResponseDataLossError')).toBe(3);
      expect(r.grep(`ERROR Error downloading <GET ${url}>: ResponseDataLossError:`)).toHaveLength(1);
    });

    it('DOWNLOAD_FAIL_ON_DATALOSS=false: the partial body reaches the callback, flagged dataloss', async () => {
      const got: Array<[number, string[]]> = [];
      const r = await runCrawl(listSpider([`${server.url}/reset-mid-body`], { parse: (resp) => void got.push([resp.body.length, resp.flags]) }), {
        REACTOR,
        DOWNLOAD_FAIL_ON_DATALOSS: false,
      });
      expect(got).toEqual([[100, ['dataloss']]]);
      expect(r.grep(`DEBUG Crawled (200) <GET ${server.url}/reset-mid-body> (referer: None) ['dataloss']`)).toHaveLength(1);
      expect(r.stat('retry/count')).toBeUndefined();
    });

    it('connection closed before any response, and connection refused: ConnectionError, retried, given up', async () => {
      const port = await closedPort();
      const refused = `http://127.0.0.1:${port}/nothing`;
      const early = `${server.url}/reset-early`;
      const r = await runCrawl(listSpider([early, refused]), { REACTOR });
      expect(server.hitCount('/reset-early')).toBe(3);
      expect(r.stat('downloader/exception_type_count/ConnectionError')).toBe(6);
      expect(r.stat('retry/reason_count/ConnectionError')).toBe(4);
      expect(r.stat('retry/max_reached')).toBe(2);
      expect(r.grep(`ERROR Error downloading <GET ${refused}>: ConnectionError: Connection to 127.0.0.1:${port} failed or was lost: ECONNREFUSED`)).toHaveLength(1);
      expect(r.grep(`ERROR Error downloading <GET ${early}>: ConnectionError: Connection to 127.0.0.1:${server.port} failed or was lost: ECONNRESET`)).toHaveLength(1);
    });

    it('a server that stalls: TimeoutError at DOWNLOAD_TIMEOUT, retried, given up — no hang', async () => {
      const url = `${server.url}/stall`;
      const r = await runCrawl(listSpider([url, `${server.url}/ok?p=meanwhile`]), { REACTOR, DOWNLOAD_TIMEOUT: 0.3 });
      expect(r.items.map((i) => i.h1)).toEqual(['ok meanwhile']);
      expect(server.hitCount('/stall')).toBe(3);
      expect(r.stat('downloader/exception_type_count/TimeoutError')).toBe(3);
      expect(r.stat('retry/reason_count/TimeoutError')).toBe(2);
      expect(r.stat('retry/max_reached')).toBe(1);
      expect(r.grep(`ERROR Gave up retrying <GET ${url}> (failed 3 times): TimeoutError: Getting ${url} took longer than 0.3 seconds.`)).toHaveLength(1);
      expect(r.grep(`ERROR Error downloading <GET ${url}>: TimeoutError: Getting ${url} took longer than 0.3 seconds.`)).toHaveLength(1);
      expect(r.seconds).toBeGreaterThanOrEqual(0.85);
      // No hang: the crawl ended by itself (a hang is the test's timeout, not a clock bound).
      expect(r.stat('finish_reason')).toBe('finished');
    });

    it('5xx then 200: retried, and the item arrives', async () => {
      const r = await runCrawl(listSpider([`${server.url}/flaky?key=faults-${REACTOR}&fail=1`]), { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual([`flaky faults-${REACTOR} ok`]);
      expect(r.stat('retry/reason_count/500 Internal Server Error')).toBe(1);
      expect(r.stat('downloader/response_status_count/500')).toBe(1);
      expect(r.stat('downloader/response_status_count/200')).toBe(1);
    });

    it('a redirect to itself: a duplicate (filtered) for a normal request; "max redirections reached" with dontFilter', async () => {
      const normal = await runCrawl(listSpider([`${server.url}/loop`]), { REACTOR });
      expect(server.hitCount('/loop')).toBe(1);
      expect(normal.stat('dupefilter/filtered')).toBe(1);
      expect(normal.grep(`DEBUG Filtered duplicate request: <GET ${server.url}/loop>`)).toHaveLength(1);
      expect(normal.grep('ERROR')).toEqual([]);

      server.reset();
      class LoopSpider extends Spider {
        override name = 'loop';
        override startUrls = [`${server.url}/loop`]; // start URLs are dontFilter, as in Scrapy
      }
      const forced = await runCrawl(LoopSpider, { REACTOR, REDIRECT_MAX_TIMES: 5 });
      expect(server.hitCount('/loop')).toBe(6);
      expect(forced.grep(`DEBUG Discarding <GET ${server.url}/loop>: max redirections reached`)).toHaveLength(1);
      expect(forced.stat('downloader/response_status_count/302')).toBe(6);
      expect(forced.grep('ERROR')).toEqual([]);
      expect(forced.stat('finish_reason')).toBe('finished');
    });

    it('/loop-a ↔ /loop-b: the second visit of /loop-a is a filtered duplicate', async () => {
      const r = await runCrawl(listSpider([`${server.url}/loop-a`]), { REACTOR });
      expect([server.hitCount('/loop-a'), server.hitCount('/loop-b')]).toEqual([1, 1]);
      expect(r.stat('dupefilter/filtered')).toBe(1);
      expect(r.grep(`DEBUG Redirecting (302) to <GET ${server.url}/loop-b> from <GET ${server.url}/loop-a>`)).toHaveLength(1);
    });

    it('an oversize body, with and without Content-Length: cancelled, warned, "Error downloading", not retried', async () => {
      const withLength = `${server.url}/big?size=50000`;
      const chunked = `${server.url}/big-chunked?size=50000`;
      const r = await runCrawl(listSpider([withLength, chunked, `${server.url}/ok?p=small`]), { REACTOR, DOWNLOAD_MAXSIZE: 4000 });
      expect(r.items.map((i) => i.h1)).toEqual(['ok small']);
      expect(r.grep(`WARNING Expected to receive 50000 bytes which is larger than download max size (4000) in request <GET ${withLength}>.`)).toHaveLength(1);
      expect(r.grep(`WARNING Received`).filter((l) => l.endsWith(`bytes which is larger than download max size (4000) in request <GET ${chunked}>.`))).toHaveLength(1);
      expect(r.grep('ERROR Error downloading <GET ')).toHaveLength(2);
      expect(r.stat('downloader/exception_type_count/ResponseTooLarge')).toBe(2);
      expect(r.stat('retry/count')).toBeUndefined();
      expect(server.hitCount('/big') + server.hitCount('/big-chunked')).toBe(2);
    });

    it('bad gzip: "Error downloading" with the zlib reason; not retried (it fails in processResponse, as in Scrapy)', async () => {
      const url = `${server.url}/gzip-bad`;
      const r = await runCrawl(listSpider([url, `${server.url}/gzip-ok`]), { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual(['gzip ok']);
      const err = r.grep(`ERROR Error downloading <GET ${url}>: DecompressionError: Cannot decode the gzip body of <200 ${url}>: `);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/incorrect header check/);
      expect(server.hitCount('/gzip-bad')).toBe(1);
      expect(r.stat('retry/count')).toBeUndefined();
      expect(r.stat('downloader/response_status_count/200')).toBe(2);
    });

    it('a wrong charset: decoded with U+FFFD, scraped, no error', async () => {
      const r = await runCrawl(listSpider([`${server.url}/charset-wrong`]), { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual(['caf\uFFFD']);
      expect(r.grep('ERROR')).toEqual([]);
    });

    it('malformed and non-http(s) links, followed one by one: each refused with a clear TypeError or NotSupported; good links crawled', async () => {
      const refused: string[] = [];
      class Links extends Spider {
        override name = 'links';
        override startUrls = [`${server.url}/links-bad`];
        override *parse(response: Response) {
          if (!response.url.endsWith('/links-bad')) {
            yield pageItem(response);
            return;
          }
          for (const href of response.css('a::attr(href)').getall()) {
            try {
              yield response.follow(href);
            } catch (e) {
              refused.push(`${(e as Error).name}: ${(e as Error).message}`);
            }
          }
        }
      }
      const r = await runCrawl(Links, { REACTOR });
      expect(r.items.map((i) => i.h1).sort()).toEqual(['ok good-1', 'ok good-2', 'ok good-3']);
      expect(refused).toHaveLength(3);
      expect(refused[0]).toBe(`TypeError: Response.follow(): cannot build a URL from "http://[broken" relative to ${server.url}/links-bad.`);
      expect(refused[1]).toMatch(/^TypeError: Missing scheme in request URL: mailto:x@y/);
      expect(refused[2]).toMatch(/^TypeError: Missing scheme in request URL: javascript:void\(0\)/);
      expect(r.grep("ERROR Error downloading <GET ftp://h/f>: NotSupported: Unsupported URL scheme 'ftp': no handler available for that scheme")).toHaveLength(1);
      expect(r.stat('downloader/exception_type_count/NotSupported')).toBe(1);
      expect(r.stat('retry/count')).toBeUndefined();
      expect(LINKS_BAD_HREFS.length).toBe(7);
    });

    it('followAll over the same links, as Scrapy: requests before the malformed link go out, then a spider error', async () => {
      class LinksAll extends Spider {
        override name = 'links_all';
        override startUrls = [`${server.url}/links-bad`];
        override *parse(response: Response) {
          if (!response.url.endsWith('/links-bad')) {
            yield pageItem(response);
            return;
          }
          yield* response.followAll({ css: 'a' });
        }
      }
      const r = await runCrawl(LinksAll, { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual(['ok good-1']);
      expect(r.grep(`ERROR Spider error processing <GET ${server.url}/links-bad> (referer: None)`)).toHaveLength(1);
      expect(r.stat('spider_exceptions/TypeError')).toBe(1);
    });

    it('with allowedDomains, a foreign-host link (ftp://h/f) is dropped as offsite before any download', async () => {
      class Links extends Spider {
        override name = 'links_offsite';
        override allowedDomains = ['127.0.0.1'];
        override startUrls = [`${server.url}/links-bad`];
        override *parse(response: Response) {
          if (!response.url.endsWith('/links-bad')) {
            yield pageItem(response);
            return;
          }
          for (const href of ['ftp://h/f', '/ok?p=good-1']) yield response.follow(href);
        }
      }
      const r = await runCrawl(Links, { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual(['ok good-1']);
      expect(r.stat('offsite/filtered')).toBe(1);
      expect(r.grep("DEBUG Filtered offsite request to 'h': <GET ftp://h/f>")).toHaveLength(1);
      expect(r.stat('downloader/exception_type_count/NotSupported')).toBeUndefined();
    });

    it('a callback that throws: "Spider error processing", counted; the items it yielded before are kept; the crawl goes on', async () => {
      class Thrower extends Spider {
        override name = 'thrower';
        override startUrls = [`${site.url}/catalogue/page-1.html`, `${site.url}/catalogue/page-2.html`];
        override *parse(response: Response) {
          const titles = response.css('.book a::text').getall();
          yield { title: titles[0] };
          yield { title: titles[1] };
          if (response.url.endsWith('page-1.html')) throw new ParseError('price missing');
          yield { title: titles[2] };
        }
      }
      const r = await runCrawl(Thrower, { REACTOR });
      expect(r.items.map((i) => i.title).sort()).toEqual([...site.books.slice(0, 2), ...site.books.slice(4, 7)].map((b) => b.title).sort());
      const err = r.logs.filter((l) => l.message === `Spider error processing <GET ${site.url}/catalogue/page-1.html> (referer: None)`);
      expect(err).toHaveLength(1);
      expect(err[0]!.level).toBe('ERROR');
      expect((err[0]!.error as Error).message).toBe('price missing');
      expect(r.stat('spider_exceptions/ParseError')).toBe(1);
      expect(r.stat('spider_exceptions/count')).toBe(1);
      expect(r.stat('item_scraped_count')).toBe(5);
      expect(r.stat('finish_reason')).toBe('finished');
    });

    it('an async callback that rejects: the same spider error; the other pages are scraped', async () => {
      class AsyncThrower extends Spider {
        override name = 'async_thrower';
        override startUrls = [1, 2, 3].map((i) => `${site.url}/catalogue/book-${i}.html`);
        override async parse(response: Response) {
          await new Promise((r) => setTimeout(r, 5));
          if (response.url.endsWith('book-2.html')) throw new ParseError('no title');
          return { title: response.css('h1::text').get() };
        }
      }
      const r = await runCrawl(AsyncThrower, { REACTOR });
      expect(r.items.map((i) => i.title).sort()).toEqual([site.books[0]!.title, site.books[2]!.title].sort());
      expect(r.grep(`ERROR Spider error processing <GET ${site.url}/catalogue/book-2.html> (referer: None)`)).toHaveLength(1);
      expect(r.stat('spider_exceptions/ParseError')).toBe(1);
    });

    it('a pipeline that throws: "Error processing {…}" for that item only; DropItem is a warning; the others are scraped', async () => {
      const stored: unknown[] = [];
      class Store {
        processItem(item: { id: number }) {
          if (item.id === 2) throw new PipelineError('database is down');
          if (item.id === 3) throw new DropItem('no price');
          stored.push(item.id);
          return item;
        }
      }
      class AsyncStore {
        async processItem(item: { id: number }) {
          await new Promise((r) => setTimeout(r, 2));
          if (item.id === 4) throw new PipelineError('async failure');
          return item;
        }
      }
      class Items extends Spider {
        override name = 'items';
        override startUrls = [`${site.url}/`];
        override *parse() {
          for (const id of [1, 2, 3, 4, 5]) yield { id };
        }
      }
      const r = await runCrawl(Items, {
        REACTOR,
        ITEM_PIPELINES: [
          [Store, 100],
          [AsyncStore, 200],
        ],
      });
      expect(r.items.map((i) => i.id).sort()).toEqual([1, 5]);
      expect(stored.sort()).toEqual([1, 4, 5]);
      const errs = r.logs.filter((l) => l.level === 'ERROR');
      expect(errs.map((l) => l.message).sort()).toEqual(['Error processing {"id":2}', 'Error processing {"id":4}']);
      expect(errs.map((l) => (l.error as Error).message).sort()).toEqual(['async failure', 'database is down']);
      expect(r.grep('WARNING Dropped: no price')).toHaveLength(1);
      expect(r.stat('item_scraped_count')).toBe(2);
      expect(r.stat('item_dropped_count')).toBe(1);
      expect(r.stat('finish_reason')).toBe('finished');
    });

    it('an errback that handles a failed download: its items are scraped and no download error is logged', async () => {
      class Recover extends Spider {
        override name = 'recover';
        override async *start() {
          yield new Request(`${server.url}/stall`, { errback: this.onError, meta: { download_timeout: 0.15, dont_retry: true } });
        }
        *onError(failure: { value: unknown; request?: Request }) {
          yield { failed: (failure.value as Error).name };
        }
      }
      const r = await runCrawl(Recover, { REACTOR });
      expect(r.items).toEqual([{ failed: 'TimeoutError' }]);
      expect(r.grep('Error downloading')).toEqual([]);
      expect(r.stat('downloader/exception_type_count/TimeoutError')).toBe(1);
    });

    it('everything at once: each fault ends its own way and every good item arrives, in well under the time a hang would take', async () => {
      const port = await closedPort();
      class Wrong {
        processRequest(request: Request) {
          return request.url.includes('p=wrong-type') ? 42 : undefined;
        }
      }
      class Mixed extends Spider {
        override name = 'mixed';
        override async *start() {
          const paths = [
            '/ok?p=a',
            '/reset-mid-body',
            '/stall',
            `/flaky?key=mixed-${REACTOR}&fail=1`,
            '/loop-a',
            '/big?size=9000',
            '/gzip-bad',
            '/charset-wrong',
            '/status/404',
            '/status/503',
            '/ok?p=wrong-type',
            '/ok?p=throws',
            '/ok?p=b',
          ];
          for (const p of paths) yield new Request(server.url + p);
          yield new Request(`http://127.0.0.1:${port}/refused`);
          yield new Request('ftp://h/f');
          yield { fromStart: true };
        }
        override parse(response: Response) {
          if (response.url.includes('p=throws')) throw new ParseError('bad page');
          return pageItem(response);
        }
      }
      const r = await runCrawl(Mixed, {
        REACTOR,
        DOWNLOAD_TIMEOUT: 0.3,
        DOWNLOAD_MAXSIZE: 4000,
        DOWNLOADER_MIDDLEWARES: [[Wrong, 100]],
      });
      expect(r.stat('finish_reason')).toBe('finished');
      const h1s = r.items.map((i) => (i.fromStart ? 'start item' : i.h1)).sort();
      expect(h1s).toEqual(['caf\uFFFD', `flaky mixed-${REACTOR} ok`, 'ok a', 'ok b', 'start item'].sort());
      const downloadErrors = r.grep('ERROR Error downloading <GET ').map((l) => /<GET ([^>]+)>/.exec(l)![1]!.replace(server.url, ''));
      expect(downloadErrors.sort()).toEqual(
        ['/reset-mid-body', '/stall', '/big?size=9000', '/gzip-bad', '/ok?p=wrong-type', `http://127.0.0.1:${port}/refused`, 'ftp://h/f'].sort(),
      );
      expect(r.grep(`ERROR Spider error processing <GET ${server.url}/ok?p=throws>`)).toHaveLength(1);
      expect(r.grep(`INFO Ignoring response <404 ${server.url}/status/404>`)).toHaveLength(1);
      expect(r.grep(`INFO Ignoring response <503 ${server.url}/status/503>`)).toHaveLength(1);
      expect(r.stat('dupefilter/filtered')).toBe(1);
      expect(r.stat('retry/max_reached')).toBe(4); // data loss, stall, refused, 503
      expect(r.stat('downloader/exception_type_count/InvalidOutput')).toBe(1);
      expect(r.stat('item_scraped_count')).toBe(5);
    });
  });
}
