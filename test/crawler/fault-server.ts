// A loopback fault server for the crawler tests: every way a site can misbehave, on
// 127.0.0.1 and an ephemeral port, with counters the tests assert on (hits per path, TCP
// connections, peak concurrent requests, arrival times).

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

/** One request as the server saw it. */
export interface Arrival {
  /** Path with the query string. */
  readonly url: string;
  /** Path without the query string. */
  readonly path: string;
  readonly method: string;
  /** `performance.now()` at arrival, in ms. */
  readonly at: number;
  /** Request headers (lower-cased names). */
  readonly headers: http.IncomingHttpHeaders;
  /** Request body. */
  readonly body: string;
  /** Which TCP connection (1-based) carried it. */
  readonly connection: number;
}

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Requests per path (no query string). */
  readonly hits: Map<string, number>;
  /** Every request, in arrival order. */
  readonly arrivals: Arrival[];
  /** TCP connections accepted. */
  connections: number;
  /** Requests being answered right now. */
  inFlight: number;
  /** The largest `inFlight` seen. */
  peak: number;
  /** Hits of one path (0 when none). */
  hitCount(path: string): number;
  /** Arrivals of one path. */
  arrivalsOf(path: string): Arrival[];
  /** Forget the counters (not the per-key state of /flaky and /retry-after). */
  reset(): void;
  /** Stop: drop every open connection (stalled ones too). */
  close(): Promise<void>;
}

/** The page of /links-bad: two good links, the bad ones, one more good link. */
export const LINKS_BAD_HREFS = [
  '/ok?p=good-1',
  'http://[broken',
  'mailto:x@y',
  'javascript:void(0)',
  'ftp://h/f',
  'ok?p=good-2',
  '  /ok?p=good-3  ',
] as const;

/** Bytes of 'café €uro' in ISO-8859-1 / windows-1252 (é = 0xE9, € = 0x80 in cp1252). */
export const LATIN1_CAFE = Buffer.from([0x63, 0x61, 0x66, 0xe9]);

function html(title: string, body: string): string {
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

/**
 * Start the fault server. Endpoints:
 * - `/ok?p=X[&ms=N]` — 200 page whose h1 is `ok X` (after N ms);
 * - `/slow?ms=N` — same as /ok after N ms (default 100);
 * - `/echo` — 200 JSON of the method, headers and body it received;
 * - `/status/NNN` — that status, with an h1 `Status NNN`;
 * - `/reset-mid-body` — Content-Length 1000, 100 bytes, then the socket is destroyed;
 *   `/reset-mid-body-chunked` — the same without Content-Length; `/reset-early` — the socket
 *   is destroyed before any response;
 * - `/stall` — never answers;
 * - `/flaky?key=K&fail=N` — 500 for the first N (default 2) requests of key K, then 200;
 * - `/retry-after?key=K&after=S` — 429 with `Retry-After: S` (default 1) the first time, then 200;
 * - `/loop` → itself; `/loop-a` ↔ `/loop-b` (302s); `/redirect?to=URL&status=30x`;
 *   `/chain/N` → `/chain/N-1` … `/chain/0` (200);
 * - `/big?size=N` — N bytes with Content-Length; `/big-chunked?size=N` — chunked, no length;
 * - `/gzip-ok`, `/deflate-ok`, `/deflate-raw-ok`, `/br-ok`, `/gzip-br-ok` — compressed pages
 *   (h1 `gzip ok`, …); `/gzip-bad` — `Content-Encoding: gzip` with garbage;
 *   `/gzip-bomb?size=N` — N zero bytes gzipped; `/unknown-encoding` — `Content-Encoding: zork`;
 * - `/charset-latin1` — header iso-8859-1, latin1 bytes; `/charset-meta` — no header charset,
 *   `<meta charset="windows-1252">`; `/charset-wrong` — header utf-8, latin1 bytes;
 * - `/links-bad` — links {@link LINKS_BAD_HREFS};
 * - `/set-cookie` — two Set-Cookie headers.
 */
export async function startFaultServer(): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();
  const flakyCounts = new Map<string, number>();
  const retryAfterSeen = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const state: FaultServer = {
    url: '',
    port: 0,
    hits: new Map(),
    arrivals: [],
    connections: 0,
    inFlight: 0,
    peak: 0,
    hitCount: (path) => state.hits.get(path) ?? 0,
    arrivalsOf: (path) => state.arrivals.filter((a) => a.path === path),
    reset() {
      state.hits.clear();
      state.arrivals.length = 0;
      state.connections = 0;
      state.peak = state.inFlight;
    },
    close: async () => {},
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://fault.local');
    const path = url.pathname;
    const q = url.searchParams;
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    state.arrivals.push({
      url: req.url ?? '/',
      path,
      method: req.method ?? 'GET',
      at: performance.now(),
      headers: req.headers,
      body,
      connection: socketIds.get(req.socket) ?? 0,
    });
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    let counted = true;
    const done = (): void => {
      if (counted) {
        counted = false;
        state.inFlight--;
      }
    };
    res.on('finish', done);
    res.on('close', done);

    const send = (status: number, payload: string | Buffer, headers: Record<string, string | string[]> = {}): void => {
      const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(buf.length), ...headers });
      res.end(req.method === 'HEAD' ? undefined : buf);
    };
    const page = (title: string, extra = ''): void => send(200, html(title, extra));

    switch (path) {
      case '/ok':
      case '/slow': {
        const ms = Number(q.get('ms') ?? (path === '/slow' ? 100 : 0));
        const title = `ok ${q.get('p') ?? ''}`.trim();
        if (ms > 0) later(ms, () => page(title));
        else page(title);
        return;
      }
      case '/echo':
        send(200, JSON.stringify({ method: req.method, headers: req.headers, body }), { 'Content-Type': 'application/json' });
        return;
      case '/reset-mid-body':
      case '/reset-mid-body-chunked': {
        const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
        if (path === '/reset-mid-body') headers['Content-Length'] = '1000';
        res.writeHead(200, headers);
        res.write(Buffer.alloc(100, 0x61), () => later(20, () => req.socket.destroy()));
        return;
      }
      case '/reset-early':
        req.socket.destroy();
        return;
      case '/stall':
        return; // never answers
      case '/flaky': {
        const key = q.get('key') ?? 'default';
        const fail = Number(q.get('fail') ?? 2);
        const n = (flakyCounts.get(key) ?? 0) + 1;
        flakyCounts.set(key, n);
        if (n <= fail) send(500, html(`flaky ${key} failure ${n}`, ''));
        else page(`flaky ${key} ok`, `<p class="attempt">${n}</p>`);
        return;
      }
      case '/retry-after': {
        const key = q.get('key') ?? 'default';
        if (!retryAfterSeen.has(key)) {
          retryAfterSeen.add(key);
          send(429, html('slow down', ''), { 'Retry-After': q.get('after') ?? '1' });
        } else page(`retry-after ${key} ok`);
        return;
      }
      case '/loop':
        send(302, '', { Location: '/loop' });
        return;
      case '/loop-a':
        send(302, '', { Location: '/loop-b' });
        return;
      case '/loop-b':
        send(302, '', { Location: `${state.url}/loop-a` });
        return;
      case '/redirect':
        send(Number(q.get('status') ?? 302), '', { Location: q.get('to') ?? '/ok' });
        return;
      case '/big': {
        send(200, Buffer.alloc(Number(q.get('size') ?? 10_000), 0x62));
        return;
      }
      case '/big-chunked': {
        const size = Number(q.get('size') ?? 10_000);
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        let sent = 0;
        const step = (): void => {
          if (res.destroyed) return;
          if (sent >= size) {
            res.end();
            return;
          }
          const n = Math.min(1000, size - sent);
          sent += n;
          res.write(Buffer.alloc(n, 0x63));
          later(1, step);
        };
        step();
        return;
      }
      case '/gzip-ok':
        send(200, zlib.gzipSync(html('gzip ok', '')), { 'Content-Encoding': 'gzip' });
        return;
      case '/deflate-ok':
        send(200, zlib.deflateSync(html('deflate ok', '')), { 'Content-Encoding': 'deflate' });
        return;
      case '/deflate-raw-ok':
        send(200, zlib.deflateRawSync(html('raw deflate ok', '')), { 'Content-Encoding': 'deflate' });
        return;
      case '/br-ok':
        send(200, zlib.brotliCompressSync(html('br ok', '')), { 'Content-Encoding': 'br' });
        return;
      case '/gzip-br-ok':
        // Applied in order: gzip first, then br; the client undoes br, then gzip.
        send(200, zlib.brotliCompressSync(zlib.gzipSync(html('gzip br ok', ''))), { 'Content-Encoding': 'gzip, br' });
        return;
      case '/gzip-bad':
        send(200, Buffer.from('this is not gzip data at all, just some garbage bytes'), { 'Content-Encoding': 'gzip' });
        return;
      case '/gzip-bomb':
        send(200, zlib.gzipSync(Buffer.alloc(Number(q.get('size') ?? 100_000), 0)), { 'Content-Encoding': 'gzip' });
        return;
      case '/unknown-encoding':
        send(200, html('zork', ''), { 'Content-Encoding': 'zork' });
        return;
      case '/charset-latin1':
        send(200, Buffer.concat([Buffer.from('<html><body><h1>'), LATIN1_CAFE, Buffer.from('</h1></body></html>')]), {
          'Content-Type': 'text/html; charset=iso-8859-1',
        });
        return;
      case '/charset-meta':
        send(
          200,
          Buffer.concat([
            Buffer.from('<html><head><meta charset="windows-1252"></head><body><h1>'),
            LATIN1_CAFE,
            Buffer.from([0x20, 0x80]),
            Buffer.from('</h1></body></html>'),
          ]),
          { 'Content-Type': 'text/html' },
        );
        return;
      case '/charset-wrong':
        send(200, Buffer.concat([Buffer.from('<html><body><h1>'), LATIN1_CAFE, Buffer.from('</h1></body></html>')]), {
          'Content-Type': 'text/html; charset=utf-8',
        });
        return;
      case '/links-bad':
        page('links', `<ul>${LINKS_BAD_HREFS.map((h) => `<li><a href="${h}">link</a></li>`).join('')}</ul>`);
        return;
      case '/set-cookie':
        send(200, html('cookies', ''), { 'Set-Cookie': ['a=1', 'b=2'], 'X-Custom': 'yes' });
        return;
      default: {
        const chain = /^\/chain\/(\d+)$/.exec(path);
        if (chain !== null) {
          const n = Number(chain[1]);
          if (n === 0) page('chain end');
          else send(302, '', { Location: `/chain/${n - 1}` });
          return;
        }
        const status = /^\/status\/(\d{3})$/.exec(path);
        if (status !== null) {
          const code = Number(status[1]);
          send(code, html(`Status ${code}`, ''));
          return;
        }
        send(404, html('Not found', ''));
      }
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket) => {
    state.connections++;
    socketIds.set(socket, state.connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return state;
}

/** A port on 127.0.0.1 nobody listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
