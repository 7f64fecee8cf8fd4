# The Scrapy side of the crawlspider scenario; spider.ts is the same spider for deferkit.
# A CrawlSpider with rules (allow/deny, follow and not, callbacks, restrict_css, an errback),
# and parse_start_url reporting what several LinkExtractor configurations extract.
import os
import sys

from scrapy import Request
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402


def links(le, response):
    return [[l.url, l.text, l.fragment, l.nofollow] for l in le.extract_links(response)]


class ShopSpider(StatsOnStop, CrawlSpider):
    name = "shop"
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 1,
        "ROBOTSTXT_OBEY": False,
    }
    rules = (
        Rule(LinkExtractor(allow=r"/cat/", deny=r"/private/")),
        Rule(LinkExtractor(allow=r"/item/", restrict_css=[".items", ".featured"]), callback="parse_item"),
        Rule(LinkExtractor(allow=r"/missing"), errback="on_error"),
        Rule(LinkExtractor(allow=r"/item/5", tags="area"), callback="parse_item", cb_kwargs={"via_area": True}),
    )

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
