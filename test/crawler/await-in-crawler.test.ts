// Scrapy experiments (a), (b), (c), (f), (g) — what awaiting each kind does inside code the
// engine runs (the Scrapy reference (docs/rules.md) §0 M2, §2.11, §3; docs/design.md "What awaiting each kind
// does") — as real crawls of the demo site under both reactors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DropItem, Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { DeferredList, Future, isDeferred, succeed, type Deferred } from '@deferkit/deferred';
import { deferredFromCoro, deferredToFuture, maybeDeferredToFuture } from '@deferkit/interop';
import { deferLater, getRunningLoop, HostEventLoop, sleep } from '@deferkit/reactor';
import { REACTORS, runCrawl, since, type ReactorKind } from './experiments-harness.js';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(async () => {
  await site.close();
});

const url = (path: string): string => `${site.url}${path}`;
const path = (u: string): string => new URL(u).pathname;

/** `OK …` or `EXC Name: message`, like the experiments' RESULT lines. */
async function probe(fn: () => unknown): Promise<string> {
  try {
    const v = await fn();
    return `OK ${v === undefined ? '' : String(v)}`.trimEnd();
  } catch (e) {
    return `EXC ${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** A spider whose one callback runs `body` and yields its report as the item. */
function probeSpider(body: (spider: Spider, response: Response) => Promise<Record<string, unknown>>) {
  return class ProbeSpider extends Spider {
    override name = 'probe';
    override startUrls = [url('/catalogue/page-1.html')];
    override async parse(response: Response) {
      return { ...(await body(this, response)), continued: true };
    }
  };
}

const engineOf = (spider: Spider) => spider.crawler.engine!;

const expectFor = (REACTOR: ReactorKind, onCallback: unknown, onPromise: unknown) => (REACTOR === 'callback' ? onCallback : onPromise);

for (const REACTOR of REACTORS) {
  describe(`exp (a) awaiting engine.download() in an async callback [${REACTOR}]`, () => {
    it(`a: await engine.download(req) ${REACTOR === 'callback' ? 'works' : 'fails with DeferredAwaitError'}; fired Deferreds and downloadAsync work; the spider continues`, async () => {
      const Exp = probeSpider(async (spider) => {
        const d = engineOf(spider).download(new Request(url('/catalogue/page-2.html')));
        return {
          type: isDeferred(d) ? 'Deferred' : typeof d,
          direct: await probe(async () => {
            const r = await d;
            return `status=${r.status} path=${path(r.url)}`;
          }),
          fired: await probe(async () => `value=${await succeed(42)}`),
          downloadAsync: await probe(async () => `status=${(await engineOf(spider).downloadAsync(new Request(url('/catalogue/page-3.html')))).status}`),
        };
      });
      const r = await runCrawl(Exp, { REACTOR });
      expect(r.items).toHaveLength(1);
      const item = r.items[0];
      expect(item.type).toBe('Deferred');
      if (REACTOR === 'callback') {
        expect(item.direct).toBe('OK status=200 path=/catalogue/page-2.html');
      } else {
        expect(item.direct).toMatch(/^EXC DeferredAwaitError: /);
        expect(item.direct).toContain('maybeDeferredToFuture');
        expect(item.direct).toContain('deferredToFuture');
      }
      expect(item.fired).toBe('OK value=42');
      expect(item.downloadAsync).toBe('OK status=200');
      expect(r.count('engine.download() is deprecated, use engine.downloadAsync() instead.', 'WARNING')).toBe(1);
      expect(item.continued).toBe(true);
      expect(r.spiderErrors).toEqual([]);
      expect(r.closeReason).toBe('finished');
      // Inline downloads skip the scheduler and spider middlewares but are logged and counted
      // like any response (Scrapy's download_async goes through ExecutionEngine._download).
      expect(r.stats['response_received_count']).toBe(3);
      expect(r.count(`Crawled (200) <GET ${url('/catalogue/page-2.html')}> (referer: None)`, 'DEBUG')).toBe(1);
      expect(r.count(`Crawled (200) <GET ${url('/catalogue/page-3.html')}> (referer: None)`, 'DEBUG')).toBe(1);
      expect(r.stats['scheduler/enqueued']).toBe(1);
    });
  });

  describe(`exp (b) awaiting the promise reactor's loop [${REACTOR}]`, () => {
    it(`b: getRunningLoop(), sleep(), a pending loop Future ${REACTOR === 'callback' ? 'fail with NoRunningLoopError' : 'work'}; native promises work`, async () => {
      const Exp = probeSpider(async () => ({
        loop: await probe(() => (getRunningLoop() ? 'loop' : 'none')),
        sleep: await probe(async () => {
          const t0 = performance.now();
          await sleep(0.05);
          return since(t0) >= 0.04 ? 'slept' : 'too short';
        }),
        pendingFuture: await probe(async () => {
          const loop = getRunningLoop();
          const fut = loop.createFuture<string>();
          loop.callLater(0.02, () => fut.setResult('fut-value'));
          return await fut;
        }),
        doneFuture: await probe(async () => {
          const fut = new Future<string>();
          fut.setResult('already-done');
          return await fut;
        }),
        nativeTimer: await probe(() => new Promise((resolve) => setTimeout(() => resolve('timer'), 10))),
        nativeFetch: await probe(async () => (await fetch(url('/api/books.json'))).status),
      }));
      const r = await runCrawl(Exp, { REACTOR });
      const item = r.items[0];
      const noLoop = (what: string) => `EXC NoRunningLoopError: ${what}`;
      if (REACTOR === 'callback') {
        expect(item.loop).toMatch(/^EXC NoRunningLoopError: .*no running event loop/);
        expect(item.sleep.startsWith(noLoop(''))).toBe(true);
        expect(item.pendingFuture.startsWith(noLoop(''))).toBe(true);
      } else {
        expect(item.loop).toBe('OK loop');
        expect(item.sleep).toBe('OK slept');
        expect(item.pendingFuture).toBe('OK fut-value');
      }
      expect(item.doneFuture).toBe('OK already-done');
      expect(item.nativeTimer).toBe('OK timer');
      expect(item.nativeFetch).toBe('OK 200');
    });
  });

  describe(`exp (b2) a custom event loop (PROMISE_EVENT_LOOP) [${REACTOR}]`, () => {
    it(`b2: ${REACTOR === 'callback' ? 'the setting has no effect under the callback reactor' : 'the promise reactor runs on the given loop, and behaves the same'}`, async () => {
      class MyLoop extends HostEventLoop {}
      const Exp = probeSpider(async () => ({
        loop: await probe(() => getRunningLoop().constructor.name),
        sleep: await probe(() => sleep(0.01)),
      }));
      const r = await runCrawl(Exp, { REACTOR, PROMISE_EVENT_LOOP: MyLoop });
      const item = r.items[0];
      if (REACTOR === 'callback') {
        expect(item.loop).toMatch(/^EXC NoRunningLoopError/);
        expect(item.sleep).toMatch(/^EXC NoRunningLoopError/);
      } else {
        expect(item.loop).toBe('OK MyLoop');
        expect(item.sleep).toBe('OK');
      }
    });
  });

  describe(`exp (c) conversions [${REACTOR}]`, () => {
    it(`c: maybeDeferredToFuture works under both; deferredToFuture ${REACTOR === 'callback' ? 'throws at call time' : 'works'}`, async () => {
      const Exp = probeSpider(async (spider) => {
        const engine = engineOf(spider);
        const reactor = spider.crawler.reactor;
        const d = engine.download(new Request(url('/catalogue/page-4.html')));
        const m = maybeDeferredToFuture(d);
        return {
          maybeType: m === d ? 'the Deferred itself' : m instanceof Future ? 'Future' : typeof m,
          maybeAwait: await probe(async () => `status=${(await m).status}`),
          toFutureCall: await probe(() => {
            const f = deferredToFuture(engine.download(new Request(url('/catalogue/page-5.html'))));
            return f instanceof Future ? 'Future' : typeof f;
          }),
          toFutureAwait: await probe(async () => `status=${(await deferredToFuture(engine.download(new Request(url('/catalogue/page-5.html'))))).status}`),
          deferLater: await probe(async () => `value=${await maybeDeferredToFuture(deferLater(reactor, 0.05, () => 'deferLater-value'))}`),
          fromCoro: await probe(async () => {
            const dc = deferredFromCoro((async () => 'coro-value')());
            return `${isDeferred(dc) ? 'Deferred' : typeof dc} value=${await maybeDeferredToFuture(dc as Deferred<string>)}`;
          }),
          fromCoro123: String(deferredFromCoro(123)),
        };
      });
      const r = await runCrawl(Exp, { REACTOR });
      const item = r.items[0];
      expect(item.maybeType).toBe(expectFor(REACTOR, 'the Deferred itself', 'Future'));
      expect(item.maybeAwait).toBe('OK status=200');
      if (REACTOR === 'callback') {
        expect(item.toFutureCall).toMatch(/^EXC PromiseReactorRequiredError: deferredToFuture\(\) requires the promise reactor/);
        expect(item.toFutureAwait).toMatch(/^EXC PromiseReactorRequiredError/);
      } else {
        expect(item.toFutureCall).toBe('OK Future');
        expect(item.toFutureAwait).toBe('OK status=200');
      }
      expect(item.deferLater).toBe('OK value=deferLater-value');
      expect(item.fromCoro).toBe('OK Deferred value=coro-value');
      expect(item.fromCoro123).toBe('123');
      // Scrapy ≥2.14 deprecates engine.download(); the warning shows once however many calls.
      expect(r.count('engine.download() is deprecated, use engine.downloadAsync() instead.', 'WARNING')).toBe(1);
    });
  });

  describe(`exp (f) async processItem [${REACTOR}]`, () => {
    it(`f: async pipeline probes, wrapped Deferreds, DropItem, a Deferred-returning pipeline, 4 items processed concurrently`, async () => {
      const probes: Record<string, string> = {};
      const starts: number[] = [];
      const ends: number[] = [];
      const dropped: Array<{ item: any; reason: string }> = [];
      let crawler!: Crawler;
      const t0 = performance.now();
      class AsyncPipeline {
        async processItem(item: Record<string, any>) {
          const reactor = crawler.reactor;
          item.pipe_start = since(t0);
          starts.push(item.pipe_start);
          if (item.n === 1) {
            probes.sleep = await probe(() => sleep(0.01));
            probes.directDeferred = await probe(async () => `value=${await deferLater(reactor, 0.01, () => 'x')}`);
          }
          // Works under both reactors: a 0.2 s wait per item.
          await maybeDeferredToFuture(deferLater(reactor, 0.2));
          item.pipe_end = since(t0);
          ends.push(item.pipe_end);
          if (item.n === 3) throw new DropItem('dropped n=3 from async processItem');
          return item;
        }
      }
      class DeferredPipeline {
        processItem(item: Record<string, any>) {
          return deferLater(crawler.reactor, 0.01, () => ({ ...item, deferred_pipeline: 'fired' }));
        }
      }
      class ExpF extends Spider {
        override name = 'exp_f';
        override startUrls = [url('/catalogue/page-1.html')];
        override *parse() {
          for (let n = 1; n <= 4; n++) yield { n };
        }
      }
      const r = await runCrawl(ExpF, { REACTOR, ITEM_PIPELINES: [[AsyncPipeline, 100], [DeferredPipeline, 200]] }, {
        setup: (c) => {
          crawler = c;
          c.signals.connect(({ item, exception }) => void dropped.push({ item, reason: (exception as Error).message }), 'itemDropped');
        },
      });
      if (REACTOR === 'callback') {
        expect(probes.sleep).toMatch(/^EXC NoRunningLoopError/);
        expect(probes.directDeferred).toBe('OK value=x');
      } else {
        expect(probes.sleep).toBe('OK');
        expect(probes.directDeferred).toMatch(/^EXC DeferredAwaitError: /);
      }
      // DropItem from a coroutine: WARNING `Dropped: …`, itemDropped with the reason, counted.
      expect(dropped).toHaveLength(1);
      expect(dropped[0]!.item.n).toBe(3);
      expect(dropped[0]!.reason).toBe('dropped n=3 from async processItem');
      expect(r.count('Dropped: dropped n=3 from async processItem', 'WARNING')).toBe(1);
      expect(r.stats['item_dropped_count']).toBe(1);
      // The Deferred-returning pipeline works, with the deprecation warning.
      expect(r.items.map((i) => i.n).sort()).toEqual([1, 2, 4]);
      expect(r.items.every((i) => i.deferred_pipeline === 'fired')).toBe(true);
      // Once, like Python's warnings (Scrapy 2.15.2 printed it once for the 3 items).
      expect(r.count('DeferredPipeline.processItem returned a Deferred, this is deprecated', 'WARNING')).toBe(1);
      // The 4 items of one response were in the async pipeline at the same time.
      expect(starts).toHaveLength(4);
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
    });
  });

  describe(`exp (g) DeferredList of engine.download() [${REACTOR}]`, () => {
    it(`g: 3 × /delay/500 through maybeDeferredToFuture(DeferredList) are in flight together; a raw DeferredList ${REACTOR === 'callback' ? 'works' : 'fails'}`, async () => {
      const Exp = probeSpider(async (spider) => {
        const engine = engineOf(spider);
        const requests = (batch: string) => [1, 2, 3].map((i) => new Request(url(`/delay/500?i=${i}`), { meta: { batch } }));
        const report: Record<string, unknown> = {};
        // How many requests of the same batch are in transfer when each one's response comes
        // back (responseDownloaded is sent before the request leaves the slot): 3, 2, 1 when
        // the three were downloaded together, 1, 1, 1 when one after the other.
        const inFlight: Record<string, number[]> = {};
        const onDownloaded = (args: Record<string, unknown>): void => {
          const request = args.request as Request;
          const batch = request.meta.batch as string | undefined;
          if (batch === undefined) return;
          const transferring = [...engine.downloader.slots.get(request.meta.download_slot as string)!.transferring];
          (inFlight[batch] ??= []).push(transferring.filter((r) => r.meta.batch === batch).length);
        };
        spider.crawler.signals.connect(onDownloaded, signals.responseDownloaded);
        const batch = (name: string): number[] => [...(inFlight[name] ?? [])];
        const t0 = performance.now();
        const results = await maybeDeferredToFuture(new DeferredList(requests('wrapped').map((q) => engine.download(q))));
        report.wrappedSeconds = since(t0);
        report.wrappedInFlight = batch('wrapped');
        report.wrapped = results.map(([ok, resp]) => [ok, (resp as Response).status, new URL((resp as Response).url).search]);
        report.direct = await probe(async () => {
          const direct = await new DeferredList(requests('direct').map((q) => engine.download(q)));
          return direct.map(([ok, resp]) => `${ok}:${(resp as Response).status}`).join(',');
        });
        report.directInFlight = batch('direct');
        // Created up-front, awaited one by one: downloads start when download() is called.
        const ds = requests('upfront').map((q) => maybeDeferredToFuture(engine.download(q)));
        for (const d of ds) await d;
        report.upfrontInFlight = batch('upfront');
        spider.crawler.signals.disconnect(onDownloaded, signals.responseDownloaded);
        return report;
      });
      const r = await runCrawl(Exp, { REACTOR });
      const item = r.items[0];
      expect(item.wrapped).toEqual([[true, 200, '?i=1'], [true, 200, '?i=2'], [true, 200, '?i=3']]);
      expect(item.wrappedSeconds).toBeGreaterThanOrEqual(0.45);
      // In parallel: the first response came back while all three were in transfer.
      expect(item.wrappedInFlight).toEqual([3, 2, 1]);
      if (REACTOR === 'callback') {
        expect(item.direct).toBe('OK true:200,true:200,true:200');
        expect(item.directInFlight).toEqual([3, 2, 1]);
      } else {
        // Awaiting the raw DeferredList fails at once, before any of its downloads came back.
        expect(item.direct).toMatch(/^EXC DeferredAwaitError: /);
        expect(item.directInFlight).toEqual([]);
      }
      expect(item.upfrontInFlight).toEqual([3, 2, 1]);
      expect(r.spiderErrors).toEqual([]);
    });
  });
}
