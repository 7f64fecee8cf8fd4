// The ESM and the CJS builds of @deferkit/reactor (and of @deferkit/deferred) loaded into one
// process agree on the installed reactor and the await policy, because that state lives on
// globalThis under Symbol.for keys.
//
// Vitest runs tests with the '@deferkit/source' export condition (so workspace imports resolve to
// src/) and transforms what it imports, so the builds are loaded by a plain `node` child process
// (fixtures/dual-package-child.mjs): ESM by dynamic import of dist/index.js's file URL, CJS by
// createRequire(...)(dist/index.cjs). This test asserts on what that process reports.

import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runFixture } from '../packaging/builds.js';

interface ErrorInfo {
  name: string;
  message: string;
}
type Outcome = { value: unknown } | { error: ErrorInfo };

interface Report {
  distinctCopies: { reactor: boolean; deferred: boolean };
  installedAtLoad: { esm: boolean; cjs: boolean };
  esmInstallsPromise: {
    cjsGetReactorIsSame: boolean;
    cjsIsPromiseReactorInstalled: boolean;
    cjsIsReactorInstalled: boolean;
    cjsVerifyPromise: ErrorInfo | null;
    cjsVerifyCallback: ErrorInfo | null;
    cjsSecondInstall: ErrorInfo | null;
    cjsGetRunningLoopIsSame: boolean;
  };
  policyFromEsm: { pendingCjsDeferred: Outcome; pendingEsmDeferred: Outcome; firedCjsDeferred: Outcome };
  cjsUninstalls: { esmIsReactorInstalled: boolean; pendingCjsDeferred: Outcome };
  cjsInstallsCallback: {
    esmGetReactorIsSame: boolean;
    esmIsPromiseReactorInstalled: boolean;
    esmVerifyCallback: ErrorInfo | null;
    esmVerifyPromise: ErrorInfo | null;
    esmGetRunningLoop: ErrorInfo | null;
  };
  policyFromCjsAllow: { pendingEsmDeferred: Outcome };
  errorReporting: Array<{ message: string; when: string }>;
  finalInstalled: { esm: boolean; cjs: boolean };
}

let report: Report;

beforeAll(() => {
  ensureBuilt(['deferred', 'reactor']);
  report = runFixture<Report>('test/reactor/fixtures/dual-package-child.mjs');
}, 360_000);

describe('the ESM and CJS builds in one process', () => {
  it('are two separate copies of each package, and loading them installs nothing', () => {
    expect(report.distinctCopies).toEqual({ reactor: true, deferred: true });
    expect(report.installedAtLoad).toEqual({ esm: false, cjs: false });
  });

  it('share the installed reactor: installing with ESM is seen by CJS', () => {
    const seen = report.esmInstallsPromise;
    expect(seen.cjsGetReactorIsSame).toBe(true);
    expect(seen.cjsIsPromiseReactorInstalled).toBe(true);
    expect(seen.cjsIsReactorInstalled).toBe(true);
    expect(seen.cjsGetRunningLoopIsSame).toBe(true);
    expect(seen.cjsSecondInstall?.name).toBe('ReactorAlreadyInstalledError');
  });

  it('verify the installed reactor from the other copy', () => {
    expect(report.esmInstallsPromise.cjsVerifyPromise).toBeNull();
    const mismatch = report.esmInstallsPromise.cjsVerifyCallback;
    expect(mismatch?.name).toBe('ReactorMismatchError');
    expect(mismatch?.message.startsWith('The installed reactor (promise) does not match the requested one (callback)')).toBe(true);
    const reverse = report.cjsInstallsCallback;
    expect(reverse.esmGetReactorIsSame).toBe(true);
    expect(reverse.esmIsPromiseReactorInstalled).toBe(false);
    expect(reverse.esmVerifyCallback).toBeNull();
    expect(reverse.esmVerifyPromise?.name).toBe('ReactorMismatchError');
    expect(reverse.esmVerifyPromise?.message.startsWith('The installed reactor (callback) does not match the requested one (promise)')).toBe(true);
    expect(reverse.esmGetRunningLoop?.name).toBe('NoRunningLoopError');
    expect(reverse.esmGetRunningLoop?.message.startsWith('no running event loop')).toBe(true);
  });

  it("apply the await policy installed by one copy to Deferreds of both deferred copies", () => {
    const { pendingCjsDeferred, pendingEsmDeferred, firedCjsDeferred } = report.policyFromEsm;
    for (const outcome of [pendingCjsDeferred, pendingEsmDeferred]) {
      expect('error' in outcome && outcome.error.name).toBe('DeferredAwaitError');
      expect('error' in outcome && outcome.error.message).toContain('maybeDeferredToFuture()');
    }
    expect(firedCjsDeferred).toEqual({ value: 'fired' });
    expect(report.policyFromCjsAllow.pendingEsmDeferred).toEqual({ value: 'allowed' });
  });

  it('uninstalling with one copy uninstalls for the other and removes the await policy', () => {
    expect(report.cjsUninstalls.esmIsReactorInstalled).toBe(false);
    expect(report.cjsUninstalls.pendingCjsDeferred).toEqual({ value: 'works again' });
    expect(report.finalInstalled).toEqual({ esm: false, cjs: false });
  });

  it("report an error thrown by one copy's reactor to handlers registered with the other deferred copy", () => {
    expect(report.errorReporting).toEqual([{ message: 'thrown by a CJS reactor call', when: 'logged' }]);
  });
});
