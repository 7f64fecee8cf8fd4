// Unhandled-error tracking (rule family U, deviation [J7](../../../../docs/rules.md#j7)).
//
// Twisted reports a Deferred whose chain ended in a Failure when the Deferred is finalised. Here
// a FinalizationRegistry plays __del__; failures still unhandled when the process exits are
// reported then; and in debug mode a failure still unhandled at the end of the current macrotask
// is reported too, which gives tests a deterministic moment.

import { Failure } from '../Failure.js';
import type { UnhandledErrorInfo } from '../debug.js';
import { shared } from './shared.js';

/**
 * Per-Deferred debugging state, created on demand. Holds no reference to its Deferred, so the
 * FinalizationRegistry can hold it while the Deferred itself is collected.
 *
 * Mirrors Twisted's `DebugInfo`.
 *
 * @internal
 */
export class DebugInfo {
  /** Stack where the Deferred was created (debug mode only). */
  creator: string | null = null;
  /** Stack where it was first fired (debug mode only). */
  invoker: string | null = null;
  /** The Failure the chain stopped with, while nobody has handled it. */
  failResult: Failure | null = null;
  /** Per-instance override of the global debug flag (Twisted's `d.debug = True`). */
  debug: boolean | undefined = undefined;
  /** Registered with the FinalizationRegistry already. */
  registered = false;
  /** Reported already (each failure is reported once). */
  reported = false;

  /** The creator/invoker stacks in Twisted's ` C:` / ` I:` line format, or '' when none were recorded. */
  tracebacks(): string {
    let out = '';
    if (this.creator !== null) out += ' C: Deferred was created:\n C:' + this.creator.split('\n').join('\n C:') + '\n';
    if (this.invoker !== null) out += ' I: First Invoker was:\n I:' + this.invoker.split('\n').join('\n I:') + '\n';
    return out;
  }
}

/** Failed chains not yet handled, so that process exit can report them. */
const live = new Set<DebugInfo>();

const registry: FinalizationRegistry<DebugInfo> | undefined =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<DebugInfo>((info) => {
        live.delete(info);
        if (info.failResult !== null) report(info, 'gc');
      })
    : undefined;

let exitHookInstalled = false;
let sweepScheduled = false;
const sweepQueue: DebugInfo[] = [];

interface MaybeProcess {
  on?: (event: string, fn: () => void) => unknown;
}

function installExitHook(): void {
  exitHookInstalled = true;
  const proc = (globalThis as { process?: MaybeProcess }).process;
  if (proc !== undefined && typeof proc.on === 'function') {
    proc.on('exit', () => {
      for (const info of live) if (info.failResult !== null) report(info, 'exit');
      live.clear();
    });
  }
}

function scheduleSweep(): void {
  sweepScheduled = true;
  const g = globalThis as unknown as { setImmediate?: (fn: () => void) => unknown; setTimeout: (fn: () => void, ms: number) => unknown };
  const sweep = (): void => {
    sweepScheduled = false;
    const batch = sweepQueue.splice(0, sweepQueue.length);
    for (const info of batch) if (info.failResult !== null) report(info, 'macrotask');
  };
  if (typeof g.setImmediate === 'function') g.setImmediate(sweep);
  else g.setTimeout(sweep, 0);
}

/**
 * The chain of `owner` stopped with `failure` as its result: remember it so it is reported if
 * nobody handles it. @internal
 */
export function trackFailure(owner: object, info: DebugInfo, failure: Failure, debug: boolean): void {
  info.failResult = failure;
  info.reported = false;
  // V8 keeps an Error's call sites, receivers included (this Deferred, when the error was thrown
  // inside one of its callbacks), until `stack` is first read. The registry holds `info` strongly,
  // so format the stack now, or `owner` could never be collected and reported ([U2](../../../../docs/rules.md#u2)/[U3](../../../../docs/rules.md#u3)).
  const value = failure.value;
  if (value instanceof Error) void value.stack;
  live.add(info);
  if (!info.registered && registry !== undefined) {
    info.registered = true;
    registry.register(owner, info);
  }
  if (!exitHookInstalled) installExitHook();
  if (debug) {
    sweepQueue.push(info);
    if (!sweepScheduled) scheduleSweep();
  }
}

/** The failure was handled (an errback recovered, or the result moved on). @internal */
export function clearFailure(info: DebugInfo): void {
  if (info.failResult !== null) {
    info.failResult = null;
    live.delete(info);
  }
}

function report(info: DebugInfo, when: UnhandledErrorInfo['when']): void {
  const failure = info.failResult;
  info.failResult = null;
  live.delete(info);
  if (failure === null || failure._observed || info.reported) return;
  info.reported = true;
  const traces = info.tracebacks();
  reportUnhandledFailure(failure, traces === '' ? undefined : traces, when);
}

/**
 * Hand a failure nobody handled to the `onUnhandledError` handlers, or to `console.error` when
 * there are none. Never throws. @internal
 */
export function reportUnhandledFailure(
  failure: Failure,
  debugInfo: string | undefined,
  when: UnhandledErrorInfo['when'],
): void {
  const handlers = shared.handlers;
  if (handlers.length > 0) {
    const info: UnhandledErrorInfo = { debugInfo, when };
    for (const handler of handlers.slice()) {
      try {
        handler(failure, info);
      } catch (e) {
        safeConsoleError('deferkit: an onUnhandledError handler threw:', e);
      }
    }
    return;
  }
  const head = debugInfo === undefined ? '' : `(debug: ${debugInfo})\n`;
  const title = when === 'logged' ? 'Unhandled Error' : 'Unhandled error in Deferred:';
  safeConsoleError(`${title}\n${head}${failure.getTraceback()}`);
}

function safeConsoleError(...args: unknown[]): void {
  try {
    const c = (globalThis as { console?: { error?: (...a: unknown[]) => void } }).console;
    c?.error?.(...args);
  } catch {
    /* reporting must never crash the process */
  }
}

/** Fresh stack text without the frames of this package's own machinery. @internal */
export function captureStack(skip: number): string {
  const stack = new Error().stack ?? '';
  // Drop the "Error" header and this function's own frame, then `skip` caller frames ([D2](../../../../docs/rules.md#d2)).
  const lines = stack.split('\n').slice(2 + skip);
  return lines.join('\n');
}

/** @internal Re-exported so tests can see a Failure's class without a second import. */
export { Failure };
