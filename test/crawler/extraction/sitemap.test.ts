// SitemapSpider, Sitemap and sitemapUrlsFromRobots: Scrapy's rules, on bodies built in code and
// in one real loopback crawl (robots.txt → sitemap index → gzipped sitemap → pages).

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Request, Response, Sitemap, SitemapSpider, sitemapUrlsFromRobots, type SitemapEntry } from '@deferkit/crawler';
import { runCrawl } from '../crawl-harness.js';
import { startExtractionSite, type ExtractionSite } from './site.js';

const urlset = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <loc>
      http://x.test/a?x=1&amp;y=2
    </loc>
    <lastmod>2026-01-02</lastmod>
    <xhtml:link rel="alternate" hreflang="de" href="http://x.test/de/a"/>
    <xhtml:link rel="alternate" hreflang="fr" href="http://x.test/fr/a"/>
  </url>
  <url><priority>0.5</priority></url>
  <url><loc><![CDATA[http://x.test/b]]></loc></url>
</urlset>`;

describe('Sitemap', () => {
  it('reads a urlset: entries with a loc (stripped, entities decoded, CDATA read), other fields by local name, alternate hrefs', () => {
    const s = new Sitemap(urlset);
    expect(s.type).toBe('urlset');
    expect([...s]).toEqual([
      { loc: 'http://x.test/a?x=1&y=2', lastmod: '2026-01-02', alternate: ['http://x.test/de/a', 'http://x.test/fr/a'] },
      { loc: 'http://x.test/b' },
    ]);
  });

  it('reads a sitemap index, with or without a namespace prefix on the elements', () => {
    const s = new Sitemap('<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:sitemap><sm:loc>http://x.test/s1.xml</sm:loc></sm:sitemap></sm:sitemapindex>');
    expect(s.type).toBe('sitemapindex');
    expect([...s].map((e) => e.loc)).toEqual(['http://x.test/s1.xml']);
  });

  it('a document that is no sitemap has the root element as type and yields nothing useful', () => {
    expect(new Sitemap('<html><body><p>hi</p></body></html>').type).toBe('html');
    expect(new Sitemap('').type).toBe('');
  });
});

describe('sitemapUrlsFromRobots', () => {
  it('takes every Sitemap: line (any case, leading spaces), resolved against the robots.txt URL', () => {
    const robots = 'User-agent: *\nDisallow: /x\nSitemap: /s1.xml\r\n   SITEMAP:http://other.test/s2.xml\n# Sitemap: /commented.xml\n';
    expect([...sitemapUrlsFromRobots(robots, 'http://x.test/robots.txt')]).toEqual(['http://x.test/s1.xml', 'http://other.test/s2.xml']);
  });
});

const resp = (url: string, body: string | Uint8Array, type?: string): Response => {
  const r = new Response(url, { headers: type === undefined ? {} : { 'Content-Type': type }, body });
  r.request = new Request(url);
  return r;
};

function run(spider: SitemapSpider, response: Response): Request[] {
  return [...spider._parseSitemap(response)];
}

describe('SitemapSpider rules', () => {
  class S extends SitemapSpider {
    override sitemapRules = [['/b', 'parseB'], ['', 'parse']] as const;
    parseB(): unknown {
      return [];
    }
    override parse(): unknown {
      return [];
    }
  }

  it('a page goes to the callback of the first sitemapRules pattern its URL matches', () => {
    const spider = new S();
    const out = run(spider, resp('http://x.test/sitemap.xml', urlset, 'application/xml'));
    expect(out.map((r) => [r.url, r.callback])).toEqual([
      ['http://x.test/a?x=1&y=2', S.prototype.parse],
      ['http://x.test/b', S.prototype.parseB],
    ]);
  });

  it('sitemapAlternateLinks adds the alternate URLs after each loc', () => {
    const spider = new S();
    spider.sitemapAlternateLinks = true;
    expect(run(spider, resp('http://x.test/sitemap.xml', urlset, 'text/xml')).map((r) => r.url)).toEqual([
      'http://x.test/a?x=1&y=2',
      'http://x.test/de/a',
      'http://x.test/fr/a',
      'http://x.test/b',
    ]);
  });

  it('sitemapFilter sees the entries with their fields and chooses which are used', () => {
    class Recent extends S {
      override *sitemapFilter(entries: Iterable<SitemapEntry>): Iterable<SitemapEntry> {
        for (const e of entries) if (e.lastmod !== undefined) yield e;
      }
    }
    expect(run(new Recent(), resp('http://x.test/sitemap.xml', urlset, 'application/xml')).map((r) => r.url)).toEqual(['http://x.test/a?x=1&y=2']);
  });

  it('in an index, only sitemaps matching sitemapFollow are requested, back to the sitemap parser', () => {
    const spider = new S();
    spider.sitemapFollow = [/products/];
    const index = '<sitemapindex><sitemap><loc>http://x.test/products.xml</loc></sitemap><sitemap><loc>http://x.test/news.xml</loc></sitemap></sitemapindex>';
    const out = run(spider, resp('http://x.test/index.xml', index, 'application/xml'));
    expect(out.map((r) => [r.url, r.callback])).toEqual([['http://x.test/products.xml', SitemapSpider.prototype._parseSitemap]]);
  });

  it("_get_sitemap_body: XML responses, gzip data (any URL), and .xml/.xml.gz URLs count; anything else is 'Ignoring invalid sitemap'", () => {
    const spider = new S();
    const warned: string[] = [];
    Object.defineProperty(spider, 'logger', { value: { warning: (m: string) => warned.push(m) } });
    expect(run(spider, resp('http://x.test/feed', gzipSync(urlset), 'application/octet-stream'))).toHaveLength(2);
    expect(run(spider, resp('http://x.test/s.xml', urlset, 'text/plain'))).toHaveLength(2);
    // A .xml.gz whose gzip the HTTP layer already undid (Content-Encoding: gzip).
    expect(run(spider, resp('http://x.test/s.xml.gz', urlset, 'application/x-gzip'))).toHaveLength(2);
    expect(run(spider, resp('http://x.test/page.html', urlset, 'text/html'))).toHaveLength(0);
    expect(warned).toEqual(['Ignoring invalid sitemap: <200 http://x.test/page.html>']);
  });

  it('a URL ending in /robots.txt is read for Sitemap: lines', () => {
    const out = run(new S(), resp('http://x.test/robots.txt', 'Sitemap: /a.xml\nSitemap: /b.xml.gz', 'text/plain'));
    expect(out.map((r) => r.url)).toEqual(['http://x.test/a.xml', 'http://x.test/b.xml.gz']);
  });

  it('a sitemapRules callback name that is no method is an error naming the rule', () => {
    class Bad extends SitemapSpider {
      override sitemapRules = [['', 'parseProdcut']] as const;
    }
    expect(() => run(new Bad(), resp('http://x.test/s.xml', urlset, 'application/xml'))).toThrow(/Bad.sitemapRules\[0\]: callback "parseProdcut" is not a method/);
  });

  it('start requests are the sitemap URLs, not exempt from the duplicate filter (as in Scrapy)', () => {
    class Start extends SitemapSpider {
      override sitemapUrls = ['http://x.test/robots.txt', 'http://x.test/sitemap.xml'];
    }
    const reqs = [...new Start().startRequests()] as Request[];
    expect(reqs.map((r) => [r.url, r.dontFilter])).toEqual([
      ['http://x.test/robots.txt', false],
      ['http://x.test/sitemap.xml', false],
    ]);
  });
});

describe('SitemapSpider crawl (loopback)', () => {
  let site: ExtractionSite;
  beforeAll(async () => {
    site = await startExtractionSite();
  });
  afterAll(async () => {
    await site.close();
  });

  it('robots.txt → sitemap index → gzipped and plain sitemaps → pages, by rule; sitemapFollow and an invalid sitemap skipped', async () => {
    class Shop extends SitemapSpider {
      override name = 'sitemap-shop';
      override sitemapUrls = [`${site.url}/robots.txt`];
      override sitemapFollow = ['/sitemap-items', '/sitemap-pages', '/not-a-sitemap'];
      override sitemapRules = [['/item/', 'parseItem'], ['', 'parse']] as const;
      override sitemapAlternateLinks = true;
      parseItem(response: Response): unknown {
        return { item: response.css('h1::text').get() };
      }
      override parse(response: Response): unknown {
        return { page: response.css('h1::text').get() };
      }
    }
    const r = await runCrawl(Shop);
    const got = r.items.map((i) => JSON.stringify(i)).sort();
    expect(got).toEqual(
      [{ item: 'Item 1' }, { item: 'Artikel 1' }, { item: 'Item 2' }, { item: 'Item 3' }, { page: 'About' }, { page: 'Lamps' }].map((i) => JSON.stringify(i)).sort(),
    );
    expect(site.hits).not.toContain('/sitemap-archive.xml');
    expect(site.hits).not.toContain('/item/99');
    expect(r.grep(`Ignoring invalid sitemap: <200 ${site.url}/not-a-sitemap>`)).toHaveLength(1);
  });

  it('a gzipped sitemap larger than DOWNLOAD_MAXSIZE once decompressed is skipped with a warning naming the setting', async () => {
    class Small extends SitemapSpider {
      override name = 'small';
      override sitemapUrls = [`${site.url}/sitemap-items.xml.gz`];
      override parse(): unknown {
        return { page: true };
      }
    }
    const r = await runCrawl(Small, { DOWNLOAD_MAXSIZE: 300 });
    expect(r.items).toEqual([]);
    expect(r.grep('exceeds DOWNLOAD_MAXSIZE (300 bytes)')).toHaveLength(1);
  });
});
