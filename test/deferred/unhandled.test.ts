// Unhandled failures and debugging: rules U1-U4 and D1, D2, D4 of reference §2.9-2.10, the
// LogTests of catalogue §3.7 (items 114-120), reported the deferkit way (deviation J7): to
// onUnhandledError handlers, or to console.error when there are none.
//
// Not tested here: D3 / F5 (`captureVars`: Python frames carry locals; JS stack traces have
// nothing equivalent to capture). U5 (`logError`) is tested with the errback helpers below.
//
// Garbage-collection timing is not deterministic, so GC-based tests loop collectGarbage() until
// the expected report arrives, and "nothing is reported" tests drop a *control* Deferred along
// with the subject: once the control has been reported, a collection has happened, and the
// control must be the only report.

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AlreadyCalledError,
  Deferred,
  Failure,
  fail,
  getDebugging,
  inlineCallbacks,
  logError,
  onUnhandledError,
  setDebugging,
  succeed,
  type UnhandledErrorInfo,
} from '@deferkit/deferred';
import { collectGarbage } from './helpers.js';
import { hasNodeProcess, nextTurn, nodeModule } from '../support.js';

interface Report {
  failure: Failure;
  info: UnhandledErrorInfo;
}

const unsubscribers: Array<() => void> = [];

/** Register a handler that records every report; unregistered after each test. */
function collectReports(): Report[] {
  const reports: Report[] = [];
  unsubscribers.push(onUnhandledError((failure, info) => reports.push({ failure, info })));
  return reports;
}

afterEach(() => {
  setDebugging(false);
  while (unsubscribers.length > 0) unsubscribers.pop()!();
  vi.restoreAllMocks();
});

/** Twisted's `lambda x: 1 // 0`. */
class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}
class ControlError extends Error {
  override name = 'ControlError';
}

/** Loop forced collections until `done()` (at most ~10 rounds). */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10 && !done(); i++) await collectGarbage();
}

/** Let the current macrotask end, and the debug-mode sweep (a setImmediate) run. */
async function endOfMacrotask(): Promise<void> {
  await new Promise((r) => nextTurn(r));
  await new Promise((r) => nextTurn(r));
}

/** Twisted's `_subErrorLogWithInnerFrameRef`: the Deferred lives only in this frame. */
function dropDeferredWhoseCallbackThrows(): void {
  const d = new Deferred<number>();
  d.addCallback(() => {
    throw new ZeroDivisionError('integer division or modulo by zero');
  });
  d.callback(1);
}

/** A dropped, failed Deferred whose report proves that a collection ran. */
function dropControl(): ControlError {
  const err = new ControlError('control');
  const d = new Deferred<number>();
  d.errback(err);
  return err;
}

/**
 * Drop the control, collect until it is reported, and expect it to be the only report: the
 * subjects dropped before it (by the caller) were collected without being reported.
 */
async function expectOnlyTheControlReported(reports: Report[]): Promise<void> {
  const control = dropControl();
  await collectUntil(() => reports.some((r) => r.failure.value === control));
  expect(reports.map((r) => r.failure.value)).toEqual([control]);
}

describe('unhandled failures are reported when their Deferred is garbage-collected (U2, U3, J7)', () => {
  it('U2 LogTests.test_errorLog: an unreferenced Deferred whose callback throws is reported once, after GC', async () => {
    const reports = collectReports();
    let d: Deferred<number> | undefined = new Deferred<number>();
    d.addCallback(() => {
      throw new ZeroDivisionError('integer division or modulo by zero');
    });
    d.callback(1);
    d = undefined;
    expect(reports).toEqual([]);
    await collectUntil(() => reports.length > 0);
    expect(reports).toHaveLength(1);
    const { failure, info } = reports[0]!;
    expect(failure).toBeInstanceOf(Failure);
    expect(failure.check(ZeroDivisionError)).toBe(ZeroDivisionError);
    expect(failure.getErrorMessage()).toBe('integer division or modulo by zero');
    expect(info.when).toBe('gc');
    expect(info.debugInfo).toBeUndefined();
  });

  it('U2 LogTests.test_errorLogWithInnerFrameRef: the same when the Deferred lived in a helper\'s frame', async () => {
    const reports = collectReports();
    dropDeferredWhoseCallbackThrows();
    await collectUntil(() => reports.length > 0);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.failure.check(ZeroDivisionError)).toBe(ZeroDivisionError);
    expect(reports[0]!.info.when).toBe('gc');
  });

  it('U3 LogTests.test_errorLogWithInnerFrameCycle: a Deferred in a reference cycle is reported when the cycle is collected', async () => {
    const reports = collectReports();
    (function makeCycle(): void {
      const d = new Deferred<number>() as Deferred<number> & { _d?: unknown };
      d._d = d;
      d.addCallback(() => {
        throw new ZeroDivisionError('cycle');
      });
      d.callback(1);
    })();
    await collectUntil(() => reports.length > 0);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.failure.getErrorMessage()).toBe('cycle');
  });

  it('U3 a failed Deferred that is still referenced is not reported; once dropped, it is', async () => {
    const reports = collectReports();
    const heldError = new ZeroDivisionError('held');
    // Held by a property, not a local: JavaScriptCore (Bun) may keep a dead local of an async
    // function alive in its saved frame.
    const holder: { held?: Deferred<number> } = {};
    (() => {
      holder.held = fail<number>(heldError);
    })();
    await expectOnlyTheControlReported(reports);
    expect(holder.held!.called).toBe(true);
    holder.held = undefined;
    await collectUntil(() => reports.length > 1);
    expect(reports.map((r) => r.failure.value)).toHaveLength(2);
    expect(reports[1]!.failure.value).toBe(heldError);
  });

  it('U2 each failure is reported once, with the thrown value as failure.value (one handler call, not Twisted\'s two log events)', async () => {
    const reports = collectReports();
    const thrown = { not: 'an Error' };
    (function drop(): void {
      const d = new Deferred<string>();
      d.addCallback(() => {
        throw thrown;
      });
      d.callback('x');
    })();
    const ofThisTest = (): Report[] => reports.filter((r) => r.failure.value === thrown);
    await collectUntil(() => ofThisTest().length > 0);
    await collectGarbage();
    // Only this failure's reports count: a conservative collector (Bun's) may free a Deferred
    // dropped by an earlier test only now.
    expect(ofThisTest()).toHaveLength(1);
  });

  it('LogTests.test_errorLogNoRepr: with no handler, console.error gets "Unhandled error in Deferred:" and the traceback', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    dropDeferredWhoseCallbackThrows();
    await collectUntil(() => error.mock.calls.length > 0);
    expect(error).toHaveBeenCalledTimes(1);
    const text = String(error.mock.calls[0]![0]);
    expect(text).toMatch(/^Unhandled error in Deferred:\nZeroDivisionError: integer division or modulo by zero\n\s+at /);
    expect(text).toContain('dropDeferredWhoseCallbackThrows');
  });

  it('J7 while a handler is registered, nothing goes to console.error', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reports = collectReports();
    dropDeferredWhoseCallbackThrows();
    await collectUntil(() => reports.length > 0);
    expect(reports).toHaveLength(1);
    expect(error).not.toHaveBeenCalled();
  });

  it('LogTests.test_errorLogDebugInfo: with d.debug = true the report carries the invoker stack (" I:" first, no creator)', async () => {
    const reports = collectReports();
    (function fireWithDebug(): void {
      const d = new Deferred<number>();
      d.debug = true;
      d.addCallback(() => {
        throw new ZeroDivisionError('debug');
      });
      d.callback(1);
    })();
    await endOfMacrotask();
    await collectUntil(() => reports.length > 0);
    expect(reports).toHaveLength(1);
    const debugInfo = reports[0]!.info.debugInfo;
    expect(debugInfo).toBeDefined();
    expect(debugInfo!.startsWith(' I:')).toBe(true);
    expect(debugInfo).not.toContain(' C:');
    expect(debugInfo).toContain('fireWithDebug');
  });

  it('LogTests.test_errorLogDebugInfo (console form): the text after the header starts with "(debug:  I"', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    (function fireWithDebug(): void {
      const d = new Deferred<number>();
      d.debug = true;
      d.errback(new ZeroDivisionError('debug'));
    })();
    await endOfMacrotask();
    await collectUntil(() => error.mock.calls.length > 0);
    expect(error).toHaveBeenCalledTimes(1);
    const text = String(error.mock.calls[0]![0]);
    expect(text.startsWith('Unhandled error in Deferred:\n(debug:  I')).toBe(true);
    expect(text).toContain('ZeroDivisionError: debug');
  });

  // Browsers have no process exit: only Node and Bun run this one.
  it.skipIf(!hasNodeProcess)('J7 a failure still unhandled when the process exits is reported then', async () => {
    const { spawnSync } = await nodeModule<typeof import('node:child_process')>('child_process');
    const code =
      "import { fail } from '@deferkit/deferred';" +
      "globalThis.keep = fail(new RangeError('left at exit'));" +
      "globalThis.handled = fail(new RangeError('handled before exit'));" +
      'globalThis.handled.addErrback(() => undefined);';
    const child = spawnSync(
      process.execPath,
      ['--conditions=@deferkit/source', '--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 15_000 },
    );
    expect(child.status).toBe(0);
    expect(child.stderr).toMatch(/^Unhandled error in Deferred:\nRangeError: left at exit\n/);
    expect(child.stderr.match(/Unhandled error in Deferred:/g)).toHaveLength(1);
    expect(child.stderr).not.toContain('handled before exit');
  });
});

describe('what is not reported (U1, U4)', () => {
  it('U1 a failure handled by an errback added later (before the Deferred is dropped) is not reported', async () => {
    const reports = collectReports();
    (function failThenHandle(): void {
      const d = fail<number>(new ZeroDivisionError('handled later'));
      d.addErrback(() => 'recovered');
    })();
    await expectOnlyTheControlReported(reports);
  });

  it('U1 a Deferred that recovers and then fails again is reported with the new failure only', async () => {
    const reports = collectReports();
    const second = new ZeroDivisionError('second');
    (function failRecoverFail(): void {
      const d = fail<number>(new ZeroDivisionError('first'));
      d.addErrback(() => 1);
      d.addCallback(() => {
        throw second;
      });
    })();
    await collectUntil(() => reports.length > 0);
    await collectGarbage();
    expect(reports.map((r) => r.failure.value)).toEqual([second]);
  });

  it('U4 failures handled by an errback in the chain are not reported', async () => {
    const reports = collectReports();
    (function handled(): void {
      const d = new Deferred<number>();
      d.addCallback(() => {
        throw new ZeroDivisionError('handled');
      });
      d.addErrback((f) => {
        f.trap(ZeroDivisionError);
        return 0;
      });
      d.callback(1);
    })();
    await expectOnlyTheControlReported(reports);
  });

  it('U4/C5 LogTests.test_chainedErrorCleanup: an inner fail() returned from a callback and handled by the outer errback is not reported', async () => {
    const reports = collectReports();
    (function chained(): void {
      const d = new Deferred<null>();
      d.addCallback(() => fail(new RangeError('zoop')));
      d.callback(null);
      const results: unknown[] = [];
      const errors: Failure[] = [];
      d.addCallbacks(
        (r) => void results.push(r),
        (f) => void errors.push(f),
      );
      // Sanity check: the outer Deferred got the failure.
      expect(results).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.check(RangeError)).toBe(RangeError);
    })();
    await expectOnlyTheControlReported(reports);
  });

  it('U4/C5 an inner Deferred that fails later hands its failure to the outer one, and is not reported itself', async () => {
    const reports = collectReports();
    const err = new RangeError('inner, later');
    (function chainedLater(): void {
      const inner = new Deferred<number>();
      const outer = new Deferred<null>();
      outer.addCallback(() => inner);
      outer.callback(null);
      inner.errback(err);
      let seen: unknown;
      outer.addErrback((f) => {
        seen = f.value;
      });
      expect(seen).toBe(err);
    })();
    await expectOnlyTheControlReported(reports);
  });

  it('U4 LogTests.test_errorClearedByChaining: fail() whose errback returns an unfired Deferred is not reported', async () => {
    const reports = collectReports();
    (function cleared(): void {
      const bad = fail<number>(new Error('oh no'));
      const good = new Deferred<number>();
      bad.addErrback(() => good);
    })();
    await expectOnlyTheControlReported(reports);
  });

  it('U4 a failure consumed by yield in inlineCallbacks (already failed, and failing later) is not reported', async () => {
    const reports = collectReports();
    const caught: unknown[] = [];
    await (function consumed(): Deferred<string> {
      const later = new Deferred<number>();
      const run = inlineCallbacks(function* () {
        try {
          yield fail(new RangeError('already failed'));
        } catch (e) {
          caught.push((e as Error).message);
        }
        try {
          yield* later;
        } catch (e) {
          caught.push((e as Error).message);
        }
        return 'done';
      });
      const result = run();
      later.errback(new RangeError('failed later'));
      return result;
    })();
    expect(caught).toEqual(['already failed', 'failed later']);
    await expectOnlyTheControlReported(reports);
  });

  it('U4/J4 a failure observed by then() is not reported', async () => {
    const reports = collectReports();
    const rejected: unknown[] = [];
    const err = new RangeError('observed');
    await (function observed(): Promise<void> {
      const d = fail<number>(err);
      return d.then(undefined, (e: unknown) => void rejected.push(e));
    })();
    expect(rejected).toEqual([err]);
    await expectOnlyTheControlReported(reports);
  });

  it('U4/J4 a failure consumed by await is not reported', async () => {
    const reports = collectReports();
    const err = new RangeError('awaited');
    const caught = await (async function awaited(): Promise<unknown> {
      const d = new Deferred<number>();
      nextTurn(() => d.errback(err));
      try {
        await d;
        return 'no error';
      } catch (e) {
        return e;
      }
    })();
    expect(caught).toBe(err);
    await expectOnlyTheControlReported(reports);
  });

  it('U4/R17 succeed(aFailure) with no callbacks is not reported', async () => {
    const reports = collectReports();
    (function succeedFailure(): void {
      succeed(new Failure(new RangeError('succeed(Failure)')));
    })();
    await expectOnlyTheControlReported(reports);
  });
});

describe('onUnhandledError handlers (J7)', () => {
  it('J7 every registered handler gets the report, in registration order', async () => {
    const order: string[] = [];
    unsubscribers.push(onUnhandledError((f) => order.push(`first:${f.getErrorMessage()}`)));
    unsubscribers.push(onUnhandledError((f) => order.push(`second:${f.getErrorMessage()}`)));
    dropControl();
    await collectUntil(() => order.length > 0);
    expect(order).toEqual(['first:control', 'second:control']);
  });

  it('J7 a handler that throws does not stop the other handlers', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const boom = new Error('handler bug');
    unsubscribers.push(
      onUnhandledError(() => {
        throw boom;
      }),
    );
    const reports = collectReports();
    const control = dropControl();
    await collectUntil(() => reports.length > 0);
    expect(reports.map((r) => r.failure.value)).toEqual([control]);
    // The handler's own error is not lost either.
    expect(error.mock.calls.some((args) => args.includes(boom))).toBe(true);
  });

  it('J7 onUnhandledError returns an unsubscribe function; an unsubscribed handler is not called', async () => {
    const gone: Failure[] = [];
    const unsubscribe = onUnhandledError((f) => void gone.push(f));
    expect(typeof unsubscribe).toBe('function');
    unsubscribe();
    unsubscribe(); // idempotent
    const reports = collectReports();
    dropControl();
    await collectUntil(() => reports.length > 0);
    expect(reports).toHaveLength(1);
    expect(gone).toEqual([]);
  });

  it('J7 onUnhandledError rejects a non-function with a TypeError', () => {
    expect(() => onUnhandledError('nope' as never)).toThrow(TypeError);
  });
});

describe('logError (U5)', () => {
  it('U5 logError reports the Failure at once (when: logged) and returns that same Failure', () => {
    const reports = collectReports();
    const f = new Failure(new ZeroDivisionError('now'));
    const back = logError(f);
    expect(back).toBe(f);
    expect(reports.map((r) => [r.failure, r.info.when])).toEqual([[f, 'logged']]);
  });

  it('U5 a non-Failure is wrapped before it is reported', () => {
    const reports = collectReports();
    const err = new ZeroDivisionError('raw');
    const back = logError(err);
    expect(back).toBeInstanceOf(Failure);
    expect(back.value).toBe(err);
    expect(reports.map((r) => r.failure.value)).toEqual([err]);
  });

  it('U5 as the last errback it leaves the chain failed, so the failure is reported again when the Deferred is collected', async () => {
    const reports = collectReports();
    const err = new ZeroDivisionError('twice');
    (() => {
      fail(err).addErrback(logError);
    })();
    expect(reports.map((r) => [r.failure.value, r.info.when])).toEqual([[err, 'logged']]);
    await collectUntil(() => reports.length > 1);
    expect(reports.map((r) => [r.failure.value, r.info.when])).toEqual([
      [err, 'logged'],
      [err, 'gc'],
    ]);
  });
});

describe('debugging (D1, D2, D4)', () => {
  it('D1 setDebugging() sets the flag getDebugging() reads (default off)', () => {
    expect(getDebugging()).toBe(false);
    setDebugging(true);
    expect(getDebugging()).toBe(true);
    setDebugging(false);
    expect(getDebugging()).toBe(false);
    setDebugging(1 as unknown as boolean);
    expect(getDebugging()).toBe(true);
  });

  it('D1 d.debug follows the global flag unless set on the instance', () => {
    const plain = new Deferred();
    const own = new Deferred();
    expect(plain.debug).toBe(false);
    own.debug = true;
    expect(own.debug).toBe(true);
    expect(plain.debug).toBe(false);
    expect(new Deferred().debug).toBe(false);
    setDebugging(true);
    expect(plain.debug).toBe(true);
    own.debug = false;
    expect(own.debug).toBe(false);
  });

  it('D2/D4 debug on at creation and at firing: AlreadyCalledError shows the creator (" C:") and first invoker (" I:") only', () => {
    setDebugging(true);
    const d = (function createTheDeferred(): Deferred<number> {
      return new Deferred<number>();
    })();
    (function firstInvoker(): void {
      d.callback(1);
    })();
    let caught: unknown;
    (function secondInvoker(): void {
      try {
        d.callback(2);
      } catch (e) {
        caught = e;
      }
    })();
    expect(caught).toBeInstanceOf(AlreadyCalledError);
    const info = (caught as AlreadyCalledError).debugInfo!;
    const cLines = info.split('\n').filter((l) => l.startsWith(' C:'));
    const iLines = info.split('\n').filter((l) => l.startsWith(' I:'));
    expect(info.startsWith('\n C: Deferred was created:\n C:')).toBe(true);
    expect(info).toContain('\n I: First Invoker was:\n I:');
    expect(cLines.filter((l) => l.includes('createTheDeferred'))).toHaveLength(1);
    expect(iLines.filter((l) => l.includes('firstInvoker'))).toHaveLength(1);
    expect(info).not.toContain('secondInvoker');
  });

  it('D2 debug on only at firing: the invoker is recorded, the creator is not', () => {
    const d = new Deferred<number>();
    setDebugging(true);
    (function firstInvoker(): void {
      d.callback(1);
    })();
    let caught: unknown;
    try {
      d.callback(2);
    } catch (e) {
      caught = e;
    }
    const info = (caught as AlreadyCalledError).debugInfo!;
    expect(info).not.toContain(' C:');
    expect(info).toContain(' I: First Invoker was:');
    expect(info).toContain('firstInvoker');
  });

  it('D2 debug off: nothing is recorded (AlreadyCalledError has no debugInfo)', () => {
    const d = new Deferred<number>();
    d.callback(1);
    let caught: unknown;
    try {
      d.callback(2);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AlreadyCalledError);
    expect((caught as AlreadyCalledError).debugInfo).toBeUndefined();
  });

  it('D4/J7 with setDebugging(true) a failure still unhandled at the end of the macrotask is reported then, with C: and I: stacks', async () => {
    setDebugging(true);
    const reports = collectReports();
    const d = (function createInDebug(): Deferred<number> {
      return new Deferred<number>();
    })();
    d.addCallback(() => {
      throw new ZeroDivisionError('end of macrotask');
    });
    (function invokeInDebug(): void {
      d.callback(1);
    })();
    expect(reports).toEqual([]);
    await Promise.resolve();
    expect(reports).toEqual([]);
    await endOfMacrotask();
    // Still referenced here: this report is the macrotask sweep, not garbage collection.
    expect(d.called).toBe(true);
    expect(reports).toHaveLength(1);
    const { failure, info } = reports[0]!;
    expect(failure.getErrorMessage()).toBe('end of macrotask');
    expect(info.when).toBe('macrotask');
    const lines = info.debugInfo!.split('\n');
    expect(lines.some((l) => l.startsWith(' C:') && l.includes('createInDebug'))).toBe(true);
    expect(lines.some((l) => l.startsWith(' I:') && l.includes('invokeInDebug'))).toBe(true);
  });

  it('D4/J7 debug mode: the console report starts with "Unhandled error in Deferred:\\n(debug:  C: Deferred was created:"', async () => {
    setDebugging(true);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const d = fail<number>(new ZeroDivisionError('to the console'));
    await endOfMacrotask();
    expect(error).toHaveBeenCalledTimes(1);
    const text = String(error.mock.calls[0]![0]);
    expect(text.startsWith('Unhandled error in Deferred:\n(debug:  C: Deferred was created:\n C:')).toBe(true);
    expect(text).toContain(' I: First Invoker was:');
    expect(text).toContain('ZeroDivisionError: to the console');
    expect(d.called).toBe(true);
  });

  it('D4/U1 debug mode: a failure handled before the macrotask ends (even in a later microtask) is not reported', async () => {
    setDebugging(true);
    const reports = collectReports();
    const handledNow = fail<number>(new ZeroDivisionError('handled now'));
    handledNow.addErrback(() => 0);
    const handledInMicrotask = fail<number>(new ZeroDivisionError('handled in a microtask'));
    await Promise.resolve();
    handledInMicrotask.addErrback(() => 0);
    const unhandled = fail<number>(new ZeroDivisionError('not handled'));
    await endOfMacrotask();
    expect(reports.map((r) => r.failure.getErrorMessage())).toEqual(['not handled']);
    expect(unhandled.called).toBe(true);
  });

  it('D4 a failure reported at the end of the macrotask is not reported again when collected', async () => {
    setDebugging(true);
    const reports = collectReports();
    (function dropInDebug(): void {
      fail<number>(new ZeroDivisionError('once'));
    })();
    await endOfMacrotask();
    expect(reports.map((r) => r.failure.getErrorMessage())).toEqual(['once']);
    setDebugging(false);
    const control = dropControl();
    await collectUntil(() => reports.some((r) => r.failure.value === control));
    expect(reports.map((r) => r.failure.getErrorMessage())).toEqual(['once', 'control']);
  });
});
