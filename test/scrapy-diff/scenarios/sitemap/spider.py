# The Scrapy side of the sitemap scenario; spider.ts is the same spider for deferkit.
# robots.txt (two Sitemap: lines) → sitemap index (sitemap_follow skips one) → a gzipped and a
# plain sitemap (alternate links, sitemap_filter on lastmod) → pages by sitemap_rules; one index
# entry is no sitemap ("Ignoring invalid sitemap").
import os
import sys

from scrapy.spiders import SitemapSpider

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402


class ShopSitemapSpider(StatsOnStop, SitemapSpider):
    name = "shop-sitemap"
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 1,
        "ROBOTSTXT_OBEY": False,
    }
    sitemap_follow = [r"/sitemap-(items|pages|news)", r"not-a-sitemap"]
    sitemap_rules = [(r"/item/", "parse_item"), (r"", "parse")]
    sitemap_alternate_links = True

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sitemap_urls = [self.base + "/robots.txt"]

    def sitemap_filter(self, entries):
        for entry in entries:
            if entry.get("lastmod", "9999") >= "2020":
                yield entry

    def parse_item(self, response):
        yield {"kind": "item", "url": response.url, "name": response.css("h1::text").get()}

    def parse(self, response):
        yield {"kind": "page", "url": response.url, "name": response.css("h1::text").get()}
