// Selector cost per page, CSS against XPath, on the bench site's pages (bench/site-server.ts,
// fetched over loopback): parsing (htmlparser2, shared by both), building the XPath view (once a
// page, on its first xpath()), and each query on its own, in µs a page.
//
//   node --import tsx bench/selectors.bench.ts [pages=300] [rounds=5]

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Response } from '@deferkit/crawler';

const PAGES = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 5);

async function fetchPages(): Promise<Uint8Array[]> {
  const server = spawn(process.execPath, ['--import', 'tsx', new URL('./site-server.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => createInterface({ input: server.stdout! }).once('line', (l) => resolve(Number(l))));
  const bodies: Uint8Array[] = [];
  for (let n = 0; n < PAGES; n++) bodies.push(new Uint8Array(await (await fetch(`http://127.0.0.1:${port}/p/${n}.html`)).arrayBuffer()));
  server.kill('SIGTERM');
  return bodies;
}

const fresh = (body: Uint8Array): Response => new Response('http://127.0.0.1/', { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body });

/** Median over ROUNDS of the µs a page `fn` takes on every page. */
function perPage(pages: Uint8Array[], setup: (r: Response) => void, fn: (r: Response) => unknown): number {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rs = pages.map(fresh);
    for (const r of rs) setup(r);
    const t0 = process.hrtime.bigint();
    for (const r of rs) fn(r);
    times.push(Number(process.hrtime.bigint() - t0) / 1000 / rs.length);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const QUERIES: [string, string, string][] = [
  ['title text', 'title::text', '//title/text()'],
  ['h1 text', 'h1::text', '//h1/text()'],
  ['all link hrefs', 'a::attr(href)', '//a/@href'],
  ['class match', 'p.price::text', '//p[@class="price"]/text()'],
  ['class token', 'p.price::text', '//p[has-class("price")]/text()'],
  ['descendant text', 'ul ::text', '//ul//text()'],
  ['nth item', 'li:nth-child(2) a::attr(href)', '//li[2]/a/@href'],
];

const pages = await fetchPages();
const nothing = (): void => {};
const parse = perPage(pages, nothing, (r) => r.css('title'));
const view = perPage(pages, (r) => r.css('title'), (r) => r.xpath('/'));
console.log(`${pages.length} pages of ${Math.round(pages.reduce((a, p) => a + p.length, 0) / pages.length)} bytes, median of ${ROUNDS} rounds, µs a page`);
console.log(`parse (decode + htmlparser2, first css()): ${parse.toFixed(1)}`);
console.log(`XPath view (first xpath() of a page):       ${view.toFixed(1)}`);
console.log('query                 CSS      XPath   (parsed page, view built)');
for (const [name, css, xp] of QUERIES) {
  const warm = (r: Response): void => {
    r.css('title');
    r.xpath('/');
  };
  const cssUs = perPage(pages, warm, (r) => r.css(css).getall());
  const xpUs = perPage(pages, warm, (r) => r.xpath(xp).getall());
  console.log(`${name.padEnd(18)} ${cssUs.toFixed(1).padStart(7)} ${xpUs.toFixed(1).padStart(9)}   ${css}  |  ${xp}`);
}
