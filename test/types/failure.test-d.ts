// Pins Failure.check / trap / is: what they return, and where `value` is narrowed.

import { expectTypeOf, test } from 'vitest';
import { CancelledError, Failure, succeed, type FailureMatcher, type MatchedValue } from '@deferkit/deferred';

declare const f: Failure;
class HttpProblem extends Error {
  status = 500;
}

test('value is unknown until something narrows it', () => {
  expectTypeOf(f.value).toEqualTypeOf<unknown>();
});

test('check returns the matching argument (Twisted), typed as the arguments given, or null', () => {
  expectTypeOf(f.check(TypeError)).toEqualTypeOf<TypeErrorConstructor | null>();
  expectTypeOf(f.check(TypeError, RangeError)).toEqualTypeOf<TypeErrorConstructor | RangeErrorConstructor | null>();
  expectTypeOf(f.check('TypeError')).toEqualTypeOf<'TypeError' | null>();
  expectTypeOf(f.check(HttpProblem, 'Timeout')).toEqualTypeOf<typeof HttpProblem | 'Timeout' | null>();
  // @ts-expect-error a matcher is a class or a class name
  f.check(42);
  // @ts-expect-error an instance is not a matcher
  f.check(new TypeError('x'));
});

test('trap returns the matching argument, never null (it throws instead)', () => {
  expectTypeOf(f.trap(CancelledError)).toEqualTypeOf<typeof CancelledError>();
  expectTypeOf(f.trap(TypeError, 'RangeError')).toEqualTypeOf<TypeErrorConstructor | 'RangeError'>();
  // @ts-expect-error a matcher is a class or a class name
  f.trap({});
});

test('check and trap cannot narrow value: they return the matcher, not a boolean', () => {
  if (f.check(TypeError)) expectTypeOf(f.value).toEqualTypeOf<unknown>();
  f.trap(TypeError);
  expectTypeOf(f.value).toEqualTypeOf<unknown>();
});

test('is() is the type guard: value becomes an instance of the matched classes', () => {
  expectTypeOf(f.is).returns.toEqualTypeOf<boolean>();
  if (f.is(TypeError)) {
    expectTypeOf(f.value).toEqualTypeOf<TypeError>();
    expectTypeOf(f.value.message).toEqualTypeOf<string>();
  }
  if (f.is(HttpProblem, RangeError)) expectTypeOf(f.value).toEqualTypeOf<HttpProblem | RangeError>();
  if (f.is(HttpProblem)) expectTypeOf(f.value.status).toEqualTypeOf<number>();
  // A class name says nothing about the value.
  if (f.is('TypeError')) expectTypeOf(f.value).toEqualTypeOf<unknown>();
  if (f.is(TypeError, 'RangeError')) expectTypeOf(f.value).toEqualTypeOf<unknown>();
  if (!f.is(TypeError)) {
    // @ts-expect-error not narrowed on the other branch
    void f.value.message;
  }
});

test('is() narrows inside an errback', () => {
  succeed(1).addErrback((failure) => {
    if (failure.is(HttpProblem)) return failure.value.status;
    return 0;
  });
});

test('MatchedValue maps a matcher to what it proves', () => {
  expectTypeOf<MatchedValue<typeof HttpProblem>>().toEqualTypeOf<HttpProblem>();
  expectTypeOf<MatchedValue<'HttpProblem'>>().toEqualTypeOf<unknown>();
  expectTypeOf<MatchedValue<FailureMatcher>>().toEqualTypeOf<unknown>();
});
