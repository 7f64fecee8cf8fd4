// A small benchmark harness: each task runs a batch of iterations per sample, and we report the
// median time per iteration over many samples, so that sub-microsecond operations are not
// drowned by timer resolution.
//
// The tasks of one measure() call are sampled in turns (A, B, C, A, B, C, …), not one after the
// other: on a shared machine the speed drifts over seconds, and a slow spell then lands on every
// task of the comparison instead of on whichever task happened to be running (tinybench, used
// before, runs each task for its whole time budget in turn).

/** One measured row. */
export interface Measurement {
  name: string;
  /** Median nanoseconds per iteration. */
  medianNs: number;
  /** Samples taken. */
  samples: number;
}

/** A task: `run(n)` performs n iterations (sync or async). */
export interface BatchTask {
  name: string;
  /** Iterations per sample. */
  batch: number;
  run: (n: number) => unknown;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** How {@link measure} samples. */
export interface MeasureOptions {
  /**
   * Collect garbage (`gc()`, needs `node --expose-gc`) before every batch, warm-up included,
   * outside the timed part. A batch then starts with none of the previous batches' objects
   * alive, as code that runs now and then in a long-lived process does; V8 may have dropped
   * the hidden classes those objects had, and the optimised code built on them with them.
   */
  forcedGc?: boolean;
}

/** Run one batch; await it only when the task is asynchronous. Returns milliseconds. */
async function sample(t: BatchTask, gc: (() => void) | null): Promise<number> {
  if (gc !== null) gc();
  const t0 = performance.now();
  const r = t.run(t.batch);
  if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') await r;
  return performance.now() - t0;
}

/** Warm-up per task: at least this long and this many batches (tinybench's defaults, as before). */
const WARMUP_MS = 100;
const WARMUP_BATCHES = 5;
/** At least this many samples per task, however long they take. */
const MIN_SAMPLES = 20;

/**
 * Measure tasks in one process for about `timeMs` each: warm each one up, then take samples in
 * turns until `timeMs` per task has been spent in all (and each has MIN_SAMPLES samples). With
 * `forcedGc`, the time spent collecting is not counted in `timeMs`.
 */
export async function measure(tasks: BatchTask[], timeMs = 400, options: MeasureOptions = {}): Promise<Measurement[]> {
  let gc: (() => void) | null = null;
  if (options.forcedGc === true) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g === undefined) throw new Error('measure({ forcedGc: true }) needs node --expose-gc (npm run bench passes it).');
    gc = g;
  }
  for (const t of tasks) {
    const start = performance.now();
    for (let k = 0; k < WARMUP_BATCHES || performance.now() - start < WARMUP_MS; k++) await sample(t, gc);
  }
  const samples: number[][] = tasks.map(() => []);
  let spent = 0;
  for (let round = 0; round < MIN_SAMPLES || spent < timeMs * tasks.length; round++) {
    for (let i = 0; i < tasks.length; i++) {
      const ms = await sample(tasks[i]!, gc);
      samples[i]!.push(ms);
      spent += ms;
    }
  }
  return tasks.map((t, i) => ({ name: t.name, medianNs: (median(samples[i]!) * 1e6) / t.batch, samples: samples[i]!.length }));
}

/** Format nanoseconds for humans. */
export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
