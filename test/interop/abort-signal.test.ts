// AbortSignal <-> Deferred cancellation, both ways (withAbortSignal, abortSignalFor), and
// fromNodeCallback.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CancelledError, Deferred, Failure, onUnhandledError, succeed, type UnhandledErrorInfo } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { abortSignalFor, fromNodeCallback, withAbortSignal, type AbortSignalLike } from '@deferkit/interop';
import { startServer, type LocalServer } from './helpers.js';
import { delay, hasNodeProcess, nextTurn, nodeModule } from '../support.js';

class ValueError extends Error {
  override name = 'ValueError';
}

/** An EventTarget-based signal that counts its abort listeners. */
class FakeSignal extends EventTarget implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  readonly listeners = new Set<unknown>();
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners.add(args[1]);
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners.delete(args[1]);
    super.removeEventListener(...args);
  }
  abort(reason: unknown = new Error('aborted')): void {
    this.aborted = true;
    this.reason = reason;
    this.dispatchEvent(new Event('abort'));
  }
}

// ---------------------------------------------------------------------------------------------
// withAbortSignal
// ---------------------------------------------------------------------------------------------

describe('withAbortSignal', () => {
  it('returns the Deferred, and aborting the signal cancels it (its canceller runs)', () => {
    const controller = new AbortController();
    let cancellerRan = 0;
    const d = new Deferred<string>(() => cancellerRan++);
    expect(withAbortSignal(d, controller.signal)).toBe(d);
    assertNoResult(d);
    controller.abort();
    expect(cancellerRan).toBe(1);
    expect(failureResultOf(d, CancelledError).value).toBeInstanceOf(CancelledError);
  });

  it('cancels at once when the signal has already aborted', () => {
    const controller = new AbortController();
    controller.abort();
    let cancellerRan = 0;
    const d = new Deferred<string>(() => cancellerRan++);
    withAbortSignal(d, controller.signal);
    expect(cancellerRan).toBe(1);
    failureResultOf(d, CancelledError);
  });

  it('removes its listener once the Deferred fires (spy on removeEventListener)', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const d = new Deferred<number>();
    withAbortSignal(d, controller.signal);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).not.toHaveBeenCalled();
    d.callback(1);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]![0]).toBe('abort');
    expect(remove.mock.calls[0]![1]).toBe(add.mock.calls[0]![1]);
    // Aborting afterwards changes nothing: the Deferred keeps its result.
    controller.abort();
    expect(successResultOf(d)).toBe(1);
  });

  it('removes its listener when the Deferred fails too, and leaves no listener on a long-lived signal', () => {
    const signal = new FakeSignal();
    const ds = Array.from({ length: 5 }, () => new Deferred<number>());
    for (const d of ds) withAbortSignal(d, signal);
    expect(signal.listeners.size).toBe(5);
    ds.forEach((d, i) => (i % 2 === 0 ? d.callback(i) : d.errback(new ValueError(String(i)))));
    expect(signal.listeners.size).toBe(0);
    for (const [i, d] of ds.entries()) {
      if (i % 2 === 0) expect(successResultOf(d)).toBe(i);
      else failureResultOf(d, ValueError);
    }
  });

  it('works with an EventTarget-based signal: abort cancels', () => {
    const signal = new FakeSignal();
    const d = new Deferred<number>();
    withAbortSignal(d, signal);
    signal.abort();
    failureResultOf(d, CancelledError);
    expect(signal.listeners.size).toBe(0);
  });

  it('passes the result through unchanged to later callbacks', () => {
    const d = withAbortSignal(new Deferred<string>(), new AbortController().signal);
    const seen: string[] = [];
    d.addCallback((v) => {
      seen.push(v);
      return v;
    });
    d.callback('through');
    expect(seen).toEqual(['through']);
  });

  it('refuses something that is not a signal with a TypeError naming the fix', () => {
    expect(() => withAbortSignal(new Deferred(), {} as AbortSignalLike)).toThrow(TypeError);
    expect(() => withAbortSignal(new Deferred(), null as unknown as AbortSignalLike)).toThrow(/new AbortController\(\)\.signal/);
  });
});

// ---------------------------------------------------------------------------------------------
// abortSignalFor
// ---------------------------------------------------------------------------------------------

describe('abortSignalFor', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('aborts with the CancelledError as reason when the Deferred is cancelled', () => {
    const d = new Deferred<string>();
    const signal: AbortSignal = abortSignalFor(d);
    expect(signal.aborted).toBe(false);
    let events = 0;
    signal.addEventListener('abort', () => events++);
    d.cancel();
    expect(signal.aborted).toBe(true);
    expect(events).toBe(1);
    expect(signal.reason).toBeInstanceOf(CancelledError);
    expect(failureResultOf(d, CancelledError).value).toBe(signal.reason);
  });

  it('does not abort when the Deferred succeeds', () => {
    const d = new Deferred<string>();
    const signal = abortSignalFor(d);
    d.callback('ok');
    expect(signal.aborted).toBe(false);
    expect(successResultOf(d)).toBe('ok');
  });

  it('does not abort when the Deferred fails with another error', () => {
    const d = new Deferred<string>();
    const signal = abortSignalFor(d);
    d.errback(new ValueError('other'));
    expect(signal.aborted).toBe(false);
    failureResultOf(d, ValueError);
  });

  it('is aborted at once for a Deferred that was already cancelled', () => {
    const d = new Deferred<string>();
    d.cancel();
    const signal = abortSignalFor(d);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
  });

  it('is not aborted for an already-fired Deferred', () => {
    expect(abortSignalFor(succeed(1)).aborted).toBe(false);
  });

  it('cancelling the Deferred aborts a real fetch against a slow local server', async () => {
    const d = new Deferred<Response>();
    const signal = abortSignalFor(d);
    const fetched = fetch(`${server.url}/slow`, { signal }).then(
      (r) => ({ ok: true as const, value: r }),
      (e: unknown) => ({ ok: false as const, error: e }),
    );
    // Cancel only once the server has the request: cancelled sooner, the fetch is abandoned
    // before the request is written and the server has nothing to see go away.
    await server.reached('/slow');
    d.cancel();
    const outcome = await fetched;
    expect(outcome.ok).toBe(false);
    // fetch rejects with the signal's reason (WHATWG fetch): the CancelledError, not a DOMException AbortError.
    const error = (outcome as { error: unknown }).error;
    expect(error).toBe(signal.reason);
    expect(error).toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
    // The server saw the client go away before it answered.
    await server.abandoned('/slow');
    expect(await server.aborted()).toEqual(['/slow']);
  });
});

// ---------------------------------------------------------------------------------------------
// fromNodeCallback
// ---------------------------------------------------------------------------------------------

describe('fromNodeCallback', () => {
  function add(a: number, b: number, cb: (err: Error | null, sum?: number) => void): void {
    nextTurn(() => cb(null, a + b));
  }

  it('fires with the value the callback gets', async () => {
    const addD = fromNodeCallback(add);
    const d = addD(2, 3);
    assertNoResult(d);
    await delay(5);
    expect(successResultOf(d)).toBe(5);
  });

  it('fails with the error the callback gets', () => {
    const error = new ValueError('bad');
    const f = fromNodeCallback((x: number, cb: (err: unknown, v?: number) => void) => cb(error, x));
    const d = f(1);
    expect(failureResultOf(d, ValueError).value).toBe(error);
  });

  it('treats a falsy err (null, undefined) as success', () => {
    const f = fromNodeCallback((cb: (err: unknown, v: string) => void) => cb(undefined, 'fine'));
    expect(successResultOf(f())).toBe('fine');
  });

  it('fails with what the function throws synchronously', () => {
    const error = new ValueError('sync');
    const f = fromNodeCallback((_cb: (err: unknown, v: number) => void) => {
      throw error;
    });
    expect(failureResultOf(f(), ValueError).value).toBe(error);
  });

  it("reports a second call of the callback via onUnhandledError with info.when === 'logged', keeping the first result", () => {
    const reports: Array<{ failure: Failure; info: UnhandledErrorInfo }> = [];
    const off = onUnhandledError((failure, info) => reports.push({ failure, info }));
    try {
      const f = fromNodeCallback(function twice(cb: (err: unknown, v: number) => void) {
        cb(null, 1);
        cb(null, 2);
      });
      const d = f();
      expect(successResultOf(d)).toBe(1);
      expect(reports.length).toBe(1);
      expect(reports[0]!.info.when).toBe('logged');
      expect(reports[0]!.failure).toBeInstanceOf(Failure);
      expect(reports[0]!.failure.getErrorMessage()).toMatch(/twice called its callback 2 times/);
    } finally {
      off();
    }
  });

  it('reports a throw after the callback was called, keeping the first result', () => {
    const reports: Failure[] = [];
    const off = onUnhandledError((failure) => reports.push(failure));
    try {
      const error = new ValueError('after');
      const f = fromNodeCallback((cb: (err: unknown, v: number) => void) => {
        cb(null, 1);
        throw error;
      });
      expect(successResultOf(f())).toBe(1);
      expect(reports.map((r) => r.value)).toEqual([error]);
    } finally {
      off();
    }
  });

  it('preserves `this`', () => {
    const counter = {
      base: 10,
      addTo(n: number, cb: (err: unknown, v: number) => void): void {
        cb(null, this.base + n);
      },
    };
    const obj = { base: 100, addToD: fromNodeCallback(counter.addTo) };
    expect(successResultOf(obj.addToD(1))).toBe(101);
  });

  // A Node API: Node and Bun only.
  it.skipIf(!hasNodeProcess)("works with a real Node API (fs.readFile) and keeps the function's name", async () => {
    const { readFile } = await nodeModule<typeof import('node:fs')>('fs');
    const { fileURLToPath } = await nodeModule<typeof import('node:url')>('url');
    const readFileD = fromNodeCallback(readFile as (path: string, enc: 'utf8', cb: (err: unknown, data: string) => void) => void);
    expect(readFileD.name).toBe('readFile');
    const d = readFileD(fileURLToPath(import.meta.url), 'utf8');
    const text = await new Promise<string>((resolve, reject) => d.addCallbacks((t) => resolve(t), (f: Failure) => reject(f.value)));
    expect(text).toContain('fromNodeCallback');
    const missing = readFileD('/nonexistent/deferkit', 'utf8');
    const code = await new Promise<unknown>((resolve) =>
      missing.addErrback((f: Failure) => resolve((f.value as NodeJS.ErrnoException).code)),
    );
    expect(code).toBe('ENOENT');
  });

  it('refuses a non-function with a TypeError', () => {
    expect(() => fromNodeCallback(null as unknown as () => void)).toThrow(TypeError);
  });
});
