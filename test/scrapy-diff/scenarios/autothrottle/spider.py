# The AutoThrottle scenario, Scrapy side (spider.ts is the deferkit one; keep them in step).
# The spider follows /p/0 → … → /p/7 one request at a time with AutoThrottle on; right after
# AutoThrottle has adjusted the slot (a response_downloaded handler connected when the spider
# opens, so after AutoThrottle's own), it checks the new delay against Scrapy's formula given
# the recorded download_latency, and notes whether the delay went down, up or stayed: the items.
import os
import sys

import scrapy
from scrapy import signals

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402

START = 2.0
MAX = 3.0
TARGET = 1.0


class ThrottleSpider(StatsOnStop, scrapy.Spider):
    name = "throttlediff"
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": START,
        "AUTOTHROTTLE_MAX_DELAY": MAX,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": TARGET,
        "AUTOTHROTTLE_DEBUG": True,
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
    }

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        spider.previous = START
        spider.checks = {}
        return spider

    def opened(self, spider):
        self.crawler.signals.connect(self.adjusted, signal=signals.response_downloaded)

    def adjusted(self, response, request, spider):
        slot = self.crawler.engine.downloader.slots[request.meta["download_slot"]]
        latency = request.meta["download_latency"]
        target = latency / TARGET
        expected = min(max(0.0, max(target, (self.previous + target) / 2)), MAX)
        if response.status != 200 and expected <= self.previous:
            expected = self.previous
        change = "raised" if slot.delay > self.previous else "lowered" if slot.delay < self.previous else "unchanged"
        self.checks[response.url] = {"formula": abs(slot.delay - expected) < 1e-9, "change": change}
        self.previous = slot.delay

    def start_requests(self):
        yield scrapy.Request(self.base + "/p/0")

    def parse(self, response):
        yield {"url": response.url, "status": response.status, **self.checks[response.url]}
        nxt = response.css("a::attr(href)").get()
        if nxt is not None:
            yield response.follow(nxt)
