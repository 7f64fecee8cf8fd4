# The Scrapy side of the crawlspider scenario; spider.ts is the same spider for deferkit.
# A CrawlSpider with rules (allow/deny, follow and not, callbacks, restrict_css, an errback),
# and parse_start_url reporting what several LinkExtractor configurations extract.
import json

from scrapy import Request, signals
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


def links(le, response):
    return [[l.url, l.text, l.fragment, l.nofollow] for l in le.extract_links(response)]


class ShopSpider(CrawlSpider):
    name = "shop"
    custom_settings = {
        "CONCURRENT_REQUESTS": 1,
        "ROBOTSTXT_OBEY": False,
        "LOG_LEVEL": "DEBUG",
        "FEED_EXPORT_ENCODING": "utf-8",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "TELNETCONSOLE_ENABLED": False,
    }
    base = "http://127.0.0.1:8080"
    stats = "stats.json"
    rules = (
        Rule(LinkExtractor(allow=r"/cat/", deny=r"/private/")),
        Rule(LinkExtractor(allow=r"/item/", restrict_css=[".items", ".featured"]), callback="parse_item"),
        Rule(LinkExtractor(allow=r"/missing"), errback="on_error"),
        Rule(LinkExtractor(allow=r"/item/5", tags="area"), callback="parse_item", cb_kwargs={"via_area": True}),
    )

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.write_stats, signal=signals.engine_stopped)
        return spider

    def write_stats(self):
        with open(self.stats, "w", encoding="utf-8") as f:
            json.dump(self.crawler.stats.get_stats(), f, default=str, sort_keys=True, indent=1)

    def start_requests(self):
        yield Request(self.base + "/", dont_filter=True)

    def parse_start_url(self, response):
        yield {"kind": "default", "links": links(LinkExtractor(), response)}
        yield {"kind": "canonical", "links": links(LinkExtractor(canonicalize=True), response)}
        yield {"kind": "not-unique", "links": links(LinkExtractor(unique=False, deny_extensions=[]), response)}
        yield {"kind": "domains", "links": links(LinkExtractor(allow_domains=["127.0.0.1"]), response)}
        yield {"kind": "text", "links": links(LinkExtractor(restrict_text=r"^Chairs"), response)}
        yield {"kind": "strip-off", "links": links(LinkExtractor(strip=False, restrict_css=".featured"), response)}

    def parse_item(self, response, via_area=False):
        yield {
            "kind": "item",
            "url": response.url,
            "name": response.css("h1::text").get(),
            "price": response.css(".price::text").get().strip(),
            "rule": response.meta["rule"],
            "link_text": response.meta["link_text"],
            "via_area": via_area,
        }

    def on_error(self, failure):
        yield {"kind": "error", "url": failure.request.url, "rule": failure.request.meta["rule"]}
