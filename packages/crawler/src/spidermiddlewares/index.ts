// The built-in spider middlewares, by the names SPIDER_MIDDLEWARES_BASE uses.

import type { ComponentClass } from '../middleware/components.js';
import { DepthMiddleware } from './depth.js';
import { HttpErrorMiddleware } from './httperror.js';
import { RefererMiddleware } from './referer.js';

/** @internal */
export const BUILTIN_SPIDER_MIDDLEWARES: Record<string, ComponentClass> = {
  HttpErrorMiddleware,
  RefererMiddleware,
  DepthMiddleware,
};

export { DepthMiddleware, HttpErrorMiddleware, RefererMiddleware };
