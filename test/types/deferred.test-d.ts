// Pins the public types of @deferkit/deferred (docs/design.md "Types:" and the API table).

import { expectTypeOf, test } from 'vitest';
import {
  Deferred,
  DeferredList,
  Failure,
  ensureDeferred,
  fail,
  gatherResults,
  inlineCallbacks,
  maybeDeferred,
  race,
  succeed,
  type DeferredListEntry,
  type FirstResult,
  type IReactorTime,
} from '@deferkit/deferred';

declare const dn: Deferred<number>;
declare const ds: Deferred<string>;
declare const dbool: Deferred<boolean>;
declare const clock: IReactorTime;

test('addCallback<U> returns Deferred<U>', () => {
  expectTypeOf(dn.addCallback((n) => String(n))).toEqualTypeOf<Deferred<string>>();
  dn.addCallback((n) => {
    expectTypeOf(n).toEqualTypeOf<number>();
  });
  expectTypeOf(dn.addCallback(() => undefined)).toEqualTypeOf<Deferred<undefined>>();
});

test('a callback returning Deferred<U> or Promise<U> gives Deferred<U>', () => {
  expectTypeOf(dn.addCallback(() => ds)).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(dn.addCallback(() => Promise.resolve(true))).toEqualTypeOf<Deferred<boolean>>();
  expectTypeOf(dn.addCallback(async () => 'x')).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(dn.addCallback((n): Deferred<number> | string => (n > 0 ? succeed(n) : 'none'))).toEqualTypeOf<
    Deferred<number | string>
  >();
});

test('a callback returning a Failure contributes never', () => {
  expectTypeOf(dn.addCallback(() => new Failure(new Error('x')))).toEqualTypeOf<Deferred<never>>();
  expectTypeOf(dn.addCallback((n) => (n > 0 ? n : new Failure(new Error('neg'))))).toEqualTypeOf<Deferred<number>>();
});

test('addCallback extra arguments are typed', () => {
  expectTypeOf(dn.addCallback((n, label: string, times: number) => `${label}${n * times}`, 'x', 2)).toEqualTypeOf<
    Deferred<string>
  >();
  // @ts-expect-error the extra argument must be a string
  dn.addCallback((n, label: string) => label + n, 42);
  // @ts-expect-error a required extra argument is missing
  dn.addCallback((n, label: string) => label + n);
  // @ts-expect-error the callback takes no extra argument
  dn.addCallback((n) => n, 'surplus');
  // @ts-expect-error the callback expects a string result, not a number
  dn.addCallback((s: string) => s.length);
});

test('addErrback returns Deferred<T | U> and gets a Failure', () => {
  expectTypeOf(dn.addErrback(() => 'recovered')).toEqualTypeOf<Deferred<number | string>>();
  expectTypeOf(dn.addErrback((f) => f)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(dn.addErrback(() => ds)).toEqualTypeOf<Deferred<number | string>>();
  dn.addErrback((f) => {
    expectTypeOf(f).toEqualTypeOf<Failure>();
  });
  expectTypeOf(dn.addErrback((_f, n: number) => n, 1)).toEqualTypeOf<Deferred<number>>();
  // @ts-expect-error the extra argument must be a number
  dn.addErrback((_f, n: number) => n, 'one');
});

test('addBoth gets T | Failure', () => {
  dn.addBoth((r) => {
    expectTypeOf(r).toEqualTypeOf<number | Failure>();
  });
  expectTypeOf(dn.addBoth((r) => (r instanceof Failure ? 0 : r))).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(dn.addBoth((r, s: string) => s + String(r), 'x')).toEqualTypeOf<Deferred<string>>();
});

test('addCallbacks with and without an errback', () => {
  expectTypeOf(dn.addCallbacks((n) => n > 1)).toEqualTypeOf<Deferred<boolean>>();
  expectTypeOf(dn.addCallbacks((n) => n > 1, null)).toEqualTypeOf<Deferred<boolean>>();
  expectTypeOf(
    dn.addCallbacks(
      (n) => String(n),
      (f) => {
        expectTypeOf(f).toEqualTypeOf<Failure>();
        return 0;
      },
    ),
  ).toEqualTypeOf<Deferred<string | number>>();
  expectTypeOf(
    dn.addCallbacks(
      (n, extra: string) => extra + n,
      (_f, code: number) => code,
      { callbackArgs: ['a'], errbackArgs: [1] },
    ),
  ).toEqualTypeOf<Deferred<string | number>>();
  // @ts-expect-error callbackArgs must match the callback's extra parameters
  dn.addCallbacks((n, extra: string) => extra + n, (_f, code: number) => code, { callbackArgs: [1], errbackArgs: [1] });
});

test('new DeferredList(ds) → DeferredList<DeferredListEntry<T>[]>', () => {
  const dl = new DeferredList([dn, succeed(2)]);
  expectTypeOf(dl).toEqualTypeOf<DeferredList<DeferredListEntry<number>[]>>();
  expectTypeOf(dl).toExtend<Deferred<DeferredListEntry<number>[]>>();
  expectTypeOf(new DeferredList([dn], { consumeErrors: true })).toEqualTypeOf<DeferredList<DeferredListEntry<number>[]>>();
  expectTypeOf(new DeferredList([dn], { fireOnOneErrback: true })).toEqualTypeOf<DeferredList<DeferredListEntry<number>[]>>();
  dl.addCallback((entries) => {
    for (const [ok, r] of entries) {
      if (ok) expectTypeOf(r).toEqualTypeOf<number>();
      else expectTypeOf(r).toEqualTypeOf<Failure>();
    }
  });
});

test('new DeferredList(ds, { fireOnOneCallback: true }) → FirstResult<T> | DeferredListEntry<T>[]', () => {
  expectTypeOf(new DeferredList([dn], { fireOnOneCallback: true })).toEqualTypeOf<
    DeferredList<FirstResult<number> | DeferredListEntry<number>[]>
  >();
  expectTypeOf<FirstResult<number>>().toEqualTypeOf<[result: number, index: number]>();
});

test('both fireOnOne flags → FirstResult<T>', () => {
  expectTypeOf(new DeferredList([dn], { fireOnOneCallback: true, fireOnOneErrback: true })).toEqualTypeOf<
    DeferredList<FirstResult<number>>
  >();
});

test('gatherResults: a tuple gives a tuple of result types, an array gives T[]', () => {
  expectTypeOf(gatherResults([dn, ds] as const)).toEqualTypeOf<Deferred<[number, string]>>();
  expectTypeOf(gatherResults([dn, ds, dbool])).toEqualTypeOf<Deferred<[number, string, boolean]>>();
  const tuple: [Deferred<number>, Deferred<string>] = [dn, ds];
  expectTypeOf(gatherResults(tuple)).toEqualTypeOf<Deferred<[number, string]>>();
  const array: Deferred<number>[] = [dn, dn];
  expectTypeOf(gatherResults(array)).toEqualTypeOf<Deferred<number[]>>();
  expectTypeOf(gatherResults(array, { consumeErrors: true })).toEqualTypeOf<Deferred<number[]>>();
  expectTypeOf(gatherResults([])).toEqualTypeOf<Deferred<[]>>();
});

test('race → [index, value]', () => {
  expectTypeOf(race([dn, ds])).toEqualTypeOf<Deferred<[index: 0, result: number] | [index: 1, result: string]>>();
  const array: Deferred<number>[] = [dn, dn];
  expectTypeOf(race(array)).toEqualTypeOf<Deferred<[index: number, result: number]>>();
  race(array).addCallback(([index, value]) => {
    expectTypeOf(index).toEqualTypeOf<number>();
    expectTypeOf(value).toEqualTypeOf<number>();
  });
});

test('inlineCallbacks: a plain yield is unknown (say what you expect), and so is a result built from it', () => {
  const f = inlineCallbacks(function* () {
    const x = yield succeed(1);
    expectTypeOf(x).toEqualTypeOf<unknown>();
    return x;
  });
  expectTypeOf(f()).toEqualTypeOf<Deferred<unknown>>();
  inlineCallbacks(function* () {
    // @ts-expect-error a yield's value is unknown, not any: narrow it or use yield*
    const n: number = yield succeed(1);
    return n;
  });
});

test('inlineCallbacks keeps the parameters; yield* d is typed', () => {
  const f = inlineCallbacks(function* (x: number) {
    const s = yield* succeed('a');
    expectTypeOf(s).toEqualTypeOf<string>();
    return s.length + x;
  });
  expectTypeOf(f).toEqualTypeOf<(x: number) => Deferred<number>>();
  expectTypeOf(f(1)).toEqualTypeOf<Deferred<number>>();
  // @ts-expect-error x must be a number
  f('1');
});

test('maybeDeferred (plain, Deferred-returning, async) → Deferred<U>', () => {
  expectTypeOf(maybeDeferred((x: number) => x + 1, 1)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(maybeDeferred(() => ds)).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(maybeDeferred(async (s: string) => s.length, 'abc')).toEqualTypeOf<Deferred<number>>();
  // @ts-expect-error the argument must be a number
  maybeDeferred((x: number) => x + 1, 'one');
});

test('maybeDeferred of a function returning a Failure → Deferred<never>', () => {
  expectTypeOf(maybeDeferred(() => new Failure(new Error('x')))).toEqualTypeOf<Deferred<never>>();
});

test('mixed element types widen to a union (DeferredList, gatherResults over an array)', () => {
  expectTypeOf(new DeferredList([dn, ds])).toEqualTypeOf<DeferredList<DeferredListEntry<number | string>[]>>();
  expectTypeOf(new DeferredList([dn, ds], { fireOnOneCallback: true })).toEqualTypeOf<
    DeferredList<FirstResult<number | string> | DeferredListEntry<number | string>[]>
  >();
  expectTypeOf(new DeferredList([dn, ds], { fireOnOneCallback: true, fireOnOneErrback: true })).toEqualTypeOf<
    DeferredList<FirstResult<number | string>>
  >();
  // An explicit result type still works.
  expectTypeOf(new DeferredList<unknown>([dn, ds])).toEqualTypeOf<DeferredList<DeferredListEntry<unknown>[]>>();
  // @ts-expect-error only Deferreds can be listed
  new DeferredList([dn, 5]);
  const mixed = [dn, ds];
  expectTypeOf(gatherResults(mixed)).toEqualTypeOf<Deferred<(number | string)[]>>();
});

test('addTimeout keeps T, or adds what onTimeoutCancel returns', () => {
  expectTypeOf(dn.addTimeout(5, clock)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(dn.addTimeout(5, clock, () => 'OVERRIDDEN' as const)).toEqualTypeOf<Deferred<number | 'OVERRIDDEN'>>();
  dn.addTimeout(5, clock, (result, timeout) => {
    expectTypeOf(result).toEqualTypeOf<number | Failure>();
    expectTypeOf(timeout).toEqualTypeOf<number>();
  });
  // @ts-expect-error the clock must provide callLater
  dn.addTimeout(5, { seconds: () => 0 });
});

test('chainDeferred takes a Deferred of the same type and leaves undefined behind', () => {
  expectTypeOf(dn.chainDeferred(new Deferred<number>())).toEqualTypeOf<Deferred<undefined>>();
  // @ts-expect-error the target must accept this result type
  dn.chainDeferred(new Deferred<string>());
});

test('Deferred.fromFuture and Deferred.fromCoroutine', () => {
  expectTypeOf(Deferred.fromFuture(Promise.resolve(7))).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(
    Deferred.fromCoroutine(
      (function* () {
        return (yield* ds).length;
      })(),
    ),
  ).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(Deferred.fromCoroutine((async () => true)())).toEqualTypeOf<Deferred<boolean>>();
});

test('succeed and fail', () => {
  expectTypeOf(succeed(1)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(succeed('s')).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(succeed()).toEqualTypeOf<Deferred<undefined>>();
  expectTypeOf(fail()).toEqualTypeOf<Deferred<never>>();
  expectTypeOf(fail(new Error('x'))).toEqualTypeOf<Deferred<never>>();
  expectTypeOf(fail<number>(new Error('x'))).toEqualTypeOf<Deferred<number>>();
});

test('ensureDeferred (Deferred, generator, promise) → Deferred<T>', () => {
  expectTypeOf(ensureDeferred(dn)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(
    ensureDeferred(
      (function* () {
        const n = yield* dn;
        return n > 0;
      })(),
    ),
  ).toEqualTypeOf<Deferred<boolean>>();
  expectTypeOf(ensureDeferred((async () => 'foo')())).toEqualTypeOf<Deferred<string>>();
  // @ts-expect-error a plain value is not a coroutine
  ensureDeferred('something');
});

test('Deferred<T> is PromiseLike<T>, and await d has type T', async () => {
  expectTypeOf(dn).toExtend<PromiseLike<number>>();
  expectTypeOf<Deferred<string>>().not.toExtend<PromiseLike<number>>();
  const v = await dn;
  expectTypeOf(v).toEqualTypeOf<number>();
  const w = await dn.addCallback((n) => [n]);
  expectTypeOf(w).toEqualTypeOf<number[]>();
});

test('callback() takes T; errback() takes anything', () => {
  dn.callback(1);
  // @ts-expect-error a Deferred<number> is fired with a number
  dn.callback('one');
  dn.errback(new Error('x'));
  dn.errback('any value (J1)');
  dn.errback();
});
