// What CookiesMiddleware costs per request (processRequest + processResponse), by hand:
//   npx tsx --conditions=@deferkit/source bench/components.cookies.ts
// Cases: a site that sets no cookies (the fast path every crawl takes with the defaults), and
// a session of three cookies sent on every request (one Set-Cookie on one response in ten).

import { CookiesMiddleware, Crawler, Request, Response, Spider } from '@deferkit/crawler';

class S extends Spider {
  override name = 'bench';
}

interface Mw {
  processRequest(r: Request): void;
  processResponse(r: Request, s: Response): Response;
}

function bench(label: string, n: number, make: (i: number) => [Request, Response], mw: Mw): void {
  // A thousand requests, each sent many times: in a crawl the request is in cache (the
  // middlewares before this one just touched it); 200,000 distinct ones would time cache misses.
  const pairs = Array.from({ length: 1000 }, (_, i) => make(i));
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n / 1000; k++) {
      for (const [req, resp] of pairs) {
        mw.processRequest(req);
        mw.processResponse(req, resp);
      }
    }
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (round === 2) console.log(`${label}: ${ns.toFixed(0)} ns/request`);
  }
}

const N = 200_000;
const crawler = new Crawler(S, { LOG_ENABLED: false });
const plain = new Response('http://127.0.0.1:8080/', { status: 200, headers: { 'Content-Type': 'text/html' } });
// The loop itself, for reference: a middleware that does nothing.
bench('baseline (a do-nothing middleware)', N, (i) => [new Request(`http://127.0.0.1:8080/p/${i}`), plain], { processRequest() {}, processResponse: (_r, s) => s });
bench('no cookies, empty jar (defaults)', N, (i) => [new Request(`http://127.0.0.1:8080/p/${i}`), plain], new CookiesMiddleware(crawler));

const session = new CookiesMiddleware(crawler);
const seed = new Request('http://127.0.0.1:8080/login');
session.processResponse(seed, new Response(seed.url, { headers: { 'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/', 'c=3; Path=/'] }, request: seed }));
const setOne = new Response('http://127.0.0.1:8080/', { headers: { 'Set-Cookie': 'c=4; Path=/' } });
bench('3-cookie session, Set-Cookie on 1 in 10', N / 4, (i) => [new Request(`http://127.0.0.1:8080/p/${i}`), i % 10 === 0 ? setOne : plain], session);
