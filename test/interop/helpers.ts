// Shared helpers for the @deferkit/interop tests.

import { onUnhandledError, setDebugging, type Deferred, type Failure, type UnhandledErrorInfo } from '@deferkit/deferred';
import { hasNodeProcess, nextTurn } from '../support.js';

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
  return new Promise((resolve) => nextTurn(resolve));
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

/** A loopback HTTP server on 127.0.0.1, port 0 (see loopback-server.ts). */
export interface LocalServer {
  readonly url: string;
  /** Requests whose connection closed before the response was sent, so far. */
  aborted(): Promise<string[]>;
  /** Resolves once a request for `path` has reached the server (at once if one has). */
  reached(path: string): Promise<void>;
  /** Resolves once the server has seen the client abandon a request for `path`. */
  abandoned(path: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the loopback server: in-process under Node and Bun; in a browser, in the test runner's
 * Node process through the commands that vitest.browser.config.ts defines.
 */
export async function startServer(): Promise<LocalServer> {
  if (hasNodeProcess) {
    const where = './loopback-server.js';
    const { startLoopbackServer } = (await import(/* @vite-ignore */ where)) as typeof import('./loopback-server.js');
    const server = await startLoopbackServer();
    return {
      url: server.url,
      aborted: async () => [...server.aborted],
      reached: (path) => server.reached(path),
      abandoned: (path) => server.abandoned(path),
      close: () => server.close(),
    };
  }
  const { commands } = await import('vitest/browser');
  const { id, url } = await commands.startLoopbackServer();
  return {
    url,
    aborted: () => commands.loopbackServerAborted(id),
    reached: (path) => commands.loopbackServerReached(id, path),
    abandoned: (path) => commands.loopbackServerAbandoned(id, path),
    close: () => commands.stopLoopbackServer(id),
  };
}
