# The Scrapy side of the httpcache-rfc2616 scenario (spider.ts is the same spider for deferkit):
# the httpcache scenario's spider with RFC2616Policy, on the /rfc pages (freshness, ETag and
# Last-Modified revalidation, no-store, a 5xx answer to a revalidation).
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location("cache_spider", pathlib.Path(__file__).parent.parent / "httpcache" / "spider.py")
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)


class Rfc2616Spider(_module.CacheSpider):
    name = "cache"
    start_path = "/rfc"
    custom_settings = {**_module.CacheSpider.custom_settings, "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy"}
