// Every Scrapy 2.8 setting (scrapy/settings/default_settings.py, plus the few documented ones that
// have no default there) and every built-in Scrapy component, with what deferkit does with it.
// The table in docs/crawler.md is generated from this file (scripts/settings-table.mjs).

import { UsageError } from './errors.js';
import { LOG_LEVELS } from './log.js';
import type { Settings } from './Settings.js';

/**
 * What deferkit does with a Scrapy setting or component: `implemented` (as Scrapy does),
 * `different` (honoured, but not the Scrapy way: the note says how) or `not-yet` (accepted and
 * ignored: a non-default value gets a startup WARNING).
 */
export type SettingStatus = 'implemented' | 'different' | 'not-yet';

/** One row of the registry. */
export interface SettingInfo {
  /** The setting name (SCREAMING_CASE) or component class name. */
  readonly name: string;
  /** What deferkit does with it. */
  readonly status: SettingStatus;
  /** How it differs, or what is missing (empty when implemented as Scrapy does). */
  readonly note: string;
  /**
   * Scrapy 2.8's default (`undefined` when it has none in default_settings.py). A `not-yet`
   * setting is only reported when set to a value with an effect (see {@link wouldHaveEffect}).
   */
  readonly scrapyDefault?: unknown;
}

const I = 'implemented';
const D = 'different';
const N = 'not-yet';
type Row = readonly [string, SettingStatus, string?, unknown?];

const ROBOTS = 'robots.txt is a later issue (no RobotsTxtMiddleware)';
const COOKIES = 'cookies are a later issue (no CookiesMiddleware)';
const THROTTLE = 'AutoThrottle is a later issue';
const CACHE = 'the HTTP cache is a later issue (no HttpCacheMiddleware)';
const PROXY = 'proxies are a later issue (no HttpProxyMiddleware)';
const NO_PROJECT = 'the commands (startproject, genspider, crawl, list, settings, shell, fetch, view, check, bench) are built in and take no plug-ins';
const STORAGE = 'feeds are written to local files and standard output only';
const MAIL = 'no MailSender';
const TELNET = 'no telnet console';
const DNS = "Node's resolver (dns.lookup) is used as is";
const TLS = "Node's TLS defaults are used";
const CLASSES = 'components are given as classes ([Class, order]) or built-in names, not dotted import paths';

const SETTINGS: readonly Row[] = [
  ['AJAXCRAWL_ENABLED', N, 'no AjaxCrawlMiddleware', false],
  ['ASYNCIO_EVENT_LOOP', D, 'see PROMISE_EVENT_LOOP: an EventLoop class or module specifier for the promise reactor', null],
  ['AUTOTHROTTLE_DEBUG', I, '', false],
  ['AUTOTHROTTLE_ENABLED', I, '', false],
  ['AUTOTHROTTLE_MAX_DELAY', I, '', 60.0],
  ['AUTOTHROTTLE_START_DELAY', I, '', 5.0],
  ['AUTOTHROTTLE_TARGET_CONCURRENCY', I, '', 1.0],
  ['BOT_NAME', D, 'startproject writes it; deferkit accepts it but no log line, user agent or stat uses it yet', 'scrapybot'],
  ['CLOSESPIDER_ERRORCOUNT', I, '', 0],
  ['CLOSESPIDER_ITEMCOUNT', I, '', 0],
  ['CLOSESPIDER_PAGECOUNT', I, '', 0],
  ['CLOSESPIDER_TIMEOUT', I, '', 0],
  ['COMMANDS_MODULE', N, NO_PROJECT, ''],
  ['COMPRESSION_ENABLED', I, 'gzip, deflate and br (no zstd)', true],
  ['CONCURRENT_ITEMS', I, 'below 1 or not whole is a usage error', 100],
  ['CONCURRENT_REQUESTS', D, '0 means no global limit, only the per-domain one (in Scrapy nothing would be downloaded); below 0 or not whole is a usage error', 16],
  ['CONCURRENT_REQUESTS_PER_DOMAIN', I, 'below 1 or not whole is a usage error', 8],
  ['CONCURRENT_REQUESTS_PER_IP', N, 'slots are per domain only', 0],
  ['COOKIES_DEBUG', I, '', false],
  ['COOKIES_ENABLED', I, '', true],
  ['CRAWLSPIDER_FOLLOW_LINKS', I, '', true],
  ['DEFAULT_ITEM_CLASS', N, 'items are plain objects', 'scrapy.item.Item'],
  ['DEFAULT_REQUEST_HEADERS', I, '', { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'Accept-Language': 'en' }],
  ['DEPTH_LIMIT', I, '', 0],
  ['DEPTH_PRIORITY', I, '', 0],
  ['DEPTH_STATS_VERBOSE', I, '', false],
  ['DNSCACHE_ENABLED', N, DNS, true],
  ['DNSCACHE_SIZE', N, DNS, 10000],
  ['DNS_RESOLVER', N, DNS, 'scrapy.resolver.CachingThreadedResolver'],
  ['DNS_TIMEOUT', N, DNS, 60],
  ['DOWNLOAD_DELAY', I, 'a negative delay is a usage error', 0],
  ['DOWNLOAD_FAIL_ON_DATALOSS', I, '', true],
  ['DOWNLOAD_HANDLERS', N, 'http and https only, built in', {}],
  ['DOWNLOAD_HANDLERS_BASE', N, 'http and https only, built in', undefined],
  ['DOWNLOAD_MAXSIZE', I, '0 means no limit; a negative size is a usage error', 1024 * 1024 * 1024],
  ['DOWNLOAD_TIMEOUT', D, '0 means no timeout (in Scrapy every download would time out at once); a negative one is a usage error', 180],
  ['DOWNLOAD_WARNSIZE', I, '0 means no warning; a negative size is a usage error', 32 * 1024 * 1024],
  ['DOWNLOADER', N, 'the downloader is built in', 'scrapy.core.downloader.Downloader'],
  ['DOWNLOADER_CLIENT_TLS_CIPHERS', N, TLS, 'DEFAULT'],
  ['DOWNLOADER_CLIENT_TLS_METHOD', N, TLS, 'TLS'],
  ['DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING', N, TLS, false],
  ['DOWNLOADER_CLIENTCONTEXTFACTORY', N, TLS, 'scrapy.core.downloader.contextfactory.ScrapyClientContextFactory'],
  ['DOWNLOADER_HTTPCLIENTFACTORY', N, 'node:http / node:https are used', 'scrapy.core.downloader.webclient.ScrapyHTTPClientFactory'],
  ['DOWNLOADER_MIDDLEWARES', D, CLASSES, {}],
  ['DOWNLOADER_MIDDLEWARES_BASE', D, 'built-in names with their orders (see the components table)', undefined],
  ['DOWNLOADER_STATS', N, 'DownloaderStats always runs', true],
  ['DOWNLOAD_SLOTS', I, '', undefined],
  ['DUPEFILTER_CLASS', D, 'a class (static fromCrawler or new Cls(crawler)) or a registered dotted name (registerDupeFilter; @deferkit/crawler-redis registers scrapy_redis.dupefilter.RFPDupeFilter), not any import path', 'scrapy.dupefilters.RFPDupeFilter'],
  ['DUPEFILTER_DEBUG', I, 'logs every filtered duplicate at DEBUG', false],
  ['EDITOR', N, NO_PROJECT, 'vi'],
  ['EXTENSIONS', D, CLASSES, {}],
  ['EXTENSIONS_BASE', D, 'built-in names with their orders (see the components table)', undefined],
  ['FEED_EXPORT_BATCH_ITEM_COUNT', N, 'no batched feeds', 0],
  ['FEED_EXPORT_ENCODING', I, '', null],
  ['FEED_EXPORT_FIELDS', I, '', null],
  ['FEED_EXPORT_INDENT', I, '', 0],
  ['FEED_EXPORTERS', N, 'jsonl, json and csv exporters only, built in', {}],
  ['FEED_EXPORTERS_BASE', N, 'jsonl, json and csv exporters only, built in', undefined],
  ['FEED_STORAGE_FTP_ACTIVE', N, STORAGE, false],
  ['FEED_STORAGE_GCS_ACL', N, STORAGE, ''],
  ['FEED_STORAGE_S3_ACL', N, STORAGE, ''],
  ['FEED_STORAGES', N, STORAGE, {}],
  ['FEED_STORAGES_BASE', N, STORAGE, undefined],
  ['FEED_STORE_EMPTY', N, 'an empty feed is still written', false],
  ['FEED_TEMPDIR', N, 'local feeds need no temporary directory', null],
  ['FEED_URI_PARAMS', N, 'only %(name)s and %(time)s are substituted', null],
  ['FEEDS', I, 'local files and standard output', {}],
  ['FILES_STORE_GCS_ACL', N, 'no FilesPipeline', ''],
  ['FILES_STORE_S3_ACL', N, 'no FilesPipeline', ''],
  ['FTP_PASSIVE_MODE', N, 'no ftp download handler', 1],
  ['FTP_PASSWORD', N, 'no ftp download handler', 'guest'],
  ['FTP_USER', N, 'no ftp download handler', 'anonymous'],
  ['GCS_PROJECT_ID', N, STORAGE, null],
  ['HTTPCACHE_ALWAYS_STORE', I, '', false],
  ['HTTPCACHE_DBM_MODULE', N, 'no DbmCacheStorage (FilesystemCacheStorage only)', 'dbm'],
  ['HTTPCACHE_DIR', D, "a relative path is under .deferkit/ in the project (the nearest directory up from the working directory with a package.json) or else in the working directory, instead of .scrapy/ beside scrapy.cfg", 'httpcache'],
  ['HTTPCACHE_ENABLED', I, '', false],
  ['HTTPCACHE_EXPIRATION_SECS', I, '', 0],
  ['HTTPCACHE_GZIP', I, '', false],
  ['HTTPCACHE_IGNORE_HTTP_CODES', I, '', []],
  ['HTTPCACHE_IGNORE_MISSING', I, '', false],
  ['HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS', I, '', []],
  ['HTTPCACHE_IGNORE_SCHEMES', I, '', ['file']],
  ['HTTPCACHE_POLICY', D, "'DummyPolicy' (default), 'RFC2616Policy' (Scrapy's import paths of both work too) or a class", 'scrapy.extensions.httpcache.DummyPolicy'],
  ['HTTPCACHE_STORAGE', D, "'FilesystemCacheStorage' (default; its meta file is JSON, there is no pickled_meta) or a class; DbmCacheStorage is not implemented", 'scrapy.extensions.httpcache.FilesystemCacheStorage'],
  ['HTTPERROR_ALLOW_ALL', I, '', false],
  ['HTTPERROR_ALLOWED_CODES', I, '', []],
  ['HTTPPROXY_AUTH_ENCODING', D, "the Python codec names latin-1 (the default), utf-8 and ascii; any other is a usage error naming them", 'latin-1'],
  ['HTTPPROXY_ENABLED', I, '', true],
  ['IMAGES_STORE_GCS_ACL', N, 'no ImagesPipeline', ''],
  ['IMAGES_STORE_S3_ACL', N, 'no ImagesPipeline', ''],
  ['ITEM_PIPELINES', D, CLASSES, {}],
  ['ITEM_PIPELINES_BASE', N, 'there are no built-in pipelines', {}],
  ['ITEM_PROCESSOR', N, 'the item pipeline manager is built in', 'scrapy.pipelines.ItemPipelineManager'],
  ['JOBDIR', D, 'pending requests (a JSON-lines file per priority), the seen set and spider.state (JSON, not pickle) are written when the spider closes, durably; a crawl killed without closing resumes from the last close; a request JOBDIR cannot keep (callback not a spider method) is a spider error at enqueue time, not kept in memory', null],
  ['LOG_DATEFORMAT', D, 'strftime directives %a %A %b %B %d %e %F %H %I %j %m %M %p %s %S %T %y %Y %z %% (C locale); others are a usage error', '%Y-%m-%d %H:%M:%S'],
  ['LOG_ENABLED', I, '', true],
  ['LOG_ENCODING', N, 'the log is always written in UTF-8', 'utf-8'],
  ['LOG_FILE', I, 'a directory, a missing directory or an unwritable path is a usage error; links, FIFOs and devices are written through, never replaced', null],
  ['LOG_FILE_APPEND', I, '', true],
  ['LOG_FORMAT', D, "Python's %-style fields that a deferkit record has (asctime, created, msecs, relativeCreated, name, levelname, levelno, message, process, processName, threadName); call-site fields such as lineno are a usage error", '%(asctime)s [%(name)s] %(levelname)s: %(message)s'],
  ['LOG_FORMATTER', N, 'the log formatter is built in (see LOG_FORMATTER_CRAWLED)', 'scrapy.logformatter.LogFormatter'],
  ['LOG_LEVEL', D, 'lowercase names are accepted too (Python\'s logging wants uppercase); anything else is a usage error', 'DEBUG'],
  ['LOG_SHORT_NAMES', I, '', false],
  ['LOG_STDOUT', D, "per crawl (standard output is restored when it ends), also from a spider's customSettings (Scrapy 2.8 reads it only from the command line and project settings); a -o - feed still goes to standard output (Scrapy 2.8 fails to start with both)", false],
  ['LOGSTATS_INTERVAL', I, '', 60.0],
  ['MAIL_FROM', N, MAIL, 'scrapy@localhost'],
  ['MAIL_HOST', N, MAIL, 'localhost'],
  ['MAIL_PASS', N, MAIL, null],
  ['MAIL_PORT', N, MAIL, 25],
  ['MAIL_USER', N, MAIL, null],
  ['MEMDEBUG_ENABLED', N, 'no MemoryDebugger extension', false],
  ['MEMDEBUG_NOTIFY', N, 'no MemoryDebugger extension', []],
  ['MEMUSAGE_CHECK_INTERVAL_SECONDS', I, '', 60.0],
  ['MEMUSAGE_ENABLED', I, 'on by default, as in Scrapy: memusage/startup and memusage/max (peak RSS, ru_maxrss)', true],
  ['MEMUSAGE_LIMIT_MB', I, '', 0],
  ['MEMUSAGE_NOTIFY_MAIL', N, `${MAIL}: nothing is mailed when the limit or the warning is reached`, []],
  ['MEMUSAGE_WARNING_MB', I, '', 0],
  ['METAREFRESH_ENABLED', I, '', true],
  ['METAREFRESH_IGNORE_TAGS', I, '', []],
  ['METAREFRESH_MAXDELAY', I, '', 100],
  ['NEWSPIDER_MODULE', D, 'a directory relative to the project root (where genspider writes), not a module path', ''],
  ['RANDOMIZE_DOWNLOAD_DELAY', I, '', true],
  ['REACTOR_THREADPOOL_MAXSIZE', N, 'no thread pool', 10],
  ['REDIRECT_ENABLED', I, '', true],
  ['REDIRECT_MAX_TIMES', I, '', 20],
  ['REDIRECT_PRIORITY_ADJUST', I, '', 2],
  ['REFERER_ENABLED', I, '', true],
  ['REFERRER_POLICY', N, "only Scrapy's default policy", 'scrapy.spidermiddlewares.referer.DefaultReferrerPolicy'],
  ['REQUEST_FINGERPRINTER_CLASS', N, 'the fingerprinter is built in', 'scrapy.utils.request.RequestFingerprinter'],
  ['REQUEST_FINGERPRINTER_IMPLEMENTATION', N, "the fingerprinter is built in (SHA-1 of method, canonical URL and body, as Scrapy's)", '2.6'],
  ['RETRY_ENABLED', I, '', true],
  ['RETRY_HTTP_CODES', I, '', [500, 502, 503, 504, 522, 524, 408, 429]],
  ['RETRY_PRIORITY_ADJUST', I, '', -1],
  ['RETRY_TIMES', I, 'a negative count is a usage error', 2],
  ['ROBOTSTXT_OBEY', I, '', false],
  [
    'ROBOTSTXT_PARSER',
    D,
    "the default (and 'scrapy.robotstxt.ProtegoRobotParser') is the npm robots-parser with Protego's choice of user-agent group; a class with a static fromCrawler(crawler, body) may replace it; Scrapy's other parsers are Python libraries and are refused with a message",
    'scrapy.robotstxt.ProtegoRobotParser',
  ],
  ['ROBOTSTXT_USER_AGENT', I, '', null],
  ['SCHEDULER', D, 'a class (static fromCrawler or new Cls(crawler)) or a registered dotted name (registerScheduler; @deferkit/crawler-redis registers scrapy_redis.scheduler.Scheduler), not any import path', 'scrapy.core.scheduler.Scheduler'],
  ['SCHEDULER_DEBUG', I, 'logs every request JOBDIR cannot serialise (else the first)', false],
  ['SCHEDULER_DISK_QUEUE', D, 'the order within a priority with JOBDIR: the Pickle/Marshal Lifo/Fifo DiskQueue names are accepted; requests are stored as JSON either way', 'scrapy.squeues.PickleLifoDiskQueue'],
  ['SCHEDULER_MEMORY_QUEUE', N, 'the memory queue is built in', 'scrapy.squeues.LifoMemoryQueue'],
  ['SCHEDULER_PRIORITY_QUEUE', N, 'the priority queue is built in', 'scrapy.pqueues.ScrapyPriorityQueue'],
  ['SCRAPER_SLOT_MAX_ACTIVE_SIZE', I, '', 5000000],
  ['SPIDER_CONTRACTS', N, "deferkit check runs the built-in contracts (@url, @cb_kwargs, @returns, @scrapes); contract classes of one's own are not loaded", {}],
  ['SPIDER_CONTRACTS_BASE', N, "deferkit check runs the built-in contracts (@url, @cb_kwargs, @returns, @scrapes); contract classes of one's own are not loaded", undefined],
  ['SPIDER_LOADER_CLASS', N, NO_PROJECT, 'scrapy.spiderloader.SpiderLoader'],
  ['SPIDER_LOADER_WARN_ONLY', N, NO_PROJECT, false],
  ['SPIDER_MIDDLEWARES', D, CLASSES, {}],
  ['SPIDER_MIDDLEWARES_BASE', D, 'built-in names with their orders (see the components table)', undefined],
  ['SPIDER_MODULES', D, 'directories relative to the project root, searched recursively by crawl and list, not module paths', []],
  ['STATS_CLASS', N, 'the stats collector is built in', 'scrapy.statscollectors.MemoryStatsCollector'],
  ['STATS_DUMP', N, 'the stats are always dumped at close', true],
  ['STATSMAILER_RCPTS', N, MAIL, []],
  ['TELNETCONSOLE_ENABLED', N, TELNET, 1],
  ['TELNETCONSOLE_HOST', N, TELNET, '127.0.0.1'],
  ['TELNETCONSOLE_PASSWORD', N, TELNET, null],
  ['TELNETCONSOLE_PORT', N, TELNET, [6023, 6073]],
  ['TELNETCONSOLE_USERNAME', N, TELNET, 'scrapy'],
  ['TEMPLATES_DIR', N, NO_PROJECT, undefined],
  ['TWISTED_REACTOR', D, "see REACTOR: 'callback' or 'promise' instead of a reactor import path", null],
  ['URLLENGTH_LIMIT', N, 'no UrlLengthMiddleware', 2083],
  ['USER_AGENT', D, "deferkit's own default (deferkit/0.1 …), not Scrapy/VERSION", undefined],
];

/** Settings deferkit has and Scrapy 2.8 does not (listed in the table too). */
const DEFERKIT_ONLY: readonly Row[] = [
  ['REACTOR', I, "deferkit's TWISTED_REACTOR: 'promise' (default) or 'callback'"],
  ['PROMISE_EVENT_LOOP', I, "deferkit's ASYNCIO_EVENT_LOOP"],
  ['AWAIT_DEFERREDS', I, "what awaiting a Deferred does under the promise reactor ('error' by default)"],
  ['FORCE_CRAWLER_PROCESS', I, "Scrapy 2.13's FORCE_CRAWLER_PROCESS"],
  ['CLOSESPIDER_TIMEOUT_NO_ITEM', I, 'Scrapy 2.10'],
  ['CLOSESPIDER_PAGECOUNT_NO_ITEM', I, 'Scrapy 2.12'],
  ['SPIDER_MIDDLEWARES_STRICT_ASYNC', I, 'Scrapy 2.13'],
  ['LOG_FORMATTER_CRAWLED', I, 'turn the per-response "Crawled (200)" DEBUG line off'],
];

/** Scrapy's built-in components (the *_BASE settings), by class name. */
const COMPONENTS: readonly Row[] = [
  [
    'RobotsTxtMiddleware',
    D,
    "robotstxt/exception_count/<name> uses deferkit's error name (TimeoutError), not Python's \"<class 'twisted.internet.error.TimeoutError'>\"",
  ],
  ['HttpAuthMiddleware', N, 'no http_user / http_pass'],
  ['DownloadTimeoutMiddleware', I, ''],
  ['DefaultHeadersMiddleware', I, ''],
  ['UserAgentMiddleware', I, ''],
  ['RetryMiddleware', I, ''],
  ['AjaxCrawlMiddleware', N, 'no AjaxCrawlMiddleware'],
  ['MetaRefreshMiddleware', I, ''],
  ['HttpCompressionMiddleware', I, 'gzip, deflate and br'],
  ['RedirectMiddleware', I, ''],
  ['CookiesMiddleware', D, 'tough-cookie jars (RFC 6265) instead of http.cookiejar: the same domain, path, Secure and expiry rules for the Set-Cookie headers sites send; RFC 2965 (Set-Cookie2) cookies are not kept'],
  ['HttpProxyMiddleware', D, 'no_proxy is read with the other variables when the crawl starts (Python re-reads it for each request)'],
  ['DownloaderStats', I, ''],
  ['HttpCacheMiddleware', I, 'off by default; DummyPolicy, RFC2616Policy and FilesystemCacheStorage'],
  ['HttpErrorMiddleware', I, ''],
  ['OffsiteMiddleware', D, "a downloader middleware (order 50), as in Scrapy ≥2.11, not Scrapy 2.8's spider middleware"],
  ['RefererMiddleware', I, "Scrapy's default referrer policy only"],
  ['UrlLengthMiddleware', N, 'no UrlLengthMiddleware'],
  ['DepthMiddleware', I, ''],
  ['CoreStats', I, ''],
  ['TelnetConsole', N, TELNET],
  ['MemoryUsage', I, 'peak RSS (ru_maxrss), as Scrapy; no MEMUSAGE_NOTIFY_MAIL'],
  ['MemoryDebugger', N, 'no MemoryDebugger extension (MEMDEBUG_ENABLED)'],
  ['CloseSpider', I, ''],
  ['FeedExporter', I, STORAGE],
  ['LogStats', I, ''],
  ['SpiderState', D, 'spider.state is stored as JSON (Scrapy: pickle): keep plain JSON values in it'],
  ['AutoThrottle', I, ''],
];

const toInfo = ([name, status, note = '', scrapyDefault]: Row): SettingInfo => ({ name, status, note, ...(scrapyDefault !== undefined ? { scrapyDefault } : {}) });

/** Every Scrapy 2.8 setting, then deferkit's own, with its status. */
export const SETTINGS_REGISTRY: ReadonlyMap<string, SettingInfo> = new Map([...SETTINGS, ...DEFERKIT_ONLY].map((r) => [r[0], toInfo(r)]));

/** Every Scrapy 2.8 built-in component (downloader and spider middlewares, extensions), with its status. */
export const COMPONENTS_REGISTRY: readonly SettingInfo[] = COMPONENTS.map(toInfo);

function truthy(v: unknown): boolean {
  if (typeof v === 'string') return !['', '0', 'false', 'no', 'off', 'none', 'null'].includes(v.trim().toLowerCase());
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/**
 * Whether setting a `not-yet` setting to `value` would make Scrapy do something deferkit does
 * not: a true boolean (also where Scrapy's default is true, e.g. COOKIES_ENABLED: the user
 * asked for it explicitly), else any value other than Scrapy's default (an empty value for a
 * setting without one).
 */
export function wouldHaveEffect(info: SettingInfo, value: unknown): boolean {
  if (typeof info.scrapyDefault === 'boolean') return truthy(value);
  if (info.scrapyDefault === undefined || info.scrapyDefault === null) return truthy(value);
  if (typeof info.scrapyDefault === 'number') return Number(value) !== info.scrapyDefault;
  return JSON.stringify(value) !== JSON.stringify(info.scrapyDefault);
}

/**
 * The `not-yet` settings the user set (above `'default'` priority) to a value with an effect,
 * as `NAME=value` texts; empty when there are none.
 */
export function unimplementedSettings(settings: Settings): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(settings.overridden())) {
    const info = SETTINGS_REGISTRY.get(name);
    if (info?.status === 'not-yet' && wouldHaveEffect(info, value)) found.push(`${name}=${JSON.stringify(value)}`);
  }
  return found;
}

/** The startup WARNING for {@link unimplementedSettings}, or null when there are none. */
export function unimplementedSettingsWarning(settings: Settings): string | null {
  const found = unimplementedSettings(settings);
  if (found.length === 0) return null;
  return (
    `Settings deferkit does not implement yet, which have no effect: ${found.join(', ')} ` +
    '(see "Scrapy settings and components" in docs/crawler.md)'
  );
}

const LEVELS = Object.keys(LOG_LEVELS);

/** How a numeric setting is checked: the smallest value, and whether it must be whole. */
const NUMERIC: ReadonlyArray<readonly [string, number, boolean, string]> = [
  ['CONCURRENT_REQUESTS', 0, true, 'a whole number ≥ 0 (0 means no global limit)'],
  ['CONCURRENT_REQUESTS_PER_DOMAIN', 1, true, 'a whole number ≥ 1'],
  ['CONCURRENT_ITEMS', 1, true, 'a whole number ≥ 1'],
  ['DOWNLOAD_MAXSIZE', 0, true, 'a size in bytes ≥ 0 (0 means no limit)'],
  ['DOWNLOAD_WARNSIZE', 0, true, 'a size in bytes ≥ 0 (0 means no warning)'],
  ['DOWNLOAD_DELAY', 0, false, 'a delay in seconds ≥ 0'],
  ['DOWNLOAD_TIMEOUT', 0, false, 'a timeout in seconds ≥ 0 (0 means none)'],
  ['RETRY_TIMES', 0, true, 'a whole number ≥ 0'],
  ['REDIRECT_MAX_TIMES', 0, true, 'a whole number ≥ 0'],
  ['DEPTH_LIMIT', 0, true, 'a whole number ≥ 0 (0 means no limit)'],
];

/**
 * Check the settings whose bad values would otherwise be ignored or misread (a negative
 * DOWNLOAD_MAXSIZE turning the limit off, CONCURRENT_REQUESTS=abc, LOG_LEVEL=LOUD).
 *
 * @throws UsageError (a TypeError) naming the setting, the value and the fix.
 */
export function validateSettings(settings: Settings): void {
  const level = settings.get<unknown>('LOG_LEVEL', 'DEBUG');
  if (typeof level !== 'string' || !LEVELS.includes(level.toUpperCase())) {
    throw new UsageError(`LOG_LEVEL=${JSON.stringify(level)} is not a log level: use one of ${LEVELS.join(', ')} (e.g. -s LOG_LEVEL=INFO).`, null, false);
  }
  for (const [name, min, whole, what] of NUMERIC) {
    if (!settings.has(name)) continue;
    const raw = settings.get<unknown>(name);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < min || (whole && !Number.isInteger(n))) {
      throw new UsageError(`${name}=${JSON.stringify(raw)} is not valid: ${name} must be ${what}.`, null, false);
    }
  }
}

const STATUS_TEXT: Record<SettingStatus, string> = { implemented: 'implemented', different: 'different', 'not-yet': 'not yet' };

function table(rows: Iterable<SettingInfo>, first: string): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [`| ${first} | deferkit | notes |`, '| --- | --- | --- |'];
  for (const r of rows) lines.push(`| \`${r.name}\` | ${STATUS_TEXT[r.status]} | ${cell(r.note)} |`);
  return lines.join('\n');
}

/** The marker lines around the generated tables in docs/crawler.md. */
export const SETTINGS_TABLE_MARKERS = ['<!-- settings-table:start (generated by scripts/settings-table.mjs from packages/crawler/src/settingsRegistry.ts) -->', '<!-- settings-table:end -->'] as const;

/**
 * The components and settings tables of docs/crawler.md (between {@link SETTINGS_TABLE_MARKERS}),
 * as Markdown; `scripts/settings-table.mjs` writes them, a test checks they match.
 */
export function settingsTableMarkdown(): string {
  const settings = [...SETTINGS_REGISTRY.values()];
  const count = (st: SettingStatus): number => settings.filter((s) => s.status === st).length;
  return [
    `${settings.length} settings: ${count('implemented')} implemented, ${count('different')} different, ${count('not-yet')} not yet. ` +
      'A not-yet setting set to a value that would have an effect in Scrapy gets one WARNING at startup naming it; ' +
      'unknown names are accepted silently, as in Scrapy.',
    '',
    '#### Components',
    '',
    table(COMPONENTS_REGISTRY, 'Scrapy component'),
    '',
    '#### Settings',
    '',
    table(
      settings.sort((a, b) => a.name.localeCompare(b.name)),
      'setting',
    ),
  ].join('\n');
}
