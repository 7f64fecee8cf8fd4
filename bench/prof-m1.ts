import { Deferred } from '@deferkit/deferred';
const add1 = (x: number): number => x + 1;
let sink = 0;
const t0 = performance.now();
const N = 3_000_000;
for (let i = 0; i < N; i++) {
  const d = new Deferred<number>();
  for (let j = 0; j < 10; j++) d.addCallback(add1);
  let r = 0;
  d.addCallback((v) => { r = v; });
  d.callback(i);
  sink += r;
}
console.log(((performance.now() - t0) * 1e6 / N).toFixed(0), 'ns/iter', sink > 0);
