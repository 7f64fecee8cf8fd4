// The logging scenario's site: a chain of three pages, /a → /b → /c, each linking to the next.

import { createServer } from 'node:http';

const PAGES = { '/a': '/b', '/b': '/c', '/c': null };

export function startSite() {
  const log = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    log.push(`${req.method} ${req.headers.host} ${req.url}`);
    if (!(path in PAGES)) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 9 });
      res.end('not found');
      return;
    }
    const next = PAGES[path];
    const body = `<html><body><h1>${path}</h1>${next === null ? '' : `<a href="${next}">next</a>`}</body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
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
