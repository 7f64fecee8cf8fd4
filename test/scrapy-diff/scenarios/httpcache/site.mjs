// The loopback site of the httpcache scenarios (Scrapy's HttpCacheMiddleware vs deferkit's):
// pages for DummyPolicy under /, and pages with HTTP caching headers for RFC2616Policy under
// /rfc. Each crawl gets its own site, whose only state is how many times each path was asked
// for (/flip500 fails from the second request on). Listens on 127.0.0.1, port 0.

import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

const page = (title, body = '') => `<!DOCTYPE html>\n<html><head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n${body}\n</body></html>\n`;
const links = (...hrefs) => hrefs.map((h) => `<a href="${h}">${h}</a>`).join('\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

function send(res, body, { status = 200, type = 'text/html', headers = {} } = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf-8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

/** 304 when the request carries `validator` in `header`, else the page with `headers`. */
function conditional(req, res, header, validator, title, headers) {
  if (req.headers[header] === validator) {
    res.writeHead(304, { ...(header === 'if-none-match' ? { ETag: validator } : {}) });
    res.end();
    return;
  }
  send(res, page(title), { headers });
}

const ROUTES = {
  '/': (req, res) => send(res, page('Index', links('/p/1', '/p/2', '/p/3', '/img.png', '/gz', '/redirect', '/missing'))),
  '/p/1': (req, res) => send(res, page('Page 1')),
  '/p/2': (req, res) => send(res, page('Page 2')),
  '/p/3': (req, res) => send(res, page('Page 3')),
  '/target': (req, res) => send(res, page('Target')),
  '/img.png': (req, res) => send(res, PNG, { type: 'image/png' }),
  '/gz': (req, res) => send(res, gzipSync(page('Gzipped')), { headers: { 'Content-Encoding': 'gzip' } }),
  '/redirect': (req, res) => {
    res.writeHead(302, { Location: '/target', 'Content-Length': 0 });
    res.end();
  },
  '/missing': (req, res) => send(res, page('Missing'), { status: 404 }),
  '/rfc': (req, res) => send(res, page('RFC 2616', links('/fresh', '/etag', '/lastmod', '/nostore', '/plain', '/expired', '/flip500'))),
  '/fresh': (req, res) => send(res, page('Fresh'), { headers: { 'Cache-Control': 'max-age=3600' } }),
  '/etag': (req, res) => conditional(req, res, 'if-none-match', '"e1"', 'ETag', { ETag: '"e1"', 'Cache-Control': 'max-age=0' }),
  // Last modified an hour ago (to the second): fresh for 6 minutes by the 10% heuristic.
  '/lastmod': (req, res) => {
    const lm = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000).toUTCString();
    conditional(req, res, 'if-modified-since', lm, 'Last-Modified', { 'Last-Modified': lm });
  },
  '/nostore': (req, res) => send(res, page('No store'), { headers: { 'Cache-Control': 'no-store' } }),
  '/plain': (req, res) => send(res, page('No validator')),
  '/expired': (req, res) => send(res, page('Expired'), { headers: { Expires: 'Thu, 01 Jan 1970 00:00:00 GMT' } }),
  '/flip500': (req, res, count) =>
    count === 1 ? send(res, page('Flip'), { headers: { ETag: '"f1"', 'Cache-Control': 'max-age=0' } }) : send(res, page('Server error'), { status: 500 }),
};

/**
 * Start one site.
 * @returns {Promise<{ url: string, close: () => Promise<void>, log: string[] }>}
 */
export function startSite() {
  const log = [];
  const counts = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const validators = ['if-none-match', 'if-modified-since'].filter((h) => req.headers[h] !== undefined).map((h) => `${h}=${req.headers[h]}`);
    log.push(`${req.method} ${req.headers.host} ${req.url}${validators.length > 0 ? ` ${validators.join(' ')}` : ''}`);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = ROUTES[path];
    if (route === undefined) return send(res, 'not found', { status: 404, type: 'text/plain' });
    route(req, res, counts.get(path));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
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
