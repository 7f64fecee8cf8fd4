// The deferkit side of the "session" scenario (spider.py is the same spider for Scrapy: keep
// the two in step).

import { writeFileSync } from 'node:fs';
import { FormRequest, JsonRequest, Request, Spider, signals, type Crawler, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';

export default class SessionSpider extends Spider {
  static override customSettings = {
    CONCURRENT_REQUESTS: 4,
    DOWNLOAD_TIMEOUT: 20,
    LOG_LEVEL: 'DEBUG',
    COOKIES_DEBUG: true,
    USER_AGENT: 'deferkit-scrapy-diff/1.0',
    FEED_EXPORT_ENCODING: 'utf-8',
  };
  override name = 'session';
  base = 'http://127.0.0.1:8080';
  stats = 'stats.json';

  static override fromCrawler(crawler: Crawler, args?: Record<string, unknown>): Spider {
    const spider = super.fromCrawler(crawler, args) as SessionSpider;
    crawler.signals.connect(() => writeFileSync(spider.stats, JSON.stringify(spider.crawler.stats.getStats(), null, 1)), signals.engineStopped);
    return spider;
  }

  override async *start() {
    for (const user of ['alice', 'bob']) {
      yield new Request(`${this.base}/login?u=${user}`, { callback: this.parseLogin, cbKwargs: { user }, meta: { cookiejar: user } });
    }
  }

  *parseLogin(response: Response, { user }: { user: string }) {
    yield FormRequest.fromResponse(response, {
      formname: 'login',
      formdata: { user, pass: 'secret' },
      meta: { cookiejar: user },
      // Both sessions end on the same /members URL: not a duplicate.
      dontFilter: true,
      callback: this.afterLogin,
      cbKwargs: { user },
    });
    if (user === 'alice') {
      yield FormRequest.fromResponse(response, { formid: 'search', formdata: { q: 'tea' }, meta: { cookiejar: user }, callback: this.parsePage, cbKwargs: { user, kind: 'search' } });
      yield FormRequest.fromResponse(response, {
        formname: 'login',
        formdata: { user: 'mallory', pass: 'wrong' },
        clickdata: { name: 'alt' },
        meta: { cookiejar: 'mallory' },
        callback: this.afterLogin,
        errback: this.errback,
        cbKwargs: { user: 'mallory' },
      });
    }
  }

  *afterLogin(response: Response, { user }: { user: string }) {
    yield {
      kind: 'members',
      user,
      status: response.status,
      h1: response.css('h1::text').get() ?? null,
      cookie: response.css('p.cookie::text').get() ?? '',
      redirect_urls: (response.meta.redirect_urls as string[] | undefined) ?? [],
    };
    const b = this.base;
    const page = { callback: this.parsePage };
    yield new Request(`${b}/echo?who=${user}`, { ...page, meta: { cookiejar: user }, cbKwargs: { user, kind: 'echo' } });
    yield new Request(`${b}/dict/echo?who=${user}`, { ...page, cookies: { lang: 'en' }, meta: { cookiejar: user }, cbKwargs: { user, kind: 'given-dict' } });
    yield new Request(`${b}/list/echo?who=${user}`, {
      ...page,
      cookies: [{ name: 'k', value: 'v', path: '/list' }],
      meta: { cookiejar: user },
      cbKwargs: { user, kind: 'given-list' },
    });
    yield new Request(`${b}/echo?who=${user}&nomerge=1`, {
      ...page,
      headers: { Cookie: 'manual=1' },
      meta: { cookiejar: user, dont_merge_cookies: true },
      cbKwargs: { user, kind: 'nomerge' },
    });
    yield new Request(`${b}/away?who=${user}`, { ...page, meta: { cookiejar: user }, cbKwargs: { user, kind: 'away' } });
    yield new Request(`${b}/echo?who=${user}&jar=default`, { ...page, cbKwargs: { user, kind: 'default-jar' } });
    yield new JsonRequest(`${b}/api?who=${user}`, { data: { user, n: 1 }, meta: { cookiejar: user }, callback: this.parseApi, cbKwargs: { user } });
  }

  *parsePage(response: Response, { user, kind }: { user: string; kind: string }) {
    yield {
      kind,
      user,
      host: new URL(response.url).hostname,
      path: new URL(response.url).pathname + new URL(response.url).search,
      status: response.status,
      h1: response.css('h1::text').get() ?? null,
      cookie: response.css('p.cookie::text').get() ?? '',
    };
  }

  *parseApi(response: Response, { user }: { user: string }) {
    yield { kind: 'api', user, ...(response.json() as Record<string, unknown>) };
  }

  *errback(failure: Failure) {
    const response = (failure.value as { response?: Response } | null)?.response;
    yield {
      kind: 'error',
      url: (failure as Failure & { request: Request }).request.url,
      error: response !== undefined ? `http ${response.status}` : 'download',
    };
  }
}
