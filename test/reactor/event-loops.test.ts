// The EventLoop API (asyncio's loop subset) on HostEventLoop and VirtualTimeEventLoop, and what
// only the virtual loop does: time that moves only when asked, microtasks drained between steps.

import { describe, expect, it, vi } from 'vitest';
import { CancelledError, Deferred, Future, onUnhandledError, type Failure, type UnhandledErrorInfo } from '@deferkit/deferred';
import { HostEventLoop, VirtualTimeEventLoop, type EventLoop, type TimerHandle } from '@deferkit/reactor';
import { nextTurn, thrownBy } from '../support.js';

interface LoopSetup {
  name: string;
  virtual: boolean;
  make(): { loop: EventLoop; advance(seconds: number): Promise<void> };
}

const macrotask = (): Promise<void> => new Promise((resolve) => nextTurn(resolve));

const setups: LoopSetup[] = [
  {
    name: 'HostEventLoop',
    virtual: false,
    make: () => ({
      loop: new HostEventLoop(),
      advance: async (seconds) => {
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        await macrotask();
      },
    }),
  },
  {
    name: 'VirtualTimeEventLoop',
    virtual: true,
    make: () => {
      const loop = new VirtualTimeEventLoop();
      return { loop, advance: (seconds) => loop.advance(seconds) };
    },
  },
];

const STEP = 0.005;

async function until(advance: (s: number) => Promise<void>, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await advance(STEP);
  if (!done()) throw new Error(`gave up waiting for ${what}`);
}


describe.each(setups)('EventLoop: $name', (setup) => {
  it('callSoon runs calls FIFO with their arguments; cancel() is idempotent and cancelled() reports it', async () => {
    const { loop, advance } = setup.make();
    const log: string[] = [];
    loop.callSoon((a: string, b: number) => log.push(`${a}${b}`), 'x', 1);
    const handle = loop.callSoon(() => log.push('cancelled'));
    loop.callSoon(() => {
      log.push('third');
      loop.callSoon(() => log.push('queued by third'));
    });
    expect(handle.cancelled()).toBe(false);
    handle.cancel();
    handle.cancel();
    expect(handle.cancelled()).toBe(true);
    expect(log).toEqual([]);
    await until(advance, () => log.length === 3, 'the soon calls');
    expect(log).toEqual(['x1', 'third', 'queued by third']);
  });

  it('callLater returns a TimerHandle: when() is time() + delay; calls run in time order', async () => {
    const { loop, advance } = setup.make();
    const log: string[] = [];
    const before = loop.time();
    const b = loop.callLater(0.02, () => log.push('b'));
    const a = loop.callLater(0.01, (s: string) => log.push(s), 'a');
    const after = loop.time();
    expect(a.when()).toBeGreaterThanOrEqual(before + 0.01);
    expect(a.when()).toBeLessThanOrEqual(after + 0.01);
    expect(b.when() - a.when()).toBeGreaterThan(0);
    await until(advance, () => log.length === 2, 'the timed calls');
    expect(log).toEqual(['a', 'b']);
  });

  it('TimerHandle.cancel() stops the call, may be repeated, and is harmless once the call ran', async () => {
    const { loop, advance } = setup.make();
    const log: string[] = [];
    const cancelled = loop.callLater(0.01, () => log.push('cancelled'));
    const ran = loop.callLater(0, () => log.push('ran'));
    loop.callLater(0.02, () => log.push('sentinel'));
    cancelled.cancel();
    cancelled.cancel();
    expect(cancelled.cancelled()).toBe(true);
    await until(advance, () => log.includes('sentinel'), 'the sentinel');
    expect(log).toEqual(['ran', 'sentinel']);
    expect(() => ran.cancel()).not.toThrow();
    expect(ran.cancelled()).toBe(true);
  });

  it('callAt runs at a loop time; a time in the past runs on the next turn', async () => {
    const { loop, advance } = setup.make();
    const log: string[] = [];
    const now = loop.time();
    const later: TimerHandle = loop.callAt(now + 0.02, () => log.push('at +0.02'));
    loop.callAt(now - 5, () => log.push('in the past'));
    expect(later.when()).toBe(now + 0.02);
    expect(log).toEqual([]);
    await until(advance, () => log.length === 2, 'the callAt calls');
    expect(log).toEqual(['in the past', 'at +0.02']);
    expect(loop.time()).toBeGreaterThanOrEqual(now + 0.02);
  });

  it('rejects negative or NaN delays and non-function calls', () => {
    const { loop } = setup.make();
    const negative = thrownBy(() => loop.callLater(-0.5, () => undefined));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toMatch(/>= 0/);
    expect(thrownBy(() => loop.callLater(Number.NaN, () => undefined))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => loop.callAt(Number.NaN, () => undefined))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => loop.sleep(-1))).toBeInstanceOf(RangeError);
    const notFn = thrownBy(() => loop.callSoon('x' as unknown as () => void));
    expect(notFn).toBeInstanceOf(TypeError);
    expect(notFn.message).toMatch(/must be a function/);
  });

  it('reports an error thrown by a loop call (when: logged) and runs the next calls', async () => {
    const reports: Array<[Failure, UnhandledErrorInfo]> = [];
    const unsubscribe = onUnhandledError((f, info) => reports.push([f, info]));
    try {
      const { loop, advance } = setup.make();
      const boom = new Error('loop boom');
      const log: string[] = [];
      loop.callSoon(() => {
        throw boom;
      });
      loop.callSoon(() => log.push('next'));
      await until(advance, () => log.length === 1, 'the next call');
      expect(reports.map(([f]) => f.value)).toEqual([boom]);
      expect(reports[0]![1].when).toBe('logged');
    } finally {
      unsubscribe();
    }
  });

  it('createFuture() returns a pending Future', () => {
    const { loop } = setup.make();
    const future = loop.createFuture<number>();
    expect(future).toBeInstanceOf(Future);
    expect(future.done()).toBe(false);
    future.setResult(3);
    expect(future.result()).toBe(3);
  });

  it('ensureFuture() returns a Future as is and wraps promises and Deferreds', async () => {
    const { loop } = setup.make();
    const future = loop.createFuture<string>();
    expect(loop.ensureFuture(future)).toBe(future);
    const fromPromise = loop.ensureFuture(Promise.resolve('value'));
    expect(fromPromise).toBeInstanceOf(Future);
    await expect(fromPromise).resolves.toBe('value');
    const error = new Error('rejected');
    const rejected = loop.ensureFuture(Promise.reject(error));
    await expect(rejected).rejects.toBe(error);
    expect(rejected.exception()).toBe(error);
    const d = new Deferred<number>();
    const fromDeferred = loop.ensureFuture(d);
    expect(fromDeferred).toBeInstanceOf(Future);
    expect(fromDeferred.done()).toBe(false);
    d.callback(5);
    await expect(fromDeferred).resolves.toBe(5);
    expect(thrownBy(() => loop.ensureFuture(42 as unknown as PromiseLike<number>))).toBeInstanceOf(TypeError);
  });

  it('cancelling the Future ensureFuture() made from a Deferred cancels the Deferred', () => {
    const { loop } = setup.make();
    let cancels = 0;
    const d = new Deferred<number>(() => {
      cancels++;
    });
    const failures: unknown[] = [];
    d.addErrback((f) => {
      failures.push(f.value);
    });
    const future = loop.ensureFuture(d);
    expect(future.cancel()).toBe(true);
    expect(future.cancelled()).toBe(true);
    expect(cancels).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(CancelledError);
  });

  it('sleep() resolves after the delay', async () => {
    const { loop, advance } = setup.make();
    const start = loop.time();
    let woke = -1;
    void loop.sleep(0.01).then(() => {
      woke = loop.time();
    });
    await until(advance, () => woke !== -1, 'the sleep');
    expect(woke).toBeGreaterThanOrEqual(start + 0.01);
  });

  it('cancelling the sleep Future cancels its timer', async () => {
    const { loop, advance } = setup.make();
    const callLater = vi.spyOn(loop, 'callLater');
    const sleeping = loop.sleep(0.01);
    expect(callLater).toHaveBeenCalledTimes(1);
    const timer = callLater.mock.results[0]!.value as TimerHandle;
    expect(timer.cancelled()).toBe(false);
    expect(sleeping.cancel()).toBe(true);
    expect(timer.cancelled()).toBe(true);
    await expect(sleeping).rejects.toBeInstanceOf(CancelledError);
    const log: string[] = [];
    loop.callLater(0.02, () => log.push('sentinel'));
    await until(advance, () => log.length === 1, 'the sentinel');
    expect(sleeping.cancelled()).toBe(true);
  });
});

describe('HostEventLoop', () => {
  it('runs by itself (always running) with a monotonic time()', async () => {
    const loop = new HostEventLoop();
    const t0 = loop.time();
    const ran = await new Promise<number>((resolve) => {
      loop.callLater(0.005, () => resolve(loop.time()));
    });
    expect(ran).toBeGreaterThanOrEqual(t0 + 0.005);
    expect(loop.time()).toBeGreaterThanOrEqual(ran);
  });
});

describe('VirtualTimeEventLoop', () => {
  it('starts at 0 (or the given time) and moves time only when asked', async () => {
    const loop = new VirtualTimeEventLoop();
    expect(loop.time()).toBe(0);
    expect(new VirtualTimeEventLoop(100).time()).toBe(100);
    const log: string[] = [];
    loop.callSoon(() => log.push('soon'));
    loop.callLater(0, () => log.push('later 0'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await macrotask();
    expect(loop.time()).toBe(0);
    expect(log).toEqual([]);
    await loop.runUntilIdle();
    expect(log).toEqual(['soon', 'later 0']);
    expect(loop.time()).toBe(0);
  });

  it('advance() runs due calls in time order, at their times, and ends at the target', async () => {
    const loop = new VirtualTimeEventLoop();
    const seen: Array<[string, number]> = [];
    loop.callLater(3, () => seen.push(['c', loop.time()]));
    loop.callLater(1, () => seen.push(['a', loop.time()]));
    loop.callLater(1, () => seen.push(['a2', loop.time()]));
    loop.callLater(2, () => seen.push(['b', loop.time()]));
    await loop.advance(2.5);
    expect(seen).toEqual([
      ['a', 1],
      ['a2', 1],
      ['b', 2],
    ]);
    expect(loop.time()).toBe(2.5);
    await loop.advance(0.5);
    expect(seen[3]).toEqual(['c', 3]);
  });

  it('advance() drains microtasks between steps: two sleep(1) awaits finish after advance(2) at time 2', async () => {
    const loop = new VirtualTimeEventLoop();
    const log: Array<[string, number]> = [];
    const task = (async () => {
      await loop.sleep(1);
      log.push(['first', loop.time()]);
      await loop.sleep(1);
      log.push(['second', loop.time()]);
      return 'done';
    })();
    let finished = false;
    void task.then(() => {
      finished = true;
    });
    await loop.advance(1.5);
    expect(log).toEqual([['first', 1]]);
    expect(finished).toBe(false);
    expect(loop.time()).toBe(1.5);
    await loop.advance(0.5);
    expect(log).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    expect(finished).toBe(true);
    expect(loop.time()).toBe(2);
    await expect(task).resolves.toBe('done');
  });

  it('advance(2) in one go finishes an async function that sleeps 1 twice', async () => {
    const loop = new VirtualTimeEventLoop();
    let finishedAt = -1;
    void (async () => {
      await loop.sleep(1);
      await loop.sleep(1);
      finishedAt = loop.time();
    })();
    await loop.advance(2);
    expect(finishedAt).toBe(2);
    expect(loop.time()).toBe(2);
  });

  it('refuses a second advance() while one is running, naming the fix', async () => {
    const loop = new VirtualTimeEventLoop();
    loop.callLater(1, () => undefined);
    const first = loop.advance(1);
    await expect(loop.advance(1)).rejects.toThrow(/another advance\(\) is still running; await it first/);
    await first;
    expect(loop.time()).toBe(1);
    await expect(loop.advance(-1)).rejects.toBeInstanceOf(RangeError);
  });
});
