// npm run bench -- scale: one Redis frontier shared by 1, 2 and 4 worker processes crawling a
// CPU-bound loopback site (each page has many elements the spider's selectors walk). Reports
// pages/s (first item to last item, from the items' timestamps, so process start-up and the
// drained check are not counted), the speed-up over one worker, and per page: round trips (the
// server's socket reads: an auto-pipelined batch is one), script calls, and every command run
// (INFO commandstats, the commands inside the scripts included).
//
// The worker is test/crawler-redis/worker.ts (the kill test's), run with tsx.

import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, startTreeSite } from '../test/crawler-redis/harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = path.join(ROOT, 'test/crawler-redis/worker.ts');
const PAGES = Number(process.env.SCALE_PAGES ?? 1500);
const WORK = Number(process.env.SCALE_WORK ?? 400);
const FANOUT = Number(process.env.SCALE_FANOUT ?? 20);
const COUNTS = (process.env.SCALE_WORKERS ?? '1,2,4').split(',').map(Number);
// The worker variants: Node's defaults, then `--single-threaded` (V8's GC and compiler on the
// main thread only). With the defaults one worker keeps more than one core busy (concurrent
// marking, parallel scavenges and background compiles run on V8's helper threads), so on a
// 2-core machine the second worker finds less than a core free; single-threaded workers use one
// core each and show how the shared frontier itself scales. SCALE_NODE_FLAGS='…' runs one
// variant with those flags instead.
const VARIANTS: string[][] =
  process.env.SCALE_NODE_FLAGS !== undefined ? [process.env.SCALE_NODE_FLAGS.split(' ').filter((f) => f !== '')] : [[], ['--single-threaded']];
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** Runs one worker; resolves to the CPU seconds it used (user + system, its helper threads included). */
function runWorker(url: string, ua: string, flags: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--conditions=@deferkit/source', '--import', 'tsx', WORKER, url, 'scale', ua, '30', '16'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => {
      const cpu = /^cpu_seconds (\S+)$/m.exec(err);
      if (code === 0 && cpu !== null) resolve(Number(cpu[1]));
      else reject(new Error(`worker ${ua} exited ${code}: ${err}`));
    });
  });
}

/** Since CONFIG RESETSTAT: every command run (inside scripts too), script calls, and socket reads (≈ round trips). */
async function serverCounts(redis: Redis): Promise<{ commands: number; scripts: number; reads: number }> {
  const info = await redis.info('commandstats');
  let commands = 0;
  let scripts = 0;
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (['info', 'config|resetstat', 'flushall', 'lpush', 'hello', 'quit'].includes(m[1]!)) continue;
    commands += Number(m[2]);
    if (m[1] === 'evalsha' || m[1] === 'eval') scripts += Number(m[2]);
  }
  // total_reads_processed: read events on client sockets; a pipelined batch arrives in one read.
  const reads = Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? NaN);
  return { commands, scripts, reads };
}

interface Row {
  workers: number;
  pps: number;
  cores: number;
  commands: number;
  scripts: number;
  reads: number;
}

const server = await startRedis();
const site = await startTreeSite(PAGES, WORK, FANOUT);
const redis = new Redis(server.url);
const tables: Array<{ flags: string[]; rows: Row[] }> = [];
try {
  for (const flags of VARIANTS) {
    const rows: Row[] = [];
    for (const workers of COUNTS) {
      await redis.flushall();
      await redis.lpush('scale:start_urls', `${site.url}/p/0`);
      await redis.config('RESETSTAT');
      log(`scale: ${workers} worker(s)${flags.length > 0 ? ` with ${flags.join(' ')}` : ''} …`);
      const started = performance.now();
      const cpu = await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(server.url, `w${i}`, flags)));
      const lifetime = (performance.now() - started) / 1000;
      const counts = await serverCounts(redis);
      const items = (await redis.lrange('scale:items', 0, -1)).map((s) => JSON.parse(s) as { url: string; t: number });
      const urls = new Set(items.map((i) => i.url));
      if (urls.size !== PAGES) throw new Error(`${workers} worker(s) scraped ${urls.size} of ${PAGES} pages`);
      const ts = items.map((i) => i.t);
      const seconds = (Math.max(...ts) - Math.min(...ts)) / 1000;
      // Cores one worker keeps busy over its life (start-up and the drained check included).
      const cores = cpu.reduce((a, b) => a + b, 0) / workers / lifetime;
      rows.push({ workers, pps: (items.length - 1) / seconds, cores, commands: counts.commands / PAGES, scripts: counts.scripts / PAGES, reads: counts.reads / PAGES });
    }
    tables.push({ flags, rows });
  }
} finally {
  await redis.quit();
  await site.close();
  await server.stop();
}
console.log(`${PAGES} pages (${WORK} filler blocks each, ${FANOUT} links each), CONCURRENT_REQUESTS 16 per worker, one redis-server on loopback; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)} at the end.`);
for (const { flags, rows } of tables) {
  const base = rows[0]!.pps;
  console.log('');
  console.log(flags.length === 0 ? 'Workers with Node\'s defaults:' : `Workers run with ${flags.join(' ')}:`);
  console.log('');
  console.log('| workers | pages/s | speed-up | cores per worker (CPU s ÷ wall s) | round trips per page (socket reads) | script calls per page | commands per page (inside scripts too) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.workers} | ${r.pps.toFixed(0)} | ${(r.pps / base).toFixed(2)}× | ${r.cores.toFixed(2)} | ${r.reads.toFixed(2)} | ${r.scripts.toFixed(2)} | ${r.commands.toFixed(2)} |`);
}
