// Runs the Promises/A+ compliance suite (promises-aplus-tests, 872 cases) against Deferred used
// as a thenable. Spawned as a child process by aplus.test.ts, because the suite runs on mocha.
// Prints one JSON line: { passes, failures, total, failed: [titles] }.

import { createRequire } from 'node:module';
import { Deferred, fail, onUnhandledError, succeed } from '@deferkit/deferred';

const require = createRequire(import.meta.url);
const runner = require('promises-aplus-tests') as (
  adapter: unknown,
  mochaOpts: Record<string, unknown>,
  cb: (err: unknown) => void,
) => void;

// The suite makes many rejected promises on purpose; they are not bugs, so keep them quiet.
onUnhandledError(() => {});

// A+'s [[Resolve]] adopts thenables; a Deferred does that for what a callback returns (C1, J3),
// so the adapter resolves through a callback instead of passing thenables to callback().
const adapter = {
  resolved: (value: unknown) => succeed(undefined).addCallback(() => value),
  rejected: (reason: unknown) => fail(reason),
  deferred: () => {
    const d = new Deferred<undefined>();
    let value: unknown;
    const promise = d.addCallback(() => value);
    return {
      promise,
      // A+ calls resolve/reject more than once on purpose; a Deferred fires once.
      resolve: (v: unknown) => {
        if (d.called) return;
        value = v;
        d.callback(undefined);
      },
      reject: (reason: unknown) => {
        if (!d.called) d.errback(reason);
      },
    };
  },
};

let passes = 0;
let failures = 0;
const failed: string[] = [];

class CountingReporter {
  constructor(runner: { on(ev: string, fn: (test: { fullTitle(): string }, err?: unknown) => void): void }) {
    runner.on('pass', () => passes++);
    runner.on('fail', (test, err) => {
      failures++;
      failed.push(`${test.fullTitle()}: ${String(err)}`);
    });
  }
}

// An assertion thrown inside a then() callback rejects the promise then() returned; count it
// instead of letting it end the process (the test it belongs to then fails by timing out).
const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(String(reason).split('\n')[0]!);
});

runner(adapter, { reporter: CountingReporter }, () => {
  process.stdout.write(JSON.stringify({ passes, failures, total: passes + failures, failed: failed.slice(0, 20), unhandled: unhandled.slice(0, 20) }) + '\n');
});
