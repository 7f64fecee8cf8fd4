// RobotsTxtMiddleware (ROBOTSTXT_OBEY): the default parser's rules (robots-parser with Protego's
// user-agent group choice), then real crawls of loopback sites whose robots.txt allows, forbids,
// 404s, fails with 500, is not UTF-8, or never answers.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IgnoreRequest, ProtegoRobotParser, Request, decodeRobotsTxt } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (s: string): ProtegoRobotParser => ProtegoRobotParser.fromCrawler(null, enc(s));

describe('ProtegoRobotParser: the rules of the default parser', () => {
  const rp = parse(
    [
      'User-agent: *',
      'Disallow: /private',
      'Allow: /private/open',
      'Disallow: /*.pdf$',
      'Disallow: /tmp/',
      'Disallow: nodash',
      '',
      'User-agent: specialbot',
      'Disallow: /',
      'Allow: /special',
    ].join('\n'),
  );
  it('a Disallow prefix forbids the paths under it', () => {
    expect(rp.allowed('http://a.test/private/x', 'Scrapy/2.8')).toBe(false);
    expect(rp.allowed('http://a.test/privateer', 'Scrapy/2.8')).toBe(false);
    expect(rp.allowed('http://a.test/public', 'Scrapy/2.8')).toBe(true);
  });
  it('the longest matching rule wins: a longer Allow overrides a shorter Disallow', () => {
    expect(rp.allowed('http://a.test/private/open/page', 'Scrapy/2.8')).toBe(true);
  });
  it('* matches any run of characters and a final $ anchors the end of path + query', () => {
    expect(rp.allowed('http://a.test/docs/file.pdf', 'Scrapy/2.8')).toBe(false);
    expect(rp.allowed('http://a.test/docs/file.pdf?x=1', 'Scrapy/2.8')).toBe(true);
    expect(rp.allowed('http://a.test/docs/file.pdfx', 'Scrapy/2.8')).toBe(true);
  });
  it('Allow wins a tie between rules of the same length', () => {
    const tie = parse('User-agent: *\nDisallow: /page\nAllow: /page\n');
    expect(tie.allowed('http://a.test/page', 'x')).toBe(true);
  });
  it("a path without its leading '/' is read as if it had one (Protego's _enforce_path)", () => {
    expect(rp.allowed('http://a.test/nodash/x', 'Scrapy/2.8')).toBe(false);
  });
  it('the group whose name occurs in the user agent applies, case-insensitively, else *', () => {
    expect(rp.allowed('http://a.test/public', 'Mozilla/5.0 (compatible; SpecialBot/2.1)')).toBe(false);
    expect(rp.allowed('http://a.test/special/1', 'Mozilla/5.0 (compatible; SpecialBot/2.1)')).toBe(true);
    expect(rp.allowed('http://a.test/public', 'otherbot')).toBe(true);
  });
  it('the longest group name occurring in the user agent wins', () => {
    const groups = parse('User-agent: bot\nDisallow: /a\n\nUser-agent: superbot\nDisallow: /b\n');
    expect(groups.allowed('http://a.test/a', 'my-superbot/1')).toBe(true);
    expect(groups.allowed('http://a.test/b', 'my-superbot/1')).toBe(false);
    expect(groups.allowed('http://a.test/a', 'plainbot')).toBe(false);
  });
  it('with no group for the agent and no * group, everything is allowed', () => {
    expect(parse('User-agent: googlebot\nDisallow: /\n').allowed('http://a.test/x', 'Scrapy')).toBe(true);
  });
  it('an empty Disallow allows everything', () => {
    expect(parse('User-agent: *\nDisallow:\n').allowed('http://a.test/x', 'Scrapy')).toBe(true);
  });
  it('a body that is not UTF-8 is treated as empty, with the warning', () => {
    const warnings: string[] = [];
    const text = decodeRobotsTxt(new Uint8Array([...enc('User-agent: *\nDisallow: /\n# '), 0xff, 0xfe]), (m) => warnings.push(m));
    expect(text).toBe('');
    expect(warnings[0]).toMatch(/^Failure while parsing robots.txt. File either contains garbage or is in an encoding other than UTF-8/);
  });
});

interface Site {
  base: string;
  /** Paths requested, in order. */
  log: string[];
  close(): Promise<void>;
}

/** A loopback site: every page is `<h1>path</h1>`; robots.txt is what `robots` does. */
function site(robots: (res: http.ServerResponse) => void): Promise<Site> {
  const log: string[] = [];
  const server = http.createServer((req, res) => {
    log.push(req.url ?? '');
    if (req.url === '/robots.txt') {
      robots(res);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>${req.url}</h1>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        log,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

const ROBOTS = ['User-agent: *', 'Disallow: /private', 'Allow: /private/open', 'Disallow: /*.pdf$', '', 'User-agent: specialbot', 'Disallow: /', 'Allow: /special', ''].join('\n');
const serveText =
  (status: number, body: string | Buffer) =>
  (res: http.ServerResponse): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
  };

const sites: Site[] = [];
afterEach(async () => {
  for (const s of sites.splice(0)) await s.close();
});
async function open(robots: (res: http.ServerResponse) => void): Promise<Site> {
  const s = await site(robots);
  sites.push(s);
  return s;
}

const PATHS = ['/public', '/private/x', '/private/open/y', '/file.pdf', '/file.pdf?x=1', '/special'];

describe.each(REACTORS)('RobotsTxtMiddleware crawls (%s reactor)', (reactor) => {
  it('fetches robots.txt once per netloc before its first request and drops what it forbids', async () => {
    const s = await open(serveText(200, ROBOTS));
    const errors: unknown[] = [];
    const spider = listSpider(
      PATHS.map((p) => s.base + p),
      { errback: (f: Failure) => void errors.push(f.value) },
    );
    const r = await runCrawl(spider, { REACTOR: reactor, ROBOTSTXT_OBEY: true, LOG_LEVEL: 'DEBUG', CONCURRENT_REQUESTS: 8 });
    expect(r.items.map((i) => i.h1).sort()).toEqual(['/file.pdf?x=1', '/private/open/y', '/public', '/special']);
    // Six requests arrived at once: one robots.txt fetch, and it came first.
    expect(s.log.filter((p) => p === '/robots.txt')).toHaveLength(1);
    expect(s.log[0]).toBe('/robots.txt');
    expect(r.stat('robotstxt/request_count')).toBe(1);
    expect(r.stat('robotstxt/response_count')).toBe(1);
    expect(r.stat('robotstxt/response_status_count/200')).toBe(1);
    expect(r.stat('robotstxt/forbidden')).toBe(2);
    const forbidden = r.logs.filter((l) => l.message.startsWith('Forbidden by robots.txt: '));
    expect(forbidden.map((l) => [l.level, l.name, l.message]).sort()).toEqual([
      ['DEBUG', 'scrapy.downloadermiddlewares.robotstxt', `Forbidden by robots.txt: <GET ${s.base}/file.pdf>`],
      ['DEBUG', 'scrapy.downloadermiddlewares.robotstxt', `Forbidden by robots.txt: <GET ${s.base}/private/x>`],
    ]);
    // The dropped requests reach their errback with IgnoreRequest, as in Scrapy.
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e instanceof IgnoreRequest && e.message === 'Forbidden by robots.txt')).toBe(true);
    // The robots.txt download itself is a normal download: counted and logged by the engine.
    expect(r.grep(`Crawled (200) <GET ${s.base}/robots.txt> (referer: None)`)).toHaveLength(1);
  });

  it("checks the request's User-Agent (USER_AGENT) against the groups, or ROBOTSTXT_USER_AGENT when set", async () => {
    const s = await open(serveText(200, ROBOTS));
    const ua = await runCrawl(listSpider(PATHS.map((p) => s.base + p)), {
      REACTOR: reactor,
      ROBOTSTXT_OBEY: true,
      USER_AGENT: 'Mozilla/5.0 (compatible; SpecialBot/2.1)',
    });
    expect(ua.items.map((i) => i.h1)).toEqual(['/special']);
    const override = await runCrawl(listSpider(PATHS.map((p) => s.base + p)), {
      REACTOR: reactor,
      ROBOTSTXT_OBEY: true,
      USER_AGENT: 'Mozilla/5.0 (compatible; SpecialBot/2.1)',
      ROBOTSTXT_USER_AGENT: 'otherbot',
    });
    expect(override.items.map((i) => i.h1).sort()).toEqual(['/file.pdf?x=1', '/private/open/y', '/public', '/special']);
  });

  it('meta.dont_obey_robotstxt skips the check; ROBOTSTXT_OBEY false (the default) fetches no robots.txt', async () => {
    const s = await open(serveText(200, 'User-agent: *\nDisallow: /\n'));
    const r = await runCrawl(listSpider([new Request(`${s.base}/private/z`, { meta: { dont_obey_robotstxt: true } })]), {
      REACTOR: reactor,
      ROBOTSTXT_OBEY: true,
    });
    expect(r.items.map((i) => i.h1)).toEqual(['/private/z']);
    expect(s.log).not.toContain('/robots.txt');
    const off = await runCrawl(listSpider([`${s.base}/a`]), { REACTOR: reactor });
    expect(off.items.map((i) => i.h1)).toEqual(['/a']);
    expect(s.log).not.toContain('/robots.txt');
    expect(off.stat('robotstxt/request_count')).toBeUndefined();
  });

  it('a robots.txt that 404s allows everything', async () => {
    const s = await open(serveText(404, '<html><body>Not here</body></html>'));
    const r = await runCrawl(listSpider([`${s.base}/private/x`, `${s.base}/b`]), { REACTOR: reactor, ROBOTSTXT_OBEY: true });
    expect(r.items.map((i) => i.h1).sort()).toEqual(['/b', '/private/x']);
    expect(r.stat('robotstxt/response_status_count/404')).toBe(1);
    expect(r.stat('robotstxt/forbidden')).toBeUndefined();
  });

  it('a robots.txt that fails with 500 is retried, then its body is parsed (no rules: everything allowed)', async () => {
    const s = await open(serveText(500, 'oops'));
    const r = await runCrawl(listSpider([`${s.base}/c`]), { REACTOR: reactor, ROBOTSTXT_OBEY: true });
    expect(r.items.map((i) => i.h1)).toEqual(['/c']);
    expect(s.log.filter((p) => p === '/robots.txt')).toHaveLength(3);
    expect(r.stat('robotstxt/request_count')).toBe(1);
    expect(r.stat('robotstxt/response_status_count/500')).toBe(1);
    expect(r.stat('retry/count')).toBe(2);
  });

  it('a robots.txt that is not UTF-8 is treated as empty, with the warning', async () => {
    const s = await open(serveText(200, Buffer.concat([Buffer.from('User-agent: *\nDisallow: /\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')])));
    const r = await runCrawl(listSpider([`${s.base}/d`]), { REACTOR: reactor, ROBOTSTXT_OBEY: true });
    expect(r.items.map((i) => i.h1)).toEqual(['/d']);
    expect(r.grep('WARNING Failure while parsing robots.txt. File either contains garbage')).toHaveLength(1);
  });

  it('a robots.txt that never answers times out (DOWNLOAD_TIMEOUT), is logged, and the crawl proceeds', async () => {
    // The robots.txt response is never written: only the download timeout ends it.
    const s = await open(() => {});
    const r = await runCrawl(listSpider([`${s.base}/e`, `${s.base}/f`]), {
      REACTOR: reactor,
      ROBOTSTXT_OBEY: true,
      DOWNLOAD_TIMEOUT: 0.3,
      RETRY_TIMES: 1,
    });
    expect(r.items.map((i) => i.h1).sort()).toEqual(['/e', '/f']);
    expect(s.log.filter((p) => p === '/robots.txt')).toHaveLength(2);
    expect(r.stat('robotstxt/exception_count/TimeoutError')).toBe(1);
    expect(r.stat('robotstxt/response_count')).toBeUndefined();
    const errors = r.logs.filter((l) => l.level === 'ERROR' && l.name === 'scrapy.downloadermiddlewares.robotstxt');
    expect(errors.map((l) => l.message)).toEqual([
      `Error downloading <GET ${s.base}/robots.txt>: Getting ${s.base}/robots.txt took longer than 0.3 seconds.`,
    ]);
  });

  it('each netloc has its own robots.txt', async () => {
    const closed = await open(serveText(200, 'User-agent: *\nDisallow: /\n'));
    const openSite = await open(serveText(200, 'User-agent: *\nDisallow:\n'));
    const r = await runCrawl(listSpider([`${closed.base}/g`, `${openSite.base}/h`, `${openSite.base}/i`]), { REACTOR: reactor, ROBOTSTXT_OBEY: true });
    expect(r.items.map((i) => i.h1).sort()).toEqual(['/h', '/i']);
    expect(r.stat('robotstxt/request_count')).toBe(2);
    expect(r.stat('robotstxt/forbidden')).toBe(1);
  });
});

describe('RobotsTxtMiddleware settings', () => {
  it('ROBOTSTXT_PARSER naming a Python-only parser fails with a message naming the fix', async () => {
    const s = await open(serveText(200, ''));
    await expect(runCrawl(listSpider([`${s.base}/a`]), { ROBOTSTXT_OBEY: true, ROBOTSTXT_PARSER: 'scrapy.robotstxt.PythonRobotParser' })).rejects.toThrow(
      /ROBOTSTXT_PARSER must be a class with a static fromCrawler.*leave the setting unset/,
    );
  });
  it('ROBOTSTXT_PARSER may be a class of your own', async () => {
    const s = await open(serveText(200, 'anything'));
    const bodies: string[] = [];
    class OnlyA {
      static fromCrawler(_c: unknown, body: Uint8Array) {
        bodies.push(new TextDecoder().decode(body));
        return { allowed: (url: string) => url.endsWith('/a') };
      }
    }
    const r = await runCrawl(listSpider([`${s.base}/a`, `${s.base}/b`]), { ROBOTSTXT_OBEY: true, ROBOTSTXT_PARSER: OnlyA });
    expect(r.items.map((i) => i.h1)).toEqual(['/a']);
    // Once empty at start (as Scrapy checks the parser works), then with the body.
    expect(bodies).toEqual(['', 'anything']);
  });
});
