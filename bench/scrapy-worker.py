# One M7 run of Scrapy itself (Debian's python3-scrapy), the same spider as crawl-worker.mjs's
# BenchSpider against the same loopback site: usage `python3 bench/scrapy-worker.py PORT`.
# Prints one JSON line { mode, pages, items, seconds, cpuSeconds, peakRssMiB } like crawl-worker.
# The clock and the CPU count start after Scrapy is imported and the crawler is set up, as in
# crawl-worker (module loading is not crawling); CPU is the whole process's (user + system).

import json
import resource
import sys
import time

from scrapy import Spider, signals
from scrapy.crawler import CrawlerProcess

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
CONCURRENCY = 16


class BenchSpider(Spider):
    name = "bench"
    start_urls = [f"{BASE}/p/0.html"]

    def parse(self, response):
        yield {"title": response.css("h1::text").get(), "price": response.css(".price::text").get()}
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href)


process = CrawlerProcess(
    {
        "LOG_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": CONCURRENCY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        # Scrapy 2.8 warns about this default changing; the value it has today.
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    },
    install_root_handler=False,
)
crawler = process.create_crawler(BenchSpider)
items = 0


def on_item(item, response, spider):
    global items
    items += 1


crawler.signals.connect(on_item, signal=signals.item_scraped)
process.crawl(crawler)


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


cpu0 = cpu()
t0 = time.perf_counter()
process.start(install_signal_handlers=False)
seconds = time.perf_counter() - t0
cpu_seconds = cpu() - cpu0
print(
    json.dumps(
        {
            "mode": "scrapy",
            "pages": crawler.stats.get_value("response_received_count", 0),
            "items": items,
            "seconds": seconds,
            "cpuSeconds": cpu_seconds,
            # ru_maxrss is in KiB on Linux.
            "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
)
