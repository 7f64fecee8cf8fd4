# The Scrapy side of the httpcache scenario (spider.ts is the same spider for deferkit): HttpCacheMiddleware
# with DummyPolicy. Every page is asked for twice, the second time after its first response
# (dont_filter), so that one crawl has misses and stores, then hits.
import os
import sys

import scrapy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402


class CacheSpider(StatsOnStop, scrapy.Spider):
    name = "cache"
    allowed_domains = ["127.0.0.1"]
    start_path = "/"
    custom_settings = {
        **COMMON_SETTINGS,
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_IGNORE_HTTP_CODES": [404],
        "CONCURRENT_REQUESTS": 4,
        "USER_AGENT": "deferkit-scrapy-diff/1.0",
    }

    def start_requests(self):
        yield scrapy.Request(self.base + self.start_path, callback=self.index)

    def index(self, response):
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse, errback=self.errback)

    def parse(self, response):
        title = response.css("title::text").get() if response.headers.get("Content-Type", b"").startswith(b"text/") else None
        yield {
            "url": response.url,
            "status": response.status,
            "title": title,
            "size": len(response.body),
            "again": response.meta.get("again", False),
            "cached": "cached" in response.flags,
        }
        if not response.meta.get("again"):
            yield response.request.replace(dont_filter=True, meta={"again": True})

    def errback(self, failure):
        response = getattr(failure.value, "response", None)
        yield {
            "url": failure.request.url,
            "error": f"http {response.status}" if response is not None else "download",
            "again": failure.request.meta.get("again", False),
        }
        if not failure.request.meta.get("again"):
            yield failure.request.replace(dont_filter=True, meta={"again": True})
