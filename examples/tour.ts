// A two-minute tour of @deferkit/deferred: what `npm start` prints until the lab lands.
// Run: npm start   (or: npx tsx examples/tour.ts)

import { Deferred, DeferredList, fail, inlineCallbacks, succeed } from '@deferkit/deferred';

const log = (...args: unknown[]): void => console.log(...args);

log('1. A Deferred runs its callbacks synchronously, inside callback():');
const d = new Deferred<number>();
d.addCallback((n) => n + 1).addCallback((n) => log('   callback saw', n));
d.callback(41);
log('   ...and only then does callback() return.');

log('\n2. A Promise delivers in a later microtask:');
void Promise.resolve(41).then((n) => log('   then saw', n + 1, '(after the synchronous code below)'));
log('   synchronous code after .then()');
await Promise.resolve();

log('\n3. A callback that returns a Deferred pauses the chain until that one fires:');
const inner = new Deferred<string>();
const outer = succeed('outer').addCallback(() => inner);
outer.addCallback((v) => log('   outer resumed with', JSON.stringify(v)));
log('   outer is waiting:', outer.toString());
inner.callback('inner result');

log('\n4. Errbacks recover, exactly like except: blocks:');
fail(new Error('boom'))
  .addCallback(() => log('   (skipped: the chain is on the error path)'))
  .addErrback((f) => `recovered from ${f.getErrorMessage()}`)
  .addCallback((v) => log('  ', v));

log('\n5. DeferredList waits for several:');
const a = new Deferred<number>();
const b = new Deferred<number>();
new DeferredList([a, b]).addCallback((entries) => log('   entries', JSON.stringify(entries)));
b.callback(2);
a.callback(1);

log('\n6. inlineCallbacks: a generator that waits with yield* (typed):');
const add = inlineCallbacks(function* (x: number) {
  const y = yield* succeed(2);
  const z = yield* Deferred.fromFuture(Promise.resolve(3));
  return x + y + z;
});
const total = await add(1);
log('   1 + 2 + 3 =', total);

log('\n7. await works on any Deferred, and does not consume its result:');
const fired = succeed('kept');
log('   await ->', await fired, '| a later callback still sees it:');
fired.addCallback((v) => log('  ', v));

log('\nThe lab (`deferkit lab`: every await scenario under each reactor) arrives with @deferkit/crawler.');
