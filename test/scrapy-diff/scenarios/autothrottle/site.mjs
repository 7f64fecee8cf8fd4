// The AutoThrottle scenario's site: a chain /p/0 → /p/1 → … → /p/7 whose latency and status
// change along the way (fast, slow, slower, a fast 404, a slow 404), so that the slot delay goes
// down, up, stays, and up again. The margins are wide (the start delay is 2 s, the slow pages
// 0.8–2 s) so that a loaded machine's extra latency on the fast pages cannot flip a direction.

import { createServer } from 'node:http';

/** [milliseconds before answering, status] of each page. */
export const PAGES = [
  [0, 200],
  [0, 200],
  [800, 200],
  [1500, 200],
  [0, 404],
  [0, 200],
  [2000, 404],
  [0, 200],
];

export function startSite() {
  const log = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    log.push(`${req.method} ${req.headers.host} ${req.url}`);
    const m = /^\/p\/(\d+)$/.exec(path);
    const page = m === null ? undefined : PAGES[Number(m[1])];
    if (page === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 9 });
      res.end('not found');
      return;
    }
    const n = Number(m[1]);
    const next = n + 1 < PAGES.length ? `<a href="/p/${n + 1}">next</a>` : '';
    const body = `<html><body><h1>page ${n}</h1>${next}</body></html>`;
    setTimeout(() => {
      res.writeHead(page[1], { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }, page[0]);
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
