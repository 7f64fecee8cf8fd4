// @deferkit/interop/fp-ts: Deferred <-> Task / TaskEither. Uses fp-ts, an optional peer
// dependency, loaded only by this subpath.

import { Deferred, Failure } from '@deferkit/deferred';
import * as E from 'fp-ts/lib/Either.js';
import type { Task } from 'fp-ts/lib/Task.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';

/**
 * A TaskEither running `factory()` each time it is run (a Task may run more than once, a
 * Deferred fires once): `Right(result)` on success, `Left(failure)` on failure. The Deferred's
 * result is observed, not consumed ([J4](../../../docs/rules.md#j4)).
 *
 * @param factory - makes the Deferred, e.g. `() => engine.download(request)`.
 * @example
 * ```ts
 * import { succeed } from '@deferkit/deferred';
 * import { toTaskEither } from '@deferkit/interop/fp-ts';
 *
 * const te = toTaskEither(() => succeed(1));
 * console.log(await te());
 * // prints: { _tag: 'Right', right: 1 }
 * ```
 */
export function toTaskEither<T>(factory: () => Deferred<T>): TaskEither<Failure, T> {
  if (typeof factory !== 'function') {
    throw new TypeError('toTaskEither(factory): pass a function returning a Deferred, e.g. toTaskEither(() => d); a Task may run more than once.');
  }
  return () =>
    new Promise<E.Either<Failure, T>>((resolve) => {
      let d: Deferred<T>;
      try {
        d = factory();
      } catch (e) {
        resolve(E.left(new Failure(e)));
        return;
      }
      d.addCallbacks(
        (value: T) => {
          resolve(E.right(value));
          return value;
        },
        (failure: Failure) => {
          failure._observed = true;
          resolve(E.left(failure));
          return failure;
        },
      );
    });
}

/**
 * A Deferred running the TaskEither once: fires with `Right`'s value, fails with `Left`'s
 * (a Failure is used as is).
 *
 * @param te - the TaskEither.
 * @example
 * ```ts
 * import * as TE from 'fp-ts/TaskEither';
 * import { fromTaskEither } from '@deferkit/interop/fp-ts';
 *
 * fromTaskEither(TE.right(5)).addCallback(console.log);
 * // prints (after a microtask): 5
 * ```
 */
export function fromTaskEither<L, T>(te: TaskEither<L, T>): Deferred<T> {
  if (typeof te !== 'function') throw new TypeError('fromTaskEither(te): te must be a TaskEither (a function returning a promise of Either).');
  const d = new Deferred<T>();
  let promise: Promise<E.Either<L, T>>;
  try {
    promise = te();
  } catch (e) {
    d.errback(e);
    return d;
  }
  promise.then(
    (either) => {
      if (d.called) return;
      if (E.isLeft(either)) d.errback(either.left);
      else d.callback(either.right);
    },
    (error: unknown) => {
      if (!d.called) d.errback(error);
    },
  );
  return d;
}

/**
 * A Deferred running the Task once and firing with its value.
 *
 * @param task - the Task.
 * @example
 * ```ts
 * import * as T from 'fp-ts/Task';
 * import { fromTask } from '@deferkit/interop/fp-ts';
 *
 * fromTask(T.of('x')).addCallback(console.log);
 * // prints (after a microtask): x
 * ```
 */
export function fromTask<T>(task: Task<T>): Deferred<T> {
  if (typeof task !== 'function') throw new TypeError('fromTask(task): task must be a Task (a function returning a promise).');
  return Deferred.fromFuture(Promise.resolve().then(task));
}
