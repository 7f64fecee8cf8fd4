# The Scrapy side of the sitemap scenario; spider.ts is the same spider for deferkit.
# robots.txt (two Sitemap: lines) → sitemap index (sitemap_follow skips one) → a gzipped and a
# plain sitemap (alternate links, sitemap_filter on lastmod) → pages by sitemap_rules; one index
# entry is no sitemap ("Ignoring invalid sitemap").
import json

from scrapy import signals
from scrapy.spiders import SitemapSpider


class ShopSitemapSpider(SitemapSpider):
    name = "shop-sitemap"
    custom_settings = {
        "CONCURRENT_REQUESTS": 1,
        "ROBOTSTXT_OBEY": False,
        "LOG_LEVEL": "DEBUG",
        "FEED_EXPORT_ENCODING": "utf-8",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "TELNETCONSOLE_ENABLED": False,
    }
    base = "http://127.0.0.1:8080"
    stats = "stats.json"
    sitemap_follow = [r"/sitemap-(items|pages|news)", r"not-a-sitemap"]
    sitemap_rules = [(r"/item/", "parse_item"), (r"", "parse")]
    sitemap_alternate_links = True

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sitemap_urls = [self.base + "/robots.txt"]

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.write_stats, signal=signals.engine_stopped)
        return spider

    def write_stats(self):
        with open(self.stats, "w", encoding="utf-8") as f:
            json.dump(self.crawler.stats.get_stats(), f, default=str, sort_keys=True, indent=1)

    def sitemap_filter(self, entries):
        for entry in entries:
            if entry.get("lastmod", "9999") >= "2020":
                yield entry

    def parse_item(self, response):
        yield {"kind": "item", "url": response.url, "name": response.css("h1::text").get()}

    def parse(self, response):
        yield {"kind": "page", "url": response.url, "name": response.css("h1::text").get()}
