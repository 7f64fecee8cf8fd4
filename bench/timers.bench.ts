// Timers: how the cost of callLater / cancel / firing grows with the number of pending calls, on
// Clock and on both reactors; callLater(0) next to callSoon; bytes per pending DelayedCall.
//
// npm run bench -- timers   (this section alone; `npm run bench` includes it in RESULTS.md)
// node --import tsx bench/timers.bench.ts   (the same, on the built packages, without building;
//   add --conditions=@deferkit/source to run on the TypeScript sources)
//
// Every size gets fresh schedulers. Deadlines are pseudo-random (a fixed LCG) in [1, 1001) s so
// the timer structure sees unordered inserts, and cancels go in a shuffled order, so they hit the
// middle of the structure. Firing advances virtual time past every deadline at once. Phases are
// timed in process CPU time (the bench machine is shared). A phase that runs longer than
// BUDGET_MS of wall time is cut short and the larger sizes are skipped: the sorted-list Clock this
// bench was written against got no further than 1e4.
// TIMERS_SUBJECTS=Clock,CallbackLoopReactor limits a run to those schedulers.

import { execFileSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Future } from '@deferkit/deferred';
import { CallbackLoopReactor, Clock, DelayedCall, PromiseLoopReactor, type EventLoop, type Handle, type TimerHandle } from '@deferkit/reactor';
import { fmtNs, measure } from './harness.js';

/** Pending-call counts measured. */
export const SIZES = [1e3, 1e4, 1e5, 1e6] as const;
/** A phase longer than this stops the run of its scheduler (larger sizes are skipped). */
const BUDGET_MS = Number(process.env.TIMERS_BUDGET_MS ?? 15_000);

type Phase = 'insert' | 'cancel' | 'fire';

/** One scheduler under test: how to make one, schedule on it, and fire everything pending. */
interface Subject {
  name: string;
  make(): { callLater(delay: number, fn: () => void): DelayedCall; fireAll(): void | Promise<void>; dispose(): void | Promise<void> };
}

const noop = (): void => {};

const subjects: Subject[] = [
  {
    name: 'Clock',
    make() {
      const clock = new Clock();
      return { callLater: (d, fn) => clock.callLater(d, fn), fireAll: () => clock.advance(2000), dispose: () => {} };
    },
  },
  {
    name: 'CallbackLoopReactor',
    make() {
      // Virtual time, so firing is one iterate() after the clock moved past every deadline.
      const clock = new Clock();
      const reactor = new CallbackLoopReactor({ clock });
      return {
        callLater: (d, fn) => reactor.callLater(d, fn),
        fireAll: () => {
          clock.advance(2000);
          reactor.iterate();
        },
        dispose: () => {},
      };
    },
  },
  {
    name: 'PromiseLoopReactor',
    make() {
      // Running, on a loop whose time jumps: firing moves it past every deadline and runs the one
      // reactor turn the reactor asked for. (A VirtualTimeEventLoop would stop at each deadline
      // and spend a macrotask per distinct time, which is the loop's cost, not the reactor's.)
      const loop = new JumpLoop();
      const reactor = new PromiseLoopReactor({ eventLoop: loop });
      void reactor.run();
      loop.runReady();
      return {
        callLater: (d, fn) => reactor.callLater(d, fn),
        fireAll: () => {
          loop.jump(2000);
          loop.runReady();
        },
        dispose: () => {
          reactor.stop();
          loop.runReady();
        },
      };
    },
  },
];

/**
 * The least EventLoop a PromiseLoopReactor runs on: callSoon queues, callAt remembers, and time
 * moves only by jump(), which makes every remembered call due; runReady() runs what is due.
 */
class JumpLoop implements EventLoop {
  #now = 0;
  #ready: Array<() => void> = [];
  #timed: Array<{ when: number; fn: () => void; cancelled: boolean }> = [];
  time(): number {
    return this.#now;
  }
  callSoon<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Handle {
    let cancelled = false;
    this.#ready.push(() => void (cancelled || fn(...args)));
    return { cancel: () => void (cancelled = true), cancelled: () => cancelled };
  }
  callLater<A extends unknown[]>(delay: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    return this.callAt(this.#now + delay, fn, ...args);
  }
  callAt<A extends unknown[]>(when: number, fn: (...args: A) => unknown, ...args: A): TimerHandle {
    const entry = { when, fn: () => void fn(...args), cancelled: false };
    this.#timed.push(entry);
    return { cancel: () => void (entry.cancelled = true), cancelled: () => entry.cancelled, when: () => when };
  }
  createFuture<T>(): Future<T> {
    return new Future<T>();
  }
  ensureFuture<T>(awaitable: PromiseLike<T>): Future<T> {
    const f = new Future<T>();
    awaitable.then((v) => f.setResult(v), (e: unknown) => f.setException(e));
    return f;
  }
  sleep(seconds: number): Future<void> {
    const f = new Future<void>();
    this.callLater(seconds, () => f.setResult(undefined));
    return f;
  }
  jump(to: number): void {
    this.#now = to;
  }
  runReady(): void {
    for (;;) {
      const timed = this.#timed.filter((t) => !t.cancelled);
      const due = timed.filter((t) => t.when <= this.#now);
      this.#timed = timed.filter((t) => t.when > this.#now);
      const ready = this.#ready;
      this.#ready = [];
      if (ready.length === 0 && due.length === 0) return;
      for (const fn of ready) fn();
      for (const t of due) t.fn();
    }
  }
}

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Milliseconds of CPU this process has used: on a shared machine, wall time mostly measures the
 * other processes. (It includes the GC's helper threads, which is work the timers caused.)
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The garbage collector's pauses (main thread, wall time), as the runtime reports them: how much
 * of a phase is the GC promoting and marking the calls held, which no timer structure removes.
 * Entries arrive asynchronously; phases look them up by time once the run is over.
 */
const gcPauses: Array<{ start: number; end: number }> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });

/** Milliseconds of GC pause inside the wall-time window [from, to). */
function gcMsIn(from: number, to: number): number {
  let ms = 0;
  for (const p of gcPauses) if (p.start >= from && p.start < to) ms += Math.min(p.end, to) - p.start;
  return ms;
}

/** Wall-time windows of one phase at one size, for its GC share. */
type Windows = Array<[number, number]>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** ns per operation of each phase at size n (median over reps), or 'over' when the budget ran out. */
type Cell = number | 'over' | 'skipped';

/** Schedule n calls, then either cancel them all (shuffled) or fire them all; ms per phase. */
async function once(subject: Subject, n: number, then: 'cancel' | 'fire', windows: Record<Phase, Windows>): Promise<Partial<Record<Phase, number | 'over'>>> {
  const random = lcg(n);
  const delays = new Float64Array(n);
  for (let i = 0; i < n; i++) delays[i] = 1 + random() * 1000;
  const s = subject.make();
  const calls: DelayedCall[] = new Array<DelayedCall>(n);
  const out: Partial<Record<Phase, number | 'over'>> = {};
  let wall = performance.now();
  let t0 = cpuMs();
  for (let i = 0; i < n; i++) {
    calls[i] = s.callLater(delays[i]!, noop);
    if ((i & 1023) === 1023 && performance.now() - wall > BUDGET_MS) {
      out.insert = 'over';
      return out;
    }
  }
  out.insert = cpuMs() - t0;
  windows.insert.push([wall, performance.now()]);
  if (then === 'cancel') {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const c = calls[i]!;
      calls[i] = calls[j]!;
      calls[j] = c;
    }
    wall = performance.now();
    t0 = cpuMs();
    for (let i = 0; i < n; i++) {
      calls[i]!.cancel();
      if ((i & 1023) === 1023 && performance.now() - wall > BUDGET_MS) {
        out.cancel = 'over';
        return out;
      }
    }
    out.cancel = cpuMs() - t0;
    windows.cancel.push([wall, performance.now()]);
  } else {
    wall = performance.now();
    t0 = cpuMs();
    await s.fireAll();
    const ms = cpuMs() - t0;
    windows.fire.push([wall, performance.now()]);
    out.fire = performance.now() - wall > BUDGET_MS ? 'over' : ms;
    if (!calls[n - 1]!.called) throw new Error(`${subject.name}: fireAll() left calls pending at n=${n}`);
  }
  await s.dispose();
  return out;
}

/**
 * The scaling table: subject → phase → one cell per size, and per size the share of the phase's
 * wall time the GC paused the main thread (null where not measured).
 */
export type ScalingTable = Array<{ subject: string; phase: Phase; cells: Cell[]; gcShare?: Array<number | null> }>;

/** TIMERS_SUBJECTS=Clock,… limits the run to those schedulers (for quick looks). */
const chosen = (process.env.TIMERS_SUBJECTS ?? '').split(',').filter((x) => x !== '');
const selected = (): Subject[] => subjects.filter((s) => chosen.length === 0 || chosen.includes(s.name));

async function scaling(log: (s: string) => void): Promise<ScalingTable> {
  const table: ScalingTable = [];
  for (const subject of selected()) {
    const cells: Record<Phase, Cell[]> = { insert: [], cancel: [], fire: [] };
    // Warm-up, so the JIT has settled before the smallest size is timed.
    const unused: Record<Phase, Windows> = { insert: [], cancel: [], fire: [] };
    for (let k = 0; k < 5; k++) {
      await once(subject, 1000, 'cancel', unused);
      await once(subject, 1000, 'fire', unused);
    }
    const windows: Array<Record<Phase, Windows>> = [];
    let stopped = false;
    for (const n of SIZES) {
      if (stopped) {
        for (const p of ['insert', 'cancel', 'fire'] as const) cells[p].push('skipped');
        continue;
      }
      log(`timers: ${subject.name} n=${n} …`);
      const reps = Math.max(3, Math.min(31, Math.floor(3e5 / n)));
      const samples: Record<Phase, number[]> = { insert: [], cancel: [], fire: [] };
      const over = new Set<Phase>();
      const w: Record<Phase, Windows> = { insert: [], cancel: [], fire: [] };
      windows.push(w);
      for (let r = 0; r < reps && over.size === 0; r++) {
        for (const then of ['cancel', 'fire'] as const) {
          const got = await once(subject, n, then, w);
          for (const [p, v] of Object.entries(got) as Array<[Phase, number | 'over']>) {
            if (v === 'over') over.add(p);
            else samples[p].push(v);
          }
          if (over.size > 0) break;
        }
      }
      for (const p of ['insert', 'cancel', 'fire'] as const) {
        cells[p].push(over.has(p) ? 'over' : samples[p].length === 0 ? 'skipped' : (median(samples[p]) * 1e6) / n);
      }
      if (over.size > 0) stopped = true;
    }
    // Let the runtime deliver the last GC entries before they are looked up.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const p of ['insert', 'cancel', 'fire'] as const) {
      const gcShare = SIZES.map((_, i) => {
        const ws = windows[i]?.[p] ?? [];
        const wallMs = ws.reduce((a, [from, to]) => a + (to - from), 0);
        return wallMs > 0 ? ws.reduce((a, [from, to]) => a + gcMsIn(from, to), 0) / wallMs : null;
      });
      table.push({ subject: subject.name, phase: p, cells: cells[p], gcShare });
    }
  }
  return table;
}

/**
 * The floor under `insert`: constructing n DelayedCalls and holding them in an array, with no
 * timer structure and no owner filing them (the owner is a stub). Past the young generation's
 * size every one of them is copied by the GC on its way to the old generation, whatever
 * structure holds it. Same deadlines, same repetitions and CPU-time clock as the scaling table.
 */
async function allocationFloor(): Promise<{ cells: Cell[]; gcShare: Array<number | null> }> {
  const owner = { _now: () => 0, _cancelCall: noop, _moveCall: noop };
  const cells: Cell[] = [];
  const gcShare: Array<number | null> = [];
  for (const n of SIZES) {
    const reps = Math.max(3, Math.min(31, Math.floor(3e5 / n)));
    const samples: number[] = [];
    const windows: Windows = [];
    for (let r = 0; r < reps; r++) {
      const random = lcg(n);
      const delays = new Float64Array(n);
      for (let i = 0; i < n; i++) delays[i] = 1 + random() * 1000;
      const held: DelayedCall[] = new Array<DelayedCall>(n);
      const wall = performance.now();
      const t0 = cpuMs();
      for (let i = 0; i < n; i++) held[i] = new DelayedCall(delays[i]!, noop, [], owner);
      samples.push(cpuMs() - t0);
      windows.push([wall, performance.now()]);
      if (held[n - 1]!.called) throw new Error('unreachable: keeps the held calls alive');
    }
    cells.push((median(samples) * 1e6) / n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const wallMs = windows.reduce((a, [from, to]) => a + (to - from), 0);
    gcShare.push(windows.reduce((a, [from, to]) => a + gcMsIn(from, to), 0) / wallMs);
  }
  return { cells, gcShare };
}

/** Bytes the JS heap holds per pending DelayedCall (handles not kept), heap-used delta ÷ n. */
async function bytesPerCall(): Promise<Array<{ subject: string; bytes: number; n: number }>> {
  if (gc === undefined) throw new Error('the timers bench needs --expose-gc (npm run bench passes it).');
  const n = 10_000;
  const rows: Array<{ subject: string; bytes: number; n: number }> = [];
  for (const subject of selected()) {
    const samples: number[] = [];
    for (let r = 0; r < 5; r++) {
      const s = subject.make();
      gc();
      gc();
      const before = process.memoryUsage().heapUsed;
      // Increasing deadlines: the cheapest order for any structure, so the old sorted list
      // finishes too; the memory held does not depend on the order.
      for (let i = 0; i < n; i++) s.callLater(1 + i / n, noop);
      gc();
      gc();
      samples.push((process.memoryUsage().heapUsed - before) / n);
      await s.fireAll();
      await s.dispose();
    }
    rows.push({ subject: subject.name, bytes: median(samples), n });
  }
  return rows;
}

/**
 * callLater(0) next to callSoon on CallbackLoopReactor: schedule a batch, run it with iterate().
 * Beside them, callSoon plus one read of the clock callLater uses (performance.now): callLater
 * must read the clock (a DelayedCall's time is seconds() + delay, as in Twisted), and on some
 * machines that read alone costs more than callSoon.
 */
async function laterVsSoon(): Promise<{ soonNs: number; laterNs: number; soonClockNs: number }> {
  const reactor = new CallbackLoopReactor();
  let sink = 0;
  const [soon, later, soonClock] = await measure([
    {
      name: 'callSoon',
      batch: 1000,
      run: (k) => {
        for (let i = 0; i < k; i++) reactor.callSoon(noop);
        reactor.iterate();
      },
    },
    {
      name: 'callLater(0)',
      batch: 1000,
      run: (k) => {
        for (let i = 0; i < k; i++) reactor.callLater(0, noop);
        reactor.iterate();
      },
    },
    {
      name: 'callSoon + clock read',
      batch: 1000,
      run: (k) => {
        for (let i = 0; i < k; i++) {
          sink += performance.now();
          reactor.callSoon(noop);
        }
        reactor.iterate();
      },
    },
  ]);
  if (reactor.getDelayedCalls().length !== 0) throw new Error('callLater(0) calls were left pending by iterate()');
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the clock reads from being optimised away');
  return { soonNs: soon!.medianNs, laterNs: later!.medianNs, soonClockNs: soonClock!.medianNs };
}

/** Everything the timers section reports. */
export interface TimerResults {
  scaling: ScalingTable;
  bytes: Array<{ subject: string; bytes: number; n: number }>;
  soonNs: number;
  laterNs: number;
  /** callSoon plus one performance.now(): the floor for a call that must read the clock. */
  soonClockNs: number;
  /** Constructing and holding n DelayedCalls without a timer structure (absent in old results). */
  floor?: { cells: Cell[]; gcShare: Array<number | null> };
}

async function runHere(log: (s: string) => void): Promise<TimerResults> {
  const table = await scaling(log);
  log('timers: allocation floor …');
  const floor = await allocationFloor();
  log('timers: bytes per pending DelayedCall …');
  const bytes = await bytesPerCall();
  log('timers: callLater(0) vs callSoon …');
  const { soonNs, laterNs, soonClockNs } = await laterVsSoon();
  return { scaling: table, bytes, soonNs, laterNs, soonClockNs, floor };
}

const CHILD_FLAG = '--timers-child';

/** Run the whole timers bench in a child process, so it has a heap of its own. */
export async function runTimerBenchmarks(log: (s: string) => void): Promise<TimerResults> {
  const args = [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc', fileURLToPath(import.meta.url), CHILD_FLAG];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  log('timers: done');
  return JSON.parse(out) as TimerResults;
}

function fmtShare(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${Math.round(100 * x)}%`;
}

function fmtCell(c: Cell): string {
  if (c === 'over') return `> ${BUDGET_MS / 1000} s (cut)`;
  if (c === 'skipped') return '—';
  return fmtNs(c);
}

/** The markdown section of RESULTS.md for these results. */
export function timerSection(r: TimerResults): string[] {
  const lines: string[] = [];
  lines.push('## Timers: cost per operation as pending DelayedCalls grow');
  lines.push('');
  lines.push(
    'CPU time per operation (process.cpuUsage, so other load on the machine counts little), median over repeated runs ' +
      '(fresh scheduler each run): `callLater` with pseudo-random deadlines, ' +
      '`cancel()` in shuffled order, and firing every call in one virtual-time advance. ' +
      `Growth is the 1e6 cost ÷ the 1e3 cost (target ≤ 2×). A phase longer than ${BUDGET_MS / 1000} s of wall time is cut and larger sizes skipped.`,
  );
  lines.push('');
  lines.push(
    'GC is the share of the phase\'s wall time the garbage collector paused the main thread (PerformanceObserver "gc" entries), at 1e3 and at 1e6. ' +
      'The last row is the floor under `insert`: constructing the same number of DelayedCalls and holding them in an array, with no timer structure. ' +
      'Past the young generation (about 1e5 calls) every held call is copied by the GC on its way to the old generation, so that floor grows too, and no timer structure can remove it; ' +
      '`cancel` and `fire` at 1e6 also pay a cache and TLB miss for each call they touch (the bench touches them in shuffled and in deadline order), and each pop walks a heap that no longer fits in cache. ' +
      'So the 2× target is not met at 1e6: the timer structure is no longer what grows (cancel is O(1), the heap is 4-ary and sifting touches one typed array), the memory system is.',
  );
  lines.push('');
  lines.push(`| scheduler | operation | ${SIZES.map((n) => `n = ${n.toExponential(0).replace('e+', 'e')}`).join(' | ')} | growth 1e6 ÷ 1e3 | GC 1e3 → 1e6 |`);
  lines.push(`| --- | --- | ${SIZES.map(() => '---:').join(' | ')} | ---: | ---: |`);
  const growthOf = (cells: Cell[]): string => {
    const first = cells[0];
    const last = cells[cells.length - 1];
    return typeof first === 'number' && typeof last === 'number' ? `${(last / first).toFixed(2)}×` : '—';
  };
  const gcOf = (share: Array<number | null> | undefined): string => `${fmtShare(share?.[0])} → ${fmtShare(share?.[share.length - 1])}`;
  for (const row of r.scaling) {
    lines.push(`| ${row.subject} | ${row.phase} | ${row.cells.map(fmtCell).join(' | ')} | ${growthOf(row.cells)} | ${gcOf(row.gcShare)} |`);
  }
  if (r.floor !== undefined) {
    lines.push(`| (floor: no structure) | allocate and hold | ${r.floor.cells.map(fmtCell).join(' | ')} | ${growthOf(r.floor.cells)} | ${gcOf(r.floor.gcShare)} |`);
  }
  lines.push('');
  lines.push(`Bytes of JS heap per pending DelayedCall (heap used after gc, with ${r.bytes[0]?.n ?? 0} pending calls of no arguments, handles not kept; target ≤ 150 B):`);
  lines.push('');
  lines.push('| scheduler | bytes per pending call |');
  lines.push('| --- | ---: |');
  for (const b of r.bytes) lines.push(`| ${b.subject} | ${b.bytes.toFixed(0)} B |`);
  lines.push('');
  lines.push('`callLater(0)` next to `callSoon` on CallbackLoopReactor, per call, scheduling a batch of 1,000 and running it with `iterate()` (target ≤ 3×):');
  lines.push('');
  lines.push('| callSoon | callLater(0) | ratio | callSoon + one clock read | callLater(0) ÷ that |');
  lines.push('| ---: | ---: | ---: | ---: | ---: |');
  lines.push(
    `| ${fmtNs(r.soonNs)} | ${fmtNs(r.laterNs)} | ${(r.laterNs / r.soonNs).toFixed(2)}× | ${fmtNs(r.soonClockNs)} | ${(r.laterNs / r.soonClockNs).toFixed(2)}× |`,
  );
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (s: string): void => void process.stderr.write(s + '\n');
  if (process.argv.includes(CHILD_FLAG)) process.stdout.write(JSON.stringify(await runHere(log)));
  else process.stdout.write(timerSection(await runTimerBenchmarks(log)).join('\n') + '\n');
}
