// One ioredis client per crawler, shared by the scheduler, the spider and the pipeline, with the
// frontier's scripts defined on it. Auto-pipelining batches what one reactor turn sends into one
// write, which keeps round trips per page low without changing any call site.

import { Redis } from 'ioredis';
import type { Crawler, Settings } from '@deferkit/crawler';
import { ENQUEUE, LEASE, REAP, RELEASE } from './scripts.js';

/** The client with the frontier's script commands. @internal */
export interface FrontierRedis extends Redis {
  dkEnqueue(queue: string, dupefilter: string, kind: string, fp: string, score: string, payload: string): Promise<number>;
  dkLease(queue: string, leases: string, workers: string, heartbeat: string, requeues: string, kind: string, n: number, worker: string, leaseMs: number, tokenPrefix: string): Promise<string[]>;
  dkReap(queue: string, workers: string, requeues: string, kind: string, prefix: string, worker: string, leaseMs: number): Promise<[number, number, number]>;
  dkRelease(queue: string, leases: string, workers: string, heartbeat: string, kind: string, worker: string): Promise<number>;
}

/**
 * The Redis URL the settings give: `REDIS_URL` if set, else `redis://REDIS_HOST:REDIS_PORT`
 * (default `localhost:6379`, scrapy-redis's), with `REDIS_DB` as the database.
 * Mirrors scrapy-redis's `connection.get_redis_from_settings`.
 *
 * @param settings - the crawler's settings.
 * @returns the URL.
 * @example
 * ```ts
 * import { Settings } from '@deferkit/crawler';
 * import { redisUrlFromSettings } from '@deferkit/crawler-redis';
 *
 * console.log(redisUrlFromSettings(new Settings({ REDIS_HOST: '127.0.0.1', REDIS_PORT: 6380 })));
 * // prints: redis://127.0.0.1:6380/0
 * ```
 */
export function redisUrlFromSettings(settings: Settings): string {
  const url = settings.get('REDIS_URL') as unknown;
  if (url !== undefined && url !== null && url !== '') {
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
      throw new TypeError(`REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379/0), got ${JSON.stringify(url)}.`);
    }
    return url;
  }
  const host = String(settings.get('REDIS_HOST') ?? 'localhost');
  const port = settings.getInt('REDIS_PORT', 6379);
  const db = settings.getInt('REDIS_DB', 0);
  return `redis://${host}:${port}/${db}`;
}

const shared = new WeakMap<Crawler, { client: FrontierRedis; users: number }>();

/** The crawler's client (made on first use); pair each call with {@link releaseRedis}. @internal */
export function acquireRedis(crawler: Crawler): FrontierRedis {
  let entry = shared.get(crawler);
  if (entry === undefined) {
    const client = new Redis(redisUrlFromSettings(crawler.settings), { enableAutoPipelining: true, maxRetriesPerRequest: 3 }) as FrontierRedis;
    client.defineCommand('dkEnqueue', { numberOfKeys: 2, lua: ENQUEUE });
    client.defineCommand('dkLease', { numberOfKeys: 5, lua: LEASE });
    client.defineCommand('dkReap', { numberOfKeys: 3, lua: REAP });
    client.defineCommand('dkRelease', { numberOfKeys: 4, lua: RELEASE });
    client.on('error', (e: Error) => crawler.getLogger('scrapy_redis').error(`Redis connection error: ${e.message} (check REDIS_URL / REDIS_HOST / REDIS_PORT)`));
    entry = { client, users: 0 };
    shared.set(crawler, entry);
  }
  entry.users++;
  return entry.client;
}

/** Give back the client; the last user closes it (after the commands already sent). @internal */
export async function releaseRedis(crawler: Crawler): Promise<void> {
  const entry = shared.get(crawler);
  if (entry === undefined) return;
  entry.users--;
  if (entry.users > 0) return;
  shared.delete(crawler);
  try {
    await entry.client.quit();
  } catch {
    entry.client.disconnect();
  }
}

/** `'%(spider)s:requests'` → `'books:requests'` (scrapy-redis's key templates). @internal */
export function formatKey(template: string, spiderName: string): string {
  return template.replace(/%\((spider|name)\)s/g, spiderName);
}
