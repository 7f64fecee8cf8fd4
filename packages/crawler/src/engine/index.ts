// @deferkit/crawler/engine: the engine's parts, for tests, tools and those who take the crawl
// apart. A spider, middleware, pipeline or extension needs none of them: what those use is in
// '@deferkit/crawler' (the component interfaces included); crawler.engine is an ExecutionEngine.

export { ExecutionEngine } from '../core/Engine.js';
export { Scraper } from '../core/Scraper.js';
export { Scheduler, RFPDupeFilter, registerScheduler, registerDupeFilter } from '../core/Scheduler.js';
export type { CrawlerComponentClass } from '../core/Scheduler.js';
export type { SchedulerLike, DupeFilterLike } from '../core/Scheduler.js';
export { FingerprintSet } from '../utils/FingerprintSet.js';
export { Downloader, Slot } from '../downloader/Downloader.js';
export { HttpDownloadHandler } from '../downloader/HttpDownloadHandler.js';
export { FileDownloadHandler } from '../downloader/FileDownloadHandler.js';
export { DownloaderMiddlewareManager } from '../middleware/DownloaderMiddlewareManager.js';
export { SpiderMiddlewareManager } from '../middleware/SpiderMiddlewareManager.js';
export { ItemPipelineManager } from '../middleware/ItemPipelineManager.js';
