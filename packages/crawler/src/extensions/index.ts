// The built-in extensions, by the names EXTENSIONS_BASE uses.

import type { ComponentClass } from '../middleware/components.js';
import { CloseSpider } from './closeSpider.js';
import { CoreStats } from './coreStats.js';
import { FeedExporter } from './feeds/index.js';
import { LogStats } from './logStats.js';

/** @internal */
export const BUILTIN_EXTENSIONS: Record<string, ComponentClass> = { CoreStats, LogStats, CloseSpider, FeedExporter };

export { CloseSpider as CloseSpiderExtension, CoreStats, FeedExporter, LogStats };
