// M1–M6: @deferkit/deferred against native Promise and the plain-function floor. Each group runs
// in its own child process (see runDeferredBenchmarks); deferkit and native share that process.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Deferred, DeferredList, gatherResults, inlineCallbacks, succeed } from '@deferkit/deferred';
import { fmtNs, measure, type Measurement, type MeasureOptions } from './harness.js';

/** One result row: deferkit vs native vs floor, with the target. */
export interface Row {
  id: string;
  what: string;
  deferkit: number;
  native: number;
  floor?: number;
  /** Target ratio deferkit / native (≤). */
  target: number;
  unit?: string;
  /** A reference row (what a design could reach at best), shown without a target. */
  reference?: boolean;
  /** The bare callback queue's time on the same task, measured beside deferkit (M1 only). */
  bare?: number;
  /** Target ratio deferkit / bare queue (≤), where `bare` is given. */
  bareTarget?: number;
  /** The same row measured with a gc() before every repetition (see runDeferredBenchmarks). */
  forcedGc?: { deferkit: number; native: number; bare?: number };
}

/** How a group is measured: as is, or with a gc() before every repetition. */
type GroupOptions = MeasureOptions;

/**
 * M1's reference point: the least a queued-callback design can do, with none of Twisted's
 * semantics (no errbacks, Failures, pause, chaining, re-entrancy or unhandled-error tracking).
 * It is not deferkit and is never exported; it only shows how close to the M1 target any
 * Deferred built on a callback queue can come in this benchmark.
 */
class BareQueue {
  q: Array<(v: number) => number | void> | null = null;
  result = 0;
  add(f: (v: number) => number | void): this {
    if (this.q === null) this.q = [f];
    else this.q.push(f);
    return this;
  }
  fire(v: number): void {
    let r: unknown = v;
    const q = this.q;
    this.q = null;
    if (q !== null) {
      for (let i = 0; i < q.length; i++) {
        try {
          r = q[i]!(r as number);
        } catch (e) {
          r = e;
        }
      }
    }
    this.result = r as number;
  }
}

const add1 = (x: number): number => x + 1;

let sink = 0;

async function m1m2(opts: GroupOptions): Promise<Row[]> {
  const [dk, nat, floor, dk2, nat2, bare] = await measure([
    {
      name: 'M1 deferkit',
      batch: 2000,
      run(n) {
        for (let i = 0; i < n; i++) {
          const d = new Deferred<number>();
          for (let j = 0; j < 10; j++) d.addCallback(add1);
          let r = 0;
          d.addCallback((v) => {
            r = v;
          });
          d.callback(i);
          sink += r;
        }
      },
    },
    {
      name: 'M1 native',
      batch: 500,
      async run(n) {
        for (let i = 0; i < n; i++) {
          let p = new Promise<number>((resolve) => resolve(i));
          for (let j = 0; j < 10; j++) p = p.then(add1);
          sink += await p;
        }
      },
    },
    {
      name: 'M1 floor',
      batch: 20000,
      run(n) {
        for (let i = 0; i < n; i++) {
          let v = i;
          for (let j = 0; j < 10; j++) v = add1(v);
          sink += v;
        }
      },
    },
    {
      name: 'M2 deferkit',
      batch: 2000,
      run(n) {
        for (let i = 0; i < n; i++) {
          let d = succeed(i);
          for (let j = 0; j < 10; j++) d = d.addCallback(add1);
          d.addCallback((v) => {
            sink += v;
          });
        }
      },
    },
    {
      name: 'M2 native',
      batch: 500,
      async run(n) {
        for (let i = 0; i < n; i++) {
          let p = Promise.resolve(i);
          for (let j = 0; j < 10; j++) p = p.then(add1);
          sink += await p;
        }
      },
    },
    {
      name: 'M1 bare callback queue',
      batch: 2000,
      run(n) {
        for (let i = 0; i < n; i++) {
          const d = new BareQueue();
          for (let j = 0; j < 10; j++) d.add(add1);
          let r = 0;
          d.add((v) => {
            r = v;
          });
          d.fire(i);
          sink += r;
        }
      },
    },
  ], undefined, opts);
  return [
    {
      id: 'M1',
      what: 'new + 10 callbacks + fire + read',
      deferkit: dk!.medianNs,
      native: nat!.medianNs,
      floor: floor!.medianNs,
      target: 0.25,
      bare: bare!.medianNs,
      bareTarget: 1.15,
    },
    {
      id: 'M1',
      what: 'reference: the same with a bare callback queue (no Twisted semantics; not deferkit)',
      deferkit: bare!.medianNs,
      native: nat!.medianNs,
      floor: floor!.medianNs,
      target: 0.25,
      reference: true,
    },
    { id: 'M2', what: 'succeed(x) + 10 addCallback', deferkit: dk2!.medianNs, native: nat2!.medianNs, floor: floor!.medianNs, target: 0.5 },
  ];
}

/** A chain of `n` Deferreds, each callback returning the next one; fired later or already fired. */
function deferredChain(n: number, fired: boolean): number {
  const last = new Deferred<number>();
  if (fired) last.callback(1);
  let cur: Deferred<number> = last;
  for (let i = 0; i < n; i++) {
    const d = new Deferred<undefined>();
    d.callback(undefined);
    const inner = cur;
    cur = d.addCallback(() => inner);
  }
  let out = 0;
  cur.addCallback((v) => {
    out = v;
  });
  if (!fired) last.callback(1);
  return out;
}

/** The same shape with promises: each then() returns the next promise. */
async function promiseChain(n: number, fired: boolean): Promise<number> {
  let resolveLast!: (v: number) => void;
  const last = fired ? Promise.resolve(1) : new Promise<number>((r) => (resolveLast = r));
  let cur: Promise<number> = last;
  for (let i = 0; i < n; i++) {
    const inner = cur;
    cur = Promise.resolve(undefined).then(() => inner);
  }
  if (!fired) resolveLast(1);
  return cur;
}

async function m3(opts: GroupOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [100_000, 1_000_000]) {
    for (const fired of [false, true]) {
      const label = `${n.toLocaleString('en')} deep, ${fired ? 'already fired' : 'fired later'}`;
      const [dk, nat] = await measure(
        [
          { name: `M3 deferkit ${label}`, batch: 1, run: () => (sink += deferredChain(n, fired)) },
          { name: `M3 native ${label}`, batch: 1, run: async () => (sink += await promiseChain(n, fired)) },
        ],
        n >= 1_000_000 ? 4000 : 1500,
        opts,
      );
      rows.push({ id: 'M3', what: `chain of ${label}`, deferkit: dk!.medianNs, native: nat!.medianNs, target: 1.5 });
    }
  }
  return rows;
}

async function m4(opts: GroupOptions): Promise<Row[]> {
  const N = 10_000;
  const [dl, gr, all] = await measure(
    [
      {
        name: 'M4 DeferredList',
        batch: 1,
        run() {
          const ds = Array.from({ length: N }, () => new Deferred<number>());
          let got = 0;
          new DeferredList(ds).addCallback((r) => {
            got = r.length;
          });
          for (let i = 0; i < N; i++) ds[i]!.callback(i);
          sink += got;
        },
      },
      {
        name: 'M4 gatherResults',
        batch: 1,
        run() {
          const ds = Array.from({ length: N }, () => new Deferred<number>());
          let got = 0;
          gatherResults(ds).addCallback((r) => {
            got = r.length;
          });
          for (let i = 0; i < N; i++) ds[i]!.callback(i);
          sink += got;
        },
      },
      {
        name: 'M4 Promise.all',
        batch: 1,
        async run() {
          const resolvers: Array<(v: number) => void> = [];
          const ps = Array.from({ length: N }, () => new Promise<number>((r) => resolvers.push(r)));
          const all = Promise.all(ps);
          for (let i = 0; i < N; i++) resolvers[i]!(i);
          sink += (await all).length;
        },
      },
    ],
    1500,
    opts,
  );
  return [
    { id: 'M4', what: 'DeferredList of 10,000 fired one by one', deferkit: dl!.medianNs, native: all!.medianNs, target: 4 },
    { id: 'M4', what: 'gatherResults of 10,000 fired one by one', deferkit: gr!.medianNs, native: all!.medianNs, target: 4 },
  ];
}

async function m5(opts: GroupOptions): Promise<Row[]> {
  const N = 100_000;
  const fired = succeed(1);
  const ic = inlineCallbacks(function* () {
    let s = 0;
    for (let i = 0; i < N; i++) s += yield* fired;
    return s;
  });
  const icPlain = inlineCallbacks(function* () {
    let s = 0;
    for (let i = 0; i < N; i++) s += (yield succeed(1)) as number;
    return s;
  });
  const resolved = Promise.resolve(1);
  const asyncFn = async (): Promise<number> => {
    let s = 0;
    for (let i = 0; i < N; i++) s += await resolved;
    return s;
  };
  const [a, b, c] = await measure(
    [
      { name: 'M5 inlineCallbacks yield*', batch: 1, run: () => ic().addCallback((v) => void (sink += v)) },
      { name: 'M5 inlineCallbacks yield', batch: 1, run: () => icPlain().addCallback((v) => void (sink += v)) },
      { name: 'M5 async/await', batch: 1, run: async () => (sink += await asyncFn()) },
    ],
    1500,
    opts,
  );
  return [
    { id: 'M5', what: 'inlineCallbacks, 100,000 × yield* fired Deferred', deferkit: a!.medianNs, native: c!.medianNs, target: 1.5 },
    { id: 'M5', what: 'inlineCallbacks, 100,000 × yield succeed(1)', deferkit: b!.medianNs, native: c!.medianNs, target: 1.5 },
  ];
}

function heapPerObject(make: () => unknown, n: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('M6 needs --expose-gc (npm run bench passes it).');
  const keep: unknown[] = new Array(n);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) keep[i] = make();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  sink += keep.length;
  return (after - before) / n;
}

function m6(): Row {
  const N = 1_000_000;
  const cb = (v: number): number => v + 1;
  const dk = heapPerObject(() => new Deferred<number>().addCallback(cb), N);
  const nat = heapPerObject(() => {
    let resolve!: (v: number) => void;
    const p = new Promise<number>((r) => (resolve = r)).then(cb);
    return [p, resolve];
  }, N);
  return { id: 'M6', what: 'bytes per pending Deferred with one callback (1,000,000)', deferkit: dk, native: nat, target: 1, unit: 'B' };
}

/**
 * The groups of M1–M6, in table order; each group measures deferkit and native in one process.
 * M1 and M2 share a group (they are measured together, as before). M6 collects garbage before
 * each heap reading whatever the options say, so its forced-GC run is a second measurement of
 * the same thing.
 */
export const DEFERRED_GROUPS: ReadonlyArray<{ ids: readonly string[]; run: (opts: GroupOptions) => Promise<Row[]> | Row[] }> = [
  { ids: ['M1', 'M2'], run: m1m2 },
  { ids: ['M3'], run: m3 },
  { ids: ['M4'], run: m4 },
  { ids: ['M5'], run: m5 },
  { ids: ['M6'], run: () => [m6()] },
];

/** Run one group in a fresh child process and return its rows. */
function runGroupInChild(id: string, forcedGc: boolean): Row[] {
  const args = ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, id];
  if (forcedGc) args.push(FORCED_GC_FLAG);
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  return JSON.parse(out) as Row[];
}

/**
 * Run the groups of M1–M6 whose ids are in `only` (all when empty), each in a fresh child
 * process: a group's numbers then do not depend on which groups ran before it in the same
 * process (call sites made polymorphic by their callbacks, the size the young generation grew
 * to, a heap fragmented by M3's million-deep chains), and `npm run bench -- M3` measures
 * exactly what the full run does. Within a group, deferkit and native share the process.
 *
 * Each group runs twice, in two processes: as is, and with a gc() before every repetition
 * (`forcedGc` of each row). The second is what code that runs now and then in a long-lived
 * process sees: between two runs every object of the previous one is gone, and V8 may have
 * dropped the hidden classes they had and the optimised code that depended on them.
 */
export async function runDeferredBenchmarks(log: (s: string) => void = () => {}, only: readonly string[] = []): Promise<Row[]> {
  const rows: Row[] = [];
  for (const group of DEFERRED_GROUPS) {
    if (only.length > 0 && !group.ids.some((id) => only.includes(id))) continue;
    const id = group.ids[0]!;
    log(`${group.ids.join('/')} …`);
    const plain = runGroupInChild(id, false);
    log(`${group.ids.join('/')}, forced GC …`);
    const collected = runGroupInChild(id, true);
    plain.forEach((r, i) => {
      const c = collected[i]!;
      if (c.id !== r.id || c.what !== r.what) throw new Error(`deferred.bench: the forced-GC run of ${id} gave rows in another order`);
      r.forcedGc = { deferkit: c.deferkit, native: c.native, ...(c.bare === undefined ? {} : { bare: c.bare }) };
    });
    rows.push(...plain.filter((r) => only.length === 0 || only.includes(r.id)));
  }
  return rows;
}

const CHILD_FLAG = '--deferred-bench-group';
const FORCED_GC_FLAG = '--forced-gc';

// Child mode: run one group and print its rows as JSON on stdout.
const childAt = process.argv.indexOf(CHILD_FLAG);
if (childAt !== -1) {
  const id = process.argv[childAt + 1];
  const group = DEFERRED_GROUPS.find((g) => g.ids[0] === id);
  if (group === undefined) throw new Error(`deferred.bench: no group ${String(id)}`);
  const rows = await group.run({ forcedGc: process.argv.includes(FORCED_GC_FLAG) });
  void sink;
  process.stdout.write(JSON.stringify(rows));
}

export { fmtNs };
export type { Measurement };
