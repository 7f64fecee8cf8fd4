# What every spider.py of `npm run test:scrapy` shares (scripts/test-scrapy.mjs): the settings
# each run needs for a fair comparison, and the stats file written when the engine stops.
# The main spider.py imports this module directly (Scrapy's runspider puts a spider file's folder
# on sys.path); a scenario's spider.py puts this folder on sys.path first.
import json

from scrapy import signals

# Scrapy-only settings are kept out of the spider.ts files (deferkit warns about set settings it
# does not implement): the 2.7 fingerprints (no deprecation WARNING, and the same duplicates as
# deferkit's) and no Telnet console (deferkit has none). DEBUG logging, because the comparison
# reads the log, and UTF-8 feeds, as deferkit writes them.
COMMON_SETTINGS = {
    "LOG_LEVEL": "DEBUG",
    "FEED_EXPORT_ENCODING": "utf-8",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "TELNETCONSOLE_ENABLED": False,
}


class StatsOnStop:
    """Mixed in before the Scrapy spider class: `-a base=URL` and `-a stats=FILE`, with the
    stats dumped to FILE as JSON when the engine stops."""

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
