// Downloader middlewares: Scrapy's order and short-circuit rules (the Scrapy reference (docs/rules.md)
// §2.7), sync / async / Deferred-returning methods under both reactors, wrong return types, and
// the built-ins (default headers, user agent, retry, redirect, offsite, HTTP errors).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Crawler,
  HttpError,
  IgnoreRequest,
  InvalidOutput,
  RedirectMiddleware,
  Request,
  Response,
  RetryMiddleware,
  Spider,
} from '@deferkit/crawler';
import { Deferred, type Failure } from '@deferkit/deferred';
import { deferLater, getReactor } from '@deferkit/reactor';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';
import { startFaultServer, type FaultServer } from './fault-server.js';

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
});

const pathOf = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/** A middleware that records each call as `<what>:<order> <path>` and does nothing else. */
function recorder(log: string[], order: number) {
  return class {
    static order = order;
    processRequest(request: Request): void {
      log.push(`req:${order} ${pathOf(request.url)}`);
    }
    processResponse(request: Request, response: Response): Response {
      log.push(`resp:${order} ${pathOf(request.url)}`);
      return response;
    }
    processException(request: Request, exception: unknown): void {
      log.push(`exc:${order} ${pathOf(request.url)} ${(exception as Error).name}`);
    }
  };
}

describe('order and short-circuits (Scrapy §2.7)', () => {
  for (const REACTOR of REACTORS) {
    it(`processRequest ascending, processResponse and processException descending [${REACTOR}]`, async () => {
      const log: string[] = [];
      const mws = [300, 100, 200].map((o) => [recorder(log, o), o] as const);
      const r = await runCrawl(listSpider([`${server.url}/ok?p=1`]), { REACTOR, DOWNLOADER_MIDDLEWARES: mws });
      expect(r.items).toHaveLength(1);
      expect(log).toEqual(['req:100 /ok?p=1', 'req:200 /ok?p=1', 'req:300 /ok?p=1', 'resp:300 /ok?p=1', 'resp:200 /ok?p=1', 'resp:100 /ok?p=1']);

      const log2: string[] = [];
      const mws2 = [300, 100, 200].map((o) => [recorder(log2, o), o] as const);
      const r2 = await runCrawl(listSpider([`${server.url}/stall`]), { REACTOR, DOWNLOADER_MIDDLEWARES: mws2, DOWNLOAD_TIMEOUT: 0.15, RETRY_ENABLED: false });
      expect(log2).toEqual([
        'req:100 /stall',
        'req:200 /stall',
        'req:300 /stall',
        'exc:300 /stall TimeoutError',
        'exc:200 /stall TimeoutError',
        'exc:100 /stall TimeoutError',
      ]);
      expect(r2.grep(`ERROR Error downloading <GET ${server.url}/stall>: TimeoutError: Getting ${server.url}/stall took longer than 0.15 seconds.`)).toHaveLength(1);
    });
  }

  it('processRequest returning a Response: later processRequest methods and the download are skipped; every processResponse runs', async () => {
    const log: string[] = [];
    class Cache {
      processRequest(request: Request): Response | undefined {
        log.push('cache');
        return new Response(request.url, { status: 200, body: '<h1>from cache</h1>', request });
      }
    }
    const r = await runCrawl(listSpider([`${server.url}/ok?p=cached`]), {
      DOWNLOADER_MIDDLEWARES: [[recorder(log, 100), 100], [Cache, 450], [recorder(log, 700), 700]],
    });
    expect(r.items.map((i) => i.h1)).toEqual(['from cache']);
    expect(log).toEqual(['req:100 /ok?p=cached', 'cache', 'resp:700 /ok?p=cached', 'resp:100 /ok?p=cached']);
    expect(server.arrivals).toHaveLength(0);
    // DownloaderStats (850) never saw the request, but did see the response.
    expect(r.stat('downloader/request_count')).toBeUndefined();
    expect(r.stat('downloader/response_count')).toBe(1);
  });

  it('processRequest returning a Request: it is scheduled instead; no processResponse for the original', async () => {
    const log: string[] = [];
    class Rewrite {
      processRequest(request: Request): Request | undefined {
        if (request.url.includes('p=orig')) return request.replace({ url: `${server.url}/ok?p=rewritten` });
        return undefined;
      }
    }
    const r = await runCrawl(listSpider([`${server.url}/ok?p=orig`]), { DOWNLOADER_MIDDLEWARES: [[Rewrite, 150], [recorder(log, 100), 100], [recorder(log, 200), 200]] });
    expect(r.items.map((i) => i.h1)).toEqual(['ok rewritten']);
    expect(log).toEqual(['req:100 /ok?p=orig', 'req:100 /ok?p=rewritten', 'req:200 /ok?p=rewritten', 'resp:200 /ok?p=rewritten', 'resp:100 /ok?p=rewritten']);
    expect(server.arrivals.map((a) => a.url)).toEqual(['/ok?p=rewritten']);
  });

  it('processResponse returning a Request: the remaining processResponse methods are skipped and the Request is scheduled', async () => {
    const log: string[] = [];
    class Bounce {
      processResponse(request: Request, response: Response): Response | Request {
        if (request.url.includes('p=first')) return new Request(`${server.url}/ok?p=second`);
        return response;
      }
    }
    const r = await runCrawl(listSpider([`${server.url}/ok?p=first`]), { DOWNLOADER_MIDDLEWARES: [[recorder(log, 100), 100], [Bounce, 200], [recorder(log, 300), 300]] });
    expect(r.items.map((i) => i.h1)).toEqual(['ok second']);
    expect(log.filter((l) => l.startsWith('resp'))).toEqual(['resp:300 /ok?p=first', 'resp:300 /ok?p=second', 'resp:100 /ok?p=second']);
  });

  it('processException returning a Response recovers: lower middlewares’ processException are skipped; every processResponse runs on it', async () => {
    const log: string[] = [];
    class Fallback {
      processException(request: Request, exception: unknown): Response {
        log.push(`fallback ${(exception as Error).name}`);
        return new Response(request.url, { status: 200, body: '<h1>fallback</h1>', request });
      }
    }
    const r = await runCrawl(listSpider([`${server.url}/stall`]), {
      DOWNLOADER_MIDDLEWARES: [[recorder(log, 100), 100], [Fallback, 200], [recorder(log, 300), 300]],
      DOWNLOAD_TIMEOUT: 0.15,
      RETRY_ENABLED: false,
    });
    expect(r.items.map((i) => i.h1)).toEqual(['fallback']);
    expect(log.slice(2)).toEqual(['exc:300 /stall TimeoutError', 'fallback TimeoutError', 'resp:300 /stall', 'resp:100 /stall']);
    expect(r.grep('Error downloading')).toEqual([]);
    expect(r.stat('downloader/exception_type_count/TimeoutError')).toBe(1);
  });

  it('an exception raised by processRequest goes to processException (descending from the top); unhandled, it is a download error', async () => {
    const log: string[] = [];
    class Boom {
      processRequest(): void {
        throw new RangeError('no way');
      }
    }
    const failures: Failure[] = [];
    const r = await runCrawl(listSpider([`${server.url}/ok?p=x`], { errback: (f) => void failures.push(f) }), {
      DOWNLOADER_MIDDLEWARES: [[recorder(log, 100), 100], [Boom, 200], [recorder(log, 300), 300]],
    });
    expect(log).toEqual(['req:100 /ok?p=x', 'exc:300 /ok?p=x RangeError', 'exc:100 /ok?p=x RangeError']);
    expect(failures.map((f) => (f.value as Error).message)).toEqual(['no way']);
    expect(server.arrivals).toHaveLength(0);
    expect(r.stat('downloader/exception_type_count/RangeError')).toBe(1);
  });
});

describe('sync, async and Deferred-returning methods', () => {
  for (const REACTOR of REACTORS) {
    it(`each form works; a Deferred-returning method works with Scrapy’s deprecation warning [${REACTOR}]`, async () => {
      const log: string[] = [];
      class SyncMW {
        processRequest(request: Request): void {
          request.headers.set('X-Sync', '1');
          log.push('sync');
        }
      }
      class AsyncMW {
        async processRequest(request: Request): Promise<void> {
          await new Promise((r) => setTimeout(r, 5));
          request.headers.set('X-Async', '1');
          log.push('async');
        }
        async processResponse(_request: Request, response: Response): Promise<Response> {
          await Promise.resolve();
          log.push('async resp');
          return response.replace({ body: '<h1>async replaced</h1>' });
        }
      }
      class DeferredMW {
        processRequest(request: Request): Deferred<undefined> {
          return deferLater(getReactor(), 0.01, () => {
            request.headers.set('X-Deferred', '1');
            log.push('deferred');
            return undefined;
          });
        }
        processResponse(_request: Request, response: Response): Deferred<Response> {
          const d = new Deferred<Response>();
          getReactor().callLater(0.005, () => d.callback(response.replace({ status: 203 })));
          return d;
        }
      }
      let echoed: Record<string, unknown> = {};
      let status = 0;
      const r = await runCrawl(
        listSpider([`${server.url}/echo`], {
          parse: (resp) => {
            status = resp.status;
            return { h1: resp.css('h1::text').get() };
          },
        }),
        {
          REACTOR,
          DOWNLOADER_MIDDLEWARES: [
            [SyncMW, 100],
            [AsyncMW, 200],
            [DeferredMW, 300],
            [
              class Echo {
                processResponse(_q: Request, resp: Response): Response {
                  echoed = (resp.json() as { headers: Record<string, unknown> }).headers;
                  return resp;
                }
              },
              400,
            ],
          ],
        },
      );
      expect(log).toEqual(['sync', 'async', 'deferred', 'async resp']);
      expect(echoed).toMatchObject({ 'x-sync': '1', 'x-async': '1', 'x-deferred': '1' });
      expect(r.items).toEqual([{ h1: 'async replaced' }]);
      expect(status).toBe(203);
      expect(r.grep('WARNING DeferredMW.processRequest returned a Deferred, this is deprecated.')).toHaveLength(1);
      expect(r.grep('WARNING DeferredMW.processResponse returned a Deferred, this is deprecated.')).toHaveLength(1);
      expect(r.grep('WARNING AsyncMW')).toEqual([]);
    });
  }
});

describe('wrong return types → InvalidOutput with Scrapy’s message; the crawl goes on', () => {
  for (const REACTOR of REACTORS) {
    it(`processRequest returning a number [${REACTOR}]`, async () => {
      const excSeen: string[] = [];
      class BadMW {
        processRequest(request: Request): unknown {
          return request.url.includes('bad') ? 42 : undefined;
        }
      }
      class Watcher {
        processException(_r: Request, e: unknown): void {
          excSeen.push((e as Error).name);
        }
      }
      const bad = `${server.url}/ok?p=bad`;
      const r = await runCrawl(listSpider([bad, `${server.url}/ok?p=good`]), {
        REACTOR,
        DOWNLOADER_MIDDLEWARES: [
          [BadMW, 100],
          [Watcher, 50],
        ],
      });
      expect(r.items.map((i) => i.h1)).toEqual(['ok good']);
      expect(r.grep(`ERROR Error downloading <GET ${bad}>: InvalidOutput: Middleware BadMW.processRequest must return None, Response or Request, got number`)).toHaveLength(1);
      // As in Scrapy, the InvalidOutput goes through processException (not retried, counted).
      expect(excSeen).toEqual(['InvalidOutput']);
      expect(r.stat('downloader/exception_type_count/InvalidOutput')).toBe(1);
      expect(r.stat('retry/count')).toBeUndefined();
      expect(r.stat('finish_reason')).toBe('finished');
      expect(server.arrivals.map((a) => a.url)).toEqual(['/ok?p=good']);
    });
  }

  it('processResponse returning a string or undefined, processException returning a number', async () => {
    const errors: unknown[] = [];
    class BadResp {
      processResponse(request: Request, response: Response): unknown {
        if (request.url.includes('str')) return 'nope';
        if (request.url.includes('undef')) return undefined;
        return response;
      }
    }
    class BadExc {
      processException(): unknown {
        return 7;
      }
    }
    const urls = ['/ok?p=str', '/ok?p=undef', '/stall', '/ok?p=fine'].map((p) => server.url + p);
    const r = await runCrawl(listSpider(urls, { errback: (f) => void errors.push(f.value) }), {
      DOWNLOADER_MIDDLEWARES: [
        [BadResp, 100],
        [BadExc, 120],
      ],
      DOWNLOAD_TIMEOUT: 0.15,
      RETRY_ENABLED: false,
    });
    expect(r.items.map((i) => i.h1)).toEqual(['ok fine']);
    const messages = errors.map((e) => `${(e as Error).name}: ${(e as Error).message}`).sort();
    expect(messages).toEqual([
      'InvalidOutput: Middleware BadExc.processException must return None, Response or Request, got number',
      'InvalidOutput: Middleware BadResp.processResponse must return Response or Request, got string',
      'InvalidOutput: Middleware BadResp.processResponse must return Response or Request, got undefined',
    ]);
    expect(errors.every((e) => e instanceof InvalidOutput && e instanceof TypeError)).toBe(true);
  });
});

describe('DefaultHeadersMiddleware and UserAgentMiddleware', () => {
  it('defaults fill in missing headers only; USER_AGENT is the default; a spider userAgent wins; the request’s own wins over both', async () => {
    const seen: Array<Record<string, string>> = [];
    const parse = (resp: Response) => void seen.push((resp.json() as { headers: Record<string, string> }).headers);
    const own = new Request(`${server.url}/echo?own`, { headers: { 'User-Agent': 'mine', 'Accept-Language': 'pl' } });
    await runCrawl(listSpider([`${server.url}/echo?plain`, own], { parse }), {
      USER_AGENT: 'setting-ua',
      DEFAULT_REQUEST_HEADERS: { 'Accept-Language': 'fr', 'X-Default': 'd' },
      CONCURRENT_REQUESTS_PER_DOMAIN: 1,
    });
    const byUa = Object.fromEntries(seen.map((h) => [h['user-agent'], h]));
    expect(byUa['setting-ua']).toMatchObject({ 'accept-language': 'fr', 'x-default': 'd' });
    expect(byUa['mine']).toMatchObject({ 'accept-language': 'pl', 'x-default': 'd' });

    const seen2: string[] = [];
    await runCrawl(listSpider([`${server.url}/echo`], { parse: (resp) => void seen2.push((resp.json() as { headers: Record<string, string> }).headers['user-agent']!), props: { userAgent: 'spider-ua' } }), {
      USER_AGENT: 'setting-ua',
    });
    expect(seen2).toEqual(['spider-ua']);
  });
});

describe('RetryMiddleware', () => {
  for (const REACTOR of REACTORS) {
    it(`5xx then 200: retried until it works; stats count each retry by reason [${REACTOR}]`, async () => {
      let final: Response | undefined;
      const url = `${server.url}/flaky?key=retry-ok-${REACTOR}&fail=2`;
      const r = await runCrawl(
        listSpider([url], {
          parse: (resp) => {
            final = resp;
            return { h1: resp.css('h1::text').get() };
          },
        }),
        { REACTOR },
      );
      expect(r.items).toEqual([{ h1: `flaky retry-ok-${REACTOR} ok` }]);
      expect(server.hitCount('/flaky')).toBe(3);
      expect(r.stat('retry/count')).toBe(2);
      expect(r.stat('retry/reason_count/500 Internal Server Error')).toBe(2);
      expect(r.stat('retry/max_reached')).toBeUndefined();
      expect(r.grep(`DEBUG Retrying <GET ${url}> (failed 1 times): 500 Internal Server Error`)).toHaveLength(1);
      expect(r.grep(`DEBUG Retrying <GET ${url}> (failed 2 times): 500 Internal Server Error`)).toHaveLength(1);
      expect(final?.request?.meta.retry_times).toBe(2);
      expect(final?.request?.priority).toBe(-2);
      expect(final?.request?.dontFilter).toBe(true);
    });
  }

  it('gives up after RETRY_TIMES retries: "Gave up retrying", retry/max_reached, then HttpErrorMiddleware ignores the 500', async () => {
    const url = `${server.url}/flaky?key=retry-fail&fail=10`;
    const r = await runCrawl(listSpider([url]));
    expect(server.hitCount('/flaky')).toBe(3);
    expect(r.items).toEqual([]);
    expect(r.stat('retry/count')).toBe(2);
    expect(r.stat('retry/max_reached')).toBe(1);
    expect(r.grep(`ERROR Gave up retrying <GET ${url}> (failed 3 times): 500 Internal Server Error`)).toHaveLength(1);
    expect(r.grep(`INFO Ignoring response <500 ${url}>: HTTP status code is not handled or not allowed`)).toHaveLength(1);
    expect(r.stat('httperror/response_ignored_status_count/500')).toBe(1);
  });

  it('every RETRY_HTTP_CODES status is retried (3 downloads each), other errors are not', async () => {
    const codes = [500, 502, 503, 504, 522, 524, 408, 429];
    const r = await runCrawl(listSpider([...codes, 404, 501].map((c) => `${server.url}/status/${c}`)));
    for (const c of codes) expect(server.hitCount(`/status/${c}`), `status ${c}`).toBe(3);
    expect(server.hitCount('/status/404')).toBe(1);
    expect(server.hitCount('/status/501')).toBe(1);
    expect(r.stat('retry/count')).toBe(16);
    expect(r.stat('retry/max_reached')).toBe(8);
    expect(r.stat('retry/reason_count/429 Too Many Requests')).toBe(2);
    expect(r.stat('retry/reason_count/503 Service Unavailable')).toBe(2);
    expect(r.stat('httperror/response_ignored_count')).toBe(10);
  });

  it('RETRY_TIMES, meta.max_retry_times, meta.dont_retry and RETRY_ENABLED=false', async () => {
    const r1 = await runCrawl(listSpider([`${server.url}/status/503`]), { RETRY_TIMES: 4 });
    expect(server.hitCount('/status/503')).toBe(5);
    expect(r1.stat('retry/count')).toBe(4);
    server.reset();
    await runCrawl(
      listSpider([
        new Request(`${server.url}/status/502?a`, { meta: { max_retry_times: 1 } }),
        new Request(`${server.url}/status/502?b`, { meta: { dont_retry: true } }),
      ]),
    );
    expect(server.arrivals.map((a) => a.url).sort()).toEqual(['/status/502?a', '/status/502?a', '/status/502?b']);
    server.reset();
    const r3 = await runCrawl(listSpider([`${server.url}/status/500`]), { RETRY_ENABLED: false });
    expect(server.hitCount('/status/500')).toBe(1);
    expect(r3.logs.some((l) => l.message.includes("'RetryMiddleware'"))).toBe(false);
  });

  for (const REACTOR of REACTORS) {
    it(`429 with Retry-After: 1 waits about a second before the retry, then gets the 200 [${REACTOR}]`, async () => {
      const url = `${server.url}/retry-after?key=ra-${REACTOR}`;
      const r = await runCrawl(listSpider([url]), { REACTOR });
      expect(r.items.map((i) => i.h1)).toEqual([`retry-after ra-${REACTOR} ok`]);
      const at = server.arrivalsOf('/retry-after').map((a) => a.at);
      expect(at).toHaveLength(2);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(900);
      expect(r.stat('retry/reason_count/429 Too Many Requests')).toBe(1);
      expect(r.grep(`DEBUG Retry-After: waiting 1 s before retrying <GET ${url}>`)).toHaveLength(1);
      // A built-in returning a promise, not a Deferred: no deprecation warning.
      expect(r.grep('returned a Deferred')).toEqual([]);
    });
  }

  it('Retry-After is capped by RETRY_AFTER_MAX', async () => {
    const r = await runCrawl(listSpider([`${server.url}/retry-after?key=cap&after=30`]), { RETRY_AFTER_MAX: 0.1 });
    expect(r.items).toHaveLength(1);
    // The wait that was scheduled is the cap's, not the header's 30 s (which would also outlast the test's timeout).
    expect(r.grep('Retry-After: waiting 0.1 s')).toHaveLength(1);
    expect(r.grep('Retry-After: waiting 30 s')).toEqual([]);
  });
});

describe('RedirectMiddleware', () => {
  for (const REACTOR of REACTORS) {
    it(`301/302/303/307/308 are followed; meta records the chain; 302/303 become GET without body, 307/308 keep POST [${REACTOR}]`, async () => {
      const results: Array<Record<string, unknown>> = [];
      const requests = [301, 302, 303, 307, 308].map(
        (status) =>
          new Request(`${server.url}/redirect?status=${status}&to=${encodeURIComponent(`/echo?from=${status}`)}`, {
            method: 'POST',
            body: `s=${status}`,
          }),
      );
      const r = await runCrawl(
        listSpider(requests, {
          parse: (resp) => {
            const echoed = resp.json() as { method: string; body: string };
            results.push({
              from: new URL(resp.url).searchParams.get('from'),
              method: echoed.method,
              body: echoed.body,
              times: resp.meta.redirect_times,
              reasons: resp.meta.redirect_reasons,
              urls: (resp.meta.redirect_urls as string[]).map(pathOf),
            });
          },
        }),
        { REACTOR },
      );
      results.sort((a, b) => String(a.from).localeCompare(String(b.from)));
      expect(results).toEqual([
        { from: '301', method: 'GET', body: '', times: 1, reasons: [301], urls: ['/redirect?status=301&to=%2Fecho%3Ffrom%3D301'] },
        { from: '302', method: 'GET', body: '', times: 1, reasons: [302], urls: ['/redirect?status=302&to=%2Fecho%3Ffrom%3D302'] },
        { from: '303', method: 'GET', body: '', times: 1, reasons: [303], urls: ['/redirect?status=303&to=%2Fecho%3Ffrom%3D303'] },
        { from: '307', method: 'POST', body: 's=307', times: 1, reasons: [307], urls: ['/redirect?status=307&to=%2Fecho%3Ffrom%3D307'] },
        { from: '308', method: 'POST', body: 's=308', times: 1, reasons: [308], urls: ['/redirect?status=308&to=%2Fecho%3Ffrom%3D308'] },
      ]);
      expect(r.grep('DEBUG Redirecting (302) to <GET ')).toHaveLength(1);
      expect(r.grep('DEBUG Redirecting (307) to <POST ')).toHaveLength(1);
      expect(r.stat('downloader/response_status_count/302')).toBe(1);
    });
  }

  it('a chain longer than REDIRECT_MAX_TIMES is discarded: "max redirections reached", IgnoreRequest to the errback, not an error', async () => {
    const failures: unknown[] = [];
    const r = await runCrawl(listSpider([`${server.url}/chain/5`, `${server.url}/ok?p=other`], { errback: (f) => void failures.push(f.value) }), {
      REDIRECT_MAX_TIMES: 3,
    });
    expect(r.items.map((i) => i.h1)).toEqual(['ok other']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(IgnoreRequest);
    expect((failures[0] as Error).message).toBe('max redirections reached');
    expect(r.grep(`DEBUG Discarding <GET ${server.url}/chain/2>: max redirections reached`)).toHaveLength(1);
    expect(['/chain/5', '/chain/4', '/chain/3', '/chain/2', '/chain/1'].map((p) => server.hitCount(p))).toEqual([1, 1, 1, 1, 0]);
    expect(r.grep('ERROR')).toEqual([]);
    // Exactly REDIRECT_MAX_TIMES redirects is fine.
    server.reset();
    const ok = await runCrawl(listSpider([`${server.url}/chain/3`], { parse: (resp) => ({ h1: resp.css('h1::text').get(), times: resp.meta.redirect_times }) }), {
      REDIRECT_MAX_TIMES: 3,
    });
    expect(ok.items).toEqual([{ h1: 'chain end', times: 3 }]);
  });

  it('meta.dont_redirect and handle_httpstatus_list hand the 302 to the spider (or to HttpErrorMiddleware)', async () => {
    const statuses: number[] = [];
    const r = await runCrawl(
      listSpider(
        [
          new Request(`${server.url}/redirect?to=/ok&a`, { meta: { dont_redirect: true } }),
          new Request(`${server.url}/redirect?to=/ok&b`, { meta: { dont_redirect: true, handle_httpstatus_list: [302] } }),
          new Request(`${server.url}/redirect?to=/ok&c`, { meta: { handle_httpstatus_list: [302] } }),
        ],
        { parse: (resp) => void statuses.push(resp.status) },
      ),
    );
    expect(statuses).toEqual([302, 302]);
    expect(server.hitCount('/ok')).toBe(0);
    expect(r.grep(`INFO Ignoring response <302 ${server.url}/redirect?to=/ok&a>`)).toHaveLength(1);
  });

  it('Authorization and Cookie are not carried to another host; Content-* headers are dropped when the method becomes GET', () => {
    const crawler = new Crawler(Spider, { LOG_ENABLED: false });
    const mw = new RedirectMiddleware(crawler);
    const req = new Request('http://a.local/login', {
      method: 'POST',
      body: 'x=1',
      headers: { Authorization: 'Basic Zm9v', Cookie: 'sid=1', 'Content-Type': 'text/plain', 'X-Keep': 'k' },
    });
    const sameHost = mw.processResponse(req, new Response(req.url, { status: 302, headers: { Location: '/home' } }), undefined) as Request;
    expect(sameHost.url).toBe('http://a.local/home');
    expect(sameHost.method).toBe('GET');
    expect(sameHost.body.length).toBe(0);
    expect(sameHost.headers.get('authorization')).toBe('Basic Zm9v');
    expect(sameHost.headers.has('content-type')).toBe(false);
    expect(sameHost.priority).toBe(2);
    const otherHost = mw.processResponse(req, new Response(req.url, { status: 307, headers: { Location: 'http://b.local/x' } }), undefined) as Request;
    expect(otherHost.method).toBe('POST');
    expect(otherHost.headers.has('authorization')).toBe(false);
    expect(otherHost.headers.has('cookie')).toBe(false);
    expect(otherHost.headers.get('x-keep')).toBe('k');
    // No Location, or a non-HTTP target: the response goes on as it is.
    const noLoc = new Response(req.url, { status: 302 });
    expect(mw.processResponse(req, noLoc, undefined)).toBe(noLoc);
    const mailto = new Response(req.url, { status: 302, headers: { Location: 'mailto:x@y' } });
    expect(mw.processResponse(req, mailto, undefined)).toBe(mailto);
    // A spider's handleHttpstatusList and the request's list both count (Scrapy checks both).
    const listed = new Response(req.url, { status: 301, headers: { Location: '/z' } });
    const both = new Request('http://a.local/', { meta: { handle_httpstatus_list: [404] } });
    expect(mw.processResponse(both, listed, { handleHttpstatusList: [301] })).toBe(listed);
  });
});

describe('OffsiteMiddleware', () => {
  it('B6 requests outside allowedDomains are dropped when scheduled: no download, no errback (as Scrapy), offsite/filtered, logged once per domain', async () => {
    const failures: unknown[] = [];
    const r = await runCrawl(
      listSpider([`${server.url}/ok?p=1`, `${server.url}/ok?p=2`], { props: { allowedDomains: ['example.com'] }, errback: (f) => void failures.push(f.value) }),
    );
    expect(server.arrivals).toHaveLength(0);
    // Scrapy drops offsite requests before the scheduler: their errbacks never run.
    expect(failures).toEqual([]);
    expect(r.stat('scheduler/enqueued')).toBeUndefined();
    expect(r.stat('offsite/filtered')).toBe(2);
    expect(r.stat('offsite/domains')).toBe(1);
    expect(r.grep(`DEBUG Filtered offsite request to '127.0.0.1': <GET ${server.url}/ok?p=1>`)).toHaveLength(1);
    expect(r.grep("Filtered offsite request to '127.0.0.1'")).toHaveLength(1);
    expect(r.grep('ERROR')).toEqual([]);
  });

  it('an allowed domain, dontFilter and meta.allow_offsite pass; URL and port entries are ignored with a warning', async () => {
    const r = await runCrawl(
      listSpider(
        [
          new Request(`${server.url}/ok?p=df`, { dontFilter: true }),
          new Request(`${server.url}/ok?p=ao`, { meta: { allow_offsite: true } }),
          `${server.url}/ok?p=blocked`,
        ],
        { props: { allowedDomains: ['http://127.0.0.1/', '127.0.0.1:8080', 'example.com'] } },
      ),
    );
    expect(r.items.map((i) => i.h1).sort()).toEqual(['ok ao', 'ok df']);
    expect(r.grep('WARNING allowedDomains accepts only domains, not URLs. Ignoring URL entry http://127.0.0.1/ in allowedDomains.')).toHaveLength(1);
    expect(r.grep('WARNING allowedDomains accepts only domains without ports. Ignoring entry 127.0.0.1:8080 in allowedDomains.')).toHaveLength(1);
    const r2 = await runCrawl(listSpider([`${server.url}/ok?p=mine`], { props: { allowedDomains: ['127.0.0.1'] } }));
    expect(r2.items.map((i) => i.h1)).toEqual(['ok mine']);
    expect(r2.stat('offsite/filtered')).toBeUndefined();
  });
});

describe('HttpErrorMiddleware (a spider middleware in Scrapy)', () => {
  for (const REACTOR of REACTORS) {
    it(`non-2xx responses do not reach the callback: logged at INFO and counted; the errback gets HttpError with the response [${REACTOR}]`, async () => {
      const parsed: number[] = [];
      const errback: Array<[string, number]> = [];
      const withErrback = new Request(`${server.url}/status/410`, {
        errback: (f: Failure) => void errback.push([(f.value as Error).name, (f.value as HttpError).response.status]),
      });
      const r = await runCrawl(listSpider([`${server.url}/status/404`, withErrback, `${server.url}/status/200`], { parse: (resp) => void parsed.push(resp.status) }), {
        REACTOR,
      });
      expect(parsed).toEqual([200]);
      expect(errback).toEqual([['HttpError', 410]]);
      expect(r.grep(`INFO Ignoring response <404 ${server.url}/status/404>: HTTP status code is not handled or not allowed`)).toHaveLength(1);
      expect(r.stat('httperror/response_ignored_count')).toBe(1);
      expect(r.stat('httperror/response_ignored_status_count/404')).toBe(1);
      expect(r.stat('httperror/response_ignored_status_count/410')).toBeUndefined();
    });
  }

  it('allowed statuses: spider handleHttpstatusList, HTTPERROR_ALLOWED_CODES, HTTPERROR_ALLOW_ALL, meta handle_httpstatus_all / _list', async () => {
    const seen = async (settings: Record<string, unknown>, props: Record<string, unknown> = {}, reqs?: Array<string | Request>): Promise<number[]> => {
      const statuses: number[] = [];
      await runCrawl(listSpider(reqs ?? [404, 418].map((c) => `${server.url}/status/${c}`), { parse: (resp) => void statuses.push(resp.status), props }), settings);
      return statuses.sort();
    };
    expect(await seen({}, { handleHttpstatusList: [404] })).toEqual([404]);
    expect(await seen({ HTTPERROR_ALLOWED_CODES: [418] })).toEqual([418]);
    expect(await seen({ HTTPERROR_ALLOW_ALL: true })).toEqual([404, 418]);
    expect(
      await seen({}, {}, [
        new Request(`${server.url}/status/404`, { meta: { handle_httpstatus_all: true } }),
        new Request(`${server.url}/status/418`, { meta: { handle_httpstatus_list: [418] } }),
        new Request(`${server.url}/status/400`, { meta: { handle_httpstatus_list: [418] } }),
      ]),
    ).toEqual([404, 418]);
    // The request's list beats HTTPERROR_ALLOW_ALL, as in Scrapy.
    expect(await seen({ HTTPERROR_ALLOW_ALL: true }, {}, [new Request(`${server.url}/status/404`, { meta: { handle_httpstatus_list: [500] } })])).toEqual([]);
  });
});

describe('RetryMiddleware.getRetryRequest (unit)', () => {
  it('copies with retry_times, dontFilter and the priority adjust; null once used up', () => {
    const crawler = new Crawler(Spider, { LOG_ENABLED: false, RETRY_TIMES: 1 });
    const mw = new RetryMiddleware(crawler);
    const req = new Request('http://a.local/', { priority: 5, meta: { k: 'v' } });
    const retry = mw.getRetryRequest(req, 'because')!;
    expect(retry.meta).toEqual({ k: 'v', retry_times: 1 });
    expect(retry.priority).toBe(4);
    expect(retry.dontFilter).toBe(true);
    expect(req.meta.retry_times).toBeUndefined();
    expect(mw.getRetryRequest(retry, 'because')).toBeNull();
    expect(crawler.stats.getValue('retry/count')).toBe(1);
    expect(crawler.stats.getValue('retry/reason_count/because')).toBe(1);
    expect(crawler.stats.getValue('retry/max_reached')).toBe(1);
  });
});
