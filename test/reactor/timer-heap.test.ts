// The timer heap behind Clock and the reactors (rules K2, K3, K6 and DC2-DC4 of docs/rules.md):
// the orders Twisted's stable-sorted list gives, kept by a heap — equal times, cancels in the
// middle, reset/delay moving a call earlier or later onto times other calls hold, calls
// scheduled during advance() — and random operation sequences checked against a plain model of
// Twisted's Clock (a list, stable-sorted on every callLater and advance).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallbackLoopReactor, Clock, type DelayedCall } from '@deferkit/reactor';
import { thrownBy } from '../support.js';

describe('Clock on the timer heap', () => {
  it('K2 runs a thousand calls of one time in scheduling order, among calls of other times', () => {
    const clock = new Clock();
    const log: number[] = [];
    for (let i = 0; i < 1000; i++) clock.callLater(i % 3 === 0 ? 5 : 1 + (i % 7), () => log.push(i));
    clock.advance(10);
    const expected = Array.from({ length: 1000 }, (_, i) => i).sort((a, b) => {
      const ta = a % 3 === 0 ? 5 : 1 + (a % 7);
      const tb = b % 3 === 0 ? 5 : 1 + (b % 7);
      return ta - tb || a - b;
    });
    expect(log).toEqual(expected);
  });

  it('DC2 cancelling a call in the middle leaves the others in order', () => {
    const clock = new Clock();
    const log: number[] = [];
    const calls = Array.from({ length: 9 }, (_, i) => clock.callLater(9 - i, () => log.push(9 - i)));
    calls[4]!.cancel();
    calls[0]!.cancel();
    expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([1, 2, 3, 4, 6, 7, 8]);
    clock.advance(10);
    expect(log).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });

  it('DC3 reset() later onto a time other calls hold runs it before them (where a stable re-sort puts it)', () => {
    const clock = new Clock();
    const log: string[] = [];
    const a = clock.callLater(1, () => log.push('a'));
    clock.callLater(3, () => log.push('b'));
    clock.callLater(3, () => log.push('c'));
    a.reset(3);
    clock.advance(3);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('DC3 reset() earlier onto a time other calls hold runs it after them', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(2, () => log.push('b'));
    clock.callLater(2, () => log.push('c'));
    const a = clock.callLater(5, () => log.push('a'));
    a.reset(2);
    expect(a.getTime()).toBe(2);
    clock.advance(2);
    expect(log).toEqual(['b', 'c', 'a']);
  });

  it('DC3 two calls reset onto one time keep their old order between them', () => {
    const clock = new Clock();
    const log: string[] = [];
    const x = clock.callLater(1, () => log.push('x'));
    const y = clock.callLater(2, () => log.push('y'));
    clock.callLater(4, () => log.push('held'));
    y.reset(4);
    x.reset(4);
    clock.advance(4);
    expect(log).toEqual(['x', 'y', 'held']);
  });

  it('DC4 delay() onto a held time goes before the calls there, a negative delay() after them', () => {
    const clock = new Clock();
    const log: string[] = [];
    const early = clock.callLater(1, () => log.push('early'));
    clock.callLater(3, () => log.push('held'));
    const late = clock.callLater(5, () => log.push('late'));
    early.delay(2);
    late.delay(-2);
    clock.advance(3);
    expect(log).toEqual(['early', 'held', 'late']);
  });

  it('K6 a moved call keeps its place in calls until the next callLater() or advance() re-sorts, as in Twisted', () => {
    const clock = new Clock();
    const a = clock.callLater(1, () => undefined);
    const b = clock.callLater(2, () => undefined);
    a.reset(3);
    expect(clock.getDelayedCalls()).toEqual([a, b]);
    const c = clock.callLater(5, () => undefined);
    expect(clock.getDelayedCalls()).toEqual([b, a, c]);
  });

  it('K3 runs calls that due calls schedule, at their times (from the advanced time), and leaves later ones', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(1, () => {
      log.push('1');
      clock.callLater(0.5, () => log.push('1.5'));
      clock.callLater(5, () => log.push('6'));
    });
    clock.callLater(2, () => {
      log.push('2');
      clock.callLater(0, () => log.push('2 again'));
    });
    clock.pump([1, 1, 1]);
    expect(log).toEqual(['1', '1.5', '2', '2 again']);
    expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([6]);
  });

  it('K2 K6 callLater(0) calls list and run in scheduling order among due calls of the same and earlier times', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.advance(1);
    const a = clock.callLater(0, () => log.push('a'));
    clock.callLater(-1, () => log.push('earlier'));
    clock.callLater(0, () => log.push('b'));
    const c = clock.callLater(0, () => log.push('c'));
    clock.callLater(0, () => log.push('d'));
    c.cancel();
    a.delay(0.5);
    // The delayed call keeps its place until the next callLater() or advance() (K6).
    expect(clock.calls.map((x) => x.getTime())).toEqual([0, 1.5, 1, 1]);
    clock.advance(0);
    expect(log).toEqual(['earlier', 'b', 'd']);
    clock.advance(0.5);
    expect(log).toEqual(['earlier', 'b', 'd', 'a']);
  });

  it('K6 calls is read-only: writing to it throws a TypeError naming cancel()', () => {
    const clock = new Clock();
    clock.callLater(1, () => undefined);
    const e = thrownBy(() => (clock.calls as unknown as DelayedCall[]).pop());
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/read-only/);
    expect(e.message).toMatch(/cancel\(\)/);
    expect(clock.calls).toHaveLength(1);
  });

  it('K2 a call scheduled without arguments gets an empty, frozen args list (a tuple, as in Twisted)', () => {
    const call = new Clock().callLater(1, () => undefined);
    expect(call.args).toEqual([]);
    expect(Object.isFrozen(call.args)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Random operations against a model of Twisted's Clock
// ---------------------------------------------------------------------------------------------

/** Twisted's Clock and DelayedCall, as plainly as possible: a list stable-sorted by getTime(). */
class ModelCall {
  time: number;
  delayedTime = 0;
  called = false;
  cancelled = false;
  constructor(
    readonly id: number,
    time: number,
    readonly run: () => void,
  ) {
    this.time = time;
  }
  getTime(): number {
    return this.time + this.delayedTime;
  }
}

class ModelClock {
  now = 0;
  calls: ModelCall[] = [];
  #sort(): void {
    this.calls.sort((a, b) => a.getTime() - b.getTime());
  }
  callLater(delay: number, id: number, run: () => void): ModelCall {
    const call = new ModelCall(id, this.now + delay, run);
    this.calls.push(call);
    this.#sort();
    return call;
  }
  cancel(call: ModelCall): void {
    this.calls.splice(this.calls.indexOf(call), 1);
    call.cancelled = true;
  }
  reset(call: ModelCall, seconds: number): void {
    const newTime = this.now + seconds;
    if (newTime < call.time) {
      call.delayedTime = 0;
      call.time = newTime;
    } else {
      call.delayedTime = newTime - call.time;
    }
  }
  delay(call: ModelCall, seconds: number): void {
    call.delayedTime += seconds;
    if (call.delayedTime < 0) {
      call.time += call.delayedTime;
      call.delayedTime = 0;
    }
  }
  advance(amount: number): void {
    this.now += amount;
    this.#sort();
    while (this.calls.length > 0 && this.calls[0]!.getTime() <= this.now) {
      const call = this.calls.shift()!;
      call.called = true;
      call.run();
      this.#sort();
    }
  }
}

/** Multiples of 0.5, so sums are exact and equal times are common. */
const halfSteps = (max: number) => fc.integer({ min: 0, max: 2 * max }).map((k) => k / 2);

type Op =
  | { op: 'callLater'; delay: number; then: number | null; throws: boolean }
  | { op: 'cancel' | 'reset' | 'delay'; pick: number; seconds: number }
  | { op: 'advance'; amount: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('callLater' as const), delay: halfSteps(6), then: fc.option(halfSteps(3), { freq: 4 }), throws: fc.integer({ min: 0, max: 19 }).map((k) => k === 0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(), seconds: fc.constant(0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reset' as const), pick: fc.nat(), seconds: halfSteps(6) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delay' as const), pick: fc.nat(), seconds: halfSteps(6).map((s) => s - 3) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), amount: halfSteps(2) }) },
);

/** Run `ops` on a Clock and on the model; after each, the runs so far and the pending lists must agree. */
function runAgainstModel(ops: Op[]): void {
  const clock = new Clock();
  const model = new ModelClock();
  const real: DelayedCall[] = [];
  const modelled: ModelCall[] = [];
  const idOf = new Map<DelayedCall, number>();
  const ranReal: number[] = [];
  const ranModel: number[] = [];
  let nextId = 0;
  const boom = new Error('boom');
  // A call's follow-up gets one id, allocated by whichever side runs the call first.
  const followUps = new Map<number, number>();
  const followUpOf = (parent: number): number => {
    let id = followUps.get(parent);
    if (id === undefined) {
      id = nextId++;
      followUps.set(parent, id);
    }
    return id;
  };
  // When a call runs it logs its id, may schedule a follow-up (on its own side), may throw.
  const scheduleReal = (id: number, delay: number, then: number | null, throws: boolean): void => {
    const call = clock.callLater(delay, () => {
      ranReal.push(id);
      if (then !== null) scheduleReal(followUpOf(id), then, null, false);
      if (throws) throw boom;
    });
    real[id] = call;
    idOf.set(call, id);
  };
  const scheduleModel = (id: number, delay: number, then: number | null, throws: boolean): void => {
    modelled[id] = model.callLater(delay, id, () => {
      ranModel.push(id);
      if (then !== null) scheduleModel(followUpOf(id), then, null, false);
      if (throws) throw boom;
    });
  };

  let checked = 0;
  for (const op of ops) {
    if (op.op === 'callLater') {
      const id = nextId++;
      scheduleReal(id, op.delay, op.then, op.throws);
      scheduleModel(id, op.delay, op.then, op.throws);
    } else if (op.op === 'advance') {
      const realError = errorOf(() => clock.advance(op.amount));
      const modelError = errorOf(() => model.advance(op.amount));
      if (realError !== modelError) throw new Error(`advance(${op.amount}) threw ${String(realError)} on the Clock, ${String(modelError)} on the model`);
    } else {
      const live = modelled.filter((c) => c !== undefined && !c.called && !c.cancelled);
      if (live.length === 0) continue;
      const m = live[op.pick % live.length]!;
      const r = real[m.id]!;
      if (op.op === 'cancel') {
        r.cancel();
        model.cancel(m);
      } else if (op.op === 'reset') {
        r.reset(op.seconds);
        model.reset(m, op.seconds);
      } else {
        r.delay(op.seconds);
        model.delay(m, op.seconds);
      }
    }
    // Plain comparisons here (expect() per operation would dominate the run); expect() at the end.
    if (ranReal.length !== ranModel.length || ranReal.some((id, k) => k >= checked && id !== ranModel[k])) expect(ranReal).toEqual(ranModel);
    checked = ranReal.length;
    const pendingReal = clock.getDelayedCalls().map((c) => idOf.get(c));
    const pendingModel = model.calls.map((c) => c.id);
    if (pendingReal.join() !== pendingModel.join()) expect({ after: op, pending: pendingReal }).toEqual({ after: op, pending: pendingModel });
  }
  const states = (rows: Array<[boolean, boolean, boolean, number]>): string => rows.map((r) => r.join(' ')).join('\n');
  const realStates = states(real.map((r) => [r.active(), r.called, r.cancelled, r.getTime()]));
  const modelStates = states(modelled.map((m) => [!m.called && !m.cancelled, m.called, m.cancelled, m.getTime()]));
  if (realStates !== modelStates) expect(realStates).toBe(modelStates);
}

function errorOf(fn: () => void): unknown {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('Clock against a model of Twisted’s Clock', () => {
  it('K2 K3 DC2 DC3 DC4 100,000 random callLater/cancel/reset/delay/advance operations run and list calls as the model does', () => {
    let total = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 400, maxLength: 600 }), (ops) => {
        total += ops.length;
        runAgainstModel(ops);
      }),
      { numRuns: 200 },
    );
    expect(total).toBeGreaterThanOrEqual(80_000);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// The reactors' side of the same heap
// ---------------------------------------------------------------------------------------------

describe('CallbackLoopReactor on the timer heap', () => {
  it('runs due calls in (time, scheduling) order; a reset call keeps its scheduling place among equal times', () => {
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    const log: string[] = [];
    const a = reactor.callLater(1, () => log.push('a'));
    reactor.callLater(3, () => log.push('b'));
    const c = reactor.callLater(2, () => log.push('c'));
    reactor.callLater(3, () => log.push('d'));
    const e = reactor.callLater(4, () => log.push('e'));
    a.reset(3);
    e.delay(-1);
    c.cancel();
    clock.advance(3);
    reactor.iterate();
    expect(log).toEqual(['a', 'b', 'd', 'e']);
    expect(reactor.getDelayedCalls()).toEqual([]);
  });

  it('a turn runs only the calls scheduled before it; calls they schedule wait for the next turn', () => {
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    const log: string[] = [];
    reactor.callLater(1, () => {
      log.push('first');
      reactor.callLater(0, () => log.push('scheduled by first'));
    });
    reactor.callLater(1, () => log.push('second'));
    clock.advance(1);
    reactor.iterate();
    expect(log).toEqual(['first', 'second']);
    reactor.iterate();
    expect(log).toEqual(['first', 'second', 'scheduled by first']);
  });

  it('DC2 DC3 DC4 callLater(0) calls keep (time, scheduling) order through cancel, reset and delay while the due lane never empties', () => {
    // Every step schedules a spare and the next step with callLater(0), so the calls that are due
    // when scheduled (the heap's due lane) never run out and the lane is compacted many times;
    // the step cancels, resets or delays the previous step's spare, which is pending beside it.
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    const log: string[] = [];
    const spares: DelayedCall[] = [];
    const problems: number[] = [];
    const N = 3000;
    const step = (i: number): void => {
      log.push(String(i));
      // Schedule first, so the lane always holds calls when the previous spare leaves it.
      if (i + 1 < N) reactor.callLater(0, step, i + 1);
      spares[i] = reactor.callLater(0, () => log.push(`s${i}`));
      if (i > 0) {
        const prev = spares[i - 1]!;
        if (i % 3 === 0) prev.cancel();
        else if (i % 3 === 1) prev.reset(0);
        else prev.delay(1);
        // A cancelled call leaves the pending list at once; a moved one stays in it.
        if (reactor.getDelayedCalls().includes(prev) !== (i % 3 !== 0)) problems.push(i);
      }
    };
    reactor.callLater(0, step, 0);
    for (let turn = 0; turn <= N; turn++) reactor.iterate();
    clock.advance(1);
    reactor.iterate();
    const expected: string[] = [];
    for (let i = 0; i < N; i++) {
      expected.push(String(i));
      if (i % 3 === 1) expected.push(`s${i - 1}`);
    }
    // The last spare had no next step to touch it; the delayed ones run at time 1, in scheduling order.
    expected.push(`s${N - 1}`);
    for (let i = 0; i < N; i++) if (i % 3 === 2) expected.push(`s${i - 1}`);
    expect(problems).toEqual([]);
    expect(log).toEqual(expected);
    expect(reactor.getDelayedCalls()).toEqual([]);
  });

  it('K2 a call due before the due lane\'s last call (the clock went back) still runs first', () => {
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    const log: string[] = [];
    clock.advance(5);
    reactor.callLater(0, () => log.push('at 5'));
    clock.advance(-2);
    reactor.callLater(0, () => log.push('at 3'));
    expect(reactor.getDelayedCalls().map((c) => c.getTime()).sort()).toEqual([3, 5]);
    clock.advance(2);
    reactor.iterate();
    expect(log).toEqual(['at 3', 'at 5']);
  });

  it('100,000 random callLater/cancel/reset/delay/turn operations run as a (time, scheduling order) model says', () => {
    type Model = { id: number; time: number; delayedTime: number; seq: number; done: boolean; run: () => void };
    const getTime = (m: Model): number => m.time + m.delayedTime;
    let total = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 400, maxLength: 600 }), (ops) => {
        total += ops.length;
        const clock = new Clock();
        const reactor = new CallbackLoopReactor({ clock });
        const real: DelayedCall[] = [];
        const model: Model[] = [];
        let pending: Model[] = [];
        const ranReal: number[] = [];
        const ranModel: number[] = [];
        let nextId = 0;
        let seq = 0;
        const followUps = new Map<number, number>();
        const followUpOf = (parent: number): number => {
          if (!followUps.has(parent)) followUps.set(parent, nextId++);
          return followUps.get(parent)!;
        };
        const scheduleReal = (id: number, delay: number, then: number | null): void => {
          real[id] = reactor.callLater(delay, () => {
            ranReal.push(id);
            if (then !== null) scheduleReal(followUpOf(id), then, null);
          });
        };
        const scheduleModel = (id: number, delay: number, then: number | null): void => {
          const m: Model = {
            id,
            time: clock.seconds() + delay,
            delayedTime: 0,
            seq: seq++,
            done: false,
            run: () => {
              ranModel.push(id);
              if (then !== null) scheduleModel(followUpOf(id), then, null);
            },
          };
          model[id] = m;
          pending.push(m);
        };
        const modelTurn = (): void => {
          const limit = seq;
          for (;;) {
            let best: Model | undefined;
            for (const m of pending) {
              if (getTime(m) > clock.seconds() || m.seq >= limit) continue;
              if (best === undefined || getTime(m) < getTime(best) || (getTime(m) === getTime(best) && m.seq < best.seq)) best = m;
            }
            if (best === undefined) return;
            pending = pending.filter((m) => m !== best);
            best.done = true;
            best.run();
          }
        };
        for (const op of ops) {
          if (op.op === 'callLater') {
            const id = nextId++;
            scheduleReal(id, op.delay, op.then);
            scheduleModel(id, op.delay, op.then);
          } else if (op.op === 'advance') {
            clock.advance(op.amount);
            reactor.iterate();
            modelTurn();
          } else {
            if (pending.length === 0) continue;
            const m = pending[op.pick % pending.length]!;
            const r = real[m.id]!;
            if (op.op === 'cancel') {
              r.cancel();
              pending = pending.filter((x) => x !== m);
              m.done = true;
            } else if (op.op === 'reset') {
              r.reset(op.seconds);
              const newTime = clock.seconds() + op.seconds;
              if (newTime < m.time) [m.time, m.delayedTime] = [newTime, 0];
              else m.delayedTime = newTime - m.time;
            } else {
              r.delay(op.seconds);
              m.delayedTime += op.seconds;
              if (m.delayedTime < 0) [m.time, m.delayedTime] = [m.time + m.delayedTime, 0];
            }
          }
          if (ranReal.length !== ranModel.length || ranReal.some((id, k) => id !== ranModel[k])) expect(ranReal).toEqual(ranModel);
          const pendingReal = reactor.getDelayedCalls().map((c) => real.indexOf(c)).sort((x, y) => x - y).join();
          const pendingModel = pending.map((m) => m.id).sort((x, y) => x - y).join();
          if (pendingReal !== pendingModel) expect(pendingReal).toBe(pendingModel);
        }
        const times = (xs: Array<{ getTime(): number } | Model>) => xs.map((x) => ('run' in x ? getTime(x) : x.getTime())).join();
        expect(times(real)).toBe(times(model));
      }),
      { numRuns: 200 },
    );
    expect(total).toBeGreaterThanOrEqual(80_000);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Lazy removal: cancelled and moved calls leave stale entries that the heap drops later
// ---------------------------------------------------------------------------------------------

/** A fixed pseudo-random order of 0…n-1 (an LCG shuffle), so the tests cancel all over the heap. */
function shuffled(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('the timer heap’s lazy removal', () => {
  it('DC2 cancelled calls never run and are never listed, through the rebuilds that drop them (past 50 stale entries and half of the heap)', () => {
    const clock = new Clock();
    const log: number[] = [];
    const timeOf = (i: number): number => 1 + ((i * 7) % 13);
    const calls = Array.from({ length: 1000 }, (_, i) => clock.callLater(timeOf(i), () => log.push(i)));
    const cancelled = new Set<number>();
    const order = shuffled(1000, 21).slice(0, 900);
    for (const [k, i] of order.entries()) {
      calls[i]!.cancel();
      cancelled.add(i);
      // Before the first rebuild (25, 60 cancelled), around it (501) and long after (900).
      if ([25, 60, 501, 900].includes(k + 1)) {
        const listed = clock.getDelayedCalls();
        expect(listed).toHaveLength(1000 - cancelled.size);
        expect(listed.some((c) => c.cancelled)).toBe(false);
      }
    }
    clock.advance(20);
    const survivors = Array.from({ length: 1000 }, (_, i) => i).filter((i) => !cancelled.has(i));
    expect(log).toEqual(survivors.sort((a, b) => timeOf(a) - timeOf(b) || a - b));
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('DC3 a call moved hundreds of times is listed once and runs once, at its last time, among equal times where a stable re-sort puts it', () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.callLater(50, () => log.push('held'));
    const moved = clock.callLater(1, () => log.push('moved'));
    for (let k = 0; k < 300; k++) {
      moved.reset(k % 2 === 0 ? 60 : 40);
      // Each re-sort files the call anew; the entry it leaves is stale.
      clock.advance(0);
      expect(clock.getDelayedCalls().filter((c) => c === moved)).toHaveLength(1);
    }
    moved.reset(50);
    clock.advance(50);
    // Last filed at 40, it moved later onto the time "held" has: a stable re-sort puts it first.
    expect(log).toEqual(['moved', 'held']);
  });

  it('calls scheduled after a rebuild reuse the places of dropped ones and run their own functions, once each', () => {
    const clock = new Clock();
    const log: string[] = [];
    const first = Array.from({ length: 200 }, (_, i) => clock.callLater(1 + (i % 5), () => log.push(`first ${i}`)));
    for (const i of shuffled(200, 7).slice(0, 150)) first[i]!.cancel();
    const kept = first.filter((c) => c.active()).length;
    for (let i = 0; i < 200; i++) clock.callLater(1 + (i % 5), () => log.push(`second ${i}`));
    expect(clock.getDelayedCalls()).toHaveLength(kept + 200);
    clock.advance(10);
    expect(log).toHaveLength(kept + 200);
    expect(new Set(log).size).toBe(log.length);
    expect(log.filter((x) => x.startsWith('second'))).toHaveLength(200);
  });

  it('DC2 getDelayedCalls() of a reactor never lists a cancelled call, before or after the rebuild that drops it; the rest run in (time, scheduling) order', () => {
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    const log: number[] = [];
    const timeOf = (i: number): number => 1 + (i % 4);
    const calls = Array.from({ length: 400 }, (_, i) => reactor.callLater(timeOf(i), () => log.push(i)));
    const order = shuffled(400, 3).slice(0, 300);
    for (const [k, i] of order.entries()) {
      calls[i]!.cancel();
      if (k + 1 === 40 || k + 1 === 201 || k + 1 === 300) {
        const listed = reactor.getDelayedCalls();
        expect(listed).toHaveLength(400 - (k + 1));
        expect(listed.every((c) => c.active())).toBe(true);
      }
    }
    clock.advance(5);
    reactor.iterate();
    const cancelled = new Set(order);
    const survivors = Array.from({ length: 400 }, (_, i) => i).filter((i) => !cancelled.has(i));
    expect(log).toEqual(survivors.sort((a, b) => timeOf(a) - timeOf(b) || a - b));
    expect(reactor.getDelayedCalls()).toEqual([]);
  });

  it('DC3 a reactor call reset away and back to its time runs once, in its scheduling place among equal times', () => {
    const clock = new Clock();
    const reactor = new CallbackLoopReactor({ clock });
    const log: string[] = [];
    reactor.callLater(5, () => log.push('a'));
    const b = reactor.callLater(5, () => log.push('b'));
    reactor.callLater(5, () => log.push('c'));
    // Away and back a hundred times: each move files a new entry; the old ones, some under the
    // very time it comes back to, are stale and must not run it again.
    for (let k = 0; k < 100; k++) {
      b.reset(10);
      b.reset(5);
    }
    expect(reactor.getDelayedCalls().filter((c) => c === b)).toHaveLength(1);
    clock.advance(10);
    reactor.iterate();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(reactor.getDelayedCalls()).toEqual([]);
  });
});
