// The site of the crawlspider and sitemap scenarios (scripts/test-scrapy.mjs): a shop with
// categories and items whose links exercise the LinkExtractor (relative and <base> links,
// whitespace in href, duplicates differing in query order and fragment, nofollow, ignored
// extensions, mailto:/javascript:), and robots.txt → sitemap index → gzipped and plain sitemaps.

import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

function page(title, body, base = '') {
  return `<!doctype html><html><head><title>${title}</title>${base}</head><body><h1>${title}</h1>${body}</body></html>`;
}

function routes(origin) {
  const html = (body) => ['text/html; charset=utf-8', body];
  const urlset = (entries) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n${entries
      .map(([loc, lastmod, alt]) => `  <url>\n    <loc> ${origin}${loc} </loc>${lastmod ? `<lastmod>${lastmod}</lastmod>` : ''}${alt ? `<xhtml:link rel="alternate" hreflang="de" href="${origin}${alt}"/>` : ''}\n  </url>`)
      .join('\n')}\n</urlset>\n`;
  return {
    '/': html(
      page(
        'Shop',
        `<nav><a href="cat/1"> Lamps </a> <a href="/cat/2?b=2&amp;a=1">Chairs</a> <a href="/cat/2?a=1&amp;b=2">Chairs again</a> <a href="/cat/2?a=1&amp;b=2#top">Chairs top</a></nav>
         <div class="featured"><a href="/item/1"><b>Featured</b> lamp</a> <a href="
           /item/4 ">Spaced</a></div>
         <a href="/about" rel="nofollow">About</a> <a href="/logo.PNG">logo</a> <a href="/manual.pdf">manual</a>
         <a href="mailto:shop@example.com">mail</a> <a href="javascript:void(0)">js</a> <a href="/missing">gone</a>
         <a href="/private/1">private</a> <area href="/item/5">`,
      ),
    ),
    '/cat/1': html(page('Lamps', '<div class="items"><a href="item/2">Lamp two</a><a href="/item/1">Lamp one</a></div><a href="/cat/2?a=1&amp;b=2">Chairs</a><a href="/private/2">private</a>', '<base href="/">')),
    '/cat/2': html(page('Chairs', '<div class="items"><a href="/item/3"> Chair </a><a href="/item/1">Lamp one again</a></div>')),
    '/item/1': html(page('Item 1', '<p class="price"> 10 </p><a href="/item/99">related</a><a href="/cat/1">back</a>')),
    '/item/2': html(page('Item 2', '<p class="price">20</p>')),
    '/item/3': html(page('Item 3', '<p class="price">30</p>')),
    '/item/4': html(page('Item 4', '<p class="price">40</p>')),
    '/item/5': html(page('Item 5', '<p class="price">50</p>')),
    '/item/99': html(page('Item 99', '<p class="price">99</p>')),
    '/de/item/1': html(page('Artikel 1', '<p class="price">10</p>')),
    '/about': html(page('About', '')),
    '/private/1': html(page('Private', '')),
    '/private/2': html(page('Private', '')),
    '/robots.txt': ['text/plain', 'User-agent: *\nDisallow:\n\nSitemap: /sitemap_index.xml\n  sitemap: /sitemap-news.xml\n'],
    '/sitemap_index.xml': [
      'application/xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <sitemap><loc>${origin}/sitemap-items.xml.gz</loc></sitemap>\n  <sitemap><loc>${origin}/sitemap-pages.xml</loc></sitemap>\n  <sitemap><loc>${origin}/sitemap-archive.xml</loc></sitemap>\n  <sitemap><loc>${origin}/not-a-sitemap</loc></sitemap>\n</sitemapindex>\n`,
    ],
    '/sitemap-items.xml.gz': ['application/x-gzip', gzipSync(urlset([['/item/1', '2026-05-01', '/de/item/1'], ['/item/2', '2026-04-01'], ['/item/3', '2019-01-01'], ['/item/4']]))],
    '/sitemap-pages.xml': ['text/plain', urlset([['/about', '2026-01-01'], ['/cat/1', '2026-01-01']])],
    '/sitemap-archive.xml': ['application/xml', urlset([['/item/99', '2026-01-01']])],
    '/sitemap-news.xml': ['application/xml', urlset([['/item/5', '2026-02-01']])],
    '/not-a-sitemap': html(page('Not a sitemap', '')),
  };
}

/**
 * Start one site.
 * @returns {Promise<{ url: string, close: () => Promise<void>, log: string[] }>}
 */
export function startSite() {
  const log = [];
  let table = {};
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    log.push(`${req.method} ${req.headers.host} ${req.url}`);
    const route = table[path];
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 9 });
      res.end('not found');
      return;
    }
    const body = Buffer.from(route[1]);
    res.writeHead(200, { 'Content-Type': route[0], 'Content-Length': body.length });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      table = routes(url);
      resolve({
        url,
        log,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}
