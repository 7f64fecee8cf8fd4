// @deferkit/crawler-redis: a shared Redis frontier for @deferkit/crawler, with scrapy-redis's
// settings and key names. Importing it registers scrapy-redis's dotted names, so SCHEDULER and
// DUPEFILTER_CLASS may name them as strings.

import { registerDupeFilter, registerScheduler } from '@deferkit/crawler/engine';
import { RedisDupeFilter, RedisScheduler } from './RedisScheduler.js';

registerScheduler(RedisScheduler.scrapyName, RedisScheduler);
registerDupeFilter(RedisDupeFilter.scrapyName, RedisDupeFilter);

export { RedisScheduler, RedisDupeFilter, REQUEUED_META_KEY } from './RedisScheduler.js';
export { RedisSpider, RedisCrawlSpider } from './RedisSpider.js';
export type { RedisSpiderFields } from './RedisSpider.js';
export type { QueueKind } from './scripts.js';
export { RedisPipeline } from './RedisPipeline.js';
export { redisUrlFromSettings } from './connection.js';
