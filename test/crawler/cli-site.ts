// A small loopback site for the shell/fetch/view/check CLI tests: `/` is an HTML page with a
// title and two links, `/redirect` answers 302 to `/`, `/missing` is a 404 with a body, `/json`
// is JSON. Every request is recorded (path and headers), so tests can check what was sent.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The running site. */
export interface CliSite {
  url: string;
  /** Requests received: path and headers. */
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** The HTML of `/`. */
export const HOME = '<html><head><title>Loopback home</title></head><body><a href="/a">A</a> <a href="/b">B</a></body></html>';

/** Start the site on 127.0.0.1, port 0. */
export async function startCliSite(): Promise<CliSite> {
  const requests: CliSite['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: '/' });
      res.end();
    } else if (req.url === '/missing') {
      res.writeHead(404, { 'Content-Type': 'text/html', 'X-Site': 'loopback' });
      res.end('<html><head><title>Not here</title></head></html>');
    } else if (req.url === '/json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"answer": 42}');
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'X-Site': 'loopback' });
      res.end(HOME);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
