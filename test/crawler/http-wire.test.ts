// The HTTP handler sends a direct request with its options and a flat header list it builds
// itself (directOptions) rather than letting Node turn the URL into options and call setHeader for
// each header. The bytes on the wire must be the same as Node's own way gives.

import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Request } from '../../packages/crawler/src/index.js';
import { directOptions } from '../../packages/crawler/src/downloader/HttpDownloadHandler.js';

let server: net.Server;
let port = 0;
const heads: string[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => {
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) break;
        heads.push(buf.slice(0, end + 4 + length));
        buf = buf.slice(end + 4 + length);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Send with `options` and give the request head (and body) the server got. */
function roundTrip(make: () => http.ClientRequest, body?: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const before = heads.length;
    const req = make();
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(heads[before]!));
    });
    req.end(body === undefined || body.length === 0 ? undefined : Buffer.from(body));
  });
}

describe('directOptions (the HTTP handler without Node parsing the URL again)', () => {
  const cases: Array<[string, (port: number) => Request]> = [
    ['a GET with a query and default headers', (p) => new Request(`http://127.0.0.1:${p}/a/b?x=1&y=%20z`, { headers: { 'User-Agent': 'dk', Accept: 'text/html' } })],
    ['a repeated header and a Cookie', (p) => new Request(`http://127.0.0.1:${p}/c`, { headers: [['X-Many', '1'], ['X-Many', '2'], ['Cookie', 'a=1'], ['Cookie', 'b=2']] })],
    ['a POST with a body (Content-Length added)', (p) => new Request(`http://127.0.0.1:${p}/post`, { method: 'POST', body: 'k=v&w=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })],
    ['a Host header of its own', (p) => new Request(`http://127.0.0.1:${p}/h`, { headers: { Host: 'example.test' } })],
    ['no header at all', (p) => new Request(`http://localhost:${p}/`)],
  ];
  for (const [what, make] of cases) {
    it(`H-WIRE puts the same bytes on the wire as http.request(url, { headers }): ${what}`, async () => {
      const request = make(port);
      const url = new URL(request.url);
      const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
      try {
        const ours = await roundTrip(() => http.request(directOptions(url, request, agent)), request.body);
        const headers = request.headers.toNodeHeaders();
        if (request.body.length > 0 && !request.headers.has('content-length')) headers['Content-Length'] = String(request.body.length);
        const nodes = await roundTrip(() => http.request(url, { method: request.method, headers, agent }), request.body);
        expect(ours).toBe(nodes);
        expect(ours.startsWith(`${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n`)).toBe(true);
      } finally {
        agent.destroy();
      }
    });
  }
});
