// The lab's scenarios: the examples of Scrapy's coroutine and asyncio docs, each a real crawl of
// the demo site (or a real CrawlerRunner set-up), run under each reactor setting.

import { Deferred, DeferredList, inlineCallbacks, succeed } from '@deferkit/deferred';
import { deferredToFuture, maybeDeferredToFuture } from '@deferkit/interop';
import {
  deferLater,
  getReactor,
  getRunningLoop,
  installReactor,
  isReactorInstalled,
  sleep,
  uninstallReactor,
} from '@deferkit/reactor';
import { CrawlerProcess, CrawlerRunner, type Crawler } from '../Crawler.js';
import type { DemoSite } from '../demo/site.js';
import { Request } from '../Request.js';
import type { Response } from '../Response.js';
import { signals } from '../signals.js';
import { Spider } from '../Spider.js';
import type { Timeline } from './timeline.js';
import { TracingEventLoop } from './TracingEventLoop.js';

/** The reactor settings the lab compares. */
export type Column = 'callback' | 'promise' | 'promise+loop';
/** Every column, in table order. */
export const COLUMNS: readonly Column[] = ['callback', 'promise', 'promise+loop'];

/** What a scenario observed under one column. */
export interface ScenarioOutcome {
  outcome: 'ok' | 'error';
  value?: unknown;
  error?: { name: string; message: string };
  items?: unknown[];
  warnings?: string[];
}

/** What a scenario gets to run with. */
export interface ScenarioContext {
  readonly column: Column;
  readonly site: DemoSite;
  readonly tl: Timeline;
  /** Settings selecting this column's reactor. */
  readonly reactorSettings: Record<string, unknown>;
  /** Record success with a value. */
  ok(value?: unknown): void;
  /** Record a failure. */
  fail(error: unknown): void;
  /** The recorded result so far. */
  readonly result: ScenarioOutcome;
}

/** A lab scenario. */
export interface Scenario {
  /** Stable id (used by --scenario and in the Markdown/JSON). */
  readonly id: string;
  /** One-line title. */
  readonly title: string;
  /** What Scrapy does (from its docs and the recorded experiments). */
  readonly scrapy: string;
  /** Where deferkit differs from Scrapy, and why. */
  readonly note?: string;
  /** Run once under `ctx.column`. */
  run(ctx: ScenarioContext): Promise<void>;
}

function errorOf(e: unknown): { name: string; message: string } {
  const err = e as { name?: unknown; message?: unknown };
  return { name: typeof err?.name === 'string' ? err.name : typeof e, message: typeof err?.message === 'string' ? err.message : String(e) };
}

/** Make a context whose ok/fail keep the first outcome. @internal */
export function makeContext(column: Column, site: DemoSite, tl: Timeline): ScenarioContext {
  const result: ScenarioOutcome = { outcome: 'error', error: { name: 'NoOutcome', message: 'the scenario recorded no outcome' } };
  let recorded = false;
  const reactorSettings: Record<string, unknown> =
    column === 'callback' ? { REACTOR: 'callback' } : column === 'promise' ? { REACTOR: 'promise' } : { REACTOR: 'promise', PROMISE_EVENT_LOOP: TracingEventLoop };
  return {
    column,
    site,
    tl,
    reactorSettings,
    result,
    ok(value?: unknown) {
      if (recorded) return;
      recorded = true;
      result.outcome = 'ok';
      delete result.error;
      if (value !== undefined) result.value = value;
    },
    fail(error: unknown) {
      if (recorded) return;
      recorded = true;
      result.outcome = 'error';
      result.error = errorOf(error);
    },
  };
}

const QUIET = { LOG_ENABLED: false, LOGSTATS_INTERVAL: 0, LOG_LEVEL: 'WARNING' };

interface CrawlSpec {
  /** The spider's parse (this = the spider). */
  parse?: (this: Spider & { crawler: Crawler }, response: Response) => unknown;
  /** Extra settings (pipelines, middlewares). */
  settings?: Record<string, unknown>;
  /** Start URL path (default '/'). */
  path?: string;
}

/** Run one real crawl of the demo site under the context's column; collect items and warnings. */
async function crawl(ctx: ScenarioContext, spec: CrawlSpec): Promise<void> {
  const startUrl = ctx.site.url + (spec.path ?? '/');
  class LabSpider extends Spider {
    override name = 'lab';
    override startUrls = [startUrl];
  }
  if (spec.parse !== undefined) (LabSpider.prototype as unknown as { parse: unknown }).parse = spec.parse;
  const proc = new CrawlerProcess({ ...QUIET, ...ctx.reactorSettings, ...spec.settings });
  const crawler = proc.createCrawler(LabSpider);
  const items: unknown[] = [];
  const warnings: string[] = [];
  crawler.signals.connect(({ item }) => void items.push(item), signals.itemScraped);
  crawler.onLog((r) => {
    if (r.level === 'WARNING' || r.level === 'ERROR' || r.level === 'CRITICAL') warnings.push(`${r.level}: ${r.message.split('\n')[0]}`);
  });
  try {
    proc.crawl(crawler);
    await proc.start({ installSignalHandlers: false });
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  ctx.result.items = items;
  if (warnings.length > 0) ctx.result.warnings = warnings;
}

/** An `async parse` that records the outcome of `body` and yields nothing else. */
function awaitScenario(body: (ctx: ScenarioContext, spider: Spider & { crawler: Crawler }, response: Response) => Promise<unknown>) {
  return (ctx: ScenarioContext): Promise<void> =>
    crawl(ctx, {
      async parse(response: Response) {
        ctx.tl.step('callback entered');
        try {
          const value = await body(ctx, this, response);
          ctx.ok(value);
        } catch (e) {
          ctx.tl.step(`await failed: ${errorOf(e).name}`);
          ctx.fail(e);
        }
      },
    });
}

/** A crawl whose callback yields one item, through `pipeline`. */
function pipelineScenario(ctx: ScenarioContext, pipeline: object): Promise<void> {
  return crawl(ctx, {
    parse(response: Response) {
      ctx.tl.step('callback yields an item');
      return { title: response.css('h1::text').get() };
    },
    settings: { ITEM_PIPELINES: [[pipeline, 100]] },
  });
}

/** A Deferred-returning "database call": fires 10 ms later on the reactor (Twisted's adbapi style). */
function dbInsert(item: Record<string, unknown>): Deferred<number> {
  return deferLater(getReactor(), 0.01, () => Number(String(item.title ?? '').length));
}

const page2 = (ctx: ScenarioContext): Request => new Request(`${ctx.site.url}/catalogue/page-2.html`, { dontFilter: true });

// -----------------------------------------------------------------------------------------------

/** Every scenario, in report order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'pipeline-await-deferred',
    title: 'An async pipeline awaits a Deferred-returning database call directly',
    scrapy:
      'Works under a non-asyncio reactor; under the asyncio reactor the await raises "RuntimeError: Task got bad yield: <Deferred at 0x…>" and the item is not scraped ("Error processing").',
    run: (ctx) =>
      pipelineScenario(
        ctx,
        new (class DbPipeline {
                async processItem(item: Record<string, unknown>) {
                  ctx.tl.step('processItem entered');
                  try {
                    const id = await dbInsert(item);
                    ctx.tl.step('await resumed');
                    ctx.ok({ id });
                    return { ...item, id };
                  } catch (e) {
                    ctx.tl.step(`await failed: ${errorOf(e).name}`);
                    ctx.fail(e);
                    throw e;
                  }
                }
              })(),
      ),
  },
  {
    id: 'pipeline-returns-deferred',
    title: 'The legacy pipeline it replaces returns the Deferred',
    scrapy: 'Works under every reactor; Scrapy ≥2.14 logs "… returned a Deferred, this is deprecated".',
    run: (ctx) =>
      pipelineScenario(
        ctx,
        new (class LegacyDbPipeline {
                processItem(item: Record<string, unknown>) {
                  ctx.tl.step('processItem returns a Deferred');
                  return dbInsert(item).addCallback((id) => {
                    ctx.tl.step('Deferred fired');
                    ctx.ok({ id });
                    return { ...item, id };
                  });
                }
              })(),
      ),
  },
  {
    id: 'inline-request',
    title: 'Inline request: await maybeDeferredToFuture(engine.download(request))',
    scrapy: 'Works under every reactor (the documented portable idiom until 2.13; ≥2.14 deprecates engine.download() with the same warning, for engine.download_async()).',
    run: awaitScenario(async (ctx, spider) => {
      const d = spider.crawler.engine!.download(page2(ctx));
      ctx.tl.step('engine.download() returned a Deferred');
      const response = await maybeDeferredToFuture(d);
      ctx.tl.step('await resumed with the response');
      return { status: response.status };
    }),
  },
  {
    id: 'inline-request-async',
    title: 'Inline request, the coroutine way: await engine.downloadAsync(request)',
    scrapy: 'Scrapy ≥2.14 (engine.download_async()): works under every reactor, no warning (observed with 2.18: "OK status=200" under both the asyncio and the epoll reactor).',
    run: awaitScenario(async (ctx, spider) => {
      const p = spider.crawler.engine!.downloadAsync(page2(ctx));
      ctx.tl.step('engine.downloadAsync() returned a Promise');
      const response = await p;
      ctx.tl.step('await resumed with the response');
      return { status: response.status };
    }),
  },
  {
    id: 'parallel-requests',
    title: 'Parallel requests: await maybeDeferredToFuture(new DeferredList(downloads))',
    scrapy: 'Works under every reactor; three 0.5 s downloads take 0.5 s, and the entries come back in request order.',
    run: awaitScenario(async (ctx, spider) => {
      const engine = spider.crawler.engine!;
      const ds = [1, 2, 3].map((n) => engine.download(new Request(`${ctx.site.url}/catalogue/page-${n}.html`, { dontFilter: true })));
      ctx.tl.step('three downloads started');
      const entries = await maybeDeferredToFuture(new DeferredList(ds));
      ctx.tl.step('await resumed with the list');
      return entries.map(([ok, r]) => [ok, ok ? (r as Response).status : null]);
    }),
  },
  {
    id: 'await-deferredlist',
    title: 'A pending DeferredList awaited directly',
    scrapy: 'Works under a non-asyncio reactor; asyncio reactor: "RuntimeError: Task got bad yield: <DeferredList at 0x…>".',
    run: awaitScenario(async (ctx, spider) => {
      const dl = new DeferredList([spider.crawler.engine!.download(page2(ctx))]);
      ctx.tl.step('DeferredList created');
      const entries = await dl;
      ctx.tl.step('await resumed');
      return entries.map(([ok]) => ok);
    }),
  },
  {
    id: 'await-pending-deferred',
    title: 'A pending Deferred awaited directly: await engine.download(request)',
    scrapy: 'Works under a non-asyncio reactor; asyncio reactor: "RuntimeError: Task got bad yield: <Deferred at 0x…>" (the spider continues).',
    run: awaitScenario(async (ctx, spider) => {
      const d = spider.crawler.engine!.download(page2(ctx));
      ctx.tl.step('engine.download() returned a Deferred');
      const response = await d;
      ctx.tl.step('await resumed with the response');
      return { status: response.status };
    }),
  },
  {
    id: 'await-fired-deferred',
    title: 'An already-fired Deferred awaited: await succeed(42)',
    scrapy: 'Works under every reactor (nothing suspends).',
    run: awaitScenario(async (ctx) => {
      const v = await succeed(42);
      ctx.tl.step('await resumed');
      return v;
    }),
  },
  {
    id: 'deferred-to-future',
    title: 'await deferredToFuture(engine.download(request))',
    scrapy:
      'asyncio reactor: works. Non-asyncio reactor (≥2.14): the call raises "RuntimeError: deferred_to_future() requires an installed asyncio reactor or a running asyncio event loop."',
    run: awaitScenario(async (ctx, spider) => {
      const d = spider.crawler.engine!.download(page2(ctx));
      const f = deferredToFuture(d);
      ctx.tl.step('deferredToFuture() returned a Future');
      const response = await f;
      ctx.tl.step('await resumed with the response');
      return { status: response.status };
    }),
  },
  {
    id: 'maybe-deferred-to-future',
    title: 'What maybeDeferredToFuture(d) returns, and awaiting it',
    scrapy: 'Non-asyncio reactor: returns the Deferred itself; asyncio reactor: returns an asyncio.Future. Awaiting works in both.',
    run: awaitScenario(async (ctx, spider) => {
      const x = maybeDeferredToFuture(spider.crawler.engine!.download(page2(ctx)));
      const kind = x instanceof Deferred ? 'Deferred' : 'Future';
      ctx.tl.step(`maybeDeferredToFuture() returned a ${kind}`);
      const response = await x;
      ctx.tl.step('await resumed with the response');
      return { returned: kind, status: response.status };
    }),
  },
  {
    id: 'sleep',
    title: 'Sleeping on the promise loop: await sleep(0.05)',
    scrapy: 'asyncio reactor: works. Non-asyncio reactor: "RuntimeError: no running event loop".',
    run: awaitScenario(async (ctx) => {
      const f = sleep(0.05);
      ctx.tl.step('sleep() returned a Future');
      await f;
      ctx.tl.step('await resumed');
      return 'slept';
    }),
  },
  {
    id: 'pending-future',
    title: 'A pending Future of the running loop, resolved by callLater',
    scrapy:
      'asyncio reactor: works ("fut-value"). Non-asyncio reactor: get_running_loop() raises "RuntimeError: no running event loop" (awaiting such a Future: "await wasn\'t used with future").',
    run: awaitScenario(async (ctx) => {
      const loop = getRunningLoop();
      const f = loop.createFuture<string>();
      loop.callLater(0.01, () => f.setResult('fut-value'));
      ctx.tl.step('Future created');
      const v = await f;
      ctx.tl.step('await resumed');
      return v;
    }),
  },
  {
    id: 'native-promise',
    title: 'Native promises: await fetch() against the demo site',
    scrapy: 'asyncio-only libraries (aiohttp, …) work only under the asyncio reactor; under another reactor they fail.',
    note: 'deferkit differs: JavaScript always runs its host event loop, so native promises (fetch, timers) work under both reactors.',
    run: awaitScenario(async (ctx) => {
      const r = await fetch(`${ctx.site.url}/api/books.json`);
      ctx.tl.step('fetch() resolved');
      const books = (await r.json()) as unknown[];
      ctx.tl.step('body parsed');
      return { status: r.status, books: books.length };
    }),
  },
  {
    id: 'await-async-function',
    title: 'Another async function awaited',
    scrapy: 'Works under every reactor (the same driver runs both).',
    run: awaitScenario(async (ctx) => {
      const helper = async (n: number): Promise<number> => {
        ctx.tl.step('helper entered');
        await succeed(undefined);
        return n * 2;
      };
      const v = await helper(21);
      ctx.tl.step('await resumed');
      return v;
    }),
  },
  {
    id: 'asyncgen-sync-middleware',
    title: 'An async-generator callback yields two items then raises, behind a sync-only spider middleware',
    scrapy:
      '2.7–2.15: the output is downgraded (warning "Async iterable passed to … was downgraded to a non-async one"), the middleware never sees it, "Spider error processing", 0 items. 2.16+: TypeError at startup.',
    run: (ctx) => middlewareScenario(ctx, 'sync'),
  },
  {
    id: 'asyncgen-async-middleware',
    title: 'The same callback behind an async-generator spider middleware',
    scrapy: 'Items 1 and 2 are scraped, then "Spider error processing" for the exception.',
    run: (ctx) => middlewareScenario(ctx, 'async'),
  },
  {
    id: 'universal-middleware',
    title: 'A universal middleware (processSpiderOutput + processSpiderOutputAsync) behind sync and async callbacks',
    scrapy: '2.7–2.15: the sync method gets a sync callback\'s output, the async one an async callback\'s. (≥2.16 always uses the async one.)',
    run: async (ctx) => {
      const calls: string[] = [];
      class Universal {
        *processSpiderOutput(_r: Response, result: Iterable<unknown>) {
          calls.push('processSpiderOutput');
          yield* result;
        }
        async *processSpiderOutputAsync(_r: Response, result: AsyncIterable<unknown>) {
          calls.push('processSpiderOutputAsync');
          for await (const x of result) yield x;
        }
      }
      await crawl(ctx, {
        *parse(response: Response) {
          ctx.tl.step('sync callback runs');
          yield response.follow('/catalogue/page-2.html', {
            callback: async function* () {
              ctx.tl.step('async-generator callback runs');
              yield { from: 'async callback' };
            },
          });
          yield { from: 'sync callback' };
        },
        settings: { SPIDER_MIDDLEWARES: [[Universal, 500]] },
      });
      ctx.tl.step('crawl finished');
      ctx.ok({ calls });
    },
  },
  {
    id: 'crawler-runner-without-install',
    title: 'CrawlerRunner without installing the reactor first',
    scrapy: 'Scrapy ≥2.13: "RuntimeError: We expected a Twisted reactor to be installed but it isn\'t." (CrawlerRunner never installs one.)',
    run: async (ctx) => {
      class S extends Spider {
        override name = 'lab';
        override startUrls = [ctx.site.url + '/'];
        override parse(): void {}
      }
      const runner = new CrawlerRunner({ ...QUIET, ...ctx.reactorSettings });
      ctx.tl.step('runner.crawl() called');
      try {
        await runner.crawlAsync(S);
        ctx.tl.step('crawl finished');
        ctx.ok('crawled');
      } catch (e) {
        ctx.tl.step(`crawl failed: ${errorOf(e).name}`);
        ctx.fail(e);
      } finally {
        if (isReactorInstalled()) uninstallReactor();
      }
    },
  },
  {
    id: 'crawler-runner-with-install',
    title: 'CrawlerRunner after installReactor(), running the reactor yourself',
    scrapy: 'Works: install the reactor, crawl, stop the reactor when the crawl\'s Deferred fires.',
    run: async (ctx) => {
      const column = ctx.column;
      const reactor =
        column === 'callback'
          ? installReactor('callback')
          : installReactor('promise', column === 'promise+loop' ? { eventLoop: new TracingEventLoop() } : {});
      ctx.tl.step('reactor installed');
      class S extends Spider {
        override name = 'lab';
        override startUrls = [ctx.site.url + '/'];
        override parse(response: Response) {
          ctx.tl.step('callback runs');
          return { title: response.css('h1::text').get() };
        }
      }
      const { PROMISE_EVENT_LOOP: _loop, ...settings } = ctx.reactorSettings;
      void _loop;
      const runner = new CrawlerRunner({ ...QUIET, ...settings });
      const items: unknown[] = [];
      const crawler = runner.createCrawler(S);
      crawler.signals.connect(({ item }) => void items.push(item), signals.itemScraped);
      const d = runner.crawl(crawler);
      d.addBoth(() => {
        ctx.tl.step('crawl Deferred fired; stopping the reactor');
        reactor.stop();
      });
      try {
        await reactor.run();
        ctx.tl.step('reactor stopped');
        ctx.result.items = items;
        ctx.ok('crawled');
      } finally {
        uninstallReactor();
      }
    },
  },
  {
    id: 'reactor-mismatch',
    title: 'The installed reactor does not match REACTOR',
    scrapy: '"The installed reactor (…EPollReactor) does not match the requested one (…AsyncioSelectorReactor)", exit 1.',
    run: async (ctx) => {
      const other = ctx.column === 'callback' ? 'promise' : 'callback';
      installReactor(other);
      ctx.tl.step(`installed the ${other} reactor`);
      class S extends Spider {
        override name = 'lab';
        override startUrls = [ctx.site.url + '/'];
        override parse(): void {}
      }
      try {
        await new CrawlerRunner({ ...QUIET, ...ctx.reactorSettings }).crawlAsync(S);
        ctx.ok('crawled');
      } catch (e) {
        ctx.tl.step(`crawl failed: ${errorOf(e).name}`);
        ctx.fail(e);
      } finally {
        uninstallReactor();
      }
    },
  },
  {
    id: 'inline-callbacks-callback',
    title: 'An inlineCallbacks callback: const response = yield engine.download(request)',
    scrapy: 'Works under every reactor: inlineCallbacks drives the generator with Deferreds itself (≥2.14 warns that returning Deferreds from callbacks is deprecated).',
    run: (ctx) =>
      crawl(ctx, {
        parse: inlineCallbacks(function* (this: Spider & { crawler: Crawler }) {
          ctx.tl.step('callback entered');
          const d = this.crawler.engine!.download(page2(ctx));
          ctx.tl.step('engine.download() returned a Deferred');
          const response = (yield d) as Response;
          ctx.tl.step('yield resumed with the response');
          ctx.ok({ status: response.status });
          return { status: response.status };
        }) as never,
      }),
  },
];

/** The async-generator callback that raises after two items, behind a sync or an async middleware. */
async function middlewareScenario(ctx: ScenarioContext, kind: 'sync' | 'async'): Promise<void> {
  const seen: unknown[] = [];
  class SyncOnlyMW {
    *processSpiderOutput(_r: Response, result: Iterable<unknown>) {
      ctx.tl.step('sync middleware called');
      for (const x of result) {
        seen.push(x);
        yield x;
      }
    }
  }
  class AsyncOnlyMW {
    async *processSpiderOutput(_r: Response, result: AsyncIterable<unknown>) {
      ctx.tl.step('async middleware called');
      for await (const x of result) {
        seen.push(x);
        yield x;
      }
    }
  }
  let spiderError: unknown;
  await crawl(ctx, {
    async *parse() {
      ctx.tl.step('callback yields item 1');
      yield { n: 1 };
      await succeed(undefined);
      ctx.tl.step('callback yields item 2');
      yield { n: 2 };
      ctx.tl.step('callback raises');
      throw new RangeError('boom after 2 items');
    },
    settings: {
      SPIDER_MIDDLEWARES: [[kind === 'sync' ? SyncOnlyMW : AsyncOnlyMW, 500]],
      EXTENSIONS: [
        [
          class {
            constructor(crawler: Crawler) {
              crawler.signals.connect(({ failure }) => {
                spiderError = (failure as { value: unknown }).value;
              }, signals.spiderError);
            }
          },
          1,
        ],
      ],
    },
  });
  ctx.tl.step(`crawl finished with ${ctx.result.items?.length ?? 0} items`);
  if (spiderError !== undefined) {
    ctx.fail(spiderError);
    ctx.result.value = { middlewareSaw: seen.length };
  } else ctx.ok({ middlewareSaw: seen.length });
}
