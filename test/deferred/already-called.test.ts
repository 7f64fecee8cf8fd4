// AlreadyCalledError: rules A1-A5 of the Twisted reference (docs/rules.md) §2.6 and Twisted's
// AlreadyCalledTests (§3.5 items 93-99; debugging is on in their setUp, as here).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyCalledError, CancelledError, Deferred, getDebugging, isFailure, setDebugging } from '@deferkit/deferred';
import { failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { thrownBy } from '../support.js';

expectNoUnhandledErrorsInEachTest();

// Named functions, so their names can be looked for in the recorded stacks (A3).
function createDeferredForAlreadyCalled(): Deferred<string> {
  return new Deferred<string>();
}
function firstInvokerCallback(d: Deferred<string>): void {
  d.callback('first');
}
function firstInvokerErrback(d: Deferred<string>): void {
  d.errback(new GenericError('first'));
}
function secondInvokerCallback(d: Deferred<string>): void {
  d.callback('second');
}
function secondInvokerErrback(d: Deferred<string>): void {
  d.errback(new GenericError('second'));
}

type Step = (d: Deferred<string>) => void;
const combos: [name: string, first: Step, second: Step][] = [
  ['CC', firstInvokerCallback, secondInvokerCallback],
  ['CE', firstInvokerCallback, secondInvokerErrback],
  ['EC', firstInvokerErrback, secondInvokerCallback],
  ['EE', firstInvokerErrback, secondInvokerErrback],
];

/** The result the Deferred carries, as a comparable summary (handles a failure). */
function outcome(d: Deferred<string>): unknown {
  if (isFailure((d as any)._result)) {
    const f = failureResultOf(d);
    return ['failure', (f.value as Error).message];
  }
  return ['success', successResultOf(d)];
}

describe('AlreadyCalledTests (debugging on)', () => {
  beforeEach(() => {
    setDebugging(true);
  });
  afterEach(() => {
    setDebugging(false);
  });

  for (const [name, first, second] of combos) {
    it(`A1 testAlreadyCalled_${name}: a second ${name[1] === 'C' ? 'callback' : 'errback'} after a ${
      name[0] === 'C' ? 'callback' : 'errback'
    } throws AlreadyCalledError and changes nothing`, () => {
      const d = createDeferredForAlreadyCalled();
      first(d);
      const e = thrownBy(() => second(d));
      expect(e).toBeInstanceOf(AlreadyCalledError);
      expect((e as Error).name).toBe('AlreadyCalledError');
      expect((e as Error).message).toMatch(/already been fired/);
      expect(outcome(d)).toEqual(name[0] === 'C' ? ['success', 'first'] : ['failure', 'first']);
    });
  }

  for (const [name, first, second] of combos) {
    it(`A3 testAlreadyCalledDebug_${name}: C: lines name the creator once, I: lines the first invoker once, never the second invoker`, () => {
      const d = createDeferredForAlreadyCalled();
      first(d);
      const e = thrownBy(() => second(d)) as AlreadyCalledError;
      expect(e).toBeInstanceOf(AlreadyCalledError);
      const lines = e.message.split('\n');
      const cLines = lines.filter((l) => l.startsWith(' C:'));
      const iLines = lines.filter((l) => l.startsWith(' I:'));
      expect(cLines.filter((l) => l.includes('createDeferredForAlreadyCalled'))).toHaveLength(1);
      expect(cLines.filter((l) => l.includes(first.name))).toHaveLength(0);
      expect(iLines.filter((l) => l.includes(first.name))).toHaveLength(1);
      expect(iLines.filter((l) => l.includes('createDeferredForAlreadyCalled'))).toHaveLength(0);
      expect(e.message).not.toContain(second.name);
      // The debug text is also on the error, and the message carries it.
      expect(e.debugInfo).toBeDefined();
      expect(e.message).toContain(e.debugInfo!);
      outcome(d);
    });
  }

  it('A3 the C: stack starts at the creating function and the I: stack at the first invoker (D2)', () => {
    const d = createDeferredForAlreadyCalled();
    firstInvokerCallback(d);
    const e = thrownBy(() => secondInvokerCallback(d)) as AlreadyCalledError;
    const lines = e.debugInfo!.split('\n');
    const cHeader = lines.findIndex((l) => l.startsWith(' C:') && l.includes('created'));
    const iHeader = lines.findIndex((l) => l.startsWith(' I:') && l.includes('Invoker'));
    expect(cHeader).toBeGreaterThanOrEqual(0);
    expect(iHeader).toBeGreaterThan(cHeader);
    expect(lines[cHeader + 1]).toContain('createDeferredForAlreadyCalled');
    expect(lines[iHeader + 1]).toContain('firstInvokerCallback');
  });
});

describe('AlreadyCalledError without debugging (A2, A4, A5)', () => {
  afterEach(() => {
    setDebugging(false);
  });

  it('A2 testNoDebugging: with debugging off the error carries no creator/invoker stacks', () => {
    setDebugging(false);
    expect(getDebugging()).toBe(false);
    const d = createDeferredForAlreadyCalled();
    firstInvokerCallback(d);
    const e = thrownBy(() => secondInvokerCallback(d)) as AlreadyCalledError;
    expect(e).toBeInstanceOf(AlreadyCalledError);
    expect(e.debugInfo).toBeUndefined();
    expect(e.message).not.toMatch(/^ [CI]:/m);
    expect(e.message).toContain('setDebugging(true)');
    expect(successResultOf(d)).toBe('first');
  });

  it('A4 after cancel() without a canceller exactly one late callback() or errback() is swallowed', () => {
    const d = new Deferred<string>();
    d.cancel();
    expect(() => d.errback(new GenericError('late'))).not.toThrow();
    expect(() => d.callback('later')).toThrow(AlreadyCalledError);
    expect(() => d.errback(new GenericError('latest'))).toThrow(AlreadyCalledError);
    expect(failureResultOf(d, CancelledError).value).toBeInstanceOf(CancelledError);
  });

  it('A4 with a canceller that does not fire the Deferred nothing is swallowed', () => {
    const d = new Deferred<string>(() => {});
    d.cancel();
    expect(() => d.callback('late')).toThrow(AlreadyCalledError);
    expect(failureResultOf(d, CancelledError).value).toBeInstanceOf(CancelledError);
  });

  it('A5 testSwitchDebugging: flipping debugging between creation, adding and firing is safe', () => {
    const log: unknown[] = [];
    setDebugging(false);
    const d1 = new Deferred<string>();
    d1.addBoth((r) => log.push(r));
    setDebugging(true);
    d1.callback('one');

    setDebugging(false);
    const d2 = new Deferred<string>();
    d2.callback('two');
    setDebugging(true);
    d2.addBoth((r) => log.push(r));
    expect(log).toEqual(['one', 'two']);
  });

  it('A5 a Deferred created with debugging off but fired with it on records only the invoker', () => {
    setDebugging(false);
    const d = createDeferredForAlreadyCalled();
    setDebugging(true);
    firstInvokerCallback(d);
    const e = thrownBy(() => secondInvokerCallback(d)) as AlreadyCalledError;
    expect(e).toBeInstanceOf(AlreadyCalledError);
    expect(e.debugInfo).toBeDefined();
    expect(e.debugInfo).not.toMatch(/^ C:/m);
    expect(e.debugInfo).toMatch(/^ I:.*firstInvokerCallback/m);
  });
});
