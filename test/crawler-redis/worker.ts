// One crawl worker process for the multi-process tests and the scale bench: a RedisSpider over
// the tree site, items to Redis, closing when the shared frontier is drained. Prints its stats
// as one JSON line at the end.
// Usage: node --conditions=@deferkit/source --import tsx test/crawler-redis/worker.ts REDIS_URL NAME USER_AGENT [LEASE_SECONDS] [CONCURRENT_REQUESTS]

import { CrawlerProcess, type Response } from '@deferkit/crawler';
import { RedisPipeline, RedisScheduler, RedisSpider } from '@deferkit/crawler-redis';

const [redisUrl, name, userAgent, lease = '30', concurrency = '8'] = process.argv.slice(2);

class TreeSpider extends RedisSpider {
  override name = name!;
  override parse(response: Response) {
    const out: unknown[] = [];
    // Real parsing work: every element of the page is visited by the selector engine.
    const texts = response.css('div.f p::text').getall();
    out.push({ url: response.url, title: response.css('h1::text').get(), paras: texts.length, requeued: response.meta.redis_requeued ?? 0, t: Date.now() });
    for (const href of response.css('a::attr(href)').getall()) out.push(response.follow(href));
    return out;
  }
}

const proc = new CrawlerProcess({
  REACTOR: 'callback',
  LOG_LEVEL: 'WARNING',
  LOGSTATS_INTERVAL: 0,
  TELNETCONSOLE_ENABLED: false,
  USER_AGENT: userAgent,
  REDIS_URL: redisUrl,
  SCHEDULER: RedisScheduler.scrapyName,
  DUPEFILTER_CLASS: 'scrapy_redis.dupefilter.RFPDupeFilter',
  SCHEDULER_PERSIST: true,
  SCHEDULER_LEASE_TIME: Number(lease),
  REDIS_CLOSE_WHEN_DRAINED: true,
  ITEM_PIPELINES: [[RedisPipeline, 300]],
  CONCURRENT_REQUESTS: Number(concurrency),
});
const crawler = proc.createCrawler(TreeSpider);
proc.crawl(crawler);
await proc.start({ installSignalHandlers: false });
process.stdout.write(`${JSON.stringify(crawler.stats.getStats())}\n`);
// For the scale bench: the CPU this process used, its V8 and libuv helper threads included.
const cpu = process.cpuUsage();
process.stderr.write(`cpu_seconds ${((cpu.user + cpu.system) / 1e6).toFixed(3)}\n`);
