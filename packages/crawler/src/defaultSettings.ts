// The default value of every setting the crawler reads (scrapy.settings.default_settings).

/** Default settings, at priority `'default'`. */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({
  // Reactor (Scrapy's TWISTED_REACTOR, ASYNCIO_EVENT_LOOP; deferkit's AWAIT_DEFERREDS)
  REACTOR: 'promise',
  PROMISE_EVENT_LOOP: null,
  AWAIT_DEFERREDS: 'error',
  /** The CLI installs the promise reactor before importing the spider unless this is true (Scrapy's FORCE_CRAWLER_PROCESS). */
  FORCE_CRAWLER_PROCESS: false,

  // Concurrency and politeness
  CONCURRENT_REQUESTS: 16,
  CONCURRENT_REQUESTS_PER_DOMAIN: 8,
  CONCURRENT_ITEMS: 100,
  DOWNLOAD_DELAY: 0,
  RANDOMIZE_DOWNLOAD_DELAY: true,
  DOWNLOAD_SLOTS: {},
  SCRAPER_SLOT_MAX_ACTIVE_SIZE: 5_000_000,

  // Downloads
  DOWNLOAD_TIMEOUT: 180,
  DOWNLOAD_MAXSIZE: 1024 * 1024 * 1024,
  DOWNLOAD_WARNSIZE: 32 * 1024 * 1024,
  DOWNLOAD_FAIL_ON_DATALOSS: true,
  USER_AGENT: 'deferkit/0.1 (+https://github.com/deferkit/deferkit)',
  DEFAULT_REQUEST_HEADERS: {
    Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language': 'en',
  },
  COMPRESSION_ENABLED: true,
  COOKIES_ENABLED: true,
  COOKIES_DEBUG: false,

  // Retries and redirects
  RETRY_ENABLED: true,
  RETRY_TIMES: 2,
  RETRY_HTTP_CODES: [500, 502, 503, 504, 522, 524, 408, 429],
  RETRY_PRIORITY_ADJUST: -1,
  REDIRECT_ENABLED: true,
  REDIRECT_MAX_TIMES: 20,
  REDIRECT_PRIORITY_ADJUST: 2,
  METAREFRESH_ENABLED: true,
  METAREFRESH_MAXDELAY: 100,
  // Scrapy 2.8's default: a meta refresh inside <script> or <noscript> is followed too.
  METAREFRESH_IGNORE_TAGS: [],

  // HTTP cache (HttpCacheMiddleware; off by default, as in Scrapy)
  HTTPCACHE_ENABLED: false,
  HTTPCACHE_DIR: 'httpcache',
  HTTPCACHE_IGNORE_MISSING: false,
  HTTPCACHE_STORAGE: 'FilesystemCacheStorage',
  HTTPCACHE_EXPIRATION_SECS: 0,
  HTTPCACHE_ALWAYS_STORE: false,
  HTTPCACHE_IGNORE_HTTP_CODES: [],
  HTTPCACHE_IGNORE_SCHEMES: ['file'],
  HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS: [],
  HTTPCACHE_POLICY: 'DummyPolicy',
  HTTPCACHE_GZIP: false,

  // HTTP errors
  HTTPERROR_ALLOWED_CODES: [],
  HTTPERROR_ALLOW_ALL: false,

  // Depth
  DEPTH_LIMIT: 0,
  DEPTH_PRIORITY: 0,
  DEPTH_STATS_VERBOSE: false,

  // Components: built-ins by name with their order; user components are added as [Class, order].
  DOWNLOADER_MIDDLEWARES: [],
  DOWNLOADER_MIDDLEWARES_BASE: {
    OffsiteMiddleware: 50,
    RobotsTxtMiddleware: 100,
    DownloadTimeoutMiddleware: 350,
    DefaultHeadersMiddleware: 400,
    UserAgentMiddleware: 500,
    RetryMiddleware: 550,
    MetaRefreshMiddleware: 580,
    HttpCompressionMiddleware: 590,
    RedirectMiddleware: 600,
    CookiesMiddleware: 700,
    HttpProxyMiddleware: 750,
    DownloaderStats: 850,
    HttpCacheMiddleware: 900,
  },
  SPIDER_MIDDLEWARES: [],
  SPIDER_MIDDLEWARES_BASE: {
    HttpErrorMiddleware: 50,
    RefererMiddleware: 700,
    DepthMiddleware: 900,
  },
  REFERER_ENABLED: true,
  SPIDER_MIDDLEWARES_STRICT_ASYNC: false,
  ITEM_PIPELINES: [],
  EXTENSIONS: [],
  EXTENSIONS_BASE: {
    CoreStats: 0,
    LogStats: 0,
    CloseSpider: 0,
    FeedExporter: 0,
    MemoryUsage: 0,
    AutoThrottle: 0,
    SpiderState: 0,
  },

  // Extensions
  LOGSTATS_INTERVAL: 60,
  CLOSESPIDER_TIMEOUT: 0,
  CLOSESPIDER_ITEMCOUNT: 0,
  CLOSESPIDER_PAGECOUNT: 0,
  CLOSESPIDER_ERRORCOUNT: 0,
  CLOSESPIDER_TIMEOUT_NO_ITEM: 0,
  CLOSESPIDER_PAGECOUNT_NO_ITEM: 0,
  FEEDS: {},
  // Scrapy's default: JSON feeds escape non-ASCII characters (`scrapy startproject` sets 'utf-8').
  FEED_EXPORT_ENCODING: null,
  FEED_EXPORT_INDENT: 0,
  FEED_EXPORT_FIELDS: null,
  AUTOTHROTTLE_ENABLED: false,
  AUTOTHROTTLE_DEBUG: false,
  AUTOTHROTTLE_MAX_DELAY: 60.0,
  AUTOTHROTTLE_START_DELAY: 5.0,
  AUTOTHROTTLE_TARGET_CONCURRENCY: 1.0,
  MEMUSAGE_ENABLED: true,
  MEMUSAGE_CHECK_INTERVAL_SECONDS: 60.0,
  MEMUSAGE_LIMIT_MB: 0,
  MEMUSAGE_NOTIFY_MAIL: [],
  MEMUSAGE_WARNING_MB: 0,

  // Logging
  LOG_ENABLED: true,
  LOG_LEVEL: 'DEBUG',
  LOG_FORMATTER_CRAWLED: true,
  LOG_FILE: null,
  LOG_FILE_APPEND: true,
  LOG_FORMAT: '%(asctime)s [%(name)s] %(levelname)s: %(message)s',
  LOG_DATEFORMAT: '%Y-%m-%d %H:%M:%S',
  LOG_SHORT_NAMES: false,
  LOG_STDOUT: false,
});
