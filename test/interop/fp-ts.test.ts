// @deferkit/interop/fp-ts: toTaskEither, fromTaskEither, fromTask.

import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as T from 'fp-ts/lib/Task.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { CancelledError, Deferred, Failure, fail, succeed } from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { fromTask, fromTaskEither, toTaskEither } from '@deferkit/interop/fp-ts';
import { macrotask, recordUnhandled } from './helpers.js';

class ValueError extends Error {
  override name = 'ValueError';
}

// ---------------------------------------------------------------------------------------------
// toTaskEither
// ---------------------------------------------------------------------------------------------

describe('toTaskEither', () => {
  it('gives Right with the result on success', async () => {
    const te = toTaskEither(() => succeed(1));
    expect(await te()).toEqual(E.right(1));
  });

  it('waits for a pending Deferred', async () => {
    const d = new Deferred<string>();
    let settled: E.Either<Failure, string> | undefined;
    void toTaskEither(() => d)().then((r) => (settled = r));
    await macrotask();
    expect(settled).toBeUndefined();
    d.callback('later');
    await macrotask();
    expect(settled).toEqual(E.right('later'));
  });

  it('gives Left with the Failure on failure, and the failure counts as handled', async () => {
    const rec = recordUnhandled();
    try {
      const error = new ValueError('nope');
      const d = fail<number>(error);
      const result = await toTaskEither(() => d)();
      expect(E.isLeft(result)).toBe(true);
      const failure = (result as E.Left<Failure>).left;
      expect(failure).toBeInstanceOf(Failure);
      expect(failure.value).toBe(error);
      expect(failure.check(ValueError)).toBe(ValueError);
      await macrotask();
      expect(rec.reports.length).toBe(0);
      // Observed, not consumed (J4): the Deferred keeps its failure.
      expect(failureResultOf(d, ValueError).value).toBe(error);
    } finally {
      rec.stop();
    }
  });

  it('runs the factory each time the task runs', async () => {
    let calls = 0;
    const te = toTaskEither(() => succeed(++calls));
    expect(calls).toBe(0);
    expect(await te()).toEqual(E.right(1));
    expect(await te()).toEqual(E.right(2));
    expect(calls).toBe(2);
  });

  it('gives Left with a Failure of what a throwing factory throws', async () => {
    const error = new ValueError('factory threw');
    const result = await toTaskEither<number>(() => {
      throw error;
    })();
    expect(E.isLeft(result)).toBe(true);
    const failure = (result as E.Left<Failure>).left;
    expect(failure).toBeInstanceOf(Failure);
    expect(failure.value).toBe(error);
  });

  it('composes with fp-ts (TE.map, TE.mapLeft)', async () => {
    const doubled = TE.map((n: number) => n * 2)(toTaskEither(() => succeed(21)));
    expect(await doubled()).toEqual(E.right(42));
    const message = TE.mapLeft((f: Failure) => f.getErrorMessage())(toTaskEither<number>(() => fail(new ValueError('m'))));
    expect(await message()).toEqual(E.left('m'));
  });

  it('refuses a Deferred given directly (not a factory) with a TypeError naming the fix', () => {
    expect(() => toTaskEither(succeed(1) as unknown as () => Deferred<number>)).toThrow(/toTaskEither\(\(\) => d\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// fromTaskEither
// ---------------------------------------------------------------------------------------------

describe('fromTaskEither', () => {
  it("fires with Right's value", async () => {
    const d = fromTaskEither(TE.right(5));
    await macrotask();
    expect(successResultOf(d)).toBe(5);
  });

  it("fails with Left's value", async () => {
    const error = new ValueError('left');
    const d = fromTaskEither(TE.left(error));
    await macrotask();
    const f = failureResultOf(d, ValueError);
    expect(f.value).toBe(error);
  });

  it('uses a Failure held by Left as is', async () => {
    const failure = new Failure(new ValueError('wrapped'));
    const d = fromTaskEither(TE.left(failure));
    await macrotask();
    const got = failureResultOf(d);
    expect(got).toBe(failure);
    expect(got.value).toBeInstanceOf(ValueError);
  });

  it('runs the TaskEither once, when called', async () => {
    let runs = 0;
    const te: TE.TaskEither<never, number> = () => {
      runs++;
      return Promise.resolve(E.right(runs));
    };
    const d = fromTaskEither(te);
    expect(runs).toBe(1);
    await macrotask();
    expect(successResultOf(d)).toBe(1);
    expect(runs).toBe(1);
  });

  it('fails with what a misbehaving TaskEither rejects with or throws', async () => {
    const error = new ValueError('rejected');
    const rejected = fromTaskEither((() => Promise.reject(error)) as TE.TaskEither<unknown, number>);
    const thrown = fromTaskEither((() => {
      throw error;
    }) as TE.TaskEither<unknown, number>);
    await macrotask();
    expect(failureResultOf(rejected, ValueError).value).toBe(error);
    expect(failureResultOf(thrown, ValueError).value).toBe(error);
  });

  it('can be cancelled before it settles; the later outcome is ignored', async () => {
    let finish!: (e: E.Either<string, number>) => void;
    const d = fromTaskEither<string, number>(() => new Promise((resolve) => (finish = resolve)));
    assertNoResult(d);
    d.cancel();
    failureResultOf(d, CancelledError);
    finish(E.right(1));
    await macrotask();
    expect(successResultOf(d)).toBe(undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// fromTask
// ---------------------------------------------------------------------------------------------

describe('fromTask', () => {
  it("fires with the Task's value", async () => {
    const d = fromTask(T.of('x'));
    await macrotask();
    expect(successResultOf(d)).toBe('x');
  });

  it('waits for the Task', async () => {
    let finish!: (v: number) => void;
    const d = fromTask(() => new Promise<number>((resolve) => (finish = resolve)));
    await macrotask();
    assertNoResult(d);
    finish(9);
    await macrotask();
    expect(successResultOf(d)).toBe(9);
  });

  it('runs the Task once', async () => {
    let runs = 0;
    const d = fromTask(() => Promise.resolve(++runs));
    await macrotask();
    expect(successResultOf(d)).toBe(1);
    expect(runs).toBe(1);
  });

  it('refuses a non-function with a TypeError', () => {
    expect(() => fromTask(42 as unknown as T.Task<number>)).toThrow(TypeError);
  });
});
