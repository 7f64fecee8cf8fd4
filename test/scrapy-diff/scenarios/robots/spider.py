# The Scrapy side of the robots scenario (spider.ts is the same spider for deferkit): ROBOTSTXT_OBEY
# on, a user agent whose product token is not the group name (Protego picks the group whose name
# occurs in it), every link of the index followed; forbidden requests reach the errback.
import os
import sys
from urllib.parse import urlsplit

import scrapy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402


class RobotsSpider(StatsOnStop, scrapy.Spider):
    name = "robots"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        **COMMON_SETTINGS,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 4,
        "RETRY_TIMES": 1,
        "DOWNLOAD_TIMEOUT": 1,
        "USER_AGENT": "Mozilla/5.0 (compatible; DiffBot/1.0)",
    }

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
