# The Scrapy side of the "session" scenario (spider.ts is the same spider for deferkit): two
# logins kept apart by meta["cookiejar"], each posting the login form with its CSRF token
# (FormRequest.from_response) and following the session cookie to the members page; then
# cookies given per request (dict and list), dont_merge_cookies, a redirect to another host,
# a JsonRequest and a GET form.
import os
import sys
from urllib.parse import urlparse

import scrapy
from scrapy.http import FormRequest, JsonRequest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from diffbase import COMMON_SETTINGS, StatsOnStop  # noqa: E402


class SessionSpider(StatsOnStop, scrapy.Spider):
    name = "session"
    custom_settings = {
        **COMMON_SETTINGS,
        "CONCURRENT_REQUESTS": 4,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_TIMEOUT": 20,
        "COOKIES_DEBUG": True,
        "USER_AGENT": "deferkit-scrapy-diff/1.0",
    }

    def start_requests(self):
        for user in ["alice", "bob"]:
            yield scrapy.Request(f"{self.base}/login?u={user}", callback=self.parse_login, cb_kwargs={"user": user}, meta={"cookiejar": user})

    def parse_login(self, response, user):
        yield FormRequest.from_response(
            response,
            formname="login",
            formdata={"user": user, "pass": "secret"},
            meta={"cookiejar": user},
            # Both sessions end on the same /members URL: not a duplicate.
            dont_filter=True,
            callback=self.after_login,
            cb_kwargs={"user": user},
        )
        if user == "alice":
            yield FormRequest.from_response(
                response, formid="search", formdata={"q": "tea"}, meta={"cookiejar": user}, callback=self.parse_page, cb_kwargs={"user": user, "kind": "search"}
            )
            yield FormRequest.from_response(
                response,
                formname="login",
                formdata={"user": "mallory", "pass": "wrong"},
                clickdata={"name": "alt"},
                meta={"cookiejar": "mallory"},
                callback=self.after_login,
                errback=self.errback,
                cb_kwargs={"user": "mallory"},
            )

    def after_login(self, response, user):
        yield {
            "kind": "members",
            "user": user,
            "status": response.status,
            "h1": response.css("h1::text").get(),
            "cookie": response.css("p.cookie::text").get(default=""),
            "redirect_urls": response.meta.get("redirect_urls", []),
        }
        jar = {"cookiejar": user}
        yield scrapy.Request(f"{self.base}/echo?who={user}", meta=dict(jar), callback=self.parse_page, cb_kwargs={"user": user, "kind": "echo"})
        yield scrapy.Request(
            f"{self.base}/dict/echo?who={user}", cookies={"lang": "en"}, meta=dict(jar), callback=self.parse_page, cb_kwargs={"user": user, "kind": "given-dict"}
        )
        yield scrapy.Request(
            f"{self.base}/list/echo?who={user}",
            cookies=[{"name": "k", "value": "v", "path": "/list"}],
            meta=dict(jar),
            callback=self.parse_page,
            cb_kwargs={"user": user, "kind": "given-list"},
        )
        yield scrapy.Request(
            f"{self.base}/echo?who={user}&nomerge=1",
            headers={"Cookie": "manual=1"},
            meta={"cookiejar": user, "dont_merge_cookies": True},
            callback=self.parse_page,
            cb_kwargs={"user": user, "kind": "nomerge"},
        )
        yield scrapy.Request(f"{self.base}/away?who={user}", meta=dict(jar), callback=self.parse_page, cb_kwargs={"user": user, "kind": "away"})
        yield scrapy.Request(f"{self.base}/echo?who={user}&jar=default", callback=self.parse_page, cb_kwargs={"user": user, "kind": "default-jar"})
        yield JsonRequest(f"{self.base}/api?who={user}", data={"user": user, "n": 1}, meta=dict(jar), callback=self.parse_api, cb_kwargs={"user": user})

    def parse_page(self, response, user, kind):
        yield {
            "kind": kind,
            "user": user,
            "host": urlparse(response.url).hostname,
            "path": urlparse(response.url).path + "?" + urlparse(response.url).query,
            "status": response.status,
            "h1": response.css("h1::text").get(),
            "cookie": response.css("p.cookie::text").get(default=""),
        }

    def parse_api(self, response, user):
        yield {"kind": "api", "user": user, **response.json()}

    def errback(self, failure):
        response = getattr(failure.value, "response", None)
        yield {"kind": "error", "url": failure.request.url, "error": f"http {response.status}" if response is not None else "download"}
