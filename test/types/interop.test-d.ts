// Pins the generics of @deferkit/interop and its rxjs / fp-ts adapters.

import type { Either } from 'fp-ts/Either';
import * as T from 'fp-ts/Task';
import * as TE from 'fp-ts/TaskEither';
import type { TaskEither } from 'fp-ts/TaskEither';
import { of, type Observable } from 'rxjs';
import { expectTypeOf, test } from 'vitest';
import type { Deferred, Failure, Future } from '@deferkit/deferred';
import {
  abortSignalFor,
  deferredFFromCoroF,
  deferredFromCoro,
  deferredToFuture,
  ensureAwaitable,
  fromNodeCallback,
  maybeDeferredToFuture,
  withAbortSignal,
  type DeferredFromCoro,
} from '@deferkit/interop';
import { fromTask, fromTaskEither, toTaskEither } from '@deferkit/interop/fp-ts';
import { fromDeferred, toDeferred } from '@deferkit/interop/rxjs';

declare const dn: Deferred<number>;

test('deferredToFuture / maybeDeferredToFuture keep the result type', () => {
  expectTypeOf(deferredToFuture(dn)).toEqualTypeOf<Future<number>>();
  expectTypeOf(maybeDeferredToFuture(dn)).toEqualTypeOf<Deferred<number> | Future<number>>();
  // @ts-expect-error a Promise is not a Deferred
  deferredToFuture(Promise.resolve(1));
});

test('deferredFromCoro maps Deferred, promise and generator to a Deferred, anything else to itself', () => {
  expectTypeOf(deferredFromCoro(dn)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(deferredFromCoro(Promise.resolve('x'))).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(deferredFromCoro((function* () { return true; })())).toEqualTypeOf<Deferred<boolean>>();
  expectTypeOf(deferredFromCoro(42)).toEqualTypeOf<number>();
  expectTypeOf<DeferredFromCoro<Promise<Date>>>().toEqualTypeOf<Deferred<Date>>();
  const f = deferredFFromCoroF(async (a: string, n: number) => a.length + n);
  expectTypeOf(f).toEqualTypeOf<(a: string, n: number) => Deferred<number>>();
  expectTypeOf(ensureAwaitable(dn)).toEqualTypeOf<PromiseLike<number>>();
  expectTypeOf(ensureAwaitable('x')).toEqualTypeOf<PromiseLike<string>>();
});

test('abortSignal: withAbortSignal keeps the Deferred type; abortSignalFor takes any Deferred', () => {
  expectTypeOf(withAbortSignal(dn, new AbortController().signal)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(abortSignalFor(dn)).toMatchTypeOf<AbortSignal>();
  // @ts-expect-error a signal is needed
  withAbortSignal(dn);
});

test('fromNodeCallback types the arguments and the value', () => {
  const f = fromNodeCallback((a: string, cb: (err: unknown, value: number) => void) => cb(null, a.length));
  expectTypeOf(f).toEqualTypeOf<(a: string) => Deferred<number>>();
  // @ts-expect-error the argument must be a string
  f(1);
});

test('rxjs: fromDeferred gives Observable<T>; toDeferred gives T, or T | D with a default', () => {
  expectTypeOf(fromDeferred(dn)).toEqualTypeOf<Observable<number>>();
  expectTypeOf(toDeferred(of(1, 2))).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(toDeferred(of(1), { defaultValue: 'none' })).toEqualTypeOf<Deferred<number | string>>();
  // @ts-expect-error a Deferred is not an Observable
  toDeferred(dn);
});

test('fp-ts: toTaskEither has Failure on the left; fromTaskEither / fromTask keep the right / result', () => {
  expectTypeOf(toTaskEither(() => dn)).toEqualTypeOf<TaskEither<Failure, number>>();
  expectTypeOf(toTaskEither(() => dn)()).toEqualTypeOf<Promise<Either<Failure, number>>>();
  expectTypeOf(fromTaskEither(TE.right<Error, string>('x'))).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(fromTask(T.of(true))).toEqualTypeOf<Deferred<boolean>>();
  // @ts-expect-error toTaskEither takes a factory, not a Deferred
  toTaskEither(dn);
});
