// callLater(0) next to callSoon, and next to callSoon plus the one clock read callLater needs, on
// CallbackLoopReactor and Clock: a batch of 1,000 scheduled, then run (iterate() / advance(0)).
// Per call, median over samples taken in turns. A quick look at issue 21's callLater row without
// the whole timers bench: node --import tsx bench/later-vs-soon.ts   (T=ms per task, default 1000)

import { CallbackLoopReactor, PromiseLoopReactor, Clock } from '@deferkit/reactor';
import { measure } from './harness.js';
const noop = (): void => {};
const reactor = new CallbackLoopReactor();
const pr = new PromiseLoopReactor();
const clock = new Clock();
let sink = 0;
const res = await measure([
  { name: 'callSoon', batch: 1000, run: (k) => { for (let i = 0; i < k; i++) reactor.callSoon(noop); reactor.iterate(); } },
  { name: 'callLater(0)', batch: 1000, run: (k) => { for (let i = 0; i < k; i++) reactor.callLater(0, noop); reactor.iterate(); } },
  { name: 'callSoon + clock read', batch: 1000, run: (k) => { for (let i = 0; i < k; i++) { sink += performance.now(); reactor.callSoon(noop); } reactor.iterate(); } },
  { name: 'clock callLater(0)', batch: 1000, run: (k) => { for (let i = 0; i < k; i++) clock.callLater(0, noop); clock.advance(0); } },
], Number(process.env.T ?? 1000));
for (const r of res) console.log(r.name, r.medianNs.toFixed(1));
if (Number.isNaN(sink)) throw new Error('unreachable: keeps the clock reads');
console.log('ratio', (res[1]!.medianNs / res[0]!.medianNs).toFixed(2));
