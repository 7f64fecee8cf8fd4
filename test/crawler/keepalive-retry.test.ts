// B8: a server that silently closes each keep-alive connection after a response. Twisted's
// HTTPConnectionPool resends, once, on a new connection, an idempotent request that failed on a
// reused connection before any response byte; a POST is not resent.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Request } from '@deferkit/crawler';
import { listSpider, runCrawl } from './crawl-harness.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that advertises keep-alive but destroys the socket once each response is written. */
async function closingServer(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = http.createServer((req, res) => {
    hits++;
    req.resume();
    const body = `<html><body><h1>page ${req.url}</h1></body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body), Connection: 'keep-alive' });
    res.end(body, () => req.socket.destroy());
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

describe('B8 stale keep-alive connections', () => {
  it('B8 retries once on a fresh connection when a reused keep-alive socket closes before any response byte', async () => {
    const s = await closingServer();
    const urls = Array.from({ length: 120 }, (_, i) => `${s.url}/p${i}`);
    const result = await runCrawl(listSpider(urls), { CONCURRENT_REQUESTS: 4, CONCURRENT_REQUESTS_PER_DOMAIN: 4 });
    expect(result.items).toHaveLength(120);
    expect(result.stat('retry/count')).toBeUndefined();
    expect(result.grep('WARNING')).toEqual([]);
  });

  it('B8 does not silently resend a POST that fails on a reused keep-alive connection', async () => {
    const s = await closingServer();
    const reqs = Array.from({ length: 60 }, (_, i) => new Request(`${s.url}/post${i}`, { method: 'POST', body: 'x=1', meta: { dont_retry: true } }));
    const result = await runCrawl(listSpider(reqs), { CONCURRENT_REQUESTS: 1, RETRY_ENABLED: false });
    // Each POST reaches the server at most once: no hidden resend.
    expect(s.hits()).toBeLessThanOrEqual(60);
    expect(s.hits()).toBe(result.items.length);
  });
});
