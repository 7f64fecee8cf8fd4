// @deferkit/crawler: a thin but real Scrapy on deferkit.

// Crawling
export { Crawler, CrawlerRunner, CrawlerProcess } from './Crawler.js';
export type { CrawlerProcessStartOptions } from './Crawler.js';
export { Spider } from './Spider.js';
export type { SpiderClass } from './Spider.js';
export { Settings, SETTINGS_PRIORITIES } from './Settings.js';
export type { SettingsPriority } from './Settings.js';
export { DEFAULT_SETTINGS } from './defaultSettings.js';

// HTTP
export { Request, isRequest } from './Request.js';
export type { Callback, Errback, RequestInit } from './Request.js';
export type { RequestCookie, RequestCookies } from './Request.js';
export { FormRequest, JsonRequest } from './FormRequest.js';
export type { FormData, FormRequestInit, FromResponseOptions, JsonDumpsOptions, JsonRequestInit } from './FormRequest.js';
export { Response, XmlResponse } from './Response.js';
export type { ResponseInit } from './Response.js';
export { Headers } from './Headers.js';
export type { HeadersInit } from './Headers.js';
export { Selector, SelectorList } from './Selector.js';
export type { SelectorInit, SelectorType, XPathOptions, ReOptions } from './Selector.js';
export type { ProxyConf } from './downloadermiddlewares/httpproxy.js';
export type { RequestClass } from './utils/requestSerde.js';
export { XPathError } from './xpath.js';
export { requestFingerprint } from './core/Scheduler.js';
export { registerRequestClass, requestFromDict, requestToDict } from './utils/requestSerde.js';
export type { RequestClassCodec, RequestDict } from './utils/requestSerde.js';

// Extraction: links, rule-based and sitemap spiders, item loaders
export { Link, LinkExtractor, IGNORED_EXTENSIONS, canonicalizeUrl } from './linkextractors/index.js';
export type { CanonicalizeOptions, LinkExtractorOptions, Pattern } from './linkextractors/index.js';
export { CrawlSpider, Rule } from './spiders/CrawlSpider.js';
export type { LinkExtractorLike, RuleOptions } from './spiders/CrawlSpider.js';
export { SitemapSpider } from './spiders/SitemapSpider.js';
export type { SitemapRule } from './spiders/SitemapSpider.js';
export { Sitemap, sitemapUrlsFromRobots } from './spiders/sitemap.js';
export type { SitemapEntry } from './spiders/sitemap.js';
export { ItemLoader } from './loader/ItemLoader.js';
export type { ItemLoaderOptions, LoaderSelection, LoaderSelector, ProcessorArg, ValueOptions } from './loader/ItemLoader.js';
export { Item, Field } from './loader/Item.js';
export type { FieldMeta, ItemClass } from './loader/Item.js';
export { Compose, Identity, Join, MapCompose, SelectJmes, TakeFirst, withLoaderContext } from './loader/processors.js';
export type { ComposeOptions, LoaderContext, Processor } from './loader/processors.js';

// What components implement (the engine's parts themselves are in '@deferkit/crawler/engine')
export type { DownloaderMiddleware } from './middleware/DownloaderMiddlewareManager.js';
export type { SpiderMiddleware } from './middleware/SpiderMiddlewareManager.js';
export type { ItemPipeline } from './middleware/ItemPipelineManager.js';
export type { ComponentClass, ComponentSetting, ComponentSpec } from './middleware/components.js';

// Built-in components
export {
  BaseRedirectMiddleware,
  DefaultHeadersMiddleware,
  DownloadTimeoutMiddleware,
  DownloaderStats,
  HttpCacheMiddleware,
  HttpCompressionMiddleware,
  MetaRefreshMiddleware,
  OffsiteMiddleware,
  RedirectMiddleware,
  RetryMiddleware,
  UserAgentMiddleware,
} from './downloadermiddlewares/index.js';
export { CookiesMiddleware } from './downloadermiddlewares/cookies.js';
export { HttpProxyMiddleware, RobotsTxtMiddleware } from './downloadermiddlewares/index.js';
export { getProxies, proxyBypass } from './downloadermiddlewares/httpproxy.js';
export { ProtegoRobotParser, decodeRobotsTxt } from './robotstxt.js';
export type { RobotParser, RobotParserClass } from './robotstxt.js';
export { DepthMiddleware, HttpErrorMiddleware, RefererMiddleware } from './spidermiddlewares/index.js';
export { CloseSpiderExtension, CoreStats, FeedExporter, LogStats } from './extensions/index.js';
export { AutoThrottle, autoThrottleDelay, MemoryUsage, peakMemoryUsage, SpiderState } from './extensions/index.js';
export type { FeedFormat, FeedOptions } from './extensions/feeds/index.js';
export { DummyPolicy, FilesystemCacheStorage, RFC2616Policy } from './extensions/httpcache.js';
export type { CacheControl, CachePolicy, CachePolicyClass, CacheStorage, CacheStorageClass } from './extensions/httpcache.js';

// Signals, stats, logs
export { signals, SignalManager } from './signals.js';
export type { ErrorClass, SignalHandler, SignalName } from './signals.js';
export type { SpiderOutput } from './utils/misc.js';
export { StatsCollector } from './stats.js';
export { Logger, LOG_LEVELS, formatLogRecord } from './log.js';
export { compileLogFormat, DEFAULT_LOG_DATEFORMAT, DEFAULT_LOG_FORMAT } from './logFormat.js';
export type { LogHandler, LogLevel, LogRecord } from './log.js';

// Errors
export {
  CloseSpider,
  ConnectionError,
  DecompressionError,
  DontCloseSpider,
  DownloadTimeoutError,
  DropItem,
  HttpError,
  IgnoreRequest,
  InvalidOutput,
  NotConfigured,
  NotSupported,
  ResponseDataLossError,
  ResponseTooLarge,
  UsageError,
} from './errors.js';
export { TunnelError } from './errors.js';

// Re-exported from the lower packages: what spider, middleware and pipeline code meets in the
// crawler's own signatures, so `@deferkit/crawler` alone is enough to write a spider. These are
// the very same bindings (one copy, instanceof holds), not wrappers.
/** The value an errback gets (`Errback = (failure: Failure) => unknown`). Re-exported from `@deferkit/deferred`. */
export { Failure } from '@deferkit/deferred';
/** What `crawl()`, `stop()`, `join()` and `Downloader.download()` return, and what a callback, middleware or pipeline may return. Re-exported from `@deferkit/deferred`. */
export { Deferred } from '@deferkit/deferred';
/** Await a Deferred from an `async` callback (Scrapy's `deferred_to_future` / `maybe_deferred_to_future`). Re-exported from `@deferkit/interop`. */
export { deferredToFuture, maybeDeferredToFuture } from '@deferkit/interop';
