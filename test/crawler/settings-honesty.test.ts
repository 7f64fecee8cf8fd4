// Issue 14 C1/C3: saying what is not implemented. Every Scrapy 2.8 setting is in the registry
// with its status; set, not-yet settings get one startup WARNING; DUPEFILTER_DEBUG (which the
// dupefilter's own log line recommends) works; docs/crawler.md's table is the registry's.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Request, Spider, type Response } from '@deferkit/crawler';
import { startDemoSite, type DemoSite } from '@deferkit/crawler/demo';
import {
  COMPONENTS_REGISTRY,
  SETTINGS_REGISTRY,
  SETTINGS_TABLE_MARKERS,
  settingsTableMarkdown,
} from '../../packages/crawler/src/settingsRegistry.js';
import { DEFAULT_SETTINGS } from '../../packages/crawler/src/defaultSettings.js';
import { ROOT } from './cli-harness.js';
import { listSpider, runCrawl } from './crawl-harness.js';

let site: DemoSite;
beforeAll(async () => {
  site = await startDemoSite();
});
afterAll(async () => {
  await site.close();
});

/** The setting names assigned at the top level of Scrapy 2.8's default_settings.py (a copy kept in the test, checked by name). */
const SCRAPY_28_SETTINGS =
  'AJAXCRAWL_ENABLED ASYNCIO_EVENT_LOOP AUTOTHROTTLE_ENABLED AUTOTHROTTLE_DEBUG AUTOTHROTTLE_MAX_DELAY AUTOTHROTTLE_START_DELAY AUTOTHROTTLE_TARGET_CONCURRENCY BOT_NAME CLOSESPIDER_TIMEOUT CLOSESPIDER_PAGECOUNT CLOSESPIDER_ITEMCOUNT CLOSESPIDER_ERRORCOUNT COMMANDS_MODULE COMPRESSION_ENABLED CONCURRENT_ITEMS CONCURRENT_REQUESTS CONCURRENT_REQUESTS_PER_DOMAIN CONCURRENT_REQUESTS_PER_IP COOKIES_ENABLED COOKIES_DEBUG DEFAULT_ITEM_CLASS DEFAULT_REQUEST_HEADERS DEPTH_LIMIT DEPTH_STATS_VERBOSE DEPTH_PRIORITY DNSCACHE_ENABLED DNSCACHE_SIZE DNS_RESOLVER DNS_TIMEOUT DOWNLOAD_DELAY DOWNLOAD_HANDLERS DOWNLOAD_HANDLERS_BASE DOWNLOAD_TIMEOUT DOWNLOAD_MAXSIZE DOWNLOAD_WARNSIZE DOWNLOAD_FAIL_ON_DATALOSS DOWNLOADER DOWNLOADER_HTTPCLIENTFACTORY DOWNLOADER_CLIENTCONTEXTFACTORY DOWNLOADER_CLIENT_TLS_CIPHERS DOWNLOADER_CLIENT_TLS_METHOD DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING DOWNLOADER_MIDDLEWARES DOWNLOADER_MIDDLEWARES_BASE DOWNLOADER_STATS DUPEFILTER_CLASS EDITOR EXTENSIONS EXTENSIONS_BASE FEED_TEMPDIR FEEDS FEED_URI_PARAMS FEED_STORE_EMPTY FEED_EXPORT_ENCODING FEED_EXPORT_FIELDS FEED_STORAGES FEED_STORAGES_BASE FEED_EXPORT_BATCH_ITEM_COUNT FEED_EXPORTERS FEED_EXPORTERS_BASE FEED_EXPORT_INDENT FEED_STORAGE_FTP_ACTIVE FEED_STORAGE_GCS_ACL FEED_STORAGE_S3_ACL FILES_STORE_S3_ACL FILES_STORE_GCS_ACL FTP_USER FTP_PASSWORD FTP_PASSIVE_MODE GCS_PROJECT_ID HTTPCACHE_ENABLED HTTPCACHE_DIR HTTPCACHE_IGNORE_MISSING HTTPCACHE_STORAGE HTTPCACHE_EXPIRATION_SECS HTTPCACHE_ALWAYS_STORE HTTPCACHE_IGNORE_HTTP_CODES HTTPCACHE_IGNORE_SCHEMES HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS HTTPCACHE_DBM_MODULE HTTPCACHE_POLICY HTTPCACHE_GZIP HTTPPROXY_ENABLED HTTPPROXY_AUTH_ENCODING IMAGES_STORE_S3_ACL IMAGES_STORE_GCS_ACL ITEM_PROCESSOR ITEM_PIPELINES ITEM_PIPELINES_BASE LOG_ENABLED LOG_ENCODING LOG_FORMATTER LOG_FORMAT LOG_DATEFORMAT LOG_STDOUT LOG_LEVEL LOG_FILE LOG_FILE_APPEND LOG_SHORT_NAMES SCHEDULER_DEBUG LOGSTATS_INTERVAL MAIL_HOST MAIL_PORT MAIL_FROM MAIL_PASS MAIL_USER MEMDEBUG_ENABLED MEMDEBUG_NOTIFY MEMUSAGE_CHECK_INTERVAL_SECONDS MEMUSAGE_ENABLED MEMUSAGE_LIMIT_MB MEMUSAGE_NOTIFY_MAIL MEMUSAGE_WARNING_MB METAREFRESH_ENABLED METAREFRESH_IGNORE_TAGS METAREFRESH_MAXDELAY NEWSPIDER_MODULE RANDOMIZE_DOWNLOAD_DELAY REACTOR_THREADPOOL_MAXSIZE REDIRECT_ENABLED REDIRECT_MAX_TIMES REDIRECT_PRIORITY_ADJUST REFERER_ENABLED REFERRER_POLICY REQUEST_FINGERPRINTER_CLASS REQUEST_FINGERPRINTER_IMPLEMENTATION RETRY_ENABLED RETRY_TIMES RETRY_HTTP_CODES RETRY_PRIORITY_ADJUST ROBOTSTXT_OBEY ROBOTSTXT_PARSER ROBOTSTXT_USER_AGENT SCHEDULER SCHEDULER_DISK_QUEUE SCHEDULER_MEMORY_QUEUE SCHEDULER_PRIORITY_QUEUE SCRAPER_SLOT_MAX_ACTIVE_SIZE SPIDER_LOADER_CLASS SPIDER_LOADER_WARN_ONLY SPIDER_MIDDLEWARES SPIDER_MIDDLEWARES_BASE SPIDER_MODULES STATS_CLASS STATS_DUMP STATSMAILER_RCPTS TEMPLATES_DIR URLLENGTH_LIMIT USER_AGENT TELNETCONSOLE_ENABLED TELNETCONSOLE_PORT TELNETCONSOLE_HOST TELNETCONSOLE_USERNAME TELNETCONSOLE_PASSWORD TWISTED_REACTOR SPIDER_CONTRACTS SPIDER_CONTRACTS_BASE'.split(
    ' ',
  );

const warnings = (lines: string[]): string[] => lines.filter((l) => l.startsWith('WARNING ') && l.includes('does not implement'));

describe('C1 the settings registry', () => {
  it('C1 every Scrapy 2.8 setting and every deferkit default setting has a status in the registry', () => {
    expect(SCRAPY_28_SETTINGS).toHaveLength(157);
    const missing = [...SCRAPY_28_SETTINGS, ...Object.keys(DEFAULT_SETTINGS)].filter((n) => !SETTINGS_REGISTRY.has(n));
    expect(missing).toEqual([]);
    for (const info of SETTINGS_REGISTRY.values()) {
      expect(['implemented', 'different', 'not-yet']).toContain(info.status);
      // A different or not-yet row says why.
      if (info.status !== 'implemented') expect(info.note, info.name).not.toBe('');
    }
  });

  it("C1 issue 16's components are implemented (cookies, robots.txt, AutoThrottle, the HTTP cache, proxies, MemoryUsage, the log settings), and issue 19's JOBDIR; the telnet console is not yet", () => {
    for (const n of ['TELNETCONSOLE_ENABLED']) {
      expect(SETTINGS_REGISTRY.get(n)?.status, n).toBe('not-yet');
    }
    for (const n of ['JOBDIR', 'SCHEDULER_DISK_QUEUE', 'SCHEDULER_DEBUG']) {
      expect(SETTINGS_REGISTRY.get(n)?.status, n).not.toBe('not-yet');
    }
    expect(COMPONENTS_REGISTRY.find((x) => x.name === 'SpiderState')?.status).not.toBe('not-yet');
    for (const n of ['METAREFRESH_ENABLED', 'DUPEFILTER_DEBUG', 'COOKIES_ENABLED', 'COOKIES_DEBUG', 'ROBOTSTXT_OBEY', 'HTTPPROXY_ENABLED', 'AUTOTHROTTLE_ENABLED', 'HTTPCACHE_ENABLED', 'MEMUSAGE_LIMIT_MB', 'LOG_FILE']) {
      expect(SETTINGS_REGISTRY.get(n)?.status, n).not.toBe('not-yet');
    }
    for (const c of ['CookiesMiddleware', 'RobotsTxtMiddleware', 'HttpProxyMiddleware', 'HttpCacheMiddleware', 'AutoThrottle', 'MemoryUsage']) {
      expect(COMPONENTS_REGISTRY.find((x) => x.name === c)?.status, c).not.toBe('not-yet');
    }
  });

  it('C1 not-yet settings set to a value with an effect get one WARNING at startup naming them all', async () => {
    const r = await runCrawl(listSpider([`${site.url}/`]), {
      DNSCACHE_SIZE: 5,
      TELNETCONSOLE_PORT: [7000, 7001],
      AJAXCRAWL_ENABLED: true,
    });
    const w = warnings(r.lines);
    expect(w).toHaveLength(1);
    for (const text of ['DNSCACHE_SIZE=5', 'TELNETCONSOLE_PORT=[7000,7001]', 'AJAXCRAWL_ENABLED=true']) {
      expect(w[0]).toContain(text);
    }
    expect(w[0]).toContain('have no effect');
  });

  it("C1 not-yet settings at Scrapy's own defaults, implemented settings and unknown names get no warning", async () => {
    const r = await runCrawl(listSpider([`${site.url}/`]), {
      ROBOTSTXT_OBEY: false,
      COOKIES_ENABLED: false,
      MEMUSAGE_LIMIT_MB: 0,
      LOG_FILE: null,
      DOWNLOAD_DELAY: 0,
      MY_PROJECT_SETTING: 'anything',
    });
    expect(warnings(r.lines)).toEqual([]);
  });

  it('C1 DUPEFILTER_DEBUG logs every filtered duplicate at DEBUG, with its referer (without it: only the first)', async () => {
    class Dupes extends Spider {
      override name = 'dupes';
      override async *start(): AsyncGenerator<unknown, void, undefined> {
        yield new Request(`${site.url}/`);
      }
      override *parse(response: Response): Generator<unknown> {
        for (let i = 0; i < 3; i++) yield response.follow('/');
      }
    }
    const [on, off] = [await runCrawl(Dupes, { DUPEFILTER_DEBUG: true }), await runCrawl(Dupes)];
    const lines = on.grep('Filtered duplicate request');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`DEBUG Filtered duplicate request: <GET ${site.url}/> (referer: ${site.url}/)`);
    expect(on.stat('dupefilter/filtered')).toBe(3);
    expect(off.grep('Filtered duplicate request')).toHaveLength(1);
    expect(off.stat('dupefilter/filtered')).toBe(3);
  });
});

describe('C3 docs/crawler.md', () => {
  it("C3 the docs' table of Scrapy settings and components is the registry's (node scripts/settings-table.mjs regenerates it)", () => {
    const doc = readFileSync(join(ROOT, 'docs/crawler.md'), 'utf8');
    const [start, end] = SETTINGS_TABLE_MARKERS;
    const a = doc.indexOf(start);
    const b = doc.indexOf(end);
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    expect(doc.slice(a + start.length, b)).toBe(`\n${settingsTableMarkdown()}\n`);
    for (const n of SCRAPY_28_SETTINGS) expect(doc).toContain(`| \`${n}\` |`);
  });
});
