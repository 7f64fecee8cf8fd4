# The Scrapy side of the proxy scenario (spider.ts is the same spider for deferkit): http_proxy and
# https_proxy come from the environment (site.mjs's env); one request goes direct (meta proxy
# None) and two name the proxy with wrong credentials in meta (407 on the forward: HttpError;
# 407 on the CONNECT: TunnelError after the retries).
import os
import sys
from urllib.parse import urlsplit

import scrapy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402


class ProxySpider(StatsOnStop, scrapy.Spider):
    name = "proxy"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 1,
        "RETRY_TIMES": 1,
        "USER_AGENT": "deferkit-scrapy-diff/1.0",
    }

    def bad_proxy(self):
        return os.environ["http_proxy"].replace(":pass@", ":wrong@")

    def start_requests(self):
        yield scrapy.Request(f"{self.base}/", callback=self.parse, errback=self.errback)
        yield scrapy.Request(f"{self.base}/direct", meta={"proxy": None}, callback=self.parse, errback=self.errback)
        yield scrapy.Request(f"{self.base}/bad", meta={"proxy": self.bad_proxy()}, callback=self.parse, errback=self.errback)

    def parse(self, response):
        yield {
            "kind": "page",
            "scheme": urlsplit(response.url).scheme,
            "path": response.css("h1::text").get(),
            "how": response.css(".how::text").get(),
            "leak": response.css(".leak::text").get(),
        }
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse, errback=self.errback)
            if href.startswith("https:") and href.endswith("/s1"):
                yield scrapy.Request(href + "?bad", meta={"proxy": self.bad_proxy()}, callback=self.parse, errback=self.errback)

    def errback(self, failure):
        parts = urlsplit(failure.request.url)
        yield {"kind": "error", "scheme": parts.scheme, "path": parts.path + (f"?{parts.query}" if parts.query else ""), "error": failure.type.__name__}
