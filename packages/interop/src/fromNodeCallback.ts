// fromNodeCallback: Node-style callback APIs as Deferred-returning functions.

import { Deferred, logError } from '@deferkit/deferred';

/** A Node-style function: its last argument is `(err, value) => void`. */
export type NodeStyleFunction<A extends unknown[], T> = (...args: [...A, (err: unknown, value: T) => void]) => unknown;

/**
 * Turn `fn(...args, (err, value) => …)` into `(...args) => Deferred<value>`: `err` (anything
 * truthy) fails the Deferred, otherwise it succeeds with `value`; a synchronous throw fails it
 * too. A callback called a second time is a bug in `fn`; it is reported with `logError`.
 *
 * Like Node's `util.promisify`, for Deferreds (Twisted code used `deferToThread` for blocking
 * calls instead).
 *
 * @param fn - the Node-style function.
 * @example
 * ```ts
 * import { readFile, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { fromNodeCallback } from '@deferkit/interop';
 *
 * const file = join(tmpdir(), 'deferkit-fromNodeCallback.txt');
 * writeFileSync(file, 'hello');
 * // readFile is overloaded: TypeScript infers from its last overload unless told which one.
 * const readFileD = fromNodeCallback<[path: string, encoding: BufferEncoding], string>(readFile);
 * readFileD(file, 'utf8').addCallback(console.log);
 * // prints: hello
 * ```
 */
export function fromNodeCallback<A extends unknown[], T>(fn: NodeStyleFunction<A, T>): (...args: A) => Deferred<T> {
  if (typeof fn !== 'function') throw new TypeError('fromNodeCallback(fn): fn must be a function taking a (err, value) callback last.');
  const wrapped = function (this: unknown, ...args: A): Deferred<T> {
    const d = new Deferred<T>();
    let calls = 0;
    const cb = (err: unknown, value: T): void => {
      calls++;
      if (calls > 1) {
        logError(new Error(`fromNodeCallback: ${fn.name || 'the function'} called its callback ${calls} times; only the first counts.`));
        return;
      }
      if (err) d.errback(err);
      else d.callback(value);
    };
    try {
      fn.apply(this, [...args, cb] as unknown as [...A, (err: unknown, value: T) => void]);
    } catch (e) {
      if (calls === 0) {
        calls = 1;
        d.errback(e);
      } else logError(e);
    }
    return d;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped;
}
