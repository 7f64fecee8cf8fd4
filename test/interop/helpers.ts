// Shared helpers for the @deferkit/interop tests.

import { onUnhandledError, setDebugging, type Deferred, type Failure, type UnhandledErrorInfo } from '@deferkit/deferred';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a Deferred ended with, observed through addCallbacks (never through await). */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Observe `d` with addCallbacks: the outcome, once it fires. The errback handles the failure,
 * so nothing is reported as unhandled.
 */
export function outcomeOf(d: Deferred<unknown>): { readonly current: Outcome | undefined } {
  const box: { current: Outcome | undefined } = { current: undefined };
  d.addCallbacks(
    (value: unknown) => {
      box.current = { ok: true, value };
      return value;
    },
    (failure: Failure) => {
      box.current = { ok: false, error: failure.value };
      return null;
    },
  );
  return box;
}

/** One host macrotask later: every queued promise job has run. */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Record unhandled-error reports with debugging on, so a failure still unhandled at the end of a
 * macrotask is reported then (deterministic). `stop()` restores the previous state.
 */
export function recordUnhandled(): { reports: Array<{ failure: Failure; info: UnhandledErrorInfo }>; stop: () => void } {
  const reports: Array<{ failure: Failure; info: UnhandledErrorInfo }> = [];
  setDebugging(true);
  const off = onUnhandledError((failure, info) => reports.push({ failure, info }));
  return {
    reports,
    stop: () => {
      off();
      setDebugging(false);
    },
  };
}

/** A loopback HTTP server on 127.0.0.1, port 0. */
export interface LocalServer {
  readonly url: string;
  /** Requests whose connection closed before the response was sent. */
  readonly aborted: string[];
  close(): Promise<void>;
}

/**
 * Start a loopback server: `/hello` answers at once; `/slow` answers after 10 s (or never, if the
 * client goes away first).
 */
export async function startServer(): Promise<LocalServer> {
  const aborted: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.end('slow');
      }, 10_000);
      timers.add(timer);
      res.on('close', () => {
        if (!res.writableEnded) aborted.push(req.url ?? '');
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
    aborted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
