// docs/design.md "What awaiting each kind does (the table the lab must reproduce)", as an executable
// table (the Scrapy reference (docs/rules.md) §0 M1-M3). Every row runs as a coroutine the engine runs —
// wrapped with deferredFromCoro(), as Scrapy's engine wraps user coroutines — under each reactor
// column, and the resulting Deferred is observed with addCallbacks (awaiting it would itself be
// refused under the promise reactor).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { delay } from '../support.js';
import { Deferred, DeferredList, Future, isDeferred, succeed } from '@deferkit/deferred';
import {
  HostEventLoop,
  VirtualTimeEventLoop,
  getRunningLoop,
  installReactor,
  sleep,
  uninstallReactor,
  type EventLoop,
} from '@deferkit/reactor';
import { deferredFromCoro, deferredToFuture, maybeDeferredToFuture } from '@deferkit/interop';
import { outcomeOf, startServer, type LocalServer, type Outcome } from './helpers.js';

type Column = 'callback' | 'promise' | 'promise+loop';
const COLUMNS: readonly Column[] = ['callback', 'promise', 'promise+loop'];

/** What a row's coroutine can use: the column's timer, and probes the test checks afterwards. */
interface Ctx {
  readonly column: Column;
  readonly baseUrl: string;
  /** The VirtualTimeEventLoop of the promise+loop column. */
  readonly vloop: VirtualTimeEventLoop | undefined;
  /** Run `fn` `seconds` from now on the column's clock (host timer, host loop, virtual loop). */
  later(seconds: number, fn: () => void): void;
  /** A Deferred that fires with `value` `seconds` from now. */
  pendingDeferred<T>(value: T, seconds?: number): Deferred<T>;
  /** Note whether an awaited thing had a result at the moment it was awaited. */
  readonly firedWhenAwaited: boolean[];
  /** Values the coroutine hands out for extra checks (e.g. what maybeDeferredToFuture returned). */
  readonly seen: unknown[];
}

type Expect = { ok: true; check: (value: unknown, ctx: Ctx) => void } | { ok: false; name: string; message: RegExp[] };

const ok = (value: unknown): Expect => ({ ok: true, check: (v) => expect(v).toEqual(value) });
const okWhere = (check: (value: unknown, ctx: Ctx) => void): Expect => ({ ok: true, check });
const err = (name: string, ...message: RegExp[]): Expect => ({ ok: false, name, message });

// The key words of each refusal (docs/design.md): DeferredAwaitError names both wrappers (the reactor
// spells them `deferredToFuture(d)` / `maybeDeferredToFuture(d)`) and Scrapy's "Task got bad yield".
const DEFERRED_AWAIT = err('DeferredAwaitError', /\bdeferredToFuture\(d?\)/, /\bmaybeDeferredToFuture\(d?\)/, /Task got bad yield/);
const PROMISE_REACTOR_REQUIRED = err('PromiseReactorRequiredError', /^deferredToFuture\(\) requires the promise reactor/, /maybeDeferredToFuture\(\)/);
const NO_RUNNING_LOOP = err('NoRunningLoopError', /^no running event loop/);

interface Row {
  /** The row of DESIGN's table (kinds that share a row there get one entry each). */
  readonly kind: string;
  /** The coroutine the engine runs: an async function's promise, or a generator object. */
  readonly coroutine: (ctx: Ctx) => unknown;
  readonly expected: Record<Column, Expect>;
}

const everywhere = (e: Expect): Record<Column, Expect> => ({ callback: e, promise: e, 'promise+loop': e });
const promiseOnly = (whenCallback: Expect, whenPromise: Expect): Record<Column, Expect> => ({
  callback: whenCallback,
  promise: whenPromise,
  'promise+loop': whenPromise,
});

const TABLE: readonly Row[] = [
  {
    kind: 'pending Deferred',
    coroutine: async (ctx) => {
      const d = ctx.pendingDeferred('page');
      ctx.firedWhenAwaited.push(d.called);
      return await d;
    },
    expected: promiseOnly(ok('page'), DEFERRED_AWAIT),
  },
  {
    kind: 'pending DeferredList',
    coroutine: async (ctx) => {
      const a = ctx.pendingDeferred('a', 0.02);
      const b = ctx.pendingDeferred('b', 0.04);
      const list = new DeferredList([a, b]);
      ctx.firedWhenAwaited.push(list.called);
      return await list;
    },
    expected: promiseOnly(
      ok([
        [true, 'a'],
        [true, 'b'],
      ]),
      DEFERRED_AWAIT,
    ),
  },
  {
    kind: 'already-fired Deferred',
    coroutine: async () => await succeed(42),
    expected: everywhere(ok(42)),
  },
  {
    kind: 'maybeDeferredToFuture(d)',
    coroutine: async (ctx) => {
      const d = ctx.pendingDeferred('wrapped');
      const awaitable = maybeDeferredToFuture(d);
      ctx.seen.push(d, awaitable);
      ctx.firedWhenAwaited.push(d.called);
      return await awaitable;
    },
    expected: everywhere(ok('wrapped')),
  },
  {
    kind: 'deferredToFuture(d)',
    coroutine: async (ctx) => {
      const d = ctx.pendingDeferred('converted');
      const future = deferredToFuture(d);
      ctx.firedWhenAwaited.push(d.called);
      return await future;
    },
    expected: promiseOnly(PROMISE_REACTOR_REQUIRED, ok('converted')),
  },
  {
    kind: 'sleep(s)',
    coroutine: async () => {
      await sleep(0.05);
      return 'slept';
    },
    expected: promiseOnly(NO_RUNNING_LOOP, ok('slept')),
  },
  {
    kind: 'getRunningLoop()',
    coroutine: async () => getRunningLoop(),
    expected: promiseOnly(
      NO_RUNNING_LOOP,
      okWhere((value, ctx) => {
        if (ctx.vloop !== undefined) expect(value).toBe(ctx.vloop);
        else expect(value).toBeInstanceOf(HostEventLoop);
      }),
    ),
  },
  {
    kind: 'a pending Future of the running loop',
    coroutine: async (ctx) => {
      const loop: EventLoop = getRunningLoop();
      const future = loop.createFuture<string>();
      loop.callLater(0.05, () => future.setResult('fut-value'));
      ctx.firedWhenAwaited.push(future.done());
      return await future;
    },
    expected: promiseOnly(NO_RUNNING_LOOP, ok('fut-value')),
  },
  {
    kind: 'a native Promise (setTimeout promise)',
    coroutine: async () => await delay(20, 'timer'),
    expected: everywhere(ok('timer')),
  },
  {
    kind: 'a native Promise (fetch)',
    coroutine: async (ctx) => {
      const response = await fetch(`${ctx.baseUrl}/hello`);
      return `${response.status} ${await response.text()}`;
    },
    expected: everywhere(ok('200 hello from /hello')),
  },
  {
    kind: 'yield d / yield* d in an inlineCallbacks generator',
    coroutine: function* (ctx: Ctx): Generator<unknown, string, any> {
      const first = ctx.pendingDeferred('one', 0.02);
      ctx.firedWhenAwaited.push(first.called);
      const a = (yield first) as string;
      const second = ctx.pendingDeferred('two', 0.02);
      ctx.firedWhenAwaited.push(second.called);
      const b = yield* second;
      return `${a}+${b}`;
    },
    expected: everywhere(ok('one+two')),
  },
  {
    kind: 'another async function',
    coroutine: async () => {
      const inner = async (n: number): Promise<number> => {
        await delay(5);
        return n * 2;
      };
      return (await inner(20)) + 2;
    },
    expected: everywhere(ok(42)),
  },
];

function label(e: Expect): string {
  return e.ok ? '✓' : `✗ ${e.name}`;
}

let server: LocalServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  uninstallReactor();
});

/** Install the column's reactor and build the context its rows run with. */
function setUp(column: Column): Ctx {
  let vloop: VirtualTimeEventLoop | undefined;
  if (column === 'callback') installReactor('callback');
  else if (column === 'promise') installReactor('promise');
  else {
    vloop = new VirtualTimeEventLoop();
    installReactor('promise', { eventLoop: vloop });
  }
  const later = (seconds: number, fn: () => void): void => {
    // The callback reactor is not running in these tests, so its own timers would not run; a
    // host timer stands in for the download finishing.
    if (column === 'callback') setTimeout(fn, seconds * 1000);
    else getRunningLoop().callLater(seconds, fn);
  };
  return {
    column,
    baseUrl: server.url,
    vloop,
    later,
    pendingDeferred<T>(value: T, seconds = 0.05): Deferred<T> {
      const d = new Deferred<T>();
      later(seconds, () => d.callback(value));
      return d;
    },
    firedWhenAwaited: [],
    seen: [],
  };
}

/**
 * Wait until `d` fires. On the virtual loop, time moves only when asked: advance it in small
 * steps, giving the host a turn in between (for real I/O such as fetch).
 */
async function run(d: Deferred<unknown>, ctx: Ctx): Promise<Outcome> {
  const box = outcomeOf(d);
  const deadline = Date.now() + 10_000;
  while (box.current === undefined) {
    if (Date.now() > deadline) throw new Error(`the coroutine did not finish under ${ctx.column}`);
    if (ctx.vloop !== undefined) await ctx.vloop.advance(0.01);
    await delay(1);
  }
  return box.current;
}

describe('await table (docs/design.md "What awaiting each kind does")', () => {
  it('has one entry per row of the table, each with an outcome for every column', () => {
    expect(TABLE.map((r) => r.kind)).toEqual([
      'pending Deferred',
      'pending DeferredList',
      'already-fired Deferred',
      'maybeDeferredToFuture(d)',
      'deferredToFuture(d)',
      'sleep(s)',
      'getRunningLoop()',
      'a pending Future of the running loop',
      'a native Promise (setTimeout promise)',
      'a native Promise (fetch)',
      'yield d / yield* d in an inlineCallbacks generator',
      'another async function',
    ]);
    for (const row of TABLE) expect(Object.keys(row.expected).sort()).toEqual([...COLUMNS].sort());
  });

  for (const column of COLUMNS) {
    describe(`${column} reactor column`, () => {
      for (const row of TABLE) {
        const expected = row.expected[column];
        it(`${row.kind}: ${label(expected)}`, async () => {
          const ctx = setUp(column);
          const coroutine = row.coroutine(ctx);
          const d = deferredFromCoro(coroutine);
          expect(isDeferred(d)).toBe(true);
          const outcome = await run(d as Deferred<unknown>, ctx);

          if (expected.ok) {
            if (!outcome.ok) throw outcome.error; // shows what failed instead
            expected.check(outcome.value, ctx);
          } else {
            expect(outcome.ok).toBe(false);
            const error = (outcome as { error: unknown }).error;
            expect(error).toBeInstanceOf(Error);
            expect((error as Error).name).toBe(expected.name);
            expect((error as Error).constructor.name).toBe(expected.name);
            for (const words of expected.message) expect((error as Error).message).toMatch(words);
          }
          // Whatever was awaited was still waiting for its result at that moment.
          expect(ctx.firedWhenAwaited.every((fired) => fired === false)).toBe(true);
        });
      }
    });
  }
});

describe('maybeDeferredToFuture(d) inside the engine-run coroutine', () => {
  it('returns the Deferred itself under the callback reactor', async () => {
    const ctx = setUp('callback');
    const row = TABLE.find((r) => r.kind === 'maybeDeferredToFuture(d)')!;
    const outcome = await run(deferredFromCoro(row.coroutine(ctx)) as Deferred<unknown>, ctx);
    expect(outcome).toEqual({ ok: true, value: 'wrapped' });
    const [d, awaitable] = ctx.seen;
    expect(awaitable).toBe(d);
    expect(awaitable).not.toBeInstanceOf(Future);
  });

  for (const column of ['promise', 'promise+loop'] as const) {
    it(`returns a Future, not the Deferred, under the ${column} column`, async () => {
      const ctx = setUp(column);
      const row = TABLE.find((r) => r.kind === 'maybeDeferredToFuture(d)')!;
      const outcome = await run(deferredFromCoro(row.coroutine(ctx)) as Deferred<unknown>, ctx);
      expect(outcome).toEqual({ ok: true, value: 'wrapped' });
      const [d, awaitable] = ctx.seen;
      expect(awaitable).toBeInstanceOf(Future);
      expect(awaitable).not.toBe(d);
      expect(isDeferred(awaitable)).toBe(false);
    });
  }
});

describe('the promise+loop column runs on virtual time', () => {
  it('sleep(s) finishes when the loop is advanced, not before', async () => {
    const ctx = setUp('promise+loop');
    const d = deferredFromCoro(
      (async () => {
        await sleep(5);
        return getRunningLoop().time();
      })(),
    );
    const box = outcomeOf(d);
    await ctx.vloop!.advance(4.9);
    expect(box.current).toBeUndefined();
    await ctx.vloop!.advance(0.1);
    expect(box.current).toEqual({ ok: true, value: 5 });
  });
});
