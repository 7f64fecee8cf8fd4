// The crawler's public types: Spider.fromCrawler and SpiderClass.

import { describe, expectTypeOf, it } from 'vitest';
import { Spider, type Crawler, type SpiderClass } from '@deferkit/crawler';

describe('Spider.fromCrawler', () => {
  it('B9 takes the crawler and the arguments and returns a Spider', () => {
    expectTypeOf(Spider.fromCrawler).parameters.toEqualTypeOf<[crawler: Crawler, args?: Record<string, unknown>]>();
    expectTypeOf(Spider.fromCrawler).returns.toEqualTypeOf<Spider>();
  });

  it('B9 a subclass overriding it with a narrower return is still a SpiderClass', () => {
    class Mine extends Spider {
      static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Mine {
        return super.fromCrawler(crawler, args) as Mine;
      }
    }
    expectTypeOf(Mine).toMatchTypeOf<SpiderClass>();
    expectTypeOf(Mine.fromCrawler).returns.toEqualTypeOf<Mine>();
  });
});
