// The built-in downloader middlewares, by the names DOWNLOADER_MIDDLEWARES_BASE uses.

import type { ComponentClass } from '../middleware/components.js';
import { DefaultHeadersMiddleware, DownloadTimeoutMiddleware, UserAgentMiddleware } from './headers.js';
import { HttpCacheMiddleware } from './httpcache.js';
import { HttpCompressionMiddleware } from './httpcompression.js';
import { CookiesMiddleware } from './cookies.js';
import { DownloaderStats } from './stats.js';
import { OffsiteMiddleware } from './offsite.js';
import { MetaRefreshMiddleware } from './metarefresh.js';
import { BaseRedirectMiddleware, RedirectMiddleware } from './redirect.js';
import { RetryMiddleware } from './retry.js';
import { RobotsTxtMiddleware } from './robotstxt.js';
import { HttpProxyMiddleware } from './httpproxy.js';

/** @internal */
export const BUILTIN_DOWNLOADER_MIDDLEWARES: Record<string, ComponentClass> = {
  OffsiteMiddleware,
  DownloadTimeoutMiddleware,
  DefaultHeadersMiddleware,
  UserAgentMiddleware,
  RetryMiddleware,
  MetaRefreshMiddleware,
  HttpCompressionMiddleware,
  RedirectMiddleware,
  CookiesMiddleware,
  DownloaderStats,
  RobotsTxtMiddleware,
  HttpProxyMiddleware,
  HttpCacheMiddleware,
};

export {
  BaseRedirectMiddleware,
  CookiesMiddleware,
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
  RobotsTxtMiddleware,
  HttpProxyMiddleware,
};
