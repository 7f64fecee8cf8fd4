// Property tests: random programs run against the real Deferred and against a small reference
// model that restates rules R2-R10 (firing, pairs, error path, recovery), P1-P3 (pause) and
// C1-C3 (a callback returning a Deferred) as plainly as possible; plus gatherResults ordering
// (G1, L1) and then() not consuming the result (J4).
//
// One behaviour the rule text leaves open is taken from Twisted's _runCallbacks: when a hand-off
// (C3) reaches a Deferred the user has paused, the whole loop stops there, so later pairs of the
// inner Deferred wait until it runs again (see the explicit C8 examples below).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlreadyCalledError,
  Deferred,
  FirstError,
  Failure,
  fail,
  gatherResults,
  isFailure,
  succeed,
} from '@deferkit/deferred';
import { assertNoResult, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { expectNoUnhandledErrorsInEachTest } from './helpers.js';

const RUNS = { numRuns: 500 };

// ---------------------------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------------------------

/** What one callback or errback does with the result it gets. */
type Behaviour =
  | { kind: 'value' } // return a new value (an errback doing this recovers, R10)
  | { kind: 'throw' } // throw a new error (R8)
  | { kind: 'same' } // return what it got (an errback returning the Failure stays on the error path, R8/R10)
  | { kind: 'rethrow' } // errback: throw failure.value again; callback: throw a new error
  | { kind: 'deferred'; inner: 'succeed' | 'fail' | 'unfired' }; // return a new Deferred (C1-C3)

type Step =
  | { op: 'addCallback'; b: Behaviour }
  | { op: 'addErrback'; b: Behaviour }
  | { op: 'addCallbacks'; cb: Behaviour; eb: Behaviour | null }
  | { op: 'addBoth'; b: Behaviour }
  | { op: 'pause' }
  | { op: 'unpause' }
  | { op: 'callback'; v: number }
  | { op: 'errback' }
  | { op: 'fireInner'; which: number; ok: boolean }
  | { op: 'observeInner'; which: number };

const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Behaviour>({ kind: 'value' }) },
  { weight: 2, arbitrary: fc.constant<Behaviour>({ kind: 'throw' }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'same' }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'rethrow' }) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('succeed' as const, 'fail' as const, 'unfired' as const)
      .map((inner): Behaviour => ({ kind: 'deferred', inner })),
  },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: behaviourArb.map((b): Step => ({ op: 'addCallback', b })) },
  { weight: 3, arbitrary: behaviourArb.map((b): Step => ({ op: 'addErrback', b })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(behaviourArb, fc.option(behaviourArb, { nil: null }))
      .map(([cb, eb]): Step => ({ op: 'addCallbacks', cb, eb })),
  },
  { weight: 2, arbitrary: behaviourArb.map((b): Step => ({ op: 'addBoth', b })) },
  { weight: 2, arbitrary: fc.constant<Step>({ op: 'pause' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ op: 'unpause' }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 99 }).map((v): Step => ({ op: 'callback', v })) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'errback' }) },
  {
    weight: 3,
    arbitrary: fc.record({ which: fc.nat(7), ok: fc.boolean() }).map(({ which, ok }): Step => ({ op: 'fireInner', which, ok })),
  },
  // Add a callback to a Deferred some callback returned earlier (C2/C4: it sees None once handed over).
  { weight: 3, arbitrary: fc.nat(7).map((which): Step => ({ op: 'observeInner', which })) },
);

const programArb = fc.array(stepArb, { minLength: 1, maxLength: 40 });

// ---------------------------------------------------------------------------------------------
// One interpreter, two engines
// ---------------------------------------------------------------------------------------------

/** A result as the program sees it: a value, or a failure identified by its error's tag. */
type Input = { ok: true; v: unknown } | { ok: false; tag: string };

/** What a slot tells the engine to do. */
type Outcome<H> =
  | { kind: 'value'; v: unknown }
  | { kind: 'throw'; tag: string }
  | { kind: 'same' }
  | { kind: 'deferred'; d: H };

type Slot<H> = (input: Input) => Outcome<H>;

/** The operations a program uses; H is the engine's Deferred handle. */
interface Engine<H> {
  create(): H;
  succeed(v: unknown): H;
  fail(tag: string): H;
  addCallback(d: H, cb: Slot<H>): void;
  addErrback(d: H, eb: Slot<H>): void;
  addCallbacks(d: H, cb: Slot<H>, eb: Slot<H> | null): void;
  addBoth(d: H, fn: Slot<H>): void;
  /** 'ok', or 'already' when AlreadyCalledError was raised. */
  callback(d: H, v: unknown): 'ok' | 'already';
  errback(d: H, tag: string): 'ok' | 'already';
  pause(d: H): void;
  unpause(d: H): void;
  called(d: H): boolean;
  paused(d: H): number;
}

function show(input: Input): string {
  return input.ok ? `V:${String(input.v)}` : `F:${input.tag}`;
}

function nextValue(input: Input, id: number): number {
  const base = input.ok && typeof input.v === 'number' ? input.v : 7;
  return (base * 31 + id) % 1_000_003;
}

/** Run `program` on `engine`; return everything observable, in order. */
function interpret<H>(engine: Engine<H>, program: Step[]): string[] {
  const log: string[] = [];
  const d = engine.create();
  const unfiredInners: H[] = [];
  const allInners: H[] = [];
  let userPauses = 0;
  let nextId = 0;

  const slot = (b: Behaviour): Slot<H> => {
    const id = nextId++;
    return (input) => {
      log.push(`#${id} got ${show(input)}`);
      switch (b.kind) {
        case 'value':
          return { kind: 'value', v: nextValue(input, id) };
        case 'throw':
          return { kind: 'throw', tag: `e${id}` };
        case 'same':
          return { kind: 'same' };
        case 'rethrow':
          return input.ok ? { kind: 'throw', tag: `e${id}` } : { kind: 'throw', tag: input.tag };
        case 'deferred': {
          let inner: H;
          if (b.inner === 'succeed') inner = engine.succeed(nextValue(input, id));
          else if (b.inner === 'fail') inner = engine.fail(`i${id}`);
          else {
            inner = engine.create();
            unfiredInners.push(inner);
          }
          allInners.push(inner);
          return { kind: 'deferred', d: inner };
        }
      }
    };
  };

  const fireInner = (which: number, ok: boolean): void => {
    const [inner] = unfiredInners.splice(which % unfiredInners.length, 1);
    log.push(`fire inner ${ok ? 'ok' : 'fail'}: ${ok ? engine.callback(inner!, 1000 + which) : engine.errback(inner!, `x${which}`)}`);
  };

  const state = (): void => {
    log.push(`called=${engine.called(d)} paused=${engine.paused(d)}`);
  };

  for (const step of program) {
    switch (step.op) {
      case 'addCallback':
        engine.addCallback(d, slot(step.b));
        break;
      case 'addErrback':
        engine.addErrback(d, slot(step.b));
        break;
      case 'addCallbacks':
        engine.addCallbacks(d, slot(step.cb), step.eb === null ? null : slot(step.eb));
        break;
      case 'addBoth':
        engine.addBoth(d, slot(step.b));
        break;
      case 'pause':
        userPauses++;
        engine.pause(d);
        break;
      case 'unpause':
        if (userPauses === 0) continue;
        userPauses--;
        engine.unpause(d);
        break;
      case 'callback':
        log.push(`callback: ${engine.callback(d, step.v)}`);
        break;
      case 'errback':
        log.push(`errback: ${engine.errback(d, 'main')}`);
        break;
      case 'fireInner':
        if (unfiredInners.length === 0) continue;
        fireInner(step.which, step.ok);
        break;
      case 'observeInner': {
        if (allInners.length === 0) continue;
        const k = step.which % allInners.length;
        // Returns a value, so a failure reaching it is handled.
        engine.addBoth(allInners[k]!, (input) => {
          log.push(`inner ${k} observer got ${show(input)}`);
          return { kind: 'value', v: 'observed' };
        });
        break;
      }
    }
    state();
  }

  // The final result, as a last callback pair sees it (it handles a failure, so nothing is
  // left unhandled). Then drain: unpause, fire what is unfired, and see the chain finish.
  engine.addBoth(d, (input) => {
    log.push(`final ${show(input)}`);
    return { kind: 'value', v: 'end' };
  });
  state();
  log.push('drain');
  while (userPauses > 0) {
    userPauses--;
    engine.unpause(d);
    state();
  }
  if (!engine.called(d)) {
    log.push(`callback: ${engine.callback(d, 'late')}`);
    state();
  }
  while (unfiredInners.length > 0) {
    fireInner(0, true);
    state();
  }
  return log;
}

// ---------------------------------------------------------------------------------------------
// The real engine
// ---------------------------------------------------------------------------------------------

class TaggedError extends Error {
  override name = 'TaggedError';
}

function tagOf(f: Failure): string {
  return f.value instanceof TaggedError ? f.value.message : `<unexpected ${String(f.value)}>`;
}

const realEngine: Engine<Deferred<unknown>> = {
  create: () => new Deferred<unknown>(),
  succeed: (v) => succeed(v),
  fail: (tag) => fail(new TaggedError(tag)),
  addCallback: (d, cb) => void d.addCallback(wrap(cb)),
  addErrback: (d, eb) => void d.addErrback(wrap(eb)),
  addCallbacks: (d, cb, eb) => void (eb === null ? d.addCallbacks(wrap(cb)) : d.addCallbacks(wrap(cb), wrap(eb))),
  addBoth: (d, fn) => void d.addBoth(wrap(fn)),
  callback: (d, v) => fire(() => d.callback(v)),
  errback: (d, tag) => fire(() => d.errback(new TaggedError(tag))),
  pause: (d) => d.pause(),
  unpause: (d) => d.unpause(),
  called: (d) => d.called,
  paused: (d) => d.paused,
};

function fire(f: () => void): 'ok' | 'already' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof AlreadyCalledError) return 'already';
    throw e;
  }
}

function wrap(s: Slot<Deferred<unknown>>): (result: unknown) => unknown {
  return (result) => {
    const input: Input = isFailure(result) ? { ok: false, tag: tagOf(result) } : { ok: true, v: result };
    const out = s(input);
    switch (out.kind) {
      case 'value':
        return out.v;
      case 'throw':
        // 'rethrow' of a failure throws the very same error object again.
        if (isFailure(result) && tagOf(result) === out.tag) throw result.value;
        throw new TaggedError(out.tag);
      case 'same':
        return result;
      case 'deferred':
        return out.d;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------------

interface Pair {
  cb: Slot<ModelDeferred> | null;
  eb: Slot<ModelDeferred> | null;
}
/** Twisted's _CONTINUE marker: hand this Deferred's result to `waiter`. */
interface Continue {
  waiter: ModelDeferred;
}

/**
 * A Deferred restated from the rules, nothing clever: a FIFO queue of pairs (R6, R7), a pause
 * counter (P1, P2), and "waiting" = a pause plus a Continue marker on the inner one (C3).
 */
class ModelDeferred {
  called = false;
  /** Has a result that is not a pending inner Deferred. */
  hasResult = false;
  result: Input = { ok: true, v: undefined };
  paused = 0;
  queue: Array<Pair | Continue> = [];

  /** Returns 'stopped' when the whole hand-off loop stopped at a paused Deferred (see below). */
  run(): 'done' | 'stopped' {
    // P1/P3: nothing runs while paused; nothing runs before firing or while waiting (C3).
    if (this.paused > 0 || !this.hasResult) return 'done';
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      if ('waiter' in item) {
        // C3: the waiting Deferred gets our result, we keep None, it resumes.
        const waiter = item.waiter;
        waiter.result = this.result;
        waiter.hasResult = true;
        this.result = { ok: true, v: undefined };
        waiter.paused--;
        // Twisted's _runCallbacks stops altogether when the Deferred it hands a result to is
        // still paused (by the user): our remaining pairs, and those of every Deferred below us
        // in the hand-off, wait until something runs us again (adding a callback does).
        if (waiter.paused > 0) return 'stopped';
        if (waiter.run() === 'stopped') return 'stopped';
        continue;
      }
      // R7: exactly one slot runs, chosen by whether the result is a failure.
      const slot = this.result.ok ? item.cb : item.eb;
      if (slot === null) continue; // pass-through side (R6)
      const out = slot(this.result);
      switch (out.kind) {
        case 'value': // R3; an errback returning a value recovers (R10)
          this.result = { ok: true, v: out.v };
          break;
        case 'throw': // R8
          this.result = { ok: false, tag: out.tag };
          break;
        case 'same': // returning the Failure = staying on the error path (R8, R10)
          break;
        case 'deferred': {
          const inner = out.d;
          if (inner.hasResult && inner.paused === 0) {
            // C2: take the result now; the inner one keeps None.
            this.result = inner.result;
            inner.result = { ok: true, v: undefined };
          } else {
            // C3: wait for it.
            this.hasResult = false;
            this.paused++;
            inner.queue.push({ waiter: this });
            return 'done';
          }
          break;
        }
      }
    }
    return 'done';
  }
}

const modelEngine: Engine<ModelDeferred> = {
  create: () => new ModelDeferred(),
  succeed: (v) => {
    const d = new ModelDeferred();
    modelFire(d, { ok: true, v });
    return d;
  },
  fail: (tag) => {
    const d = new ModelDeferred();
    modelFire(d, { ok: false, tag });
    return d;
  },
  addCallback: (d, cb) => modelAdd(d, { cb, eb: null }),
  addErrback: (d, eb) => modelAdd(d, { cb: null, eb }),
  addCallbacks: (d, cb, eb) => modelAdd(d, { cb, eb }),
  addBoth: (d, fn) => modelAdd(d, { cb: fn, eb: fn }),
  callback: (d, v) => modelFire(d, { ok: true, v }),
  errback: (d, tag) => modelFire(d, { ok: false, tag }),
  pause: (d) => {
    d.paused++;
  },
  unpause: (d) => {
    d.paused--;
    d.run();
  },
  called: (d) => d.called,
  paused: (d) => d.paused,
};

function modelAdd(d: ModelDeferred, pair: Pair): void {
  d.queue.push(pair);
  d.run(); // R4: runs at once if fired, unpaused and not waiting
}

function modelFire(d: ModelDeferred, result: Input): 'ok' | 'already' {
  if (d.called) return 'already'; // A1
  d.called = true;
  d.hasResult = true;
  d.result = result;
  d.run(); // R2
  return 'ok';
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('Deferred against a reference model (R2-R10, P1-P3, C1-C3)', () => {
  expectNoUnhandledErrorsInEachTest();

  it('R2-R10/P1-P3/C1-C3 random programs: same callback invocations, states and final result as the model', () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const expected = interpret(modelEngine, program);
        const actual = interpret(realEngine, program);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('R9/C3 a hand-written program gives the same, spelled-out log on the model and the real Deferred', () => {
    // R9 example: the raiser's sibling errback is skipped, the next errback recovers, C3 waits.
    const program: Step[] = [
      { op: 'addCallbacks', cb: { kind: 'throw' }, eb: { kind: 'value' } },
      { op: 'addCallbacks', cb: { kind: 'value' }, eb: { kind: 'deferred', inner: 'unfired' } },
      { op: 'addCallback', b: { kind: 'value' } },
      { op: 'callback', v: 1 },
      { op: 'fireInner', which: 0, ok: true },
    ];
    const expected = [
      'called=false paused=0',
      'called=false paused=0',
      'called=false paused=0',
      '#0 got V:1', // throws e0
      '#3 got F:e0', // #1 (the raiser's sibling) and #2 are skipped; #3 returns an unfired Deferred
      'callback: ok',
      'called=true paused=1', // waiting on it (C3)
      '#4 got V:1000', // the inner result arrives (C3)
      'fire inner ok: ok',
      'called=true paused=0',
      `final V:${(1000 * 31 + 4) % 1_000_003}`,
      'called=true paused=0',
      'drain',
    ];
    expect(interpret(modelEngine, program)).toEqual(expected);
    expect(interpret(realEngine, program)).toEqual(expected);
  });
});

describe('a paused outer Deferred stops the hand-off (C3/C8, Twisted\'s _runCallbacks)', () => {
  it('C8 callbacks added to X before X fires wait while the outer is paused, until X runs again', () => {
    const outer = new Deferred<null>();
    const x = new Deferred<string>();
    const log: unknown[] = [];
    outer.callback(null);
    outer.addCallback(() => x);
    x.addBoth((r) => {
      log.push(['x later callback', r]);
      return r;
    });
    outer.pause();
    x.callback('inner');
    // The result went to the (paused) outer; X's own later callback did not run.
    expect(log).toEqual([]);
    outer.unpause();
    expect(successResultOf(outer)).toBe('inner');
    expect(log).toEqual([]);
    // Adding a callback to X runs X's pending pairs, the earlier one first (it sees None, C4).
    x.addCallback((r) => {
      log.push(['x newest callback', r]);
      return r;
    });
    expect(log).toStrictEqual([
      ['x later callback', undefined],
      ['x newest callback', undefined],
    ]);
  });

  it('C8 test_pausedDeferredChained: a callback added to X after X fired runs at once', () => {
    const first = new Deferred<null>();
    const second = new Deferred<null>();
    first.addCallback(() => second);
    first.callback(null);
    first.pause();
    second.callback(null);
    const result: unknown[] = [];
    second.addCallback((r) => void result.push(r));
    // second handed its result to first, so it carries None (C3).
    expect(result).toStrictEqual([undefined]);
    first.unpause();
    expect(successResultOf(first)).toBeNull();
  });
});

describe('gatherResults (G1, L1)', () => {
  expectNoUnhandledErrorsInEachTest();

  const inputsArb = fc
    .array(fc.record({ value: fc.integer(), preFired: fc.boolean() }), { maxLength: 10 })
    .chain((items) => {
      const unfired = items.flatMap((item, i) => (item.preFired ? [] : [i]));
      return fc.tuple(
        fc.constant(items),
        fc.shuffledSubarray(unfired, { minLength: unfired.length, maxLength: unfired.length }),
      );
    });

  it('G1 for any mix of fired and unfired inputs, fired in any order, the values come in input order', () => {
    fc.assert(
      fc.property(inputsArb, ([items, firingOrder]) => {
        const ds = items.map((item) => (item.preFired ? succeed(item.value) : new Deferred<number>()));
        const gathered = gatherResults(ds);
        for (const [n, i] of firingOrder.entries()) {
          assertNoResult(gathered);
          ds[i]!.callback(items[i]!.value);
          if (n < firingOrder.length - 1) assertNoResult(gathered);
        }
        expect(successResultOf(gathered)).toEqual(items.map((item) => item.value));
        // Each input keeps its own result (L6).
        ds.forEach((d, i) => expect(successResultOf(d)).toBe(items[i]!.value));
      }),
      RUNS,
    );
  });

  const withFailuresArb = fc
    .array(fc.record({ value: fc.integer(), preFired: fc.boolean(), fails: fc.boolean() }), { maxLength: 8 })
    .chain((items) => {
      const unfired = items.flatMap((item, i) => (item.preFired ? [] : [i]));
      return fc.tuple(
        fc.constant(items),
        fc.shuffledSubarray(unfired, { minLength: unfired.length, maxLength: unfired.length }),
      );
    });

  it('G1/L1 the first failure to arrive (pre-fired inputs first, in input order) fails it with FirstError(that failure, index)', () => {
    fc.assert(
      fc.property(withFailuresArb, ([items, firingOrder]) => {
        const errors = items.map((_, i) => new RangeError(`input ${i}`));
        const fire = (d: Deferred<number>, i: number): void =>
          items[i]!.fails ? d.errback(errors[i]) : d.callback(items[i]!.value);
        const ds = items.map((item, i) => {
          if (!item.preFired) return new Deferred<number>();
          const d = new Deferred<number>();
          fire(d, i);
          return d;
        });
        const gathered = gatherResults(ds);
        const arrival = [...items.flatMap((item, i) => (item.preFired ? [i] : [])), ...firingOrder];
        const firstFailure = arrival.find((i) => items[i]!.fails);
        for (const i of firingOrder) fire(ds[i]!, i);
        if (firstFailure === undefined) {
          expect(successResultOf(gathered)).toEqual(items.map((item) => item.value));
        } else {
          const f = failureResultOf(gathered, FirstError);
          const e = f.value as FirstError;
          expect(e.index).toBe(firstFailure);
          expect(e.subFailure.value).toBe(errors[firstFailure]);
        }
        // Inputs keep their failures (no consumeErrors): handle them here.
        ds.forEach((d, i) => {
          if (items[i]!.fails) expect(failureResultOf(d).value).toBe(errors[i]);
        });
      }),
      RUNS,
    );
  });
});

describe('then() observes without consuming (J4)', () => {
  expectNoUnhandledErrorsInEachTest();

  it('J4 the result seen by a callback added after `await d` is the original value or failure', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async (value, fireBefore, failing, awaits) => {
          const d = new Deferred<unknown>();
          const fireIt = (): void => (failing ? d.errback(value) : d.callback(value));
          if (fireBefore) fireIt();
          const observers = Array.from({ length: awaits }, async () => {
            try {
              return { ok: true, v: await d };
            } catch (e) {
              return { ok: false, v: e };
            }
          });
          if (!fireBefore) fireIt();
          const seenByAwait = await Promise.all(observers);
          for (const seen of seenByAwait) {
            expect(seen.ok).toBe(!failing);
            expect(seen.v).toBe(value);
          }
          let after: unknown = 'not called';
          d.addBoth((r) => {
            after = r;
            return r;
          });
          if (failing) {
            expect(after).toBeInstanceOf(Failure);
            expect((after as Failure).value).toBe(value);
            expect(failureResultOf(d).value).toBe(value);
          } else {
            expect(after).toBe(value);
            expect(successResultOf(d)).toBe(value);
          }
        },
      ),
      RUNS,
    );
  });
});
