// Helpers shared by every test folder.

/** The error `fn` throws; fails the test when it returns normally. */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw, but it returned normally');
}

/** True when the tests run in Bun (`npm run test:runtimes`). */
export const isBun: boolean = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';

/**
 * `await x`, as a real Promise. Every runner's `expect(...).resolves/.rejects` takes this; Bun's
 * accepts only Promises, not other thenables such as a Deferred.
 */
export async function awaited<T>(x: PromiseLike<T>): Promise<T> {
  return await x;
}

/**
 * Run `fn` on a later host macrotask: `setImmediate` where the host has it (Node, Bun), else a
 * `MessageChannel` message (browsers), which, unlike `setTimeout(0)`, is not clamped.
 */
export function nextTurn(fn: (value?: undefined) => void): void {
  const host = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof host.setImmediate === 'function') {
    host.setImmediate(() => fn());
    return;
  }
  // The browser's MessagePort (onmessage), which Node's typings do not describe.
  const channel = new MessageChannel() as unknown as {
    port1: { onmessage: (() => void) | null; close(): void };
    port2: { postMessage(message: unknown): void };
  };
  channel.port1.onmessage = () => {
    channel.port1.close();
    fn();
  };
  channel.port2.postMessage(null);
}

/** A promise that settles one host macrotask later, once every queued promise job has run. */
export function nextTurnPromise(): Promise<void> {
  return new Promise((resolve) => nextTurn(resolve));
}

/** True in Node and Bun (child processes, `process` events); false in a browser. */
export const hasNodeProcess: boolean =
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * Listen for unhandled promise rejections: `process.on('unhandledRejection')` in Node and Bun,
 * the window's `unhandledrejection` event in a browser (where it is also kept off the console).
 * Returns the function that stops listening.
 */
export function onUnhandledRejection(listener: (reason: unknown) => void): () => void {
  if (hasNodeProcess) {
    const proc = (globalThis as unknown as { process: NodeJS.Process }).process;
    const handler = (reason: unknown): void => listener(reason);
    proc.on('unhandledRejection', handler);
    return () => void proc.off('unhandledRejection', handler);
  }
  // The window's events (DOM typings are not loaded here).
  const target = globalThis as unknown as {
    addEventListener(type: string, fn: (event: { reason: unknown; preventDefault(): void }) => void): void;
    removeEventListener(type: string, fn: (event: { reason: unknown; preventDefault(): void }) => void): void;
  };
  const handler = (event: { reason: unknown; preventDefault(): void }): void => {
    event.preventDefault();
    listener(event.reason);
  };
  target.addEventListener('unhandledrejection', handler);
  return () => target.removeEventListener('unhandledrejection', handler);
}

/**
 * `import('node:<name>')`, with the name computed so that a browser bundler leaves it alone;
 * for tests that run a Node-only branch (child processes, servers) when the host is Node or Bun.
 */
export async function nodeModule<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return (await import(/* @vite-ignore */ specifier)) as T;
}

/** `setTimeout` as a promise (node:timers/promises' `setTimeout`, for every runtime). */
export function delay<T = void>(ms: number, value?: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value as T), ms));
}
