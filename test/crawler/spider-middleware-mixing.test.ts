// Scrapy experiments (d), (e) and (k) — the Scrapy reference (docs/rules.md) §1.4, §1.5, §2.5, §3 — ported
// one-to-one: real crawls of the demo site, under both reactors, with the 2.7–2.15 rules for
// mixing sync and async process_spider_output, plus 2.16's strict mode and the rest of the
// spider middleware contract.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOutput, Request, Spider, type Response, type SpiderClass } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { pyType, REACTORS, runCrawl, ValueError } from './experiments-harness.js';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(async () => {
  await site.close();
});

const STARTUP_WARNING = "doesn't support asynchronous spider output, this is deprecated";
const downgradeWarning = (mw: string): string => `Async iterable passed to ${mw}.processSpiderOutput was downgraded to a non-async one`;

/** exp_d_syncmw.py: the middlewares report what they get and see. */
function expD(report: string[]) {
  class SyncOnlyMW {
    *processSpiderOutput(_response: Response, result: Iterable<unknown>) {
      report.push(`SyncOnlyMW got ${pyType(result)}`);
      for (const r of result) {
        report.push(`SyncOnlyMW saw ${JSON.stringify(r)}`);
        yield r;
      }
    }
  }
  class AsyncOnlyMW {
    async *processSpiderOutput(_response: Response, result: AsyncIterable<unknown>) {
      report.push(`AsyncOnlyMW got ${pyType(result)}`);
      for await (const r of result) {
        report.push(`AsyncOnlyMW saw ${JSON.stringify(r)}`);
        yield r;
      }
    }
  }
  class ExpD extends Spider {
    override name = 'exp_d';
    cb: 'async' | 'sync' = 'async';
    fail = true;
    override async *start() {
      yield new Request(`${site.url}/catalogue/page-1.html`, { callback: this.cb === 'async' ? this.parseAsync : this.parseSync });
    }
    async *parseAsync() {
      yield { n: 1 };
      yield { n: 2 };
      if (this.fail) throw new ValueError('boom after 2 items (async gen)');
      yield { n: 3 };
    }
    *parseSync() {
      yield { n: 1 };
      yield { n: 2 };
      if (this.fail) throw new ValueError('boom after 2 items (sync gen)');
      yield { n: 3 };
    }
  }
  return { SyncOnlyMW, AsyncOnlyMW, ExpD };
}

for (const REACTOR of REACTORS) {
  describe(`exp (d) async-generator callback + sync-only middleware [${REACTOR}]`, () => {
    it('d1: async callback + sync-only middleware: downgrade warning, spider error, 0 items', async () => {
      const report: string[] = [];
      const { SyncOnlyMW, ExpD } = expD(report);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[SyncOnlyMW, 500]] }, { args: { cb: 'async', fail: true } });
      expect(r.count(`Middleware SyncOnlyMW ${STARTUP_WARNING}`, 'WARNING')).toBe(1);
      expect(r.count(downgradeWarning('SyncOnlyMW'), 'WARNING')).toBe(1);
      // The whole output was awaited first and the exception lost it all: the middleware never ran.
      expect(report).toEqual([]);
      expect(r.items).toEqual([]);
      expect(r.count(`Spider error processing <GET ${site.url}/catalogue/page-1.html> (referer: None)`, 'ERROR')).toBe(1);
      const errorRecord = r.logs.find((l) => l.message.startsWith('Spider error processing'));
      expect((errorRecord?.error as Error).message).toBe('boom after 2 items (async gen)');
      expect(r.spiderErrors).toHaveLength(1);
      expect(r.stats['spider_exceptions/count']).toBe(1);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
      expect(r.stats['item_scraped_count']).toBeUndefined();
      expect(r.closeReason).toBe('finished');
    });

    it('d2: async callback + async-only middleware: items 1 and 2 scraped, then spider error', async () => {
      const report: string[] = [];
      const { AsyncOnlyMW, ExpD } = expD(report);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[AsyncOnlyMW, 500]] }, { args: { cb: 'async', fail: true } });
      expect(report).toEqual(['AsyncOnlyMW got async_generator', 'AsyncOnlyMW saw {"n":1}', 'AsyncOnlyMW saw {"n":2}']);
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }]);
      expect(r.count(STARTUP_WARNING)).toBe(0);
      expect(r.count('was downgraded')).toBe(0);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
      expect(r.spiderErrors).toHaveLength(1);
    });

    it('d3: sync callback + sync-only middleware: the middleware gets a generator, items 1 and 2 kept, then spider error', async () => {
      const report: string[] = [];
      const { SyncOnlyMW, ExpD } = expD(report);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[SyncOnlyMW, 500]] }, { args: { cb: 'sync', fail: true } });
      // 2.13–2.15: the startup warning is logged even though nothing is ever downgraded.
      expect(r.count(`Middleware SyncOnlyMW ${STARTUP_WARNING}`, 'WARNING')).toBe(1);
      expect(r.count('was downgraded')).toBe(0);
      expect(report).toEqual(['SyncOnlyMW got generator', 'SyncOnlyMW saw {"n":1}', 'SyncOnlyMW saw {"n":2}']);
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }]);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
      const errorRecord = r.logs.find((l) => l.message.startsWith('Spider error processing'));
      expect((errorRecord?.error as Error).message).toBe('boom after 2 items (sync gen)');
    });

    it('d4: sync callback + async-only middleware: upgraded to an async generator, items 1 and 2 kept, then spider error', async () => {
      const report: string[] = [];
      const { AsyncOnlyMW, ExpD } = expD(report);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[AsyncOnlyMW, 500]] }, { args: { cb: 'sync', fail: true } });
      expect(report).toEqual(['AsyncOnlyMW got async_generator', 'AsyncOnlyMW saw {"n":1}', 'AsyncOnlyMW saw {"n":2}']);
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }]);
      expect(r.count(STARTUP_WARNING) + r.count('was downgraded')).toBe(0);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
    });

    it('d5: async callback (no error) + sync-only middleware: the middleware gets a fully collected list, items 1–3 scraped', async () => {
      const report: string[] = [];
      const { SyncOnlyMW, ExpD } = expD(report);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[SyncOnlyMW, 500]] }, { args: { cb: 'async', fail: false } });
      expect(r.count(downgradeWarning('SyncOnlyMW'), 'WARNING')).toBe(1);
      expect(report).toEqual(['SyncOnlyMW got list', 'SyncOnlyMW saw {"n":1}', 'SyncOnlyMW saw {"n":2}', 'SyncOnlyMW saw {"n":3}']);
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(r.spiderErrors).toEqual([]);
      expect(r.stats['spider_exceptions/count']).toBeUndefined();
    });

    it('d6: async callback + AsyncOnlyMW(600) + SyncOnlyMW(500): the async one saw items 1 and 2, yet 0 items are scraped', async () => {
      const report: string[] = [];
      const { SyncOnlyMW, AsyncOnlyMW, ExpD } = expD(report);
      const r = await runCrawl(
        ExpD,
        { REACTOR, SPIDER_MIDDLEWARES: [[AsyncOnlyMW, 600], [SyncOnlyMW, 500]] },
        { args: { cb: 'async', fail: true } },
      );
      expect(r.count(downgradeWarning('SyncOnlyMW'), 'WARNING')).toBe(1);
      expect(report).toEqual(['AsyncOnlyMW got async_generator', 'AsyncOnlyMW saw {"n":1}', 'AsyncOnlyMW saw {"n":2}']);
      expect(r.items).toEqual([]);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
      expect(r.spiderErrors).toHaveLength(1);
    });
  });

  describe(`exp (e) universal middlewares [${REACTOR}]`, () => {
    function expE(report: string[]) {
      class UniversalMW {
        *processSpiderOutput(_response: Response, result: Iterable<unknown>) {
          report.push(`UniversalMW.processSpiderOutput (sync) called with ${pyType(result)}`);
          yield* result;
        }
        async *processSpiderOutputAsync(_response: Response, result: AsyncIterable<unknown>) {
          report.push(`UniversalMW.processSpiderOutputAsync called with ${pyType(result)}`);
          for await (const r of result) yield r;
        }
      }
      class SyncOnlyMW {
        *processSpiderOutput(_response: Response, result: Iterable<unknown>) {
          report.push(`SyncOnlyMW.processSpiderOutput called with ${pyType(result)}`);
          yield* result;
        }
      }
      class BadAsyncOnlyNameMW {
        async *processSpiderOutputAsync(_response: Response, result: AsyncIterable<unknown>) {
          report.push('BadAsyncOnlyNameMW called');
          for await (const r of result) yield r;
        }
      }
      class ExpE extends Spider {
        override name = 'exp_e';
        cb: 'async' | 'sync' = 'async';
        override async *start() {
          yield new Request(`${site.url}/catalogue/page-1.html`, { callback: this.cb === 'async' ? this.parseAsync : this.parseSync });
        }
        async *parseAsync() {
          yield { n: 1, cb: 'async' };
        }
        *parseSync() {
          yield { n: 1, cb: 'sync' };
        }
      }
      return { UniversalMW, SyncOnlyMW, BadAsyncOnlyNameMW, ExpE };
    }

    it('e1: universal middleware + sync callback: its sync processSpiderOutput gets a generator', async () => {
      const report: string[] = [];
      const { UniversalMW, ExpE } = expE(report);
      const r = await runCrawl(ExpE, { REACTOR, SPIDER_MIDDLEWARES: [[UniversalMW, 500]] }, { args: { cb: 'sync' } });
      expect(report).toEqual(['UniversalMW.processSpiderOutput (sync) called with generator']);
      expect(r.items).toEqual([{ n: 1, cb: 'sync' }]);
      expect(r.count(STARTUP_WARNING) + r.count('was downgraded')).toBe(0);
    });

    it('e2: universal middleware + async callback: its processSpiderOutputAsync gets an async generator', async () => {
      const report: string[] = [];
      const { UniversalMW, ExpE } = expE(report);
      const r = await runCrawl(ExpE, { REACTOR, SPIDER_MIDDLEWARES: [[UniversalMW, 500]] }, { args: { cb: 'async' } });
      expect(report).toEqual(['UniversalMW.processSpiderOutputAsync called with async_generator']);
      expect(r.items).toEqual([{ n: 1, cb: 'async' }]);
      expect(r.count(STARTUP_WARNING) + r.count('was downgraded')).toBe(0);
    });

    it('e3: async callback, SyncOnlyMW(600) then Universal(500): downgrade for SyncOnlyMW (list), the universal one then uses its sync method', async () => {
      const report: string[] = [];
      const { UniversalMW, SyncOnlyMW, ExpE } = expE(report);
      const r = await runCrawl(ExpE, { REACTOR, SPIDER_MIDDLEWARES: [[UniversalMW, 500], [SyncOnlyMW, 600]] }, { args: { cb: 'async' } });
      expect(r.count(`Middleware SyncOnlyMW ${STARTUP_WARNING}`, 'WARNING')).toBe(1);
      expect(r.count(downgradeWarning('SyncOnlyMW'), 'WARNING')).toBe(1);

      expect(r.count('UniversalMW', 'WARNING') + r.count('UniversalMW', 'ERROR')).toBe(0);
      // Scrapy 2.15.2 reported them in this order too: generators start when pulled from.
      expect(report).toEqual(['UniversalMW.processSpiderOutput (sync) called with generator', 'SyncOnlyMW.processSpiderOutput called with list']);
      expect(r.items).toEqual([{ n: 1, cb: 'async' }]);
    });

    it('e4: only processSpiderOutputAsync: logged as an error at startup, skipped, the item is still scraped', async () => {
      const report: string[] = [];
      const { BadAsyncOnlyNameMW, ExpE } = expE(report);
      const r = await runCrawl(ExpE, { REACTOR, SPIDER_MIDDLEWARES: [[BadAsyncOnlyNameMW, 500]] }, { args: { cb: 'async' } });
      expect(r.messages('ERROR')).toContain(
        'Middleware BadAsyncOnlyNameMW has processSpiderOutputAsync() without processSpiderOutput(), skipping this method. Please rename it to processSpiderOutput().',
      );
      expect(report).toEqual([]);
      expect(r.items).toEqual([{ n: 1, cb: 'async' }]);
    });
  });

  describe(`exp (k) downgrade warning count [${REACTOR}]`, () => {
    it('k: 3 responses, async callback + sync-only middleware: the downgrade warning is logged 3 times (2.13–2.15), the startup warning once', async () => {
      const parsed: string[] = [];
      class SyncOnlyMW {
        *processSpiderOutput(_response: Response, result: Iterable<unknown>) {
          yield* result;
        }
      }
      class ExpK extends Spider {
        override name = 'exp_k';
        override startUrls = [0, 1, 2].map((i) => `${site.url}/catalogue/book-${i + 1}.html`);
        override async *parse(response: Response) {
          parsed.push(response.url);
          yield { url: response.url };
        }
      }
      const r = await runCrawl(ExpK, { REACTOR, SPIDER_MIDDLEWARES: [[SyncOnlyMW, 500]] });
      expect(parsed.sort()).toEqual([1, 2, 3].map((i) => `${site.url}/catalogue/book-${i}.html`));
      expect(r.count(downgradeWarning('SyncOnlyMW'), 'WARNING')).toBe(3);
      expect(r.count(`Middleware SyncOnlyMW ${STARTUP_WARNING}`, 'WARNING')).toBe(1);
      expect(r.items).toHaveLength(3);
    });
  });

  describe(`strict mode (SPIDER_MIDDLEWARES_STRICT_ASYNC, Scrapy 2.16) [${REACTOR}]`, () => {
    it('d1 strict: a sync-only middleware is a TypeError at startup naming processSpiderOutputAsync; the crawl never starts', async () => {
      const report: string[] = [];
      const { SyncOnlyMW, ExpD } = expD(report);
      const before = site.hits.get('/catalogue/page-1.html') ?? 0;
      let opened = false;
      const r = await runCrawl(
        ExpD,
        { REACTOR, SPIDER_MIDDLEWARES_STRICT_ASYNC: true, SPIDER_MIDDLEWARES: [[SyncOnlyMW, 500]] },
        { args: { cb: 'async' }, setup: (c) => c.signals.connect(() => void (opened = true), 'spiderOpened') },
      );
      expect(r.error).toBeInstanceOf(TypeError);
      expect((r.error as Error).message).toBe(
        "Middleware SyncOnlyMW doesn't support asynchronous spider output. Its processSpiderOutput() method should be an " +
          'async generator function or it should additionally define a processSpiderOutputAsync() method.',
      );
      expect(opened).toBe(false);
      expect(site.hits.get('/catalogue/page-1.html') ?? 0).toBe(before);
      expect(r.items).toEqual([]);
      expect(r.closeReason).toBeNull();
      expect(r.count(STARTUP_WARNING)).toBe(0);
    });

    it('d3 strict: a sync callback does not help: still a startup TypeError', async () => {
      const { SyncOnlyMW, ExpD } = expD([]);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES_STRICT_ASYNC: true, SPIDER_MIDDLEWARES: [[SyncOnlyMW, 500]] }, { args: { cb: 'sync' } });
      expect((r.error as Error).message).toContain('processSpiderOutputAsync');
      expect(r.items).toEqual([]);
    });

    it('e1 strict: a sync callback is upgraded once, so a universal middleware always gets its async method (2.18)', async () => {
      const report: string[] = [];
      class UniversalMW {
        *processSpiderOutput(_r: Response, result: Iterable<unknown>) {
          report.push(`sync called with ${pyType(result)}`);
          yield* result;
        }
        async *processSpiderOutputAsync(_r: Response, result: AsyncIterable<unknown>) {
          report.push(`processSpiderOutputAsync called with ${pyType(result)}`);
          for await (const x of result) yield x;
        }
      }
      const { ExpD } = expD([]);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES_STRICT_ASYNC: true, SPIDER_MIDDLEWARES: [[UniversalMW, 500]] }, { args: { cb: 'sync', fail: false } });
      expect(report).toEqual(['processSpiderOutputAsync called with async_generator']);
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    });

    it('strict: processStartRequests() is no longer called (2.16); start() is used', async () => {
      let legacyCalls = 0;
      class LegacyMW {
        *processStartRequests(s: Iterable<unknown>) {
          legacyCalls++;
          yield* s;
        }
      }
      class S extends Spider {
        override name = 'strict_start';
        override async *start() {
          yield new Request(`${site.url}/catalogue/book-9.html`);
        }
        override *startRequests() {
          yield new Request(`${site.url}/catalogue/book-8.html`);
        }
        override parse(response: Response) {
          return { path: new URL(response.url).pathname };
        }
      }
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES_STRICT_ASYNC: true, SPIDER_MIDDLEWARES: [[LegacyMW, 500]] });
      expect(legacyCalls).toBe(0);
      expect(r.items).toEqual([{ path: '/catalogue/book-9.html' }]);
    });

    it('d2/e2 strict: async-only and universal middlewares crawl normally', async () => {
      const report: string[] = [];
      const { AsyncOnlyMW, ExpD } = expD(report);
      class UniversalMW {
        *processSpiderOutput(_r: Response, result: Iterable<unknown>) {
          report.push('universal sync');
          yield* result;
        }
        async *processSpiderOutputAsync(_r: Response, result: AsyncIterable<unknown>) {
          report.push('universal async');
          for await (const x of result) yield x;
        }
      }
      const r = await runCrawl(
        ExpD,
        { REACTOR, SPIDER_MIDDLEWARES_STRICT_ASYNC: true, SPIDER_MIDDLEWARES: [[AsyncOnlyMW, 500], [UniversalMW, 600]] },
        { args: { cb: 'async', fail: false } },
      );
      expect(r.error).toBeUndefined();
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      // Generators are lazy: the one nearest the engine starts first and pulls from the other.
      expect(report.slice(0, 2)).toEqual(['AsyncOnlyMW got async_generator', 'universal async']);
    });
  });

  describe(`processSpiderException, invalid output, processSpiderInput [${REACTOR}]`, () => {
    for (const cb of ['sync', 'async'] as const) {
      it(`recovery (${cb} callback): an iterable from processSpiderException feeds only the remaining output methods; earlier items are kept`, async () => {
        const seen: string[] = [];
        const make = (tag: string) =>
          class {
            static tag = tag;
            async *processSpiderOutput(_r: Response, result: AsyncIterable<Record<string, unknown>>) {
              for await (const x of result) yield { ...x, via: [...((x.via as string[]) ?? []), tag] };
            }
          };
        const Upper = make('upper'); // 650: closer to the spider
        const Lower = make('lower'); // 550: after the recovering middleware
        class RecoverMW {
          async *processSpiderOutput(_r: Response, result: AsyncIterable<unknown>) {
            for await (const x of result) yield x;
          }
          processSpiderException(response: Response, exception: unknown) {
            seen.push(`${(exception as Error).name}: ${(exception as Error).message} @ ${new URL(response.url).pathname}`);
            return [{ recovered: true }];
          }
        }
        const { ExpD } = expD([]);
        const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[Upper, 650], [RecoverMW, 600], [Lower, 550]] }, { args: { cb, fail: true } });
        expect(seen).toEqual([`ValueError: boom after 2 items (${cb} gen) @ /catalogue/page-1.html`]);
        expect(r.items).toEqual([
          { n: 1, via: ['upper', 'lower'] },
          { n: 2, via: ['upper', 'lower'] },
          { recovered: true, via: ['lower'] },
        ]);
        expect(r.spiderErrors).toEqual([]);
        expect(r.stats['spider_exceptions/count']).toBeUndefined();
      });
    }

    it('recovery by the middleware closest to the spider (above DepthMiddleware) works too', async () => {
      class TopRecoverMW {
        processSpiderException(_r: Response, exception: unknown) {
          return [{ recoveredFrom: (exception as Error).message }];
        }
      }
      const { ExpD } = expD([]);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[TopRecoverMW, 950]] }, { args: { cb: 'sync', fail: true } });
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }, { recoveredFrom: 'boom after 2 items (sync gen)' }]);
      expect(r.spiderErrors).toEqual([]);
    });

    it('a callback that raises before yielding anything goes to processSpiderException from the start', async () => {
      const seen: string[] = [];
      class RecoverMW {
        processSpiderException(_r: Response, exception: unknown) {
          seen.push((exception as Error).message);
          return [{ recovered: 'yes' }];
        }
      }
      class S extends Spider {
        override name = 'raise_at_call';
        override startUrls = [`${site.url}/catalogue/page-2.html`];
        override parse(): unknown {
          throw new ValueError('raised by the call');
        }
      }
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES: [[RecoverMW, 500]] });
      expect(seen).toEqual(['raised by the call']);
      expect(r.items).toEqual([{ recovered: 'yes' }]);
    });

    it('processSpiderException returning something else than None or an iterable is an InvalidOutput spider error', async () => {
      class BadRecoverMW {
        processSpiderException() {
          return 42;
        }
      }
      const { ExpD } = expD([]);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[BadRecoverMW, 500]] }, { args: { cb: 'sync', fail: true } });
      expect(r.stats['spider_exceptions/InvalidOutput']).toBe(1);
      const rec = r.logs.find((l) => l.message.startsWith('Spider error processing'));
      expect((rec?.error as Error).message).toBe('Middleware BadRecoverMW.processSpiderException must return None or an iterable, got number');
    });

    it('InvalidOutput: processSpiderOutput returning a promise → "must be an asynchronous generator (i.e. use yield)"', async () => {
      class PromiseMW {
        async processSpiderOutput(_r: Response, result: unknown) {
          return result;
        }
      }
      const { ExpD } = expD([]);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[PromiseMW, 500]] }, { args: { cb: 'sync', fail: false } });
      expect(r.items).toEqual([]);
      expect(r.stats['spider_exceptions/InvalidOutput']).toBe(1);
      const rec = r.logs.find((l) => l.message.startsWith('Spider error processing'));
      expect(rec?.error).toBeInstanceOf(InvalidOutput);
      expect((rec?.error as Error).message).toBe('PromiseMW.processSpiderOutput must be an asynchronous generator (i.e. use yield)');
    });

    it('InvalidOutput: processSpiderOutput returning a number → "must return an iterable"', async () => {
      class NumberMW {
        processSpiderOutput() {
          return 7;
        }
      }
      const { ExpD } = expD([]);
      const r = await runCrawl(ExpD, { REACTOR, SPIDER_MIDDLEWARES: [[NumberMW, 500]] }, { args: { cb: 'sync', fail: false } });
      expect(r.items).toEqual([]);
      const rec = r.logs.find((l) => l.message.startsWith('Spider error processing'));
      expect((rec?.error as Error).message).toBe('NumberMW.processSpiderOutput must return an iterable, got number');
    });

    it('processSpiderInput raising → the errback gets the Failure (its output is scraped); without an errback → spider error', async () => {
      const errbackGot: string[] = [];
      let callbackCalls = 0;
      class RefuseMW {
        processSpiderInput(response: Response) {
          if (response.url.includes('book-')) throw new ValueError(`refused ${new URL(response.url).pathname}`);
        }
      }
      class S extends Spider {
        override name = 'input';
        override async *start() {
          yield new Request(`${site.url}/catalogue/book-1.html`, { callback: this.book, errback: this.onError });
          yield new Request(`${site.url}/catalogue/book-2.html`, { callback: this.book });
          yield new Request(`${site.url}/catalogue/page-1.html`, { callback: this.book });
        }
        book(response: Response) {
          callbackCalls++;
          return { ok: new URL(response.url).pathname };
        }
        onError(failure: { value: unknown }) {
          errbackGot.push(`${(failure.value as Error).name}: ${(failure.value as Error).message}`);
          return { fromErrback: true };
        }
      }
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES: [[RefuseMW, 500]], CONCURRENT_REQUESTS: 1 });
      expect(errbackGot).toEqual(['ValueError: refused /catalogue/book-1.html']);
      expect(callbackCalls).toBe(1);
      expect(r.items).toEqual(expect.arrayContaining([{ fromErrback: true }, { ok: '/catalogue/page-1.html' }]));
      expect(r.items).toHaveLength(2);
      expect(r.count(`Spider error processing <GET ${site.url}/catalogue/book-2.html>`, 'ERROR')).toBe(1);
      expect(r.stats['spider_exceptions/ValueError']).toBe(1);
    });

    it('processStart (async generator, descending order) filters and tags start requests; items from start() reach the pipelines', async () => {
      const order: string[] = [];
      class OuterMW {
        async *processStart(start: AsyncIterable<unknown>) {
          for await (const x of start) {
            order.push('outer');
            yield x;
          }
        }
      }
      class FilterMW {
        async *processStart(start: AsyncIterable<unknown>) {
          for await (const x of start) {
            order.push('filter');
            if (x instanceof Request && x.url.endsWith('book-2.html')) continue;
            yield x instanceof Request ? x.replace({ meta: { ...x.meta, tagged: true } }) : x;
          }
        }
      }
      const tagged: boolean[] = [];
      class S extends Spider {
        override name = 'start';
        override async *start() {
          yield { fromStart: true };
          for (const i of [1, 2, 3]) yield new Request(`${site.url}/catalogue/book-${i}.html`);
        }
        override parse(response: Response) {
          tagged.push(response.meta.tagged === true);
          return { path: new URL(response.url).pathname };
        }
      }
      // FilterMW (600) is closer to the spider, so it sees start() first.
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES: [[OuterMW, 500], [FilterMW, 600]] });
      expect(order.slice(0, 2)).toEqual(['filter', 'outer']);
      expect(r.items.map((i) => i.path ?? 'start').sort()).toEqual(['/catalogue/book-1.html', '/catalogue/book-3.html', 'start']);
      expect(tagged).toEqual([true, true]);
    });

    it('processStartRequests (legacy, 2.13–2.15): spider.startRequests() goes through the legacy chain, with a deprecation warning', async () => {
      const got: string[] = [];
      class LegacyMW {
        *processStartRequests(startRequests: Iterable<unknown>) {
          got.push(pyType(startRequests));
          for (const r of startRequests) {
            if (r instanceof Request && r.url.endsWith('book-1.html')) continue;
            yield r;
          }
        }
      }
      class S extends Spider {
        override name = 'legacy';
        override *startRequests() {
          for (const i of [1, 2]) yield new Request(`${site.url}/catalogue/book-${i}.html`);
        }
        override parse(response: Response) {
          return { path: new URL(response.url).pathname };
        }
      }
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES: [[LegacyMW, 500]] });
      expect(got).toEqual(['generator']);
      expect(r.items).toEqual([{ path: '/catalogue/book-2.html' }]);
      expect(r.count('define the deprecated processStartRequests() method: LegacyMW', 'WARNING')).toBe(1);
    });

    it('processStartRequests (legacy) with a spider that only overrides start(): a start error naming startRequests()', async () => {
      class LegacyMW {
        *processStartRequests(s: Iterable<unknown>) {
          yield* s;
        }
      }
      class S extends Spider {
        override name = 'start_only';
        override async *start() {
          yield new Request(`${site.url}/catalogue/book-1.html`);
        }
      }
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES: [[LegacyMW, 500]] });
      expect(r.items).toEqual([]);
      expect(r.closeReason).toBe('start_error');
      const rec = r.record('Error while reading start items and requests');
      expect((rec?.error as Error).message).toContain('S does not define the deprecated startRequests() method');
    });

    it('a start() that is not an async generator: TypeError, close reason start_error', async () => {
      class S extends Spider {
        override name = 'sync_start';
        // @ts-expect-error -- deliberately the wrong kind of method
        override *start() {
          yield new Request(`${site.url}/catalogue/book-1.html`);
        }
      }
      const r = await runCrawl(S as unknown as SpiderClass, { REACTOR });
      expect(r.items).toEqual([]);
      expect(r.closeReason).toBe('start_error');
      const rec = r.record('Error while reading start items and requests');
      expect(rec?.error).toBeInstanceOf(TypeError);
      expect((rec?.error as Error).message).toBe('S.start() must be an asynchronous generator, i.e. an async function* with yield statements, got Generator');
      expect(r.spiderErrors).toHaveLength(1);
    });

    it('processStartRequests-only and processStart-only middlewares together: a startup error', async () => {
      class LegacyMW {
        *processStartRequests(s: Iterable<unknown>) {
          yield* s;
        }
      }
      class ModernMW {
        async *processStart(s: AsyncIterable<unknown>) {
          for await (const x of s) yield x;
        }
      }
      class S extends Spider {
        override name = 'mixed_start';
        override startUrls = [`${site.url}/`];
        override parse() {
          return { never: true };
        }
      }
      const r = await runCrawl(S, { REACTOR, SPIDER_MIDDLEWARES: [[LegacyMW, 500], [ModernMW, 600]] });
      expect((r.error as Error).message).toContain('combine spider middlewares that only define the deprecated processStartRequests()');
      expect(r.items).toEqual([]);
    });
  });
}
