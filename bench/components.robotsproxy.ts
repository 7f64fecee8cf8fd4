// What RobotsTxtMiddleware and HttpProxyMiddleware cost per request, measured by hand:
//   node --import tsx bench/components.robotsproxy.ts
// Each row: ns per processRequest call, the median of 7 rounds of 200k calls, on requests to
// one netloc whose robots.txt is already parsed (the steady state: the one download per
// netloc is a normal download and not counted here).

import { HttpProxyMiddleware, Request, RobotsTxtMiddleware, Settings, StatsCollector, type Crawler } from '@deferkit/crawler';

const N = 200_000;
const ROBOTS = 'User-agent: *\nDisallow: /private\nAllow: /private/open\nDisallow: /*.pdf$\n\nUser-agent: otherbot\nDisallow: /\n';

function crawler(settings: Record<string, unknown>): Crawler {
  const s = new Settings({ USER_AGENT: 'Scrapy/2.8 (+https://scrapy.org)', ...settings });
  const stats = new StatsCollector();
  const logger = { debug() {}, info() {}, warning() {}, error() {}, isEnabledFor: () => false };
  const engine = {
    downloadAsync: async (r: Request) => ({ status: 200, body: new TextEncoder().encode(ROBOTS), request: r }),
  };
  return { settings: s, stats, engine, getLogger: () => logger, spider: null } as unknown as Crawler;
}

function measure(name: string, requests: Request[], fn: (r: Request) => unknown): void {
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      try {
        fn(requests[i % requests.length]!);
      } catch {
        // IgnoreRequest for the forbidden ones: part of the cost.
      }
    }
    rounds.push(Number(process.hrtime.bigint() - t0) / N);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${rounds[3]!.toFixed(0).padStart(6)} ns/request`);
}

const urls = ['/', '/a/b', '/private/x', '/private/open/y', '/file.pdf', '/file.pdf?x=1', '/items?page=3', '/c/d/e'];
const make = () => urls.map((u) => new Request(`http://example.test${u}`));

measure('(baseline: the loop and a no-op call)', make(), (r) => r.meta);

const robots = new RobotsTxtMiddleware(crawler({ ROBOTSTXT_OBEY: true }));
// Fetch and parse once, as the first request to the netloc does.
await robots.processRequest(new Request('http://example.test/'));
measure('RobotsTxtMiddleware, 8 allowed paths', urls.map((u) => new Request(`http://example.test/ok${u}`)), (r) => robots.processRequest(r));
measure('RobotsTxtMiddleware, 8 paths of which 2 forbidden (IgnoreRequest)', make(), (r) => robots.processRequest(r));

const noEnv = new HttpProxyMiddleware(crawler({}), {});
const pr = make();
measure('HttpProxyMiddleware, no proxy variables (the default)', pr, (r) => noEnv.processRequest(r));
const withEnv = new HttpProxyMiddleware(crawler({}), { http_proxy: 'http://u:p@proxy.test:3128', no_proxy: 'localhost,.internal' });
const pe = make();
measure('HttpProxyMiddleware, http_proxy with credentials + no_proxy', pe, (r) => withEnv.processRequest(r));
const meta = make().map((r) => new Request(r.url, { meta: { proxy: 'http://proxy.test:3128' } }));
measure('HttpProxyMiddleware, meta.proxy without credentials', meta, (r) => noEnv.processRequest(r));
