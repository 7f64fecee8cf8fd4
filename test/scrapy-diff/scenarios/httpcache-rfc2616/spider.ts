// The deferkit side of the httpcache-rfc2616 scenario (spider.py is the same spider for Scrapy):
// the httpcache scenario's spider with RFC2616Policy, on the /rfc pages (freshness, ETag and
// Last-Modified revalidation, no-store, a 5xx answer to a revalidation).

import BaseSpider from '../httpcache/spider.js';

export default class Rfc2616Spider extends BaseSpider {
  static override customSettings: Record<string, unknown> = { ...BaseSpider.customSettings, HTTPCACHE_POLICY: 'RFC2616Policy' };
  override startPath = '/rfc';
}
