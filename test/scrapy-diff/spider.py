# The Scrapy side of `npm run test:scrapy` (scripts/test-scrapy.mjs); spider.ts is the same
# spider for deferkit. Keep the two in step: same settings, same items, same links followed.
#   /usr/bin/python3 -m scrapy runspider spider.py -a base=URL -a stats=STATS.json -o ITEMS.jsonl
import json

import scrapy
from scrapy import signals


class DiffSpider(scrapy.Spider):
    name = "diff"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "RETRY_TIMES": 2,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_TIMEOUT": 20,
        "DOWNLOAD_MAXSIZE": 50000,
        "DOWNLOAD_WARNSIZE": 20000,
        "LOG_LEVEL": "DEBUG",
        "USER_AGENT": "deferkit-scrapy-diff/1.0",
        "FEED_EXPORT_ENCODING": "utf-8",
        # Scrapy-only settings, kept out of spider.ts (deferkit warns about set settings it does
        # not implement): the 2.7 fingerprints (no deprecation WARNING; the same duplicates
        # here) and no Telnet console (deferkit has none).
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "TELNETCONSOLE_ENABLED": False,
    }
    base = "http://127.0.0.1:8080"
    stats = "stats.json"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # engine_stopped, not spider_closed: CoreStats sets finish_reason in its own spider_closed
        # handler, which runs before one connected here in Scrapy 2.8 (extensions are made in
        # Crawler.__init__) but after it in Scrapy >= 2.11 and in deferkit (the spider is made
        # first). engine_stopped comes after the stats are closed, in both.
        crawler.signals.connect(spider.write_stats, signal=signals.engine_stopped)
        return spider

    def write_stats(self):
        with open(self.stats, "w", encoding="utf-8") as f:
            json.dump(self.crawler.stats.get_stats(), f, default=str, sort_keys=True, indent=1)

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
