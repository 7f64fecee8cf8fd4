// Three worker processes share one Redis frontier; one is killed with SIGKILL mid-crawl while it
// holds requests. Every page still ends up in '<spider>:items': its leased requests come back
// to the queue when its lease expires, flagged (meta.redis_requeued) and counted.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, startTreeSite, type RedisServer, type TreeSite } from './harness.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const ROOT = path.resolve(path.dirname(WORKER), '../..');

function startWorker(url: string, name: string, ua: string, lease: number): { child: ChildProcess; stats: Promise<Record<string, unknown> | null>; exit: Promise<number | string | null> } {
  const child = spawn(process.execPath, ['--conditions=@deferkit/source', '--import', 'tsx', WORKER, url, name, ua, String(lease)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const stats = exit.then((code) => {
    if (code !== 0) return null;
    const last = out.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(last) as Record<string, unknown>;
    } catch {
      throw new Error(`worker ${ua} printed no stats; stderr:\n${err}`);
    }
  });
  void exit.then((code) => {
    if (code !== 0 && code !== 'SIGKILL') console.error(`worker ${ua} exited ${code}:\n${err}`);
  });
  return { child, stats, exit };
}

it('redis-server is available for the kill test (CI installs it in .ci/run)', () => {
  if (redisMissing !== null) {
    expect(process.env.CI, redisMissing).toBeFalsy();
    console.warn(`SKIPPED: ${redisMissing}`);
  }
});

describe.skipIf(redisMissing !== null)('kill -9 one of three workers (real redis-server, real processes)', () => {
  let server: RedisServer;
  let redis: Redis;
  let site: TreeSite;
  const N = 255;
  const K = 6;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    site = await startTreeSite(N);
  });
  afterAll(async () => {
    await site?.close();
    await redis?.quit();
    await server?.stop();
  });

  it('every page is scraped into tree:items; duplicates only from re-queued requests, flagged and counted', { timeout: 180_000 }, async () => {
    await redis.lpush('tree:start_urls', `${site.url}/p/0`);
    // The victim's K-th request and every later one get no response: it dies holding them.
    let victimSeen = 0;
    let killed = false;
    const victimHeld = new Set<string>();
    site.hold = (p, ua) => {
      if (ua !== 'w1') return false;
      victimSeen++;
      if (victimSeen >= K || killed) victimHeld.add(p);
      return victimSeen >= K || killed;
    };
    const workers = ['w0', 'w1', 'w2'].map((ua) => startWorker(server.url, 'tree', ua, 2));
    const victim = workers[1]!;
    await new Promise<void>((resolve) => {
      const onRequest = (_p: string, ua: string) => {
        if (ua === 'w1' && victimSeen >= K) {
          site.events.off('request', onRequest);
          resolve();
        }
      };
      site.events.on('request', onRequest);
    });
    victim.child.kill('SIGKILL');
    killed = true;
    expect(await victim.exit).toBe('SIGKILL');
    const survivors = await Promise.all([workers[0]!.stats, workers[2]!.stats]);
    expect(survivors.every((s) => s !== null), 'both surviving workers finished cleanly').toBe(true);

    const items = (await redis.lrange('tree:items', 0, -1)).map((s) => JSON.parse(s) as { url: string; requeued: number });
    const byUrl = new Map<string, Array<{ url: string; requeued: number }>>();
    for (const it of items) byUrl.set(it.url, [...(byUrl.get(it.url) ?? []), it]);
    // Every page is there.
    expect([...byUrl.keys()].sort()).toEqual(site.pages.map((p) => `${site.url}${p}`).sort());
    // A page appears more than once only through re-queued requests: at most one unflagged copy.
    for (const [url, copies] of byUrl) expect(copies.filter((c) => c.requeued === 0).length, url).toBeLessThanOrEqual(1);
    // The requests the victim died holding came back, and the survivors counted them.
    const sum = (key: string) => survivors.reduce((n, s) => n + Number(s?.[key] ?? 0), 0);
    expect(victimHeld.size).toBeGreaterThan(0);
    expect(sum('redis/requeued')).toBeGreaterThanOrEqual(victimHeld.size);
    expect(sum('redis/requeued_received')).toBe(sum('redis/requeued'));
    for (const p of victimHeld) {
      const copies = byUrl.get(`${site.url}${p}`)!;
      expect(copies.some((c) => c.requeued >= 1), `${p} was re-crawled flagged`).toBe(true);
    }
    expect(await redis.keys('tree:requests:processing:*')).toEqual([]);
  });
});
