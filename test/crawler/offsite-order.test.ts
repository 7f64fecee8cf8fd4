// B6: offsite requests are dropped when scheduled — before the duplicate filter, never reaching
// an errback or the downloader — as Scrapy 2.8's OffsiteMiddleware drops callback output before
// the scheduler. B3: a response's URL has no #fragment (request.url keeps it).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Request, Spider, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { REACTORS, runCrawl } from './crawl-harness.js';

let server: Server;
let base = '';
const hits: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('Content-Type', 'text/html');
    res.end('<html><body><h1>page</h1></body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('offsite filtering order', () => {
  for (const REACTOR of REACTORS) {
    it(`B6 an offsite duplicate counts in offsite/filtered, never in dupefilter/filtered, and reaches no errback (${REACTOR})`, async () => {
      const errbacks: string[] = [];
      class Offsite extends Spider {
        override name = 'offsite';
        override allowedDomains = ['127.0.0.1'];
        override startUrls = [`${base}/start`];
        override *parse(response: Response) {
          const eb = (f: Failure) => void errbacks.push(String((f as Failure & { request?: Request }).request));
          if (response.url.endsWith('/start')) {
            for (const url of ['http://elsewhere.invalid/a', 'http://elsewhere.invalid/a', 'http://other.invalid/b', `${base}/on`, `${base}/on`]) {
              yield new Request(url, { errback: eb });
            }
          }
        }
      }
      const r = await runCrawl(Offsite, { REACTOR });
      expect(r.stat('offsite/filtered')).toBe(3);
      expect(r.stat('offsite/domains')).toBe(2);
      expect(r.stat('dupefilter/filtered')).toBe(1); // the onsite duplicate only
      expect(r.stat('scheduler/enqueued')).toBe(2); // /start and /on
      expect(r.stat('downloader/exception_type_count/IgnoreRequest')).toBeUndefined();
      expect(errbacks).toEqual([]);
      expect(r.grep("DEBUG Filtered offsite request to 'elsewhere.invalid'")).toHaveLength(1);
    });
  }
});

describe('response URL', () => {
  it('B3 response.url has no #fragment; request.url keeps it; the fragment is never sent', async () => {
    const seen: Array<[string, string]> = [];
    class Frag extends Spider {
      override name = 'frag';
      override startUrls = [`${base}/page?x=1#section`];
      override parse(response: Response) {
        seen.push([response.url, response.request!.url]);
      }
    }
    hits.length = 0;
    await runCrawl(Frag);
    expect(seen).toEqual([[`${base}/page?x=1`, `${base}/page?x=1#section`]]);
    expect(hits).toEqual(['/page?x=1']);
  });
});
