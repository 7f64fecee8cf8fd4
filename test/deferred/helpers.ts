// Shared helpers for the Deferred tests (Twisted's test_defer helpers, ported).

import { onUnhandledError, type Failure } from '@deferkit/deferred';
import { afterEach, beforeEach, expect } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';

/** Twisted's GenericError: a plain Error subclass used by many ported tests. */
export class GenericError extends Error {
  override name = 'GenericError';
}

/** A canceller that fires the Deferred with "Callback Result" (Twisted's fakeCallbackCanceller). */
export function fakeCallbackCanceller(d: { callback(v: string): void }): void {
  d.callback('Callback Result');
}

/** Collect unhandled-error reports while `fn` runs (and until `stop()` is called). */
export function collectUnhandled(): { reports: Failure[]; stop: () => void } {
  const reports: Failure[] = [];
  const stop = onUnhandledError((f) => reports.push(f));
  return { reports, stop };
}

let gcFn: (() => void) | undefined;
/** Force a full garbage collection and give FinalizationRegistry callbacks a chance to run. */
export async function collectGarbage(): Promise<void> {
  if (gcFn === undefined) {
    const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
    if (bun !== undefined) {
      // Bun (npm run test:runtimes) has its own collector entry point.
      gcFn = () => bun.gc(true);
    } else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * In the calling test file, fail any test after which a Deferred failure is reported as
 * unhandled (checked after a forced garbage collection, so dropped failed Deferreds count).
 * Returns `takeReports()`: a test that expects a report takes (and so accepts) those seen so far.
 */
export function expectNoUnhandledErrorsInEachTest(): () => Failure[] {
  let collector: { reports: Failure[]; stop: () => void } | undefined;
  beforeEach(() => {
    collector = collectUnhandled();
  });
  afterEach(async () => {
    await collectGarbage();
    const { reports, stop } = collector!;
    stop();
    expect(reports.map((f) => f.getTraceback())).toEqual([]);
  });
  return () => collector!.reports.splice(0);
}

/** Let pending promise jobs and one macrotask run (fromFuture, then() and async functions settle). */
export function flushMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What `fn` throws; fails the test when it returns normally. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw, but it returned normally');
}
