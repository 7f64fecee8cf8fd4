// Shared helpers for the Deferred tests (Twisted's test_defer helpers, ported).

import { onUnhandledError, type Failure } from '@deferkit/deferred';
import { afterEach, beforeEach, expect } from 'vitest';
import { nextTurn, nodeModule } from '../support.js';

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
    const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
    if (g.Bun !== undefined) {
      // Bun (npm run test:runtimes) has its own collector entry point.
      const bun = g.Bun;
      gcFn = () => bun.gc(true);
    } else if (typeof g.gc === 'function') {
      // Chromium started with --js-flags=--expose-gc, or node --expose-gc.
      gcFn = g.gc;
    } else {
      // Node: turn the flag on at run time and fetch gc() from a fresh context.
      const v8 = await nodeModule<typeof import('node:v8')>('v8');
      const vm = await nodeModule<typeof import('node:vm')>('vm');
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => nextTurn(r));
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
