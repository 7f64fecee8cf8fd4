// Latency of "run this on the next turn": callLater(0) on each reactor, next to a bare
// setImmediate and setTimeout(0), measured one after another in one process.
// Run: npm run bench:latency

import { CallbackLoopReactor, PromiseLoopReactor } from '@deferkit/reactor';

const ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 3000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(schedule: (fn: () => void) => void): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => schedule(() => resolve()));
    samples.push((performance.now() - t0) * 1000);
  }
  return samples.slice(Math.floor(ROUNDS / 10)); // drop warm-up
}

export async function latencyTable(): Promise<Array<{ name: string; medianUs: number; p90Us: number }>> {
  const rows: Array<{ name: string; medianUs: number; p90Us: number }> = [];
  const add = (name: string, xs: number[]): void => {
    const s = [...xs].sort((a, b) => a - b);
    rows.push({ name, medianUs: median(xs), p90Us: s[Math.floor(s.length * 0.9)]! });
  };
  add('setImmediate (bare)', await measure((fn) => setImmediate(fn)));
  add('setTimeout(0) (bare)', await measure((fn) => setTimeout(fn, 0)));

  const cb = new CallbackLoopReactor();
  const cbRun = cb.run();
  add('CallbackLoopReactor.callLater(0)', await measure((fn) => cb.callLater(0, fn)));
  add('CallbackLoopReactor.callSoon', await measure((fn) => cb.callSoon(fn)));
  cb.stop();
  await cbRun;

  const pr = new PromiseLoopReactor();
  const prRun = pr.run();
  add('PromiseLoopReactor.callLater(0) (HostEventLoop)', await measure((fn) => pr.callLater(0, fn)));
  add('PromiseLoopReactor.callSoon (HostEventLoop)', await measure((fn) => pr.callSoon(fn)));
  pr.stop();
  await prRun;
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await latencyTable();
  console.log(`node ${process.version}, ${ROUNDS} rounds each, microseconds`);
  console.log('| call | median µs | p90 µs |');
  console.log('| --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.medianUs.toFixed(1)} | ${r.p90Us.toFixed(1)} |`);
}
