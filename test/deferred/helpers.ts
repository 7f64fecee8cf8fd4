// Shared helpers for the Deferred tests (Twisted's test_defer helpers, ported).

import { onUnhandledError, type Failure } from '@deferkit/deferred';
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
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
  }
}
