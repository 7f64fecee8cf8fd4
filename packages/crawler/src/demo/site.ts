// The embedded demo site: a small, deterministic bookstore on 127.0.0.1, used by the tests,
// the examples, the lab and the README's one-command crawl.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One book of the demo store. */
export interface DemoBook {
  /** Position, 1-based. */
  readonly id: number;
  /** URL path of its detail page. */
  readonly path: string;
  /** Title (the page's `h1`). */
  readonly title: string;
  /** Price text, e.g. `£12.50` (the page's `.price`). */
  readonly price: string;
  /** Cover colour (the page's `.color`). */
  readonly color: string;
  /** Listing page it appears on, 1-based. */
  readonly page: number;
}

/** Options of {@link startDemoSite}. */
export interface DemoSiteOptions {
  /** Port (0, the default, picks a free one). */
  port?: number;
  /** Host (default 127.0.0.1; the demo never listens beyond loopback unless told). */
  host?: string;
  /** Number of books (default 50). */
  books?: number;
  /** Books per listing page (default 10). */
  perPage?: number;
}

/** A running demo site. */
export interface DemoSite {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Every book, in catalogue order. */
  readonly books: readonly DemoBook[];
  /** Number of listing pages. */
  readonly pages: number;
  /** How many requests each path received (for tests). */
  readonly hits: Map<string, number>;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

const ADJECTIVES = ['Quiet', 'Golden', 'Hidden', 'Silver', 'Broken', 'Last', 'Little', 'Crimson', 'Endless', 'Wild'];
const NOUNS = ['Garden', 'River', 'Reactor', 'Promise', 'Lantern', 'Harbor', 'Deferred', 'Orchard', 'Signal', 'Voyage'];
const COLORS = ['red', 'green', 'blue', 'amber', 'violet', 'teal', 'black', 'white'];

/** The deterministic catalogue: the same books on every run. */
export function demoBooks(count = 50, perPage = 10): DemoBook[] {
  const books: DemoBook[] = [];
  for (let i = 1; i <= count; i++) {
    const title = `The ${ADJECTIVES[(i * 7) % ADJECTIVES.length]} ${NOUNS[(i * 3) % NOUNS.length]} ${i}`;
    const pence = 500 + ((i * 7919) % 4500);
    books.push({
      id: i,
      path: `/catalogue/book-${i}.html`,
      title,
      price: `£${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`,
      color: COLORS[(i * 5) % COLORS.length]!,
      page: Math.floor((i - 1) / perPage) + 1,
    });
  }
  return books;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)} | deferkit demo books</title></head>\n<body>\n<header><a href="/">deferkit demo books</a></header>\n${body}\n</body></html>\n`;
}

function listingPage(books: readonly DemoBook[], page: number, pages: number): string {
  const items = books
    .filter((b) => b.page === page)
    .map((b) => `<li class="book"><a href="${b.path}">${escapeHtml(b.title)}</a> <span class="price">${b.price}</span></li>`)
    .join('\n');
  const prev = page > 1 ? `<li class="previous"><a href="/catalogue/page-${page - 1}.html">previous</a></li>` : '';
  const next = page < pages ? `<li class="next"><a href="/catalogue/page-${page + 1}.html">next</a></li>` : '';
  return layout(`Page ${page}`, `<h1>All books</h1>\n<p class="pager">Page ${page} of ${pages}</p>\n<ol class="books">\n${items}\n</ol>\n<ul class="pagination">${prev}${next}</ul>`);
}

function detailPage(b: DemoBook): string {
  return layout(
    b.title,
    `<article class="product">\n<h1>${escapeHtml(b.title)}</h1>\n<p class="price">${b.price}</p>\n<p class="color">${b.color}</p>\n` +
      `<p class="stock">In stock</p>\n<a class="back" href="/catalogue/page-${b.page}.html">Back to page ${b.page}</a>\n</article>`,
  );
}

/**
 * Start the demo bookstore. Pages:
 * - `/` and `/catalogue/page-N.html` — listings with `.book a` links, `.price`, and `li.next a`
 *   pagination;
 * - `/catalogue/book-N.html` — details with `h1`, `.price`, `.color`;
 * - `/api/books.json` — the catalogue as JSON;
 * - `/slow?ms=500` (also `/delay/500`) — answers after a delay;
 * - `/error/500` (any status: `/status/404`) — an error response;
 * - `/redirect?to=/path` — a 302.
 *
 * @example
 * ```ts
 * import { startDemoSite } from '@deferkit/crawler/demo';
 *
 * const site = await startDemoSite();
 * console.log(site.url); // http://127.0.0.1:54321
 * await site.close();
 * ```
 */
export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  const perPage = options.perPage ?? 10;
  const books = demoBooks(options.books ?? 50, perPage);
  const pages = Math.max(1, Math.ceil(books.length / perPage));
  const byPath = new Map(books.map((b) => [b.path, b]));
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.local');
    const path = url.pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = (status: number, body: string, type = 'text/html; charset=utf-8', extra: Record<string, string> = {}): void => {
      const buf = Buffer.from(body, 'utf8');
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(buf.length), ...extra });
      res.end(req.method === 'HEAD' ? undefined : buf);
    };
    if (path === '/' || path === '/index.html') return send(200, listingPage(books, 1, pages));
    let m = /^\/catalogue\/page-(\d+)\.html$/.exec(path);
    if (m !== null) {
      const n = Number(m[1]);
      if (n >= 1 && n <= pages) return send(200, listingPage(books, n, pages));
      return send(404, layout('Not found', '<h1>Not found</h1>'));
    }
    const book = byPath.get(path);
    if (book !== undefined) return send(200, detailPage(book));
    if (path === '/api/books.json') return send(200, JSON.stringify(books), 'application/json');
    m = /^\/(?:slow|delay\/(\d+))$/.exec(path);
    if (m !== null) {
      const ms = Number(m[1] ?? url.searchParams.get('ms') ?? 500);
      const t = setTimeout(() => {
        timers.delete(t);
        send(200, layout('Slow', `<h1>Slow</h1><p class="waited">${ms}</p>`));
      }, ms);
      timers.add(t);
      return;
    }
    m = /^\/(?:error|status)\/(\d{3})$/.exec(path);
    if (m !== null) {
      const status = Number(m[1]);
      return send(status, layout(`Status ${status}`, `<h1>Status ${status}</h1>`));
    }
    if (path === '/redirect') {
      return send(302, '', 'text/html', { Location: url.searchParams.get('to') ?? '/' });
    }
    send(404, layout('Not found', '<h1>Not found</h1>'));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    books,
    pages,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
