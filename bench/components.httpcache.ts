// What HttpCacheMiddleware costs per request when on (it is off by default: then it is not in
// the middleware chain at all, and costs nothing). Run by hand:
//   node --conditions=@deferkit/source --import tsx bench/components.httpcache.ts
// Prints ns/request for a miss that is stored (processRequest + processResponse, the five
// files written), a hit (processRequest reading the entry back), both with DummyPolicy and
// FilesystemCacheStorage, plain and with HTTPCACHE_GZIP, for a 10 KB HTML page.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Crawler, HttpCacheMiddleware, Request, Response, Spider } from '@deferkit/crawler';

const N = Number(process.argv[2] ?? 3000);
const body = `<html><body>${'<p>Some text of a page, repeated.</p>'.repeat(280)}</body></html>`;

function measure(label: string, gzip: boolean): void {
  const dir = mkdtempSync(join(tmpdir(), 'httpcache-bench-'));
  const crawler = new Crawler(Spider, { HTTPCACHE_ENABLED: true, HTTPCACHE_DIR: dir, HTTPCACHE_GZIP: gzip, LOG_ENABLED: false });
  const spider = new Spider();
  spider.name = 'bench';
  crawler.spider = spider;
  const mw = new HttpCacheMiddleware(crawler);
  const requests = Array.from({ length: N }, (_, i) => new Request(`http://127.0.0.1/page/${i}`, { headers: { 'User-Agent': 'bench', Accept: 'text/html' } }));
  const responses = requests.map((r) => new Response(r.url, { headers: { 'Content-Type': 'text/html; charset=utf-8', Date: new Date().toUTCString(), 'Content-Length': String(body.length) }, body, request: r }));
  // Wall time, and the CPU time of this process (user + system: what the cache itself costs,
  // less sensitive than wall time to other processes on a shared machine).
  const cpu = (since: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(since);
    return ((d.user + d.system) * 1000) / N;
  };
  let t = process.hrtime.bigint();
  let c = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    mw.processRequest(requests[i]!);
    mw.processResponse(requests[i]!, responses[i]!);
  }
  const miss = Number(process.hrtime.bigint() - t) / N;
  const missCpu = cpu(c);
  t = process.hrtime.bigint();
  c = process.cpuUsage();
  let hits = 0;
  for (let i = 0; i < N; i++) if (mw.processRequest(requests[i]!) !== undefined) hits++;
  const hit = Number(process.hrtime.bigint() - t) / N;
  const hitCpu = cpu(c);
  if (hits !== N) throw new Error(`expected ${N} hits, got ${hits}`);
  const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
  console.log(`${label}: miss+store ${us(miss)} wall / ${us(missCpu)} CPU per request; hit ${us(hit)} wall / ${us(hitCpu)} CPU per request (${N} requests, ${body.length} B body)`);
  rmSync(dir, { recursive: true, force: true });
}

measure('warm-up', false);
for (let round = 0; round < 2; round++) {
  measure('plain', false);
  measure('HTTPCACHE_GZIP', true);
}
