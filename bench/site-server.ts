// The M7 bench site, run in its own process: 2,000 pages of about 2 KB, each with an <h1> (one
// item) and links to up to 5 other pages (a 5-ary tree from /p/0.html covers them all).
// BENCH_DUP_LINKS=N adds N more links a page to pages spread over the whole site, all of them
// duplicates once the crawl has seen them (the dupefilter's workload: with N=45, nine links in
// ten are duplicates). Prints its port on stdout, then serves until killed.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGES = Number(process.env.BENCH_PAGES ?? 2000);
const DUP_LINKS = Number(process.env.BENCH_DUP_LINKS ?? 0);
const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(30);

function page(n: number): Buffer {
  const links: string[] = [];
  for (let k = 1; k <= 5; k++) {
    const child = n * 5 + k;
    if (child < PAGES) links.push(`<li><a href="/p/${child}.html">page ${child}</a></li>`);
  }
  // Multiplicative hashing spreads the extra links over the site, the same ones every run.
  for (let k = 0; k < DUP_LINKS; k++) {
    const other = (n * 7919 + (k + 1) * 104_729) % PAGES;
    links.push(`<li><a href="/p/${other}.html">see ${other}</a></li>`);
  }
  return Buffer.from(
    `<!doctype html><html><head><meta charset="utf-8"><title>Page ${n}</title></head><body>` +
      `<h1>Page ${n}</h1><p class="price">£${(n % 97) + 1}.00</p><ul>${links.join('')}</ul><p>${filler}</p></body></html>`,
  );
}

const cache = Array.from({ length: PAGES }, (_, n) => page(n));
const server = http.createServer((req, res) => {
  const m = /^\/p\/(\d+)\.html$/.exec(req.url ?? '');
  const body = m === null ? undefined : cache[Number(m[1])];
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
