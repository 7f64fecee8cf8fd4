// The start of a crawl through the spider middlewares: spider.start() through the
// processStart methods, or the legacy startRequests() through processStartRequests
// (Scrapy 2.13–2.15's process_start).

import { InvalidOutput } from '../../errors.js';
import { Spider } from '../../Spider.js';
import { asAsyncGenerator, componentName, isAsyncIterable, isPromiseLike, isSyncIterable, typeName } from '../../utils/misc.js';
import type { Method } from './types.js';

/**
 * The start requests and items: `spider.start()` (which must be an async generator) through
 * the `processStart` methods, descending — or, when a middleware only has the legacy
 * `processStartRequests()`, `spider.startRequests()` through those. Always an async iterable.
 * Scrapy's `process_start` (2.13–2.15).
 *
 * @param spider - the open spider (null: none, an error unless `start` is given).
 * @param useStartRequests - the legacy path (`checkStartMethods` in startupChecks.ts).
 * @param methods - the `processStart` (or `processStartRequests`) methods, descending.
 * @param start - the start output to use instead of calling the spider (for tools).
 * @throws TypeError when `start()` is not an async generator, or when the spider only
 *   overrides `start()` while a legacy middleware needs `startRequests()`.
 */
export function processStart(
  spider: (Spider & Record<string, unknown>) | null,
  useStartRequests: boolean,
  methods: ReadonlyArray<readonly [object, Method]>,
  start?: AsyncIterable<unknown> | Iterable<unknown>,
): AsyncIterable<unknown> {
  if (useStartRequests) {
    let current: Iterable<unknown>;
    if (start !== undefined) {
      if (isAsyncIterable(start)) {
        throw new TypeError('The legacy processStartRequests() chain needs a synchronous iterable of start requests.');
      }
      current = start as Iterable<unknown>;
    } else {
      if (spider === null) throw new Error('processStart() called without an open spider.');
      const proto = Spider.prototype as unknown as Record<string, unknown>;
      if (spider.startRequests === proto.startRequests && spider.start !== proto.start) {
        throw new TypeError(
          `${spider.constructor.name} does not define the deprecated startRequests() method, but one or more enabled spider ` +
            'middlewares only define processStartRequests() (see the earlier deprecation warning), which only works with ' +
            'spiders that define startRequests(). Upgrade those middlewares to processStart(), or add a startRequests() ' +
            'to the spider that works like its start().',
        );
      }
      current = spider.startRequests();
    }
    for (const [mw, fn] of methods) {
      const out = fn.call(mw, current, spider);
      if (!isSyncIterable(out)) {
        throw new InvalidOutput(`Middleware ${componentName(mw)}.processStartRequests must return an iterable, got ${typeName(out)}`);
      }
      current = out as Iterable<unknown>;
    }
    return asAsyncGenerator(current);
  }
  let current: unknown = start;
  if (current === undefined) {
    if (spider === null) throw new Error('processStart() called without an open spider.');
    current = spider.start();
  }
  if (!isAsyncIterable(current)) {
    if (isPromiseLike(current)) (current as Promise<unknown>).then(undefined, () => undefined);
    if (start === undefined || !isSyncIterable(current)) {
      throw new TypeError(
        `${spider?.constructor.name ?? 'Spider'}.start() must be an asynchronous generator, i.e. an async function* with ` +
          `yield statements, got ${typeName(current)}`,
      );
    }
    current = asAsyncGenerator(current as Iterable<unknown>);
  }
  for (const [mw, fn] of methods) {
    const out = fn.call(mw, current);
    if (!isAsyncIterable(out)) {
      throw new InvalidOutput(`Middleware ${componentName(mw)}.processStart must be an async generator, got ${typeName(out)}`);
    }
    current = out;
  }
  return current as AsyncIterable<unknown>;
}
