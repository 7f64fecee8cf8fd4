# The Scrapy side of the httpcache scenario (spider.ts is the same spider for deferkit): HttpCacheMiddleware
# with DummyPolicy. Every page is asked for twice, the second time after its first response
# (dont_filter), so that one crawl has misses and stores, then hits.
import json

import scrapy
from scrapy import signals


class CacheSpider(scrapy.Spider):
    name = "cache"
    allowed_domains = ["127.0.0.1"]
    start_path = "/"
    custom_settings = {
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_IGNORE_HTTP_CODES": [404],
        "CONCURRENT_REQUESTS": 4,
        "LOG_LEVEL": "DEBUG",
        "USER_AGENT": "deferkit-scrapy-diff/1.0",
        "FEED_EXPORT_ENCODING": "utf-8",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "TELNETCONSOLE_ENABLED": False,
    }
    base = "http://127.0.0.1:8080"
    stats = "stats.json"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.write_stats, signal=signals.engine_stopped)
        return spider

    def write_stats(self):
        with open(self.stats, "w", encoding="utf-8") as f:
            json.dump(self.crawler.stats.get_stats(), f, default=str, sort_keys=True, indent=1)

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
