# The logging scenario, Scrapy side (spider.ts is the deferkit one): LOG_FILE with a custom
# LOG_FORMAT / LOG_DATEFORMAT and LOG_SHORT_NAMES. The spider walks /a → /b → /c one
# request at a time, logs a WARNING and prints a line on each page, and on /c reads its own log
# file back: the items are the shapes of the lines it finds there (timestamps reduced to D's).
# No LOG_STDOUT here: Scrapy 2.8 reads it only from the command line or the project settings
# (configure_logging), so in custom_settings it does nothing there (deferkit honours it; see
# LOG_STDOUT in the settings table), and the printed lines stay on standard output.
import os
import sys
import re

import scrapy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402

LOG = "spider-log.txt"
# %(asctime)s in LOG_DATEFORMAT, then the milliseconds: DD.DD.DDDD DD-DD-DD.DDD
STAMP = re.compile(r"^\d\d\.\d\d\.\d{4} \d\d-\d\d-\d\d\.\d{3}\|")
LINE = re.compile(r"^\d\d\.\d\d\.\d{4} \d\d-\d\d-\d\d\.\d{3}\|(DEBUG|INFO|WARNING|ERROR|CRITICAL) *\|[^|]+\|\d\d\|")


class LoggingSpider(StatsOnStop, scrapy.Spider):
    name = "logdiff"
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 1,
        "LOG_FILE": LOG,
        "LOG_FILE_APPEND": False,
        "LOG_FORMAT": "%(asctime)s.%(msecs)03d|%(levelname)-8s|%(name)s|%(levelno)02d|%(message)s",
        "LOG_DATEFORMAT": "%d.%m.%Y %H-%M-%S",
        "LOG_SHORT_NAMES": True,
    }

    def start_requests(self):
        yield scrapy.Request(self.base + "/a")

    def parse(self, response):
        path = response.css("h1::text").get()
        self.logger.warning("marker %s", path)
        print("printed", path)
        nxt = response.css("a::attr(href)").get()
        if nxt is not None:
            yield response.follow(nxt)
            return
        with open(LOG, encoding="utf-8") as f:
            lines = f.read().split("\n")
        stamped = [l for l in lines if STAMP.match(l)]
        yield {"kind": "all-stamped-lines-match-the-format", "value": all(LINE.match(l) for l in stamped) and len(stamped) > 0}
        for l in stamped:
            if "marker " in l or "printed " in l or "Crawled (" in l:
                yield {"kind": "line", "shape": STAMP.sub("DD.DD.DDDD DD-DD-DD.DDD|", l)}
