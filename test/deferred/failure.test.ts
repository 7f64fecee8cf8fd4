// Failure: rules F1-F4 of the Twisted reference (docs/rules.md) §2.2, adapted to JavaScript values
// (deviation J1: a Failure wraps any thrown value, and `value` is that value).

import { describe, expect, it } from 'vitest';
import { Deferred, Failure, isFailure } from '@deferkit/deferred';
import { failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { GenericError, expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { thrownBy } from '../support.js';

expectNoUnhandledErrorsInEachTest();

class BaseProblem extends Error {
  override name = 'BaseProblem';
}
class DerivedProblem extends BaseProblem {
  override name = 'DerivedProblem';
}

describe('constructing (F1)', () => {
  it('F1 new Failure(error) keeps the error as value and its class as type', () => {
    const err = new DerivedProblem('boom');
    const f = new Failure(err);
    expect(f.value).toBe(err);
    expect(f.type).toBe(DerivedProblem);
    expect(isFailure(f)).toBe(true);
  });

  it("F1 new Failure(otherFailure) copies the other's value and type", () => {
    const err = new GenericError('original');
    const original = new Failure(err);
    const copy = new Failure(original);
    expect(copy).not.toBe(original);
    expect(copy.value).toBe(err);
    expect(copy.type).toBe(GenericError);
    expect(isFailure(copy.value)).toBe(false);
  });

  it('F1 (J1) non-Error values get their wrapper class, or null for null and undefined, as type', () => {
    expect(new Failure('text').type).toBe(String);
    expect(new Failure(42).type).toBe(Number);
    expect(new Failure(true).type).toBe(Boolean);
    expect(new Failure({ a: 1 }).type).toBe(Object);
    expect(new Failure(null).type).toBeNull();
    const none = new Failure();
    expect(none.value).toBeUndefined();
    expect(none.type).toBeNull();
  });
});

describe('check and trap (F2, F3)', () => {
  it('F2 check() returns the first argument the value is an instance of, base classes included', () => {
    const f = new Failure(new DerivedProblem('x'));
    expect(f.check(RangeError, BaseProblem)).toBe(BaseProblem);
    expect(f.check(DerivedProblem, BaseProblem)).toBe(DerivedProblem);
    expect(f.check(Error, DerivedProblem)).toBe(Error);
    expect(f.check(RangeError)).toBeNull();
    expect(f.check()).toBeNull();
  });

  it('F2 check() accepts class names, matching any class in the prototype chain', () => {
    const f = new Failure(new DerivedProblem('x'));
    expect(f.check('BaseProblem')).toBe('BaseProblem');
    expect(f.check('DerivedProblem')).toBe('DerivedProblem');
    expect(f.check('RangeError', 'Error')).toBe('Error');
    expect(f.check('KeyError')).toBeNull();
    expect(f.check('KeyError', BaseProblem)).toBe(BaseProblem);
  });

  it('F2 check() on primitive values matches their wrapper class and its name', () => {
    const f = new Failure('a string');
    expect(f.check(Number, String)).toBe(String);
    expect(f.check('String')).toBe('String');
    expect(f.check(Error)).toBeNull();
    expect(new Failure(undefined).check(Error, 'Error', Object)).toBeNull();
  });

  it('F3 trap() returns what check() returns when something matches', () => {
    const f = new Failure(new DerivedProblem('x'));
    expect(f.trap(RangeError, BaseProblem)).toBe(BaseProblem);
    expect(f.trap('DerivedProblem')).toBe('DerivedProblem');
  });

  it('is() answers check() !== null, for classes, names and primitives alike (the type guard of check)', () => {
    const f = new Failure(new DerivedProblem('x'));
    expect(f.is(BaseProblem)).toBe(true);
    expect(f.is(RangeError, 'DerivedProblem')).toBe(true);
    expect(f.is(RangeError)).toBe(false);
    expect(new Failure('raw').is(String)).toBe(true);
    expect(new Failure(undefined).is(Error, 'Error', Object)).toBe(false);
    if (f.is(DerivedProblem)) expect(f.value.message).toBe('x');
  });

  it('F3 trap() re-throws the original value, not the Failure, when nothing matches', () => {
    const err = new DerivedProblem('not handled here');
    const f = new Failure(err);
    expect(thrownBy(() => f.trap(RangeError, 'TypeError'))).toBe(err);
    const raw = new Failure('raw string');
    expect(thrownBy(() => raw.trap(Error))).toBe('raw string');
  });

  it('F3 in an errback: a non-matching trap passes a Failure of the same value to the next errback', () => {
    const err = new GenericError('keep going');
    const seen: Failure[] = [];
    const d = new Deferred<string>();
    d.addErrback((f) => {
      seen.push(f);
      f.trap(RangeError);
      return 'not reached';
    });
    d.addErrback((f) => {
      seen.push(f);
      return f;
    });
    d.errback(err);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.value).toBe(err);
    expect(seen[1]!.type).toBe(GenericError);
    expect(failureResultOf(d, GenericError).value).toBe(err);
  });

  it("F3 in an errback: a matching trap lets the errback return normally, its value the new result", () => {
    const d = new Deferred<string>();
    d.addErrback((f) => {
      f.trap(GenericError);
    });
    d.errback(new GenericError('handled'));
    expect(successResultOf(d)).toBeUndefined();
  });
});

describe('messages and tracebacks (F4)', () => {
  it('F4 raiseException() throws the wrapped value itself', () => {
    const err = new GenericError('raise me');
    expect(thrownBy(() => new Failure(err).raiseException())).toBe(err);
    const obj = { not: 'an error' };
    expect(thrownBy(() => new Failure(obj).raiseException())).toBe(obj);
  });

  it("F4 getErrorMessage() is the error's message, or the value as a string", () => {
    expect(new Failure(new GenericError('the message')).getErrorMessage()).toBe('the message');
    expect(new Failure({ message: 'from an object' }).getErrorMessage()).toBe('from an object');
    expect(new Failure('plain').getErrorMessage()).toBe('plain');
    expect(new Failure(404).getErrorMessage()).toBe('404');
    expect(new Failure(undefined).getErrorMessage()).toBe('undefined');
  });

  it("F4 getTraceback() is the error's stack, or 'Type: message' for values without one", () => {
    function throwingHelperForTraceback(): never {
      throw new GenericError('with stack');
    }
    const err = thrownBy(throwingHelperForTraceback) as Error;
    const tb = new Failure(err).getTraceback();
    expect(tb).toBe(err.stack);
    expect(tb).toMatch(/^GenericError: with stack\n/);
    expect(tb).toContain('throwingHelperForTraceback');
    expect(new Failure('no stack').getTraceback()).toBe('String: no stack');
  });

  it("F4 toString() reads '[Failure instance: Type: message]'", () => {
    expect(new Failure(new GenericError('shown')).toString()).toBe('[Failure instance: GenericError: shown]');
    expect(String(new Failure(new RangeError('r')))).toBe('[Failure instance: RangeError: r]');
  });
});
