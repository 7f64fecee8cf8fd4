// Installing, finding and verifying the process-wide reactor (Scrapy's install_reactor and
// verify_installed_reactor), and asyncio's get_running_loop / sleep on top of it.

import { describeValue, type Future } from '@deferkit/deferred';
import { CallbackLoopReactor } from './CallbackLoopReactor.js';
import {
  NoRunningLoopError,
  ReactorAlreadyInstalledError,
  ReactorNotInstalledError,
  ReactorMismatchError,
} from './errors.js';
import type { EventLoop } from './EventLoop.js';
import { PromiseLoopReactor, isEventLoop } from './PromiseLoopReactor.js';
import type { Reactor } from './Reactor.js';
import { installAwaitPolicy, uninstallAwaitPolicy, type AwaitDeferredsPolicy } from './awaitPolicy.js';

/** What `installReactor` accepts: a kind, or a reactor you built. */
export type ReactorSpec = 'callback' | 'promise' | Reactor;

/** An EventLoop class (constructed with no arguments) or instance. Scrapy's `ASYNCIO_EVENT_LOOP`. */
export type EventLoopSpec = EventLoop | (new () => EventLoop);

/** Options of {@link installReactor}. */
export interface InstallReactorOptions {
  /** The promise reactor's loop: a class or an instance (see `loadEventLoop` for module specifiers). */
  eventLoop?: EventLoopSpec;
  /** What awaiting a pending Deferred does under the promise reactor (default `'error'`). */
  awaitDeferreds?: AwaitDeferredsPolicy;
}

interface Installed {
  reactor: Reactor;
}

const SLOT = Symbol.for('deferkit.reactor.installed');
const g = globalThis as unknown as Record<symbol, Installed | undefined>;

const KINDS = ['callback', 'promise'] as const;

function resolveEventLoop(spec: EventLoopSpec | undefined): EventLoop | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'function') {
    const loop = new spec();
    if (!isEventLoop(loop)) throw new TypeError(`installReactor(): eventLoop class ${spec.name} does not produce an EventLoop.`);
    return loop;
  }
  if (typeof spec === 'string') {
    throw new TypeError(
      `installReactor(): eventLoop '${spec}' is a module specifier; load it first: installReactor('promise', { eventLoop: await loadEventLoop('${spec}') }).`,
    );
  }
  if (!isEventLoop(spec)) throw new TypeError('installReactor(): eventLoop must be an EventLoop class or instance.');
  return spec;
}

/**
 * Install the process-wide reactor: `'callback'` (the default kind, Twisted's loop),
 * `'promise'` (asyncio's, with `{ eventLoop, awaitDeferreds }`), or a reactor you built. It is
 * stored on `globalThis` under `Symbol.for('deferkit.reactor.installed')`, so the ESM and CJS
 * builds in one process agree. Nothing is installed at import time.
 *
 * Mirrors Scrapy's `install_reactor` (which silently keeps an already installed reactor; here
 * that is an error, so a mismatch cannot go unnoticed).
 *
 * @param spec - `'callback'`, `'promise'` or a `Reactor`.
 * @param options - `{ eventLoop, awaitDeferreds }` (promise reactor only).
 * @returns the installed reactor.
 * @throws ReactorAlreadyInstalledError when one is installed; TypeError for an unknown spec.
 * @example
 * ```ts
 * import { installReactor, isPromiseReactorInstalled } from '@deferkit/reactor';
 *
 * const reactor = installReactor('promise', { awaitDeferreds: 'error' });
 * console.log(reactor.kind, isPromiseReactorInstalled());
 * // prints: promise true
 * ```
 */
export function installReactor(spec: ReactorSpec, options: InstallReactorOptions = {}): Reactor {
  const current = g[SLOT];
  if (current !== undefined) {
    throw new ReactorAlreadyInstalledError(
      `A reactor is already installed (${current.reactor.kind}); a process has one reactor. Install it once, before anything ` +
        'calls getReactor() (which installs the callback reactor), or call uninstallReactor() first (tests).',
    );
  }
  let reactor: Reactor;
  if (spec === 'callback') {
    if (options.eventLoop !== undefined) {
      throw new TypeError("installReactor('callback', { eventLoop }): an event loop is for the promise reactor; use installReactor('promise', { eventLoop }).");
    }
    reactor = new CallbackLoopReactor();
  } else if (spec === 'promise') {
    const eventLoop = resolveEventLoop(options.eventLoop);
    reactor = new PromiseLoopReactor(eventLoop === undefined ? {} : { eventLoop });
  } else if (spec !== null && typeof spec === 'object' && (spec.kind === 'callback' || spec.kind === 'promise') && typeof spec.run === 'function') {
    if (options.eventLoop !== undefined) {
      throw new TypeError(
        'installReactor(reactor, { eventLoop }): a reactor instance already has its loop; pass it to new PromiseLoopReactor({ eventLoop }) instead.',
      );
    }
    // getRunningLoop() and sleep() hand out the promise reactor's loop: it must have one.
    if (spec.kind === 'promise' && !isEventLoop((spec as { eventLoop?: unknown }).eventLoop)) {
      throw new TypeError(
        "installReactor(reactor): a reactor of kind 'promise' must expose its EventLoop as reactor.eventLoop (as PromiseLoopReactor does).",
      );
    }
    reactor = spec;
  } else {
    throw new TypeError(`installReactor(spec): unknown reactor ${describeValue(spec)}; use 'callback', 'promise' or a Reactor instance.`);
  }
  const policy = options.awaitDeferreds ?? 'error';
  if (!['error', 'warn', 'allow'].includes(policy)) {
    throw new TypeError(`installReactor(): awaitDeferreds must be 'error', 'warn' or 'allow', got ${describeValue(policy)}.`);
  }
  if (reactor.kind !== 'promise' && options.awaitDeferreds !== undefined) {
    throw new TypeError("installReactor(): awaitDeferreds applies to the promise reactor only; Deferreds are always awaitable under the callback reactor.");
  }
  g[SLOT] = { reactor };
  if (reactor.kind === 'promise') installAwaitPolicy(policy);
  return reactor;
}

/**
 * The installed reactor; installs the default (`'callback'`) on first use — never at import.
 *
 * Mirrors `from twisted.internet import reactor`.
 *
 * @example
 * ```ts
 * import { getReactor } from '@deferkit/reactor';
 *
 * console.log(getReactor().kind);
 * // prints: callback
 * ```
 */
export function getReactor(): Reactor {
  return g[SLOT]?.reactor ?? installReactor('callback');
}

/**
 * Whether the promise reactor is installed. Installs nothing.
 *
 * Mirrors Scrapy's `is_asyncio_reactor_installed` (≥2.13, which no longer installs one).
 */
export function isPromiseReactorInstalled(): boolean {
  return g[SLOT]?.reactor.kind === 'promise';
}

/** Whether any reactor is installed. Scrapy's `is_reactor_installed`. */
export function isReactorInstalled(): boolean {
  return g[SLOT] !== undefined;
}

/**
 * Check that the installed reactor is of the requested kind.
 *
 * Mirrors Scrapy's `verify_installed_reactor`.
 *
 * @param spec - `'callback'` or `'promise'`.
 * @throws ReactorMismatchError `The installed reactor (callback) does not match the requested one (promise)`;
 *   ReactorNotInstalledError when none is installed; TypeError for an unknown name.
 */
export function verifyInstalledReactor(spec: 'callback' | 'promise'): void {
  if (!(KINDS as readonly string[]).includes(spec as string)) {
    throw new TypeError(`verifyInstalledReactor(spec): unknown reactor ${describeValue(spec)}; use 'callback' or 'promise'.`);
  }
  const current = g[SLOT];
  if (current === undefined) {
    throw new ReactorNotInstalledError(
      `verifyInstalledReactor() called without an installed reactor: call installReactor('${spec}') first.`,
    );
  }
  if (current.reactor.kind !== spec) throw new ReactorMismatchError(current.reactor.kind, spec);
}

/**
 * Remove the installed reactor (for tests, and for tools like the lab that run one reactor
 * after another). Does nothing when none is installed.
 *
 * @throws Error while the installed reactor is running.
 */
export function uninstallReactor(): void {
  const current = g[SLOT];
  if (current === undefined) return;
  if (current.reactor.running) {
    throw new Error('uninstallReactor(): the installed reactor is running; stop() it and await run() first.');
  }
  g[SLOT] = undefined;
  delete g[SLOT];
  uninstallAwaitPolicy();
}

/**
 * The promise reactor's EventLoop. asyncio's `get_running_loop()`.
 *
 * @throws NoRunningLoopError (`no running event loop`) when the promise reactor is not installed.
 * @example
 * ```ts
 * import { getRunningLoop, installReactor } from '@deferkit/reactor';
 *
 * installReactor('promise');
 * const loop = getRunningLoop();
 * loop.callSoon(() => console.log('on the loop'));
 * // prints: on the loop
 * ```
 */
export function getRunningLoop(): EventLoop {
  const reactor = g[SLOT]?.reactor;
  if (reactor === undefined || reactor.kind !== 'promise') throw new NoRunningLoopError('getRunningLoop()');
  return (reactor as PromiseLoopReactor).eventLoop;
}

/**
 * A Future resolving `seconds` from now on the promise reactor's loop. asyncio's `sleep`.
 *
 * @param seconds - how long.
 * @throws NoRunningLoopError when the promise reactor is not installed.
 * @example
 * ```ts
 * import { installReactor, sleep } from '@deferkit/reactor';
 *
 * installReactor('promise');
 * await sleep(0.1);
 * console.log('a tenth of a second later');
 * // prints: a tenth of a second later
 * ```
 */
export function sleep(seconds: number): Future<void> {
  const reactor = g[SLOT]?.reactor;
  if (reactor === undefined || reactor.kind !== 'promise') throw new NoRunningLoopError('sleep()');
  return (reactor as PromiseLoopReactor).eventLoop.sleep(seconds);
}

/**
 * Load an EventLoop class from a module specifier `'./my-loop.js#MyLoop'` (the export after
 * `#`, or the default export), for `installReactor('promise', { eventLoop })`. Scrapy's
 * `ASYNCIO_EVENT_LOOP` import path.
 *
 * @param specifier - `module#ExportName`.
 * @param parentUrl - where relative specifiers resolve from (default: the working directory).
 */
export async function loadEventLoop(specifier: string, parentUrl?: string): Promise<new () => EventLoop> {
  const hash = specifier.lastIndexOf('#');
  const modulePath = hash === -1 ? specifier : specifier.slice(0, hash);
  const exportName = hash === -1 ? 'default' : specifier.slice(hash + 1);
  let target = modulePath;
  if (modulePath.startsWith('.') || modulePath.startsWith('/')) {
    const base =
      parentUrl ??
      (typeof (globalThis as { process?: { cwd(): string } }).process?.cwd === 'function'
        ? 'file://' + (globalThis as unknown as { process: { cwd(): string } }).process.cwd() + '/'
        : undefined);
    // URL is a global in every runtime deferkit supports, but not in the ES2022 lib this
    // package compiles against (no DOM, no @types/node), so it is looked up on globalThis.
    const URLCtor = (globalThis as unknown as { URL: new (input: string, base: string) => { href: string } }).URL;
    if (base !== undefined) target = new URLCtor(modulePath, base).href;
  }
  const mod = (await import(/* @vite-ignore */ target)) as Record<string, unknown>;
  const cls = mod[exportName];
  if (typeof cls !== 'function') {
    throw new TypeError(`loadEventLoop('${specifier}'): module has no class export '${exportName}'.`);
  }
  return cls as new () => EventLoop;
}
