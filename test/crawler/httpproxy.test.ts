// HttpProxyMiddleware and proxying in the download handler: proxies from the environment
// (http_proxy, https_proxy, no_proxy in either case) or meta.proxy, credentials in the proxy URL
// as Proxy-Authorization (on the proxy hop only), the absolute-URI form for http: targets and a
// CONNECT tunnel for https: ones — against a small forward proxy of our own on loopback.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, HttpProxyMiddleware, Request, Settings, TunnelError, getProxies, proxyBypass, type Crawler } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));

/** What a server saw: method, target, and the header a proxy hop must not leak. */
interface Seen {
  method: string;
  url: string;
  proxyAuth: string | undefined;
  host: string | undefined;
}

/**
 * A forward proxy: absolute-URI requests are forwarded to their target, CONNECT opens a TCP
 * tunnel. With `auth`, anything without that exact Proxy-Authorization gets 407.
 */
class TestProxy {
  readonly seen: Seen[] = [];
  readonly server: http.Server;
  readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(readonly auth?: string) {
    this.server = http.createServer((req, res) => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', proxyAuth: req.headers['proxy-authorization'], host: req.headers.host });
      if (this.auth !== undefined && req.headers['proxy-authorization'] !== this.auth) {
        res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"' }).end();
        return;
      }
      const target = new URL(req.url ?? '');
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    this.server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
      this.seen.push({ method: 'CONNECT', url: req.url ?? '', proxyAuth: req.headers['proxy-authorization'], host: req.headers.host });
      this.sockets.add(client);
      if (this.auth !== undefined && req.headers['proxy-authorization'] !== this.auth) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(client);
        client.pipe(up);
      });
      this.sockets.add(up);
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
  }
  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const targetSeen: Seen[] = [];
let httpTarget: http.Server;
let httpsTarget: https.Server;
let httpBase: string;
let httpsBase: string;
let proxy: TestProxy;
let authProxy: TestProxy;
let otherProxy: TestProxy;
const AUTH = `Basic ${Buffer.from('user:p@ss').toString('base64')}`;

function page(req: http.IncomingMessage, res: http.ServerResponse): void {
  targetSeen.push({ method: req.method ?? '', url: req.url ?? '', proxyAuth: req.headers['proxy-authorization'], host: req.headers.host });
  res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>${req.url}</h1>`);
}

beforeAll(async () => {
  httpTarget = http.createServer(page);
  httpsTarget = https.createServer({ key: fixture('key.pem'), cert: fixture('cert.pem') }, page);
  httpsTarget.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => httpTarget.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => httpsTarget.listen(0, '127.0.0.1', () => r()));
  httpBase = `http://127.0.0.1:${(httpTarget.address() as AddressInfo).port}`;
  httpsBase = `https://127.0.0.1:${(httpsTarget.address() as AddressInfo).port}`;
  proxy = await new TestProxy().listen();
  authProxy = await new TestProxy(AUTH).listen();
  otherProxy = await new TestProxy().listen();
});
afterAll(async () => {
  await Promise.all([proxy.close(), authProxy.close(), otherProxy.close()]);
  httpTarget.closeAllConnections();
  httpsTarget.closeAllConnections();
  await new Promise<void>((r) => httpTarget.close(() => r()));
  await new Promise<void>((r) => httpsTarget.close(() => r()));
});

const PROXY_VARS = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];
/** Run `fn` with these proxy variables (and no others) in process.env. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of PROXY_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

function clear(): void {
  targetSeen.length = 0;
  for (const p of [proxy, authProxy, otherProxy]) p.seen.length = 0;
}


describe.each(REACTORS)('proxied crawls (%s reactor)', (reactor) => {
  it('http_proxy with credentials: the absolute URI goes to the proxy with Proxy-Authorization, the target never sees it', async () => {
    clear();
    const r = await withEnv({ http_proxy: `http://user:p%40ss@127.0.0.1:${authProxy.port}` }, () =>
      runCrawl(listSpider([`${httpBase}/a?q=1`], { parse: (res) => ({ h1: res.css('h1::text').get(), proxy: res.meta.proxy }) }), { REACTOR: reactor }),
    );
    expect(r.items).toEqual([{ h1: '/a?q=1', proxy: authProxy.url }]);
    expect(authProxy.seen).toEqual([{ method: 'GET', url: `${httpBase}/a?q=1`, proxyAuth: AUTH, host: httpBase.slice(7) }]);
    expect(targetSeen.map((s) => [s.url, s.proxyAuth])).toEqual([['/a?q=1', undefined]]);
  });

  it('https_proxy: a CONNECT tunnel with Proxy-Authorization on the CONNECT only, TLS inside, kept alive', async () => {
    clear();
    const r = await withEnv({ HTTPS_PROXY: `http://user:p%40ss@127.0.0.1:${authProxy.port}` }, () =>
      runCrawl(listSpider([`${httpsBase}/s1`, `${httpsBase}/s2`]), { REACTOR: reactor, CONCURRENT_REQUESTS: 1 }),
    );
    expect(r.items.map((i) => i.h1)).toEqual(['/s1', '/s2']);
    // One tunnel for both requests (CONCURRENT_REQUESTS 1, keep-alive through the tunnel).
    expect(authProxy.seen).toEqual([{ method: 'CONNECT', url: httpsBase.slice(8), proxyAuth: AUTH, host: httpsBase.slice(8) }]);
    expect(targetSeen.map((s) => [s.url, s.proxyAuth])).toEqual([
      ['/s1', undefined],
      ['/s2', undefined],
    ]);
  });

  it('a proxy that refuses the CONNECT (407) fails the download with TunnelError, retried like a broken connection', async () => {
    clear();
    const errors: unknown[] = [];
    const r = await withEnv({ https_proxy: `http://user:wrong@127.0.0.1:${authProxy.port}` }, () =>
      runCrawl(listSpider([`${httpsBase}/denied`], { errback: (f: Failure) => void errors.push(f.value) }), { REACTOR: reactor }),
    );
    expect(r.items).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TunnelError);
    expect((errors[0] as Error).message).toBe(
      `Could not open CONNECT tunnel with proxy 127.0.0.1:${authProxy.port} [{'status': 407, 'reason': 'Proxy Authentication Required'}]`,
    );
    expect(authProxy.seen.map((s) => s.method)).toEqual(['CONNECT', 'CONNECT', 'CONNECT']);
    expect(r.stat('retry/count')).toBe(2);
    expect(r.stat('downloader/exception_type_count/TunnelError')).toBe(3);
    expect(targetSeen).toEqual([]);
  });

  it('no_proxy exempts matching hosts; other hosts still go through the proxy', async () => {
    clear();
    const r = await withEnv({ http_proxy: proxy.url, NO_PROXY: 'localhost, 127.0.0.1' }, () =>
      runCrawl(listSpider([`${httpBase}/direct`, `http://localhost:${httpBase.split(':')[2]}/also-direct`]), { REACTOR: reactor }),
    );
    expect(r.items.map((i) => i.h1).sort()).toEqual(['/also-direct', '/direct']);
    expect(proxy.seen).toEqual([]);
    clear();
    const via = await withEnv({ http_proxy: proxy.url, no_proxy: 'example.test' }, () => runCrawl(listSpider([`${httpBase}/via`]), { REACTOR: reactor }));
    expect(via.items.map((i) => i.h1)).toEqual(['/via']);
    expect(proxy.seen.map((s) => s.url)).toEqual([`${httpBase}/via`]);
  });

  it('meta.proxy overrides the environment, and meta.proxy null means no proxy', async () => {
    clear();
    const r = await withEnv({ http_proxy: proxy.url }, () =>
      runCrawl(
        listSpider([
          new Request(`${httpBase}/other`, { meta: { proxy: `127.0.0.1:${otherProxy.port}` } }),
          new Request(`${httpBase}/none`, { meta: { proxy: null } }),
        ]),
        { REACTOR: reactor },
      ),
    );
    expect(r.items.map((i) => i.h1).sort()).toEqual(['/none', '/other']);
    expect(otherProxy.seen.map((s) => s.url)).toEqual([`${httpBase}/other`]);
    expect(proxy.seen).toEqual([]);
  });

  it('HTTPPROXY_ENABLED false ignores the environment', async () => {
    clear();
    const r = await withEnv({ http_proxy: proxy.url }, () => runCrawl(listSpider([`${httpBase}/off`]), { REACTOR: reactor, HTTPPROXY_ENABLED: false }));
    expect(r.items.map((i) => i.h1)).toEqual(['/off']);
    expect(proxy.seen).toEqual([]);
  });

  it('a proxy that is not listening fails the download with a ConnectionError naming the proxy', async () => {
    const dead = await new TestProxy().listen();
    await dead.close();
    const errors: unknown[] = [];
    await runCrawl(
      listSpider([new Request(`${httpsBase}/x`, { meta: { proxy: dead.url, dont_retry: true }, errback: (f: Failure) => void errors.push(f.value) })]),
      { REACTOR: reactor },
    );
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect((errors[0] as Error).message).toBe(`Connection to proxy 127.0.0.1:${dead.port} failed or was lost: ECONNREFUSED`);
  });
});

describe('HttpProxyMiddleware rules', () => {
  const crawler = (settings: Record<string, unknown> = {}): Crawler => ({ settings: new Settings(settings) }) as unknown as Crawler;
  const mw = (env: Record<string, string> = {}, settings: Record<string, unknown> = {}) => new HttpProxyMiddleware(crawler(settings), env);

  it('getProxies reads <scheme>_proxy in any case; the lower-case spelling wins; empty values are skipped', () => {
    expect(getProxies({ HTTP_PROXY: 'http://up:1', http_proxy: 'http://low:2', HTTPS_PROXY: 'http://s:3', FTP_PROXY: '', PATH: '/bin' })).toEqual({
      http: 'http://low:2',
      https: 'http://s:3',
    });
    expect(getProxies({ HTTP_PROXY: 'http://up:1', http_proxy: '' })).toEqual({});
    expect(getProxies({ HTTP_PROXY: 'http://up:1', REQUEST_METHOD: 'GET' })).toEqual({});
  });

  it('proxyBypass: exact names, subdomains, a leading dot, *, ports', () => {
    expect(proxyBypass('example.com', 'example.com')).toBe(true);
    expect(proxyBypass('www.example.com', '.example.com')).toBe(true);
    expect(proxyBypass('badexample.com', 'example.com')).toBe(false);
    expect(proxyBypass('anything', '*')).toBe(true);
    expect(proxyBypass('host:8080', 'host')).toBe(true);
    expect(proxyBypass('host', undefined)).toBe(false);
  });

  it('credentials in the proxy URL become Proxy-Authorization and leave meta.proxy', () => {
    const r = new Request('https://example.com/', { meta: { proxy: 'http://a%20b:c%3Ad@proxy.test:3128' } });
    mw().processRequest(r);
    expect(r.meta.proxy).toBe('http://proxy.test:3128');
    expect(r.headers.get('Proxy-Authorization')).toBe(`Basic ${Buffer.from('a b:c:d').toString('base64')}`);
  });

  it('HTTPPROXY_AUTH_ENCODING encodes non-ASCII credentials (latin-1 by default)', () => {
    const latin = new Request('http://example.com/', { meta: { proxy: 'http://m%C3%BCller:x@p.test:1' } });
    mw().processRequest(latin);
    expect(latin.headers.get('Proxy-Authorization')).toBe(`Basic ${Buffer.from('müller:x', 'latin1').toString('base64')}`);
    const utf8 = new Request('http://example.com/', { meta: { proxy: 'http://m%C3%BCller:x@p.test:1' } });
    mw({}, { HTTPPROXY_AUTH_ENCODING: 'utf-8' }).processRequest(utf8);
    expect(utf8.headers.get('Proxy-Authorization')).toBe(`Basic ${Buffer.from('müller:x', 'utf8').toString('base64')}`);
    expect(() => mw({}, { HTTPPROXY_AUTH_ENCODING: 'koi8-r' })).toThrow(/HTTPPROXY_AUTH_ENCODING 'koi8-r' is not supported: use 'latin-1'/);
  });

  it('the environment proxy is chosen by scheme; a URL scheme with no proxy goes direct', () => {
    const m = mw({ http_proxy: 'http://u:p@hp.test:1', https_proxy: 'sp.test:2' });
    const a = new Request('http://example.com/');
    const b = new Request('https://example.com/');
    m.processRequest(a);
    m.processRequest(b);
    expect([a.meta.proxy, a.headers.get('Proxy-Authorization')]).toEqual(['http://hp.test:1', `Basic ${Buffer.from('u:p').toString('base64')}`]);
    // A scheme-less value takes the variable's scheme, as urllib does.
    expect([b.meta.proxy, b.headers.get('Proxy-Authorization')]).toEqual(['https://sp.test:2', null]);
    const direct = mw({ https_proxy: 'http://sp.test:2' });
    const c = new Request('http://example.com/');
    direct.processRequest(c);
    expect('proxy' in c.meta).toBe(false);
  });

  it("changing meta.proxy drops the old proxy's credentials; removing it drops them too", () => {
    const m = mw();
    const r = new Request('http://example.com/', { meta: { proxy: 'http://u:p@one.test:1' } });
    m.processRequest(r);
    expect(r.headers.has('Proxy-Authorization')).toBe(true);
    r.meta.proxy = 'http://two.test:2';
    m.processRequest(r);
    expect(r.headers.has('Proxy-Authorization')).toBe(false);
    expect(r.meta._auth_proxy).toBeUndefined();
    const s = new Request('http://example.com/', { meta: { proxy: 'http://u:p@one.test:1' } });
    m.processRequest(s);
    s.meta.proxy = null;
    m.processRequest(s);
    expect([s.meta.proxy, s.headers.has('Proxy-Authorization')]).toEqual([null, false]);
  });

  it('a Proxy-Authorization the user set stays with its proxy, and goes when there is no proxy', () => {
    const m = mw();
    const kept = new Request('http://example.com/', { meta: { proxy: 'http://one.test:1' }, headers: { 'Proxy-Authorization': 'Basic mine' } });
    m.processRequest(kept);
    expect(kept.headers.get('Proxy-Authorization')).toBe('Basic mine');
    expect(kept.meta._auth_proxy).toBe('http://one.test:1');
    // Same proxy again (a retry): kept; another proxy: removed.
    m.processRequest(kept);
    expect(kept.headers.get('Proxy-Authorization')).toBe('Basic mine');
    kept.meta.proxy = 'http://two.test:2';
    m.processRequest(kept);
    expect(kept.headers.has('Proxy-Authorization')).toBe(false);
    const dropped = new Request('http://example.com/', { headers: { 'Proxy-Authorization': 'Basic mine' } });
    m.processRequest(dropped);
    expect(dropped.headers.has('Proxy-Authorization')).toBe(false);
  });

  it('an environment value that is not a proxy URL is skipped, as Scrapy skips it', () => {
    const m = mw({ http_proxy: 'http:/var/run/docker.sock', https_proxy: 'http://ok.test:1' });
    expect([...m.proxies.keys()]).toEqual(['https']);
  });
});
