// pause() / unpause(): rules P1-P6 of the Twisted reference (docs/rules.md) §2.5, with deviation J10
// (docs/design.md) replacing P5: unpause() without a matching pause() throws. testPausedFailure and
// testUnpauseBeforeCallback (§3.2 items 14, 16) are in callbacks.test.ts.

import { describe, expect, it } from 'vitest';
import { CancelledError, Deferred, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { thrownBy } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('pause and unpause (P1-P6)', () => {
  it('P1 pause() increments paused, unpause() decrements it and at 0 runs the pending pairs', () => {
    const log: unknown[] = [];
    const d = succeed('v');
    d.pause();
    expect(d.paused).toBe(1);
    d.addCallback((r) => {
      log.push(r);
      return r;
    });
    expect(log).toEqual([]);
    assertNoResult(d);
    d.unpause();
    expect(d.paused).toBe(0);
    expect(log).toEqual(['v']);
    expect(successResultOf(d)).toBe('v');
  });

  it('P2 pauses nest: two pause() calls need two unpause() calls', () => {
    const log: unknown[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => log.push(r));
    d.pause();
    d.pause();
    expect(d.paused).toBe(2);
    d.callback('x');
    d.unpause();
    expect(d.paused).toBe(1);
    expect(log).toEqual([]);
    d.unpause();
    expect(d.paused).toBe(0);
    expect(log).toEqual(['x']);
  });

  it('P3 while paused, callback() records the result but runs nothing', () => {
    const log: unknown[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => log.push(r));
    d.pause();
    d.callback('recorded');
    expect(d.called).toBe(true);
    expect(log).toEqual([]);
    assertNoResult(d);
    d.unpause();
    expect(log).toEqual(['recorded']);
  });

  it('P4 pause() from inside a running callback does not stop the rest of that run', () => {
    const log: string[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => {
      d.pause();
      log.push('first');
      return r;
    });
    d.addCallback((r) => {
      log.push('second');
      return r;
    });
    d.callback('x');
    expect(log).toEqual(['first', 'second']);
    expect(d.paused).toBe(1);
  });

  it('P4 ... but it holds back callbacks added afterwards until unpause()', () => {
    const log: string[] = [];
    const d = new Deferred<string>();
    d.addCallback((r) => {
      d.pause();
      return r;
    });
    d.callback('x');
    d.addCallback((r) => {
      log.push(`later:${r}`);
    });
    expect(log).toEqual([]);
    d.unpause();
    expect(log).toEqual(['later:x']);
  });

  it('P5 (J10) unpause() without a matching pause() throws an Error mentioning pause() and changes nothing', () => {
    const d = new Deferred<string>();
    const e = thrownBy(() => d.unpause());
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain('unpause()');
    expect((e as Error).message).toContain('pause()');
    expect((e as Error).message).toMatch(/without a matching pause\(\)/);
    expect(d.paused).toBe(0);
    const log: unknown[] = [];
    d.addCallback((r) => log.push(r));
    d.callback('still works');
    expect(log).toEqual(['still works']);
  });

  it('P5 (J10) one unpause() too many after matched pairs throws and leaves the count at 0', () => {
    const d = succeed(1);
    d.pause();
    d.unpause();
    expect(() => d.unpause()).toThrow(/pause\(\)/);
    expect(d.paused).toBe(0);
    expect(successResultOf(d)).toBe(1);
  });

  it('P6 cancel() of a paused unfired Deferred fires it, but its errbacks wait for unpause()', () => {
    const seen: unknown[] = [];
    const d = new Deferred<string>();
    d.addErrback((f) => {
      seen.push(f.value);
      return 'handled';
    });
    d.pause();
    d.cancel();
    expect(d.called).toBe(true);
    expect(seen).toEqual([]);
    assertNoResult(d);
    d.unpause();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(CancelledError);
    expect(successResultOf(d)).toBe('handled');
  });

  it('P6 a paused cancelled Deferred without errbacks shows the CancelledError once unpaused', () => {
    const d = new Deferred<string>();
    d.pause();
    d.cancel();
    assertNoResult(d);
    d.unpause();
    expect(failureResultOf(d, CancelledError).value).toBeInstanceOf(CancelledError);
  });
});
