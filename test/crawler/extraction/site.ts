// A small loopback site for the CrawlSpider and SitemapSpider tests: a shop with categories and
// items, a robots.txt, a sitemap index, a gzipped sitemap and a plain one.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** A running site. */
export interface ExtractionSite {
  readonly url: string;
  /** Paths requested, in order. */
  readonly hits: string[];
  close(): Promise<void>;
}

interface Page {
  status?: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

const html = (title: string, body: string): Page => ({ type: 'text/html; charset=utf-8', body: `<html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>` });

function pages(origin: string): Record<string, Page> {
  const urlset = (locs: string[], extra = ''): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n${locs
      .map((l) => `  <url>\n    <loc>\n      ${origin}${l}\n    </loc>\n    <lastmod>2026-0${l.length % 9}-01</lastmod>${l.startsWith('/item/1') ? `\n    <xhtml:link rel="alternate" hreflang="de" href="${origin}/de${l}"/>` : ''}\n  </url>`)
      .join('\n')}${extra}\n</urlset>\n`;
  return {
    '/': html('Home', '<a href="/cat/1">Lamps</a> <a href="/cat/2">Chairs</a> <a href="/item/1">Featured</a> <a href="/about">About</a> <a href="/logo.png">logo</a> <a href="mailto:shop@example.com">mail</a> <a href="/missing">gone</a>'),
    '/cat/1': html('Lamps', '<div class="items"><a href="/item/1">Lamp one</a><a href="/item/2">Lamp two</a></div><a href="/cat/2">Chairs</a><a href="/private/x">private</a>'),
    '/cat/2': html('Chairs', '<div class="items"><a href="/item/3"> Chair </a><a href="/item/1">Lamp one again</a></div>'),
    '/item/1': html('Item 1', '<p class="price"> 10 </p><a href="/cat/1">back</a><a href="/item/99">related</a>'),
    '/item/2': html('Item 2', '<p class="price"> 20 </p>'),
    '/item/3': html('Item 3', '<p class="price">30</p>'),
    '/item/99': html('Item 99', '<p class="price">99</p>'),
    '/de/item/1': html('Artikel 1', '<p class="price">10</p>'),
    '/about': html('About', '<a href="/cat/1">Lamps</a>'),
    '/private/x': html('Private', ''),
    '/data.json': { type: 'application/json', body: '{"a": "<a href=\\"/item/2\\">x</a>"}' },
    '/robots.txt': { type: 'text/plain', body: `User-agent: *\nDisallow:\n\nSitemap: /sitemap_index.xml\n` },
    '/sitemap_index.xml': {
      type: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <sitemap><loc>${origin}/sitemap-items.xml.gz</loc></sitemap>\n  <sitemap><loc>${origin}/sitemap-pages.xml</loc></sitemap>\n  <sitemap><loc>${origin}/sitemap-archive.xml</loc></sitemap>\n  <sitemap><loc>${origin}/not-a-sitemap</loc></sitemap>\n</sitemapindex>\n`,
    },
    '/sitemap-items.xml.gz': { type: 'application/x-gzip', body: gzipSync(urlset(['/item/1', '/item/2', '/item/3'])) },
    '/sitemap-pages.xml': { type: 'text/plain', body: urlset(['/about', '/cat/1']) },
    '/sitemap-archive.xml': { type: 'application/xml', body: urlset(['/item/99']) },
    '/not-a-sitemap': html('Not a sitemap', ''),
  };
}

/** Start the site on 127.0.0.1, port 0. */
export async function startExtractionSite(): Promise<ExtractionSite> {
  const hits: string[] = [];
  let table: Record<string, Page> = {};
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.push(path);
    const p = table[path];
    if (p === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<h1>Not found</h1>');
      return;
    }
    res.writeHead(p.status ?? 200, { 'Content-Type': p.type, ...(p.headers ?? {}) });
    res.end(p.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  table = pages(url);
  return {
    url,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
