// @deferkit/deferred/testing: deferredState snapshots, and Deferreds from the package's other copy.

import { beforeAll, describe, expect, it } from 'vitest';
import { Deferred, Failure, fail, succeed } from '@deferkit/deferred';
import { deferredState, failureResultOf, successResultOf } from '@deferkit/deferred/testing';
import { expectNoUnhandledErrorsInEachTest } from './helpers.js';
import { hasNodeProcess, isBun, nodeModule } from '../support.js';

expectNoUnhandledErrorsInEachTest();

describe('deferredState', () => {
  it('is plain data that toEqual compares: pending, succeeded, failed, paused', () => {
    expect(deferredState(new Deferred())).toEqual({ state: 'pending' });
    expect(deferredState(succeed(1))).toEqual({ state: 'succeeded', result: 1 });
    const err = new RangeError('boom');
    const failed = fail(err);
    expect(deferredState(failed)).toEqual({ state: 'failed', result: expect.any(Failure) });
    const s = deferredState(failed);
    expect(s.state === 'failed' && s.result.value).toBe(err);
    // It does not take the failure off the Deferred.
    expect(failureResultOf(failed, RangeError).value).toBe(err);

    const paused = new Deferred<number>();
    paused.pause();
    paused.callback(2);
    expect(deferredState(paused)).toEqual({ state: 'paused', result: 2 });
    paused.unpause();
    expect(deferredState(paused)).toEqual({ state: 'succeeded', result: 2 });

    const inner = new Deferred<number>();
    const outer = new Deferred<number>();
    outer.addCallback(() => inner);
    outer.callback(0);
    expect(deferredState(outer).state).toBe('paused');
    inner.callback(3);
    expect(deferredState(outer)).toEqual({ state: 'succeeded', result: 3 });
  });

  // vitest's deep equality iterates iterables; Bun's matcher compares own properties instead.
  it.skipIf(isBun)('the pitfall it avoids: deep equality iterates a Deferred, and a failed one throws from inside the matcher', () => {
    expect(() => expect(fail(new Error('thrown by the matcher'))).toEqual(new Deferred())).toThrow('thrown by the matcher');
  });

  it('the same pitfall with spread, in every runtime; snapshots compare without touching the chain', () => {
    expect(() => [...fail(new Error('thrown by spread'))]).toThrow('thrown by spread');
    // Snapshots compare without touching the chain.
    const failed = fail(new Error('compared'));
    expect(deferredState(failed)).not.toEqual(deferredState(new Deferred()));
    failureResultOf(failed);
  });
});

// A second copy of the package exists only where Node can require the CJS build (not in a browser).
describe.skipIf(!hasNodeProcess)('helpers accept a Deferred from the other (CJS) copy of the package', () => {
  // The built CJS file itself (the '@deferkit/source' condition would give src/ again); needs a build.
  let cjs!: typeof import('@deferkit/deferred');
  beforeAll(async () => {
    const { createRequire } = await nodeModule<typeof import('node:module')>('module');
    cjs = createRequire(import.meta.url)('../../packages/deferred/dist/index.cjs') as typeof import('@deferkit/deferred');
  });

  it('the CJS build is a different class', () => {
    expect(cjs.Deferred).not.toBe(Deferred);
  });

  it('successResultOf, failureResultOf and deferredState take it', () => {
    expect(successResultOf(cjs.succeed(3))).toBe(3);
    expect(failureResultOf(cjs.fail(new RangeError('x')), RangeError).getErrorMessage()).toBe('x');
    expect(deferredState(cjs.succeed('y'))).toEqual({ state: 'succeeded', result: 'y' });
  });

  it('a non-Deferred is still refused', () => {
    expect(() => successResultOf(Promise.resolve(1) as never)).toThrow(TypeError);
  });
});
