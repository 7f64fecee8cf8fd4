import { describe, expect, it } from 'vitest';
import { Deferred, Failure, fail, succeed } from '@deferkit/deferred';
import { successResultOf } from '@deferkit/deferred/testing';
import { GenericError } from './helpers.js';

describe('Deferred basics (R rules)', () => {
  it('R1 a new Deferred is unfired, unpaused and has no result', () => {
    const d = new Deferred();
    expect(d.called).toBe(false);
    expect(d.paused).toBe(0);
    expect(() => successResultOf(d)).toThrow(/no result/);
  });

  it('R2 callback() runs the chain synchronously before returning', () => {
    const log: unknown[] = [];
    const d = new Deferred<number>();
    d.addCallback((v) => log.push(v));
    d.callback(1);
    expect(log).toEqual([1]);
    expect(d.called).toBe(true);
  });

  it('R3 testCallbackWithArgs passes extra arguments after the result', () => {
    const seen: unknown[][] = [];
    const d = new Deferred<string>();
    d.addCallback((r, who: string) => seen.push([r, who]), 'world');
    d.callback('hello');
    expect(seen).toEqual([['hello', 'world']]);
  });

  it('R4 testImmediateSuccess runs a callback added to a fired Deferred at once', () => {
    const l: string[] = [];
    succeed('success').addCallback((v) => l.push(v));
    expect(l).toEqual(['success']);
  });

  it('R8 testCallbackErrors: throwing and returning a Failure both reach the next errback', () => {
    const seen: unknown[] = [];
    const d1 = new Deferred<number>();
    d1.addCallback(() => {
      throw new RangeError('zero');
    }).addErrback((f) => seen.push(f.value));
    d1.callback(1);
    const d2 = new Deferred<number>();
    const err = new RangeError('returned');
    d2.addCallback(() => new Failure(err)).addErrback((f) => seen.push(f.value));
    d2.callback(1);
    expect((seen[0] as Error).message).toBe('zero');
    expect(seen[1]).toBe(err);
  });

  it('R12 errback(failure) delivers the same Failure object', () => {
    const f = new Failure(new GenericError('x'));
    let got: Failure | undefined;
    fail(f).addErrback((g) => {
      got = g;
    });
    expect(got).toBe(f);
  });
});
