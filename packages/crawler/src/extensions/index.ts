// The built-in extensions, by the names EXTENSIONS_BASE uses.

import type { ComponentClass } from '../middleware/components.js';
import { CloseSpider } from './closeSpider.js';
import { CoreStats } from './coreStats.js';
import { FeedExporter } from './feeds/index.js';
import { LogStats } from './logStats.js';
import { MemoryUsage } from './memusage.js';
import { SpiderState } from './spiderState.js';
import { AutoThrottle } from './throttle.js';

/** @internal */
export const BUILTIN_EXTENSIONS: Record<string, ComponentClass> = { CoreStats, LogStats, CloseSpider, FeedExporter, MemoryUsage, AutoThrottle, SpiderState };

export { CloseSpider as CloseSpiderExtension, CoreStats, FeedExporter, LogStats };
export { MemoryUsage, peakMemoryUsage } from './memusage.js';
export { AutoThrottle, autoThrottleDelay } from './throttle.js';
export { SpiderState } from './spiderState.js';
