# The Scrapy side of `npm run test:scrapy` (scripts/test-scrapy.mjs); spider.ts is the same
# spider for deferkit. Keep the two in step: same settings, same items, same links followed.
#   /usr/bin/python3 -m scrapy runspider spider.py -a base=URL -a stats=STATS.json -o ITEMS.jsonl

import scrapy

from diffbase import COMMON_SETTINGS, StatsOnStop


class DiffSpider(StatsOnStop, scrapy.Spider):
    name = "diff"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "RETRY_TIMES": 2,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_TIMEOUT": 20,
        "DOWNLOAD_MAXSIZE": 50000,
        "DOWNLOAD_WARNSIZE": 20000,
        "USER_AGENT": "deferkit-scrapy-diff/1.0",
    }

    def start_requests(self):
        yield scrapy.Request(self.base + "/", callback=self.parse, errback=self.errback)

    def parse(self, response):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        if not content_type.startswith("text/"):
            yield {
                "kind": "binary",
                "url": response.url,
                "status": response.status,
                "content_type": content_type,
                "size": len(response.body),
            }
            return
        hrefs = response.css("a::attr(href)").getall()
        yield {
            "kind": "page",
            "url": response.url,
            "status": response.status,
            "title": response.css("title::text").get(),
            "h1": response.css("h1::text").get(),
            "texts": response.css("p ::text").getall(),
            "sample": response.css(".sample::text").get(),
            "links": len(hrefs),
            "redirect_urls": response.meta.get("redirect_urls", []),
        }
        for href in hrefs:
            yield response.follow(href, callback=self.parse, errback=self.errback)

    def errback(self, failure):
        response = getattr(failure.value, "response", None)
        yield {
            "kind": "error",
            "url": failure.request.url,
            "error": "http %d" % response.status if response is not None else "download",
        }
