// A real redis-server for the tests: a free loopback port, a temporary dir, no persistence;
// and a loopback site whose pages form a tree of links.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
/** Why the Redis tests cannot run here, or null. */
export const redisMissing: string | null = existsSync(REDIS_SERVER)
  ? null
  : `redis-server not found at ${REDIS_SERVER} (apt-get install redis-server, or set REDIS_SERVER): the Redis frontier tests are NOT RUN`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Start redis-server; resolves once it accepts connections. Retries when the port was taken meanwhile. */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'deferkit-redis-'));
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outcome = await new Promise<'ready' | 'in-use' | string>((resolve) => {
      let out = '';
      const onData = (b: Buffer): void => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) resolve('ready');
        else if (out.includes('Address already in use')) resolve('in-use');
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => resolve(out.includes('Address already in use') ? 'in-use' : `redis-server exited (${code}): ${out}`));
    });
    if (outcome === 'ready') {
      return { port, url: `redis://127.0.0.1:${port}/0`, stop: () => stopChild(child, dir) };
    }
    await stopChild(child, dir);
    if (outcome !== 'in-use' || attempt >= 5) throw new Error(`Could not start redis-server: ${outcome}`);
  }
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

export interface TreeSite {
  url: string;
  /** 'request' (path, user-agent, res) for each request. */
  events: EventEmitter;
  /** Page paths, '/p/0' … '/p/N-1'. */
  pages: string[];
  /** When set, requests for which it returns true get no response (held until close). */
  hold: ((path: string, ua: string) => boolean) | null;
  close(): Promise<void>;
}

/**
 * Pages /p/0 … /p/(n-1); page i links to fanout·i+1 … fanout·i+fanout (a tree: binary by
 * default), so the crawl spreads over the workers. `work` repeats each page's filler paragraphs (more parsing per page).
 */
export async function startTreeSite(n: number, work = 1, fanout = 2): Promise<TreeSite> {
  const events = new EventEmitter();
  const held: http.ServerResponse[] = [];
  const filler = Array.from({ length: work }, (_, k) => `<div class="f"><p>para ${k}</p><span>${'x'.repeat(20)}</span></div>`).join('');
  const site: TreeSite = {
    url: '',
    events,
    pages: Array.from({ length: n }, (_, i) => `/p/${i}`),
    hold: null,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server = http.createServer((req, res) => {
    const p = req.url ?? '/';
    const ua = String(req.headers['user-agent'] ?? '');
    events.emit('request', p, ua);
    if (site.hold?.(p, ua)) {
      held.push(res);
      return;
    }
    const m = /^\/p\/(\d+)$/.exec(p);
    if (m === null) {
      res.writeHead(404).end();
      return;
    }
    const i = Number(m[1]);
    const links = Array.from({ length: fanout }, (_, k) => fanout * i + k + 1).filter((j) => j < n).map((j) => `<a href="/p/${j}">p${j}</a>`);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<html><body><h1>page ${i}</h1>${links.join(' ')}${filler}</body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return site;
}
