// Unit tests of crawler components on the per-request path, without a crawl: SignalManager's
// sendAsync, RefererMiddleware and the DownloaderMiddlewareManager chain (sync, async and
// Deferred-returning methods mixed).

import { describe, expect, it } from 'vitest';
import {
  IgnoreRequest,
  InvalidOutput,
  Logger,
  RefererMiddleware,
  Request,
  Response,
  Settings,
  SignalManager,
  type Crawler,
  type LogRecord,
} from '@deferkit/crawler';
import { DownloaderMiddlewareManager } from '@deferkit/crawler/engine';
import { Deferred } from '@deferkit/deferred';
import { urlparseCached } from '../../packages/crawler/src/utils/url.js';

const tick = (ms = 1): Promise<void> => new Promise((r) => setTimeout(r, ms));

function logger(records: LogRecord[]): Logger {
  return new Logger('test', (r) => records.push(r));
}

describe('SignalManager.sendAsync', () => {
  it('calls every handler at once, in order, then waits for those returning a promise or a Deferred; results keep the handler order', async () => {
    const records: LogRecord[] = [];
    const sm = new SignalManager(logger(records));
    const order: string[] = [];
    const sync = (): number => {
      order.push('sync');
      return 1;
    };
    const slow = async (): Promise<number> => {
      order.push('slow start');
      await tick(5);
      order.push('slow end');
      return 2;
    };
    const throws = (): never => {
      order.push('throws');
      throw new Error('boom');
    };
    const deferred = (): Deferred<number> => {
      order.push('deferred');
      const d = new Deferred<number>();
      setTimeout(() => d.callback(3), 1);
      return d;
    };
    const rejects = async (): Promise<never> => {
      await tick();
      throw new Error('later');
    };
    const ignored = (): never => {
      throw new IgnoreRequest('quiet');
    };
    for (const h of [sync, slow, throws, deferred, rejects, ignored]) sm.connect(h, 'sig');
    const results = await sm.sendAsync('sig', { a: 1 }, [IgnoreRequest]);
    expect(order).toEqual(['sync', 'slow start', 'throws', 'deferred', 'slow end']);
    expect(results.map(([h, v]) => [h, v instanceof Error ? v.message : v])).toEqual([
      [sync, 1],
      [slow, 2],
      [throws, 'boom'],
      [deferred, 3],
      [rejects, 'later'],
      [ignored, 'quiet'],
    ]);
    expect(records.map((r) => `${r.level} ${r.message}`)).toEqual([
      'ERROR Error caught on signal handler: throws',
      'ERROR Error caught on signal handler: rejects',
    ]);
  });

  it('with no handler it resolves to []; handlers get the arguments object', async () => {
    const sm = new SignalManager(logger([]));
    expect(await sm.sendAsync('nobody')).toEqual([]);
    expect(sm.send('nobody')).toEqual([]);
    const seen: unknown[] = [];
    sm.connect((args) => void seen.push(args), 'sig');
    const args = { item: { x: 1 } };
    await sm.sendAsync('sig', args);
    sm.send('sig', args);
    expect(seen).toEqual([args, args]);
  });
});

describe('SignalManager.send / sendMatching / connect while sending', () => {
  it('sendMatching runs every handler, logs other errors, and returns the first IgnoreRequest (thrown or returned) unlogged', () => {
    const records: LogRecord[] = [];
    const sm = new SignalManager(logger(records));
    const ran: string[] = [];
    const first = new IgnoreRequest('first');
    sm.connect(() => void ran.push('a'), 'sig');
    sm.connect(() => {
      ran.push('b');
      throw new Error('boom');
    }, 'sig');
    sm.connect(() => {
      ran.push('c');
      throw first;
    }, 'sig');
    sm.connect(() => {
      ran.push('d');
      return new IgnoreRequest('second');
    }, 'sig');
    expect(sm.sendMatching('sig', {}, [IgnoreRequest])).toBe(first);
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect(records.map((r) => r.message)).toEqual(['Error caught on signal handler: anonymous handler']);
    expect(sm.sendMatching('nobody', {}, [IgnoreRequest])).toBeUndefined();
    expect(sm.hasHandlers('sig')).toBe(true);
    expect(sm.hasHandlers('nobody')).toBe(false);
  });

  it('a handler connecting or disconnecting handlers during a send changes the next send, not this one', () => {
    const sm = new SignalManager(logger([]));
    const ran: string[] = [];
    const late = (): void => void ran.push('late');
    const second = (): void => void ran.push('second');
    sm.connect(() => {
      ran.push('first');
      sm.connect(late, 'sig');
      sm.disconnect(second, 'sig');
    }, 'sig');
    sm.connect(second, 'sig');
    sm.send('sig');
    expect(ran).toEqual(['first', 'second']);
    ran.length = 0;
    sm.send('sig');
    expect(ran).toEqual(['first', 'late']);
  });
});

describe('RefererMiddleware (default policy)', () => {
  const signalManager = new SignalManager(logger([]));
  const mw = new RefererMiddleware({ settings: new Settings(), signals: signalManager } as unknown as Crawler);
  const from = (url: string): Response => new Response(url, { body: '' });
  const referers = (responseUrl: string, urls: string[]): Array<string | null> =>
    [...mw.processSpiderOutput(from(responseUrl), urls.map((u) => new Request(u)))].map((r) => (r as Request).headers.get('Referer'));

  it('is the page URL without fragment and credentials; none from an https page to http', () => {
    expect(referers('https://u:p@e.com/a?q=1#f', ['https://x.com/1', 'http://x.com/2', 'HTTPS://x.com/3'])).toEqual([
      'https://e.com/a?q=1',
      null,
      'https://e.com/a?q=1',
    ]);
    expect(referers('http://e.com/a#top', ['http://x.com/1', 'https://x.com/2', 'ftp://x.com/3'])).toEqual(['http://e.com/a', 'http://e.com/a', 'http://e.com/a']);
  });

  it('none from a page that is not http(s); an existing Referer is kept; items pass unchanged', () => {
    expect(referers('file:///tmp/a.html', ['http://x.com/1'])).toEqual([null]);
    expect(referers('data:text/html,hi', ['http://x.com/1'])).toEqual([null]);
    const item = { title: 't' };
    const kept = new Request('http://x.com/k', { headers: { Referer: 'mine' } });
    const out = [...mw.processSpiderOutput(from('http://e.com/'), [item, kept])];
    expect(out[0]).toBe(item);
    expect((out[1] as Request).headers.get('Referer')).toBe('mine');
  });

  it('the async variant does the same', async () => {
    async function* source(): AsyncGenerator<unknown> {
      yield new Request('http://x.com/1');
      yield { n: 1 };
      yield new Request('http://x.com/2');
    }
    const out: unknown[] = [];
    for await (const x of mw.processSpiderOutputAsync(from('https://e.com/p#x'), source())) out.push(x);
    expect(out.map((x) => (x instanceof Request ? x.headers.get('Referer') : x))).toEqual([null, { n: 1 }, null]);
    const out2: unknown[] = [];
    async function* secure(): AsyncGenerator<unknown> {
      yield new Request('https://x.com/1');
    }
    for await (const x of mw.processSpiderOutputAsync(from('https://e.com/p#x'), secure())) out2.push(x);
    expect((out2[0] as Request).headers.get('Referer')).toBe('https://e.com/p');
  });

  it("request_scheduled: a redirected request's Referer is checked again against its new URL (https → http drops it)", () => {
    const scheduled = (url: string, referer: string | null, redirectUrls?: string[]): string | null => {
      const request = new Request(url, {
        ...(referer !== null ? { headers: { Referer: referer } } : {}),
        ...(redirectUrls !== undefined ? { meta: { redirect_urls: redirectUrls } } : {}),
      });
      signalManager.send('requestScheduled', { request, spider: undefined });
      return request.headers.get('Referer');
    };
    // Redirected from https to http: the https page must not leak.
    expect(scheduled('http://x.com/final', 'https://e.com/page', ['https://x.com/start'])).toBeNull();
    // Redirected within https, or http to anything: kept as it was.
    expect(scheduled('https://x.com/final', 'https://e.com/page', ['https://x.com/start'])).toBe('https://e.com/page');
    expect(scheduled('https://x.com/final', 'http://e.com/page', ['http://x.com/start'])).toBe('http://e.com/page');
    // Not redirected, or no Referer: untouched (the policy applied when it was made).
    expect(scheduled('http://x.com/direct', 'https://e.com/page')).toBe('https://e.com/page');
    expect(scheduled('http://x.com/final', null, ['https://x.com/start'])).toBeNull();
  });
});

describe('DownloaderMiddlewareManager: sync, async and Deferred-returning methods mixed', () => {
  function manager(middlewares: object[], records: LogRecord[] = []): DownloaderMiddlewareManager {
    const log = logger(records);
    const crawler = { spider: null, getLogger: () => log } as unknown as Crawler;
    return new DownloaderMiddlewareManager(crawler, middlewares);
  }
  const ok = (request: Request): Promise<Response> => Promise.resolve(new Response(request.url, { request }));

  it('with synchronous processRequest methods only, the download starts at once (no turn per method, as a synchronous Deferred chain)', async () => {
    const log: string[] = [];
    const m = manager([{ processRequest: () => void log.push('a') }, { processRequest: () => void log.push('b') }]);
    const p = m.download((r) => {
      log.push('download');
      return ok(r);
    }, new Request('http://e.com/'));
    expect(log).toEqual(['a', 'b', 'download']);
    expect(await p).toBeInstanceOf(Response);
  });

  it('after a method returning a promise, the remaining methods run in order once it resolves; an InvalidOutput then still goes to processException', async () => {
    const log: string[] = [];
    const m = manager([
      { processRequest: () => void log.push('sync 1') },
      {
        async processRequest(): Promise<void> {
          await tick();
          log.push('async 2');
        },
      },
      {
        processRequest(): number {
          log.push('bad 3');
          return 42;
        },
      },
      {
        processException(request: Request, e: unknown): Response {
          log.push(`exception ${(e as Error).name}`);
          return new Response(request.url, { status: 299 });
        },
        processResponse(_q: Request, response: Response): Response {
          log.push(`response ${response.status}`);
          return response;
        },
      },
    ]);
    const result = await m.download((r) => {
      log.push('download');
      return ok(r);
    }, new Request('http://e.com/'));
    expect(log).toEqual(['sync 1', 'async 2', 'bad 3', `exception ${InvalidOutput.name}`, 'response 299']);
    expect((result as Response).status).toBe(299);
  });

  it('a Deferred-returning processRequest short-circuits with its Response after it fires; later methods and the download are skipped', async () => {
    const log: string[] = [];
    const records: LogRecord[] = [];
    const m = manager(
      [
        {
          processRequest(request: Request): Deferred<Response> {
            log.push('deferred');
            const d = new Deferred<Response>();
            setTimeout(() => d.callback(new Response(request.url, { status: 203 })), 1);
            return d;
          },
        },
        { processRequest: () => void log.push('never') },
        {
          async processResponse(_q: Request, response: Response): Promise<Response> {
            await tick();
            log.push(`response ${response.status}`);
            return response;
          },
        },
      ],
      records,
    );
    const result = await m.download((r) => {
      log.push('download');
      return ok(r);
    }, new Request('http://e.com/'));
    expect(log).toEqual(['deferred', 'response 203']);
    expect((result as Response).status).toBe(203);
    expect(records.map((r) => r.message)).toEqual(['Object.processRequest returned a Deferred, this is deprecated. Please refactor this function to return a coroutine.']);
  });

  it('a synchronous processRequest that throws sends the exception to processException; unhandled, download() rejects with it', async () => {
    const boom = new Error('boom');
    const seen: unknown[] = [];
    const m = manager([
      {
        processRequest(): void {
          throw boom;
        },
      },
      { processException: (_q: Request, e: unknown) => void seen.push(e) },
    ]);
    await expect(m.download(ok, new Request('http://e.com/'))).rejects.toBe(boom);
    expect(seen).toEqual([boom]);
  });
});

describe("urlparseCached (Scrapy's urlparse_cached)", () => {
  it('parses a Request URL once: every lookup gets the same parsed object', () => {
    const request = new Request('http://Example.COM:8080/a/b?x=1');
    const first = urlparseCached(request);
    expect(first?.hostname).toBe('example.com');
    expect(first?.port).toBe('8080');
    expect(urlparseCached(request)).toBe(first);
    // A replaced Request is a new object with its own entry.
    const other = request.replace({ url: 'https://other.test/' });
    expect(urlparseCached(other)?.hostname).toBe('other.test');
    expect(urlparseCached(request)).toBe(first);
  });

  it('parses any object with a url on first use, and gives null for a URL that does not parse', () => {
    const response = new Response('http://host.test/page');
    expect(urlparseCached(response)?.pathname).toBe('/page');
    expect(urlparseCached(response)).toBe(urlparseCached(response));
    const bad = { url: 'not a url' };
    expect(urlparseCached(bad)).toBeNull();
    expect(urlparseCached(bad)).toBeNull();
  });
});
