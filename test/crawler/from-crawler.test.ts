// A spider is made through its class's static fromCrawler(crawler, args), as Scrapy's
// Crawler._create_spider calls from_crawler, so the usual way to connect signals works.

import { describe, expect, it } from 'vitest';
import { signals, Spider, type Crawler } from '@deferkit/crawler';
import { runCrawl } from './crawl-harness.js';

describe('Spider.fromCrawler', () => {
  it('B9 the crawler creates the spider through an overridden fromCrawler; signals it connects fire', async () => {
    const events: string[] = [];
    class Hooked extends Spider {
      override name = 'hooked';
      site = '';
      static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>) {
        const spider = super.fromCrawler(crawler, args) as Hooked;
        events.push(`made with site=${spider.site}, crawler set: ${spider.crawler === crawler}`);
        crawler.signals.connect(({ reason }) => void events.push(`closed: ${String(reason)}`), signals.spiderClosed);
        return spider;
      }
      override async *start() {
        yield { site: this.site };
      }
    }
    const r = await runCrawl(Hooked);
    expect(r.items).toEqual([{ site: '' }]);
    expect(events).toEqual(['made with site=, crawler set: true', 'closed: finished']);
  });

  it('B9 arguments reach fromCrawler and become properties, as -a does', async () => {
    let seen: unknown;
    class Args extends Spider {
      override name = 'args';
      site = 'default';
      static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>) {
        seen = args;
        return super.fromCrawler(crawler, args);
      }
      override async *start() {
        yield { site: this.site };
      }
    }
    const { CrawlerProcess } = await import('@deferkit/crawler');
    const { isReactorInstalled, uninstallReactor } = await import('@deferkit/reactor');
    if (isReactorInstalled()) uninstallReactor();
    const proc = new CrawlerProcess({ REACTOR: 'callback', LOG_ENABLED: false, LOGSTATS_INTERVAL: 0 });
    const crawler = proc.createCrawler(Args);
    const items: unknown[] = [];
    crawler.signals.connect(({ item }) => void items.push(item), signals.itemScraped);
    const done = proc.crawlAsync(crawler, { site: 'shop' });
    try {
      await proc.start({ installSignalHandlers: false });
      await done;
    } finally {
      if (isReactorInstalled()) uninstallReactor();
    }
    expect(seen).toEqual({ site: 'shop' });
    expect(items).toEqual([{ site: 'shop' }]);
  });

  it('B9 a fromCrawler that returns nothing fails the crawl with the fix named', async () => {
    class Broken extends Spider {
      override name = 'broken';
      static override fromCrawler(crawler: Crawler): Spider {
        void crawler;
        return undefined as unknown as Spider;
      }
    }
    await expect(runCrawl(Broken)).rejects.toThrow('Broken.fromCrawler(crawler, args) must return the spider (return super.fromCrawler(crawler, args)), got undefined.');
  });
});
