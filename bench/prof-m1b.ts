import { Deferred } from '@deferkit/deferred';
const add1 = (x: number): number => x + 1;
let sink = 0;
function t(name: string, f: (i: number) => void) {
  const N = 2_000_000;
  for (let i = 0; i < 200000; i++) f(i);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) f(i);
  console.log(name, ((performance.now() - t0) * 1e6 / N).toFixed(0), 'ns');
}
t('new only', () => { sink += new Deferred<number>().paused; });
t('new+1cb', () => { const d = new Deferred<number>(); d.addCallback(add1); sink += d.paused; });
t('new+11cb', () => { const d = new Deferred<number>(); for (let j = 0; j < 11; j++) d.addCallback(add1); sink += d.paused; });
t('new+11cb+fire', (i) => { const d = new Deferred<number>(); for (let j = 0; j < 11; j++) d.addCallback(add1); d.callback(i); sink += d.paused; });
t('new+fire+11cb', (i) => { const d = new Deferred<number>(); d.callback(i); for (let j = 0; j < 11; j++) d.addCallback(add1); sink += d.paused; });
t('arr 44 push', () => { const a: unknown[] = [add1, null, null, null]; for (let j = 0; j < 10; j++) a.push(add1, null, null, null); sink += a.length; });
t('arr 44 index', () => { const a: unknown[] = [add1, null, null, null]; for (let j = 0; j < 10; j++) { const n = a.length; a[n] = add1; a[n+1] = null; a[n+2] = null; a[n+3] = null; } sink += a.length; });
t('arr 44 push1', () => { const a: unknown[] = [add1, null, null, null]; for (let j = 0; j < 10; j++) { a.push(add1); a.push(null); a.push(null); a.push(null); } sink += a.length; });
