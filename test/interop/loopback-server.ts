// The loopback HTTP server of the AbortSignal tests (Node only). Node and Bun start it in the
// test process; in Chromium, vitest.browser.config.ts starts it in the runner's Node process
// and the page reaches it across origins, hence the CORS header.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running loopback server. */
export interface LoopbackServer {
  readonly url: string;
  /** Requests whose connection closed before the response was sent. */
  readonly aborted: string[];
  /** Resolves once a request for `path` has reached the request handler (at once if one has). */
  reached(path: string): Promise<void>;
  /** Resolves once a request for `path` has been recorded in `aborted` (at once if one has). */
  abandoned(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Paths seen so far, and promises for paths not seen yet. */
class PathLog {
  readonly paths: string[] = [];
  readonly #waiters = new Map<string, Array<() => void>>();
  add(path: string): void {
    this.paths.push(path);
    const waiting = this.#waiters.get(path);
    this.#waiters.delete(path);
    for (const resolve of waiting ?? []) resolve();
  }
  when(path: string): Promise<void> {
    if (this.paths.includes(path)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(path) ?? [];
      waiting.push(resolve);
      this.#waiters.set(path, waiting);
    });
  }
}

/**
 * Listen on 127.0.0.1, port 0: `/hello` answers at once; `/slow` answers after 10 s (or never,
 * if the client goes away first, which is recorded in `aborted`).
 */
export async function startLoopbackServer(): Promise<LoopbackServer> {
  const reached = new PathLog();
  const aborted = new PathLog();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    reached.add(req.url ?? '');
    if (req.url === '/slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.end('slow');
      }, 10_000);
      timers.add(timer);
      res.on('close', () => {
        if (!res.writableEnded) aborted.add(req.url ?? '');
        clearTimeout(timer);
        timers.delete(timer);
      });
      return;
    }
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    aborted: aborted.paths,
    reached: (path) => reached.when(path),
    abandoned: (path) => aborted.when(path),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
