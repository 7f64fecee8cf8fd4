# The Scrapy side of the robots scenario (spider.ts is the same spider for deferkit): ROBOTSTXT_OBEY
# on, a user agent whose product token is not the group name (Protego picks the group whose name
# occurs in it), every link of the index followed; forbidden requests reach the errback.
import json
from urllib.parse import urlsplit

import scrapy
from scrapy import signals


class RobotsSpider(scrapy.Spider):
    name = "robots"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 4,
        "RETRY_TIMES": 1,
        "DOWNLOAD_TIMEOUT": 1,
        "LOG_LEVEL": "DEBUG",
        "USER_AGENT": "Mozilla/5.0 (compatible; DiffBot/1.0)",
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
            json.dump(self.crawler.stats.get_stats(), f, default=str, indent=1)

    def start_requests(self):
        yield scrapy.Request(f"{self.base}/", callback=self.parse, errback=self.errback)

    def parse(self, response):
        links = response.css("a::attr(href)").getall()
        # Paths, not URLs: the other servers' ports change from run to run.
        yield {"kind": "page", "path": _path(response.url), "title": response.css("title::text").get(), "links": len(links)}
        for href in links:
            yield response.follow(href, callback=self.parse, errback=self.errback)

    def errback(self, failure):
        yield {"kind": "error", "path": _path(failure.request.url), "error": failure.type.__name__, "message": str(failure.value)}


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
