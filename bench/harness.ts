// A small benchmark harness on tinybench: each task runs a batch of iterations per sample, and
// we report the median time per iteration over many samples, so that sub-microsecond operations
// are not drowned by timer resolution.

import { Bench } from 'tinybench';

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

/**
 * Measure tasks in one process, interleaved by tinybench, for about `timeMs` each.
 */
export async function measure(tasks: BatchTask[], timeMs = 400): Promise<Measurement[]> {
  const bench = new Bench({ time: timeMs, warmupTime: 100, iterations: 20 });
  for (const t of tasks) bench.add(t.name, () => t.run(t.batch) as never);
  await bench.warmup();
  await bench.run();
  return tasks.map((t) => {
    const task = bench.getTask(t.name)!;
    const samples = task.result?.samples ?? [];
    if (task.result?.error) throw task.result.error;
    return { name: t.name, medianNs: (median(samples) * 1e6) / t.batch, samples: samples.length };
  });
}

/** Format nanoseconds for humans. */
export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
