// The spider middlewares' startup checks: which start path the crawl takes (processStart or
// the legacy processStartRequests) and how each middleware's output methods take part in the
// chain (Scrapy's _get_async_method_pair; 2.16's strict mode).

import type { Logger } from '../../log.js';
import { componentName, isAsyncGeneratorFunction } from '../../utils/misc.js';
import { DOCS, type OutputMethod, type SpiderMiddleware } from './types.js';

/**
 * Scrapy 2.13–2.15's `_check_deprecated_process_start_requests_use`: middlewares that only
 * define the legacy `processStartRequests()` switch the crawl to `spider.startRequests()`
 * (with a deprecation warning); mixing them with middlewares that only define
 * `processStart()` is an error.
 *
 * @returns whether the legacy `startRequests()` path is used.
 * @throws TypeError for legacy-only and modern-only middlewares mixed.
 */
export function checkStartMethods(middlewares: object[], logger: Logger, strict: boolean): boolean {
  const has = (mw: object, name: string): boolean => typeof (mw as Record<string, unknown>)[name] === 'function';
  const legacy = middlewares.filter((mw) => has(mw, 'processStartRequests') && !has(mw, 'processStart'));
  const modern = middlewares.filter((mw) => has(mw, 'processStart') && !has(mw, 'processStartRequests'));
  if (strict) {
    // Scrapy 2.16 removed processStartRequests(): it is no longer called.
    if (legacy.length > 0) {
      logger.warning(
        `processStartRequests() of ${legacy.map(componentName).join(', ')} is not called with SPIDER_MIDDLEWARES_STRICT_ASYNC ` +
          '(Scrapy 2.16 removed it); define processStart() instead.',
      );
    }
    return false;
  }
  if (legacy.length > 0 && modern.length > 0) {
    throw new TypeError(
      `You are trying to combine spider middlewares that only define the deprecated processStartRequests() method ` +
        `(${legacy.map(componentName).join(', ')}) with spider middlewares that only define the processStart() method ` +
        `(${modern.map(componentName).join(', ')}). This is not possible. Disable one of the two sets, or make its ` +
        'middlewares universal by defining both methods.',
    );
  }
  if (legacy.length === 0) return false;
  logger.warning(
    `The following enabled spider middlewares, directly or through their parent classes, define the deprecated ` +
      `processStartRequests() method: ${legacy.map(componentName).join(', ')}. processStartRequests() has been deprecated ` +
      'in favor of processStart() (an async generator); while such a middleware is enabled, the spider\'s legacy ' +
      'startRequests() is used instead of start(). Replace processStartRequests() with processStart(), or define both.',
  );
  return true;
}

/**
 * Scrapy's `_get_async_method_pair` (2.7–2.15), and 2.16's strict check: how `mw` takes part
 * in the output chain.
 *
 * @throws TypeError in strict mode for a sync-only `processSpiderOutput`.
 */
export function outputMethod(mw: object, strict: boolean, logger: Logger): OutputMethod {
  const m = mw as SpiderMiddleware;
  const name = componentName(mw);
  const normal = typeof m.processSpiderOutput === 'function' ? m.processSpiderOutput : null;
  const asyncOne = typeof m.processSpiderOutputAsync === 'function' ? m.processSpiderOutputAsync : null;
  if (asyncOne === null) {
    if (normal === null) return null;
    if (isAsyncGeneratorFunction(normal)) return { kind: 'async', fn: normal };
    if (strict) {
      throw new TypeError(
        `Middleware ${name} doesn't support asynchronous spider output. Its processSpiderOutput() method should be an ` +
          'async generator function or it should additionally define a processSpiderOutputAsync() method.',
      );
    }
    logger.warning(
      `Middleware ${name} doesn't support asynchronous spider output, this is deprecated and stops working with ` +
        `SPIDER_MIDDLEWARES_STRICT_ASYNC = true (Scrapy 2.16). Make processSpiderOutput() an async generator, or add a ` +
        `processSpiderOutputAsync() twin. ${DOCS}`,
    );
    return { kind: 'sync', fn: normal };
  }
  if (normal === null) {
    logger.error(
      `Middleware ${name} has processSpiderOutputAsync() without processSpiderOutput(), skipping this method. Please rename it to processSpiderOutput().`,
    );
    return null;
  }
  if (!isAsyncGeneratorFunction(asyncOne)) {
    logger.error(`${name}.processSpiderOutputAsync is not an async generator function, skipping this method.`);
    return isAsyncGeneratorFunction(normal) ? { kind: 'async', fn: normal } : { kind: 'sync', fn: normal };
  }
  if (isAsyncGeneratorFunction(normal)) {
    logger.error(
      `${name}.processSpiderOutput is an async generator function while processSpiderOutputAsync() exists, skipping both methods. ` +
        'Please remove processSpiderOutputAsync().',
    );
    return null;
  }
  return { kind: 'universal', sync: normal, async: asyncOne };
}
