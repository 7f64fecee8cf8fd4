// Installing, finding and verifying the process-wide reactor (Scrapy's install_reactor /
// verify_installed_reactor, the Scrapy reference (docs/rules.md) §2.3 and §2.13), asyncio's
// get_running_loop / sleep, and the promise reactor's awaitDeferreds policy.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deferred, fail, succeed } from '@deferkit/deferred';
import {
  CallbackLoopReactor,
  DeferredAwaitError,
  HostEventLoop,
  NoRunningLoopError,
  PromiseLoopReactor,
  ReactorAlreadyInstalledError,
  ReactorMismatchError,
  ReactorNotInstalledError,
  VirtualTimeEventLoop,
  getReactor,
  getRunningLoop,
  installReactor,
  isPromiseReactorInstalled,
  isReactorInstalled,
  sleep,
  uninstallReactor,
  verifyInstalledReactor,
  type Reactor,
} from '@deferkit/reactor';
import { awaited, hasNodeProcess, isBun, nextTurn, nodeModule, thrownBy } from '../support.js';

const SLOT = Symbol.for('deferkit.reactor.installed');


/** A Deferred that fires with `value` on a later macrotask. */
function later<T>(value: T): Deferred<T> {
  const d = new Deferred<T>();
  nextTurn(() => d.callback(value));
  return d;
}

afterEach(() => {
  uninstallReactor();
});

/**
 * Capture the reactor's warnings: it calls process.emitWarning(message, { type }) in Node and
 * Bun, and console.warn(`${type}: ${message}`) where there is no process (browsers).
 */
function spyOnWarnings(): { calls(): Array<{ message: string; type: string }>; restore(): void } {
  if (hasNodeProcess) {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    return {
      calls: () => spy.mock.calls.map(([message, options]) => ({ message: String(message), type: (options as { type: string }).type })),
      restore: () => spy.mockRestore(),
    };
  }
  const spy = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  return {
    calls: () =>
      spy.mock.calls.map(([text]) => {
        const s = String(text);
        const colon = s.indexOf(': ');
        return { type: s.slice(0, colon), message: s.slice(colon + 2) };
      }),
    restore: () => spy.mockRestore(),
  };
}

describe('importing @deferkit/reactor', () => {
  it('installs nothing', async () => {
    if (isBun) {
      // Bun's runner has no vi.resetModules(): import the package in a fresh Bun process.
      const { execFileSync } = await nodeModule<typeof import('node:child_process')>('child_process');
      const script =
        "const m = await import('@deferkit/reactor');" +
        "console.log(JSON.stringify([globalThis[Symbol.for('deferkit.reactor.installed')] === undefined, m.isReactorInstalled(), m.isPromiseReactorInstalled()]));";
      const out = execFileSync(process.execPath, ['--conditions=@deferkit/source', '-e', script], { encoding: 'utf8' });
      expect(JSON.parse(out.trim())).toEqual([true, false, false]);
      return;
    }
    vi.resetModules();
    const fresh = await import('@deferkit/reactor');
    expect((globalThis as Record<symbol, unknown>)[SLOT]).toBeUndefined();
    expect(fresh.isReactorInstalled()).toBe(false);
    expect(fresh.isPromiseReactorInstalled()).toBe(false);
    expect(isReactorInstalled()).toBe(false);
  });
});

describe('installReactor', () => {
  it("installs the callback reactor for 'callback'", () => {
    const reactor = installReactor('callback');
    expect(reactor).toBeInstanceOf(CallbackLoopReactor);
    expect(reactor.kind).toBe('callback');
    expect(getReactor()).toBe(reactor);
    expect(isReactorInstalled()).toBe(true);
    expect(isPromiseReactorInstalled()).toBe(false);
  });

  it("installs the promise reactor on a HostEventLoop for 'promise'", () => {
    const reactor = installReactor('promise');
    expect(reactor).toBeInstanceOf(PromiseLoopReactor);
    expect(reactor.kind).toBe('promise');
    expect((reactor as PromiseLoopReactor).eventLoop).toBeInstanceOf(HostEventLoop);
    expect(getReactor()).toBe(reactor);
    expect(isPromiseReactorInstalled()).toBe(true);
  });

  it('takes an event loop class or instance for the promise reactor (ASYNCIO_EVENT_LOOP)', () => {
    const fromClass = installReactor('promise', { eventLoop: VirtualTimeEventLoop }) as PromiseLoopReactor;
    expect(fromClass.eventLoop).toBeInstanceOf(VirtualTimeEventLoop);
    expect(getRunningLoop()).toBe(fromClass.eventLoop);
    uninstallReactor();
    const loop = new VirtualTimeEventLoop();
    const fromInstance = installReactor('promise', { eventLoop: loop }) as PromiseLoopReactor;
    expect(fromInstance.eventLoop).toBe(loop);
    expect(getRunningLoop()).toBe(loop);
  });

  it('installs a reactor instance as is', () => {
    const mine = new CallbackLoopReactor();
    expect(installReactor(mine)).toBe(mine);
    expect(getReactor()).toBe(mine);
    uninstallReactor();
    const promise = new PromiseLoopReactor({ eventLoop: new VirtualTimeEventLoop() });
    installReactor(promise);
    expect(isPromiseReactorInstalled()).toBe(true);
    expect(getRunningLoop()).toBe(promise.eventLoop);
  });

  it('refuses an eventLoop option with a reactor instance, and a promise-kind reactor without an EventLoop', () => {
    const withLoop = thrownBy(() => installReactor(new CallbackLoopReactor(), { eventLoop: new VirtualTimeEventLoop() }));
    expect(withLoop).toBeInstanceOf(TypeError);
    expect(withLoop.message).toMatch(/new PromiseLoopReactor\(\{ eventLoop \}\)/);
    const base = new CallbackLoopReactor();
    const fake = {
      kind: 'promise' as const,
      name: 'FakePromiseReactor',
      get running() {
        return base.running;
      },
      run: () => base.run(),
      stop: () => base.stop(),
      seconds: () => base.seconds(),
      callLater: base.callLater.bind(base),
      callSoon: base.callSoon.bind(base),
      callWhenRunning: base.callWhenRunning.bind(base),
      getDelayedCalls: () => base.getDelayedCalls(),
      addSystemEventTrigger: base.addSystemEventTrigger.bind(base),
      removeSystemEventTrigger: base.removeSystemEventTrigger.bind(base),
    } satisfies Reactor;
    const noLoop = thrownBy(() => installReactor(fake));
    expect(noLoop).toBeInstanceOf(TypeError);
    expect(noLoop.message).toMatch(/reactor\.eventLoop/);
    expect(isReactorInstalled()).toBe(false);
  });

  it('raises ReactorAlreadyInstalledError on a second install and keeps the first', () => {
    const first = installReactor('callback');
    const e = thrownBy(() => installReactor('promise'));
    expect(e).toBeInstanceOf(ReactorAlreadyInstalledError);
    expect(e.name).toBe('ReactorAlreadyInstalledError');
    expect(e.message).toMatch(/already installed \(callback\)/);
    expect(e.message).toMatch(/uninstallReactor\(\)/);
    expect(getReactor()).toBe(first);
    expect(thrownBy(() => installReactor('callback'))).toBeInstanceOf(ReactorAlreadyInstalledError);
  });

  it('raises ReactorAlreadyInstalledError after getReactor() installed the default', () => {
    const implicit = getReactor();
    const e = thrownBy(() => installReactor('promise'));
    expect(e).toBeInstanceOf(ReactorAlreadyInstalledError);
    expect(e.message).toMatch(/getReactor\(\)/);
    expect(getReactor()).toBe(implicit);
  });

  it('raises TypeError for an unknown spec, installing nothing', () => {
    for (const spec of ['asyncio', 'twisted.internet.asyncioreactor.AsyncioSelectorReactor', {}, null, undefined]) {
      const e = thrownBy(() => installReactor(spec as 'callback'));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/unknown reactor/);
      expect(e.message).toMatch(/'callback', 'promise' or a Reactor/);
    }
    expect(thrownBy(() => installReactor('asyncio' as 'callback')).message).toMatch(/'asyncio'/);
    expect(isReactorInstalled()).toBe(false);
  });

  it('raises TypeError for options that do not fit, installing nothing', () => {
    const eventLoop = thrownBy(() => installReactor('callback', { eventLoop: new VirtualTimeEventLoop() }));
    expect(eventLoop).toBeInstanceOf(TypeError);
    expect(eventLoop.message).toMatch(/installReactor\('promise', \{ eventLoop \}\)/);
    const policy = thrownBy(() => installReactor('callback', { awaitDeferreds: 'warn' }));
    expect(policy).toBeInstanceOf(TypeError);
    expect(policy.message).toMatch(/promise reactor only/);
    const badPolicy = thrownBy(() => installReactor('promise', { awaitDeferreds: 'sometimes' as 'warn' }));
    expect(badPolicy).toBeInstanceOf(TypeError);
    expect(badPolicy.message).toMatch(/'error', 'warn' or 'allow'/);
    const badLoop = thrownBy(() => installReactor('promise', { eventLoop: {} as VirtualTimeEventLoop }));
    expect(badLoop).toBeInstanceOf(TypeError);
    const specifier = thrownBy(() => installReactor('promise', { eventLoop: './loop.js#Loop' as unknown as VirtualTimeEventLoop }));
    expect(specifier.message).toMatch(/loadEventLoop\('\.\/loop\.js#Loop'\)/);
    expect(isReactorInstalled()).toBe(false);
  });
});

describe('getReactor', () => {
  it('installs the callback reactor on first use and returns the same one after', () => {
    expect(isReactorInstalled()).toBe(false);
    const reactor = getReactor();
    expect(reactor).toBeInstanceOf(CallbackLoopReactor);
    expect(isReactorInstalled()).toBe(true);
    expect(getReactor()).toBe(reactor);
  });

  it('lives on globalThis under a Symbol.for key', () => {
    const reactor = installReactor('promise');
    const slot = (globalThis as Record<symbol, { reactor: Reactor } | undefined>)[SLOT];
    expect(slot?.reactor).toBe(reactor);
  });
});

describe('isPromiseReactorInstalled / isReactorInstalled', () => {
  it('never install anything', () => {
    expect(isPromiseReactorInstalled()).toBe(false);
    expect(isReactorInstalled()).toBe(false);
    expect(isPromiseReactorInstalled()).toBe(false);
    expect((globalThis as Record<symbol, unknown>)[SLOT]).toBeUndefined();
  });
});

describe('verifyInstalledReactor', () => {
  it('passes when the installed reactor is of the requested kind', () => {
    installReactor('promise');
    expect(verifyInstalledReactor('promise')).toBeUndefined();
  });

  it('raises ReactorMismatchError with Scrapy\'s message otherwise', () => {
    installReactor('callback');
    const e = thrownBy(() => verifyInstalledReactor('promise')) as ReactorMismatchError;
    expect(e).toBeInstanceOf(ReactorMismatchError);
    expect(e.name).toBe('ReactorMismatchError');
    expect(e.message.startsWith('The installed reactor (callback) does not match the requested one (promise)')).toBe(true);
    expect(e.installed).toBe('callback');
    expect(e.requested).toBe('promise');
    uninstallReactor();
    installReactor('promise');
    const reverse = thrownBy(() => verifyInstalledReactor('callback'));
    expect(reverse.message.startsWith('The installed reactor (promise) does not match the requested one (callback)')).toBe(true);
  });

  it('raises ReactorNotInstalledError when nothing is installed, and installs nothing', () => {
    const e = thrownBy(() => verifyInstalledReactor('callback'));
    expect(e).toBeInstanceOf(ReactorNotInstalledError);
    expect(e.message).toMatch(/without an installed reactor/);
    expect(e.message).toMatch(/installReactor\('callback'\)/);
    expect(isReactorInstalled()).toBe(false);
  });

  it('raises TypeError for an unknown name', () => {
    installReactor('callback');
    const e = thrownBy(() => verifyInstalledReactor('epoll' as 'callback'));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/unknown reactor 'epoll'/);
    expect(e.message).toMatch(/'callback' or 'promise'/);
  });
});

describe('uninstallReactor', () => {
  it('does nothing when nothing is installed', () => {
    expect(() => uninstallReactor()).not.toThrow();
    expect(isReactorInstalled()).toBe(false);
  });

  it('removes the reactor, so the next getReactor() installs a new one', () => {
    const first = installReactor('callback');
    uninstallReactor();
    expect(isReactorInstalled()).toBe(false);
    expect((globalThis as Record<symbol, unknown>)[SLOT]).toBeUndefined();
    const second = getReactor();
    expect(second).not.toBe(first);
  });

  it('refuses while the installed reactor runs, and works once it stopped', async () => {
    const reactor = installReactor('promise', { eventLoop: new VirtualTimeEventLoop() }) as PromiseLoopReactor;
    const loop = reactor.eventLoop as VirtualTimeEventLoop;
    const run = reactor.run();
    const e = thrownBy(() => uninstallReactor());
    expect(e.message).toMatch(/running/);
    expect(e.message).toMatch(/stop\(\)/);
    expect(getReactor()).toBe(reactor);
    reactor.stop();
    await loop.advance(0);
    await run;
    uninstallReactor();
    expect(isReactorInstalled()).toBe(false);
  });
});

describe('getRunningLoop / sleep', () => {
  it('throw NoRunningLoopError without the promise reactor', () => {
    for (const install of [() => undefined, () => installReactor('callback')]) {
      install();
      const e = thrownBy(() => getRunningLoop());
      expect(e).toBeInstanceOf(NoRunningLoopError);
      expect(e.message.startsWith('no running event loop')).toBe(true);
      expect(e.message).toMatch(/installReactor\('promise'\)/);
      const s = thrownBy(() => sleep(1));
      expect(s).toBeInstanceOf(NoRunningLoopError);
      expect(s.message.startsWith('no running event loop')).toBe(true);
      expect(s.message).toMatch(/sleep\(\)/);
    }
  });

  it("return the promise reactor's loop, and sleep on it", async () => {
    const loop = new VirtualTimeEventLoop();
    installReactor('promise', { eventLoop: loop });
    expect(getRunningLoop()).toBe(loop);
    let woke = false;
    const slept = sleep(5);
    void slept.then(() => {
      woke = true;
    });
    await loop.advance(4.9);
    expect(woke).toBe(false);
    await loop.advance(0.1);
    expect(woke).toBe(true);
    expect(slept.done()).toBe(true);
  });
});

describe('awaitDeferreds policy of the promise reactor', () => {
  const policies = ['error', 'warn', 'allow'] as const;

  it("'error' (the default) rejects awaiting a pending Deferred with DeferredAwaitError naming the fix", async () => {
    installReactor('promise');
    const d = new Deferred<number>();
    const e = await (async () => {
      try {
        await d;
      } catch (error) {
        return error as Error;
      }
      throw new Error('awaiting the pending Deferred did not fail');
    })();
    expect(e).toBeInstanceOf(DeferredAwaitError);
    expect(e.name).toBe('DeferredAwaitError');
    expect(e.message).toContain('deferredToFuture()');
    expect(e.message).toContain('maybeDeferredToFuture()');
    expect(e.message).toContain(d.toString());
    // The Deferred itself is untouched.
    d.callback(1);
    expect(d.called).toBe(true);
  });

  it("'error' set explicitly rejects as the default does", async () => {
    installReactor('promise', { awaitDeferreds: 'error' });
    await expect(awaited(new Deferred<number>())).rejects.toBeInstanceOf(DeferredAwaitError);
  });

  it.each(policies)("fired Deferreds are awaitable under '%s'", async (policy) => {
    installReactor('promise', { awaitDeferreds: policy });
    const warn = spyOnWarnings();
    try {
      expect(await succeed(5)).toBe(5);
      const error = new Error('failed');
      await expect(awaited(fail(error))).rejects.toBe(error);
      const d = new Deferred<string>();
      d.callback('fired before the await');
      expect(await d).toBe('fired before the await');
      expect(warn.calls()).toEqual([]);
    } finally {
      warn.restore();
    }
  });

  it("'warn' lets the await work and warns once for the same call site", async () => {
    installReactor('promise', { awaitDeferreds: 'warn' });
    const warn = spyOnWarnings();
    try {
      const awaitIt = async (n: number) => await later(n);
      const results: number[] = [];
      for (let i = 0; i < 3; i++) results.push(await awaitIt(i));
      expect(results).toEqual([0, 1, 2]);
      expect(warn.calls()).toHaveLength(1);
      const { message, type } = warn.calls()[0]!;
      expect(message).toMatch(/no result yet/);
      // Node shows no frame for an await ('(with await)'); browsers name it ('(with await at …)').
      expect(message).toMatch(/\(with await(\)| at .*install\.test\.ts)/);
      expect(message).toContain('maybeDeferredToFuture(d)');
      expect(type).toBe('DeferredAwaitWarning');
    } finally {
      warn.restore();
    }
  });

  it("'warn' warns again for a different call site", async () => {
    installReactor('promise', { awaitDeferreds: 'warn' });
    const warn = spyOnWarnings();
    try {
      // `return await`, so then() is not a tail call: JavaScriptCore (Bun, Safari) drops the
      // frame of a strict-mode tail call, and the call site would be the caller's line instead.
      async function siteA(d: Deferred<string>): Promise<string> {
        return await d.then((v) => `A:${v}`);
      }
      async function siteB(d: Deferred<string>): Promise<string> {
        return await d.then((v) => `B:${v}`);
      }
      expect(await siteA(later('1'))).toBe('A:1');
      expect(await siteA(later('2'))).toBe('A:2');
      expect(warn.calls()).toHaveLength(1);
      expect(await siteB(later('3'))).toBe('B:3');
      expect(warn.calls()).toHaveLength(2);
      // Each warning names the line that called then().
      expect(warn.calls()[0]!.message).toMatch(/\(at .*siteA .*install\.test\.ts(\?[^:]*)?:\d+:\d+\)/);
      expect(warn.calls()[1]!.message).toMatch(/\(at .*siteB .*install\.test\.ts(\?[^:]*)?:\d+:\d+\)/);
    } finally {
      warn.restore();
    }
  });

  it("'allow' lets the await work without warnings", async () => {
    installReactor('promise', { awaitDeferreds: 'allow' });
    const warn = spyOnWarnings();
    try {
      expect(await later('allowed')).toBe('allowed');
      expect(warn.calls()).toEqual([]);
    } finally {
      warn.restore();
    }
  });

  it('applies to a promise reactor installed as an instance', async () => {
    installReactor(new PromiseLoopReactor({ eventLoop: new VirtualTimeEventLoop() }));
    await expect(awaited(new Deferred<number>())).rejects.toBeInstanceOf(DeferredAwaitError);
  });

  it('does not apply under the callback reactor', async () => {
    installReactor('callback');
    expect(await later('fine')).toBe('fine');
  });

  it('is removed by uninstallReactor()', async () => {
    installReactor('promise');
    await expect(awaited(new Deferred<number>())).rejects.toBeInstanceOf(DeferredAwaitError);
    uninstallReactor();
    expect(await later('after uninstall')).toBe('after uninstall');
  });

  it("forgets the warned call sites on uninstallReactor(), so a new 'warn' install warns again", async () => {
    const warn = spyOnWarnings();
    try {
      async function site(d: Deferred<number>): Promise<number> {
        return await d.then((v) => v); // not a tail call (see above)
      }
      installReactor('promise', { awaitDeferreds: 'warn' });
      await site(later(1));
      await site(later(2));
      expect(warn.calls()).toHaveLength(1);
      uninstallReactor();
      installReactor('promise', { awaitDeferreds: 'warn' });
      await site(later(3));
      expect(warn.calls()).toHaveLength(2);
    } finally {
      warn.restore();
    }
  });
});
