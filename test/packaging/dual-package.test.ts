// No dual-package hazard: the ESM and CJS builds of @deferkit/deferred (with interop and reactor)
// loaded into one process recognise, chain and await each other's Deferreds. The builds run in a
// plain node child (vitest would resolve the packages to their TypeScript sources).

import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runFixture } from './builds.js';

let report: Record<string, unknown>;

beforeAll(() => {
  ensureBuilt(['deferred', 'reactor', 'interop']);
  report = runFixture('test/packaging/fixtures/dual-deferred-child.mjs');
}, 360_000);

describe('ESM and CJS builds of @deferkit/deferred in one process', () => {
  it('are two copies that recognise each other (isDeferred, isFailure by Symbol.for brand)', () => {
    expect(report.distinct).toBe(true);
    expect(report.esmIsDeferredOfCjs).toBe(true);
    expect(report.cjsIsDeferredOfEsm).toBe(true);
    expect(report.esmIsFailureOfCjs).toBe(true);
  });

  it('C3 across copies: an ESM chain waits for a CJS Deferred a callback returned, then continues with its result', () => {
    expect(report.chained).toEqual([
      ['waiting', true],
      ['outer got', 'from cjs'],
    ]);
  });

  it("a CJS Deferred's failure takes the ESM chain's error path", () => {
    expect(report.failurePath).toEqual(['errback: RangeError cjs boom']);
  });

  it('chainDeferred fires a Deferred of the other copy', () => {
    expect(report.chainDeferred).toEqual(['via chainDeferred', 'cjs → esm']);
  });

  it('await and inlineCallbacks (yield and yield*) work on the other copy', () => {
    expect(report.awaited).toBe(42);
    expect(report.inlineCallbacks).toBe(3);
  });

  it("interop's maybeDeferredToFuture (ESM) turns a CJS Deferred into a Future under a reactor installed by the CJS build", () => {
    expect(report.interopReturnsFuture).toBe(true);
    expect(report.interop).toBe('interop ok');
  });
});
