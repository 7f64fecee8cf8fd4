// Scrapy experiments (i) (coroutine signal handlers) and (h) (who installs the reactor), and
// the engine's scheduling rules: settings priorities, scheduler priorities, the duplicate
// filter, DEPTH_LIMIT / DEPTH_PRIORITY, idle close, spiderIdle + DontCloseSpider
// (the Scrapy reference (docs/rules.md) §2.8, §2.12, §2.13, §3 (h), (i)).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Crawler,
  CrawlerRunner,
  DontCloseSpider,
  Request,
  Spider,
  signals,
  type Response,
} from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import { ExecutionEngine } from '@deferkit/crawler/engine';
import { maybeDeferredToFuture } from '@deferkit/interop';
import {
  deferLater,
  getReactor,
  installReactor,
  isReactorInstalled,
  ReactorMismatchError,
  ReactorNotInstalledError,
  uninstallReactor,
} from '@deferkit/reactor';
import { REACTORS, runCrawl, since } from './experiments-harness.js';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(async () => {
  if (isReactorInstalled()) uninstallReactor();
  await site.close();
});

const url = (path: string): string => `${site.url}${path}`;
const pathOf = (u: string): string => {
  const p = new URL(u);
  return p.pathname + p.search;
};

for (const REACTOR of REACTORS) {
  describe(`exp (i) coroutine signal handlers [${REACTOR}]`, () => {
    it('i: an async spiderOpened handler is awaited before the first callback; an async itemScraped handler is awaited before the spider closes', async () => {
      const t: Record<string, number> = {};
      let t0 = 0;
      class ExpI extends Spider {
        override name = 'exp_i';
        override startUrls = [url('/catalogue/book-1.html')];
        override parse() {
          t.parse = since(t0);
          return { exp: 'i' };
        }
      }
      const r = await runCrawl(ExpI, { REACTOR }, {
        setup: (c) => {
          t0 = performance.now();
          c.signals.connect(async function opened() {
            t.openedStart = since(t0);
            await maybeDeferredToFuture(deferLater(c.reactor, 0.3));
            t.openedEnd = since(t0);
          }, signals.spiderOpened);
          c.signals.connect(async function scraped() {
            await maybeDeferredToFuture(deferLater(c.reactor, 0.2));
            t.scrapedEnd = since(t0);
          }, signals.itemScraped);
          c.signals.connect(() => void (t.closed = since(t0)), signals.spiderClosed);
        },
      });
      expect(r.items).toEqual([{ exp: 'i' }]);
      expect(t.openedEnd! - t.openedStart!).toBeGreaterThanOrEqual(0.28);
      expect(t.parse).toBeGreaterThanOrEqual(t.openedEnd!);
      expect(t.scrapedEnd! - t.parse!).toBeGreaterThanOrEqual(0.18);
      expect(t.closed).toBeGreaterThanOrEqual(t.scrapedEnd!);
    });

    it('i: an async handler of a sync signal (responseReceived) is not awaited, with a warning; a Deferred-returning one is an error', async () => {
      const t: Record<string, number> = {};
      let t0 = 0;
      class ExpI extends Spider {
        override name = 'exp_i2';
        override startUrls = [url('/catalogue/book-2.html')];
        override parse() {
          t.parse = since(t0);
          return { exp: 'i2' };
        }
      }
      const r = await runCrawl(ExpI, { REACTOR }, {
        setup: (c) => {
          t0 = performance.now();
          c.signals.connect(async function respReceived() {
            await maybeDeferredToFuture(deferLater(c.reactor, 0.2));
            t.handlerEnd = since(t0);
          }, signals.responseReceived);
          c.signals.connect(function respReceivedDfd() {
            return deferLater(c.reactor, 0.01);
          }, signals.responseReceived);
        },
      });
      expect(r.items).toEqual([{ exp: 'i2' }]);
      // Nobody waited for the async handler: the callback ran first.
      expect(t.handlerEnd === undefined || t.parse! < t.handlerEnd).toBe(true);
      expect(r.count('Signal handler respReceived returned a promise, but responseReceived does not wait for handlers; it was not awaited', 'WARNING')).toBe(1);
      expect(r.messages('ERROR')).toContain('Cannot return deferreds from signal handler: respReceivedDfd');
    });
  });
}

describe('exp (h) who installs the reactor', () => {
  class Books extends Spider {
    override name = 'books_h';
    override startUrls = [url('/catalogue/book-5.html')];
    override parse(response: Response) {
      return { title: response.css('h1::text').get() };
    }
  }

  it('h: CrawlerRunner without an installed reactor → ReactorNotInstalledError naming installReactor()', async () => {
    expect(isReactorInstalled()).toBe(false);
    const runner = new CrawlerRunner({ REACTOR: 'callback', LOG_ENABLED: false, LOGSTATS_INTERVAL: 0 });
    const error = await runner.crawlAsync(Books).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReactorNotInstalledError);
    expect((error as Error).message).toContain("installReactor('callback')");
    expect(isReactorInstalled()).toBe(false);
    // The Deferred API fails the same way.
    const failure = await new Promise<unknown>((resolve) => runner.crawl(Books).addCallbacks(() => resolve(null), (f) => resolve(f.value)));
    expect(failure).toBeInstanceOf(ReactorNotInstalledError);
  });

  for (const REACTOR of REACTORS) {
    it(`h: CrawlerRunner with installReactor('${REACTOR}') first → crawls`, async () => {
      const reactor = installReactor(REACTOR);
      try {
        const runner = new CrawlerRunner({ REACTOR, LOG_ENABLED: false, LOGSTATS_INTERVAL: 0 });
        const crawler = runner.createCrawler(Books);
        const items: unknown[] = [];
        crawler.signals.connect(({ item }) => void items.push(item), signals.itemScraped);
        let outcome = 'pending';
        runner.crawl(crawler).addCallbacks(
          () => {
            outcome = 'done';
            reactor.stop();
          },
          (f) => {
            outcome = `failed: ${String(f.value)}`;
            reactor.stop();
          },
        );
        await reactor.run();
        expect(outcome).toBe('done');
        expect(items).toEqual([{ title: site.books[4]!.title }]);
        expect(crawler.engine?.closeReason).toBe('finished');
      } finally {
        uninstallReactor();
      }
    });
  }

  it('h: installed callback reactor, REACTOR promise → ReactorMismatchError', async () => {
    installReactor('callback');
    try {
      const runner = new CrawlerRunner({ REACTOR: 'promise', LOG_ENABLED: false });
      const error = await runner.crawlAsync(Books).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ReactorMismatchError);
      expect((error as Error).message).toMatch(/^The installed reactor \(callback\) does not match the requested one \(promise\)/);
    } finally {
      uninstallReactor();
    }
  });

  for (const REACTOR of REACTORS) {
    it(`h: code that calls getReactor() first installs the callback reactor; then REACTOR ${REACTOR} ${REACTOR === 'callback' ? 'works' : '→ ReactorMismatchError'}`, async () => {
      let kind: string | undefined;
      const r = await runCrawl(Books, { REACTOR }, {
        // Like a spider module doing `from twisted.internet import reactor` at import time.
        setup: () => void (kind = getReactor().kind),
      });
      expect(kind).toBe('callback');
      if (REACTOR === 'callback') {
        expect(r.error).toBeUndefined();
        expect(r.items).toEqual([{ title: site.books[4]!.title }]);
      } else {
        expect(r.error).toBeInstanceOf(ReactorMismatchError);
        expect((r.error as Error).message).toMatch(/^The installed reactor \(callback\) does not match the requested one \(promise\)/);
        expect(r.items).toEqual([]);
      }
    });
  }

  it("h2: a spider's customSettings REACTOR differing from the reactor the process installed up front → ReactorMismatchError, no crawl", async () => {
    class CallbackOnly extends Books {
      static override customSettings = { REACTOR: 'callback' };
    }
    let parsed = false;
    const r = await runCrawl(CallbackOnly, { REACTOR: 'promise' }, {
      setup: async (c, proc) => {
        // What deferkit's CLI (like Scrapy's AsyncCrawlerProcess) does before importing the spider.
        await proc.installReactor();
        c.signals.connect(() => void (parsed = true), signals.responseReceived);
      },
    });
    expect(r.error).toBeInstanceOf(ReactorMismatchError);
    expect((r.error as Error).message).toMatch(/^The installed reactor \(promise\) does not match the requested one \(callback\)/);
    expect(parsed).toBe(false);
    expect(r.items).toEqual([]);
  });

  it("h3: with nothing installed up front, CrawlerProcess installs the first spider's REACTOR; a second crawler wanting another one fails", async () => {
    class CallbackOnly extends Books {
      static override customSettings = { REACTOR: 'callback' };
    }
    class PromiseOnly extends Books {
      static override customSettings = { REACTOR: 'promise' };
    }
    let kind: string | undefined;
    let secondError: unknown;
    const r = await runCrawl(CallbackOnly, { REACTOR: 'promise' }, {
      setup: (c, proc) => {
        c.signals.connect(() => {
          kind = c.reactor.kind;
          // A second crawler of the same process, once the first one has installed its reactor.
          proc.crawl(PromiseOnly).addErrback((f) => {
            secondError = f.value;
            return null;
          });
        }, signals.spiderOpened);
      },
    });
    expect(r.error).toBeUndefined();
    expect(kind).toBe('callback');
    expect(r.items).toEqual([{ title: site.books[4]!.title }]);
    expect(secondError).toBeInstanceOf(ReactorMismatchError);
    expect((secondError as Error).message).toMatch(/^The installed reactor \(callback\) does not match the requested one \(promise\)/);
  });
});

describe('settings priorities', () => {
  it('default < project < spider customSettings < cmdline', async () => {
    class Prio extends Spider {
      static override customSettings = { SPIDER_ONLY: 'spider', PROJECT_AND_SPIDER: 'spider', ALL: 'spider', DEPTH_LIMIT: 3 };
      override name = 'prio';
      override startUrls = [url('/')];
      override *parse(response: Response) {
        yield { page: response.css('.pager::text').get() };
        const next = response.css('li.next a::attr(href)').get();
        if (next) yield response.follow(next);
      }
    }
    const r = await runCrawl(Prio, { REACTOR: 'callback', PROJECT_AND_SPIDER: 'project', ALL: 'project', PROJECT_ONLY: 'project' }, {
      prepare: (proc) => {
        proc.settings.set('ALL', 'cmdline', 'cmdline');
        proc.settings.set('DEPTH_LIMIT', 1, 'cmdline');
      },
    });
    const s = r.crawler.settings;
    expect(s.get('CONCURRENT_ITEMS')).toBe(100);
    expect(s.getPriority('CONCURRENT_ITEMS')).toBe(0);
    expect(s.get('PROJECT_ONLY')).toBe('project');
    expect(s.getPriority('PROJECT_ONLY')).toBe(20);
    expect(s.get('PROJECT_AND_SPIDER')).toBe('spider');
    expect(s.get('SPIDER_ONLY')).toBe('spider');
    expect(s.getPriority('SPIDER_ONLY')).toBe(30);
    expect(s.get('ALL')).toBe('cmdline');
    expect(s.getPriority('ALL')).toBe(40);
    // The cmdline DEPTH_LIMIT (1) beat the spider's (3): two listing pages, not four.
    expect(r.items.map((i) => i.page)).toEqual([`Page 1 of ${site.pages}`, `Page 2 of ${site.pages}`]);
    expect(r.stats['request_depth_max']).toBe(1);
    expect(s.frozen).toBe(true);
  });
});

for (const REACTOR of REACTORS) {
  describe(`scheduler, duplicate filter, depth, idle [${REACTOR}]`, () => {
    it('scheduler priorities: higher first, FIFO within a priority', async () => {
      const order: string[] = [];
      class Prio extends Spider {
        override name = 'sched';
        override startUrls = [url('/catalogue/page-1.html')];
        override *parse() {
          // The slow one goes first and occupies the only download slot while the others queue up.
          yield new Request(url('/slow?ms=150'), { priority: 100, callback: this.leaf });
          const prios: Array<[number, number]> = [[1, 0], [2, 5], [3, 1], [4, 5], [5, -1], [6, 1]];
          for (const [n, priority] of prios) yield new Request(url(`/catalogue/book-${n}.html`), { priority, callback: this.leaf });
        }
        leaf() {
          return undefined;
        }
      }
      await runCrawl(Prio, { REACTOR, CONCURRENT_REQUESTS: 1 }, {
        setup: (c) => c.signals.connect(({ request }) => void order.push(pathOf((request as Request).url)), signals.responseReceived),
      });
      expect(order).toEqual([
        '/catalogue/page-1.html',
        '/slow?ms=150',
        '/catalogue/book-2.html', // 5
        '/catalogue/book-4.html', // 5
        '/catalogue/book-3.html', // 1
        '/catalogue/book-6.html', // 1
        '/catalogue/book-1.html', // 0
        '/catalogue/book-5.html', // -1
      ]);
    });

    it('duplicate filter: duplicates are dropped (requestDropped, dupefilter/filtered), dontFilter bypasses it', async () => {
      const parsed: string[] = [];
      const dropped: string[] = [];
      class Dupes extends Spider {
        override name = 'dupes';
        override startUrls = [url('/catalogue/page-2.html')];
        override *parse() {
          yield new Request(url('/catalogue/book-7.html'), { callback: this.leaf });
          yield new Request(url('/catalogue/book-7.html'), { callback: this.leaf });
          yield new Request(url('/catalogue/book-7.html#same-page'), { callback: this.leaf });
          yield new Request(url('/catalogue/book-7.html'), { callback: this.leaf, dontFilter: true });
          yield new Request(url('/catalogue/book-8.html?b=2&a=1'), { callback: this.leaf });
          yield new Request(url('/catalogue/book-8.html?a=1&b=2'), { callback: this.leaf });
        }
        leaf(response: Response) {
          parsed.push(pathOf(response.url));
        }
      }
      const r = await runCrawl(Dupes, { REACTOR }, {
        setup: (c) => c.signals.connect(({ request }) => void dropped.push((request as Request).url), signals.requestDropped),
      });
      expect(parsed.sort()).toEqual(['/catalogue/book-7.html', '/catalogue/book-7.html', '/catalogue/book-8.html?b=2&a=1']);
      expect(r.stats['dupefilter/filtered']).toBe(3);
      expect(dropped).toHaveLength(3);
      expect(r.logs.filter((l) => l.message.startsWith('Filtered duplicate request'))).toHaveLength(1);
    });

    it('DEPTH_LIMIT: links deeper than the limit are ignored; request_depth_max', async () => {
      const pages: string[] = [];
      class Deep extends Spider {
        override name = 'deep';
        override startUrls = [url('/')];
        override *parse(response: Response) {
          pages.push(`${pathOf(response.url)} depth=${String(response.meta.depth)}`);
          const next = response.css('li.next a::attr(href)').get();
          if (next) yield response.follow(next);
        }
      }
      const r = await runCrawl(Deep, { REACTOR, DEPTH_LIMIT: 2 });
      expect(pages).toEqual(['/ depth=0', '/catalogue/page-2.html depth=1', '/catalogue/page-3.html depth=2']);
      expect(r.stats['request_depth_max']).toBe(2);
      expect(r.count(`Ignoring link (depth > 2): ${url('/catalogue/page-4.html')}`, 'DEBUG')).toBe(1);
    });

    for (const depthPriority of [1, -1]) {
      it(`DEPTH_PRIORITY=${depthPriority}: ${depthPriority > 0 ? 'shallower (breadth-first)' : 'deeper (depth-first)'} requests go first`, async () => {
        const order: string[] = [];
        const priorities: Record<string, number> = {};
        class Order extends Spider {
          override name = 'depth_priority';
          override startUrls = [url('/catalogue/page-1.html')];
          override *parse() {
            yield new Request(url('/catalogue/book-1.html'), { callback: this.x1 });
            yield new Request(url('/slow?ms=200'), { callback: this.leaf });
            yield new Request(url('/catalogue/book-3.html'), { callback: this.leaf });
          }
          *x1() {
            yield new Request(url('/catalogue/book-2.html'), { callback: this.leaf });
          }
          leaf() {
            return undefined;
          }
        }
        await runCrawl(Order, { REACTOR, CONCURRENT_REQUESTS: 1, DEPTH_PRIORITY: depthPriority }, {
          setup: (c) => {
            c.signals.connect(({ request }) => void order.push(pathOf((request as Request).url)), signals.responseReceived);
            c.signals.connect(({ request }) => void (priorities[pathOf((request as Request).url)] = (request as Request).priority), signals.requestScheduled);
          },
        });
        expect(priorities['/catalogue/book-3.html']).toBe(-1 * depthPriority);
        expect(priorities['/catalogue/book-2.html']).toBe(-2 * depthPriority);
        const y = order.indexOf('/catalogue/book-2.html');
        const x3 = order.indexOf('/catalogue/book-3.html');
        expect(y).toBeGreaterThan(0);
        expect(x3).toBeGreaterThan(0);
        if (depthPriority > 0) expect(x3).toBeLessThan(y);
        else expect(y).toBeLessThan(x3);
      });
    }

    it('a slow callback does not hold up the downloader: the next request starts when a download ends', async () => {
      const t: Record<string, number> = {};
      const t0 = performance.now();
      class Slow extends Spider {
        override name = 'slow_callback';
        override async *start() {
          yield new Request(url('/catalogue/book-13.html'), { callback: this.slowParse });
          yield new Request(url('/catalogue/book-14.html'), { callback: this.quick });
        }
        async slowParse() {
          await new Promise((resolve) => setTimeout(resolve, 300));
          t.slowEnd = since(t0);
        }
        quick() {
          t.quick = since(t0);
        }
      }
      await runCrawl(Slow, { REACTOR, CONCURRENT_REQUESTS: 1 });
      expect(t.slowEnd).toBeGreaterThan(0.29);
      expect(t.quick).toBeLessThan(t.slowEnd!);
    });

    it("idle: the spider closes with reason 'finished' when nothing is left", async () => {
      let idleCalls = 0;
      class Idle extends Spider {
        override name = 'idle';
        override startUrls = [url('/catalogue/book-9.html')];
        override parse() {
          return { ok: 1 };
        }
      }
      const r = await runCrawl(Idle, { REACTOR }, { setup: (c) => c.signals.connect(() => void idleCalls++, signals.spiderIdle) });
      expect(r.closeReason).toBe('finished');
      expect(r.stats['finish_reason']).toBe('finished');
      expect(idleCalls).toBe(1);
      expect(r.messages('INFO')).toContain('Spider closed (finished)');
    });

    it('spiderIdle + DontCloseSpider keeps the spider open until the handler stops raising', async () => {
      let idleCalls = 0;
      const parsed: string[] = [];
      class KeepOpen extends Spider {
        override name = 'keep_open';
        override startUrls = [url('/catalogue/book-10.html')];
        override parse(response: Response) {
          parsed.push(pathOf(response.url));
        }
      }
      const r = await runCrawl(KeepOpen, { REACTOR }, {
        setup: (c) =>
          c.signals.connect(() => {
            idleCalls++;
            if (idleCalls <= 2) {
              c.engine!.crawl(new Request(url(`/catalogue/book-${10 + idleCalls}.html`)));
              throw new DontCloseSpider();
            }
          }, signals.spiderIdle),
      });
      expect(idleCalls).toBe(3);
      expect(parsed).toEqual(['/catalogue/book-10.html', '/catalogue/book-11.html', '/catalogue/book-12.html']);
      expect(r.closeReason).toBe('finished');
      expect(r.count('DontCloseSpider')).toBe(0);
    });
  });
}

describe('engine without an open spider', () => {
  it('engine.crawl() throws "No open spider to crawl"', () => {
    class S extends Spider {
      override name = 'closed_engine';
    }
    const crawler = new Crawler(S, { LOG_ENABLED: false });
    const engine = new ExecutionEngine(crawler);
    const request = new Request(url('/catalogue/book-1.html'));
    expect(() => engine.crawl(request)).toThrow(`No open spider to crawl: <GET ${url('/catalogue/book-1.html')}>`);
    expect(engine.scheduler.hasPendingRequests()).toBe(false);
  });
});
