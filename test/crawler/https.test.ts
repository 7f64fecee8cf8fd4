// HTTPS downloads against a loopback TLS server with a self-signed certificate
// (fixtures/tls): like Scrapy's default context factory, the certificate is not verified but is
// shown on the response; connections are kept alive; http → https redirects work; a TLS
// failure is a ConnectionError handled like any other (retried, counted, given to the errback).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionError, Request, type Response } from '@deferkit/crawler';
import type { Failure } from '@deferkit/deferred';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));

let tlsServer: https.Server;
let plainServer: http.Server;
let tlsBase: string;
let plainBase: string;
let tlsConnections = 0;
let tlsRequests = 0;

function listen(server: http.Server | https.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

beforeAll(async () => {
  tlsServer = https.createServer({ key: fixture('key.pem'), cert: fixture('cert.pem') }, (req, res) => {
    tlsRequests++;
    const to = /^\/redirect-to\/(https?)$/.exec(req.url ?? '')?.[1];
    if (to !== undefined) {
      res.writeHead(302, { Location: to === 'http' ? `http://${plainBase}/referer` : `${tlsBase}/referer` }).end();
      return;
    }
    if (req.url === '/referer') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>${req.headers.referer ?? 'none'}</h1>`);
      return;
    }
    if (req.url === '/links') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<a href="/redirect-to/http">down</a><a href="/redirect-to/https">same</a>');
      return;
    }
    const n = /^\/page\/(\d+)$/.exec(req.url ?? '')?.[1];
    if (n === undefined) {
      res.writeHead(404).end();
      return;
    }
    const body = `<html><body><h1>secure ${n}</h1></body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  tlsServer.on('secureConnection', () => tlsConnections++);
  tlsServer.keepAliveTimeout = 30_000;
  tlsBase = `https://${await listen(tlsServer)}`;

  // Plain HTTP: redirects to the TLS server, and is the wrong server for an https:// URL.
  plainServer = http.createServer((req, res) => {
    const n = /^\/to-https\/(\d+)$/.exec(req.url ?? '')?.[1];
    if (n !== undefined) {
      res.writeHead(301, { Location: `${tlsBase}/page/${n}` }).end();
      return;
    }
    if (req.url === '/referer') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>${req.headers.referer ?? 'none'}</h1>`);
      return;
    }
    res.writeHead(404).end();
  });
  plainBase = await listen(plainServer);
});

afterAll(async () => {
  tlsServer.closeAllConnections();
  plainServer.closeAllConnections();
  await Promise.all([new Promise((r) => tlsServer.close(r)), new Promise((r) => plainServer.close(r))]);
});

beforeEach(() => {
  tlsConnections = 0;
  tlsRequests = 0;
});

const secureItem = (response: Response): Record<string, unknown> => ({
  url: response.url,
  status: response.status,
  h1: response.css('h1::text').get() ?? null,
  subject: response.certificate?.subject?.CN ?? null,
  fingerprint: response.certificate?.fingerprint256 ?? null,
  protocol: response.protocol ?? null,
  ip: response.ip ?? null,
});

for (const REACTOR of REACTORS) {
  describe(`HTTPS downloads [${REACTOR}]`, () => {
    it('a self-signed certificate is not verified (Scrapy’s default) and is shown as response.certificate, with the protocol and IP', async () => {
      const urls = [1, 2, 3].map((n) => `${tlsBase}/page/${n}`);
      const r = await runCrawl(listSpider(urls, { parse: secureItem }), { REACTOR, CONCURRENT_REQUESTS: 1 });
      expect(r.stat('finish_reason')).toBe('finished');
      const items = [...r.items].sort((a, b) => String(a.url).localeCompare(String(b.url)));
      expect(items.map((i) => [i.status, i.h1])).toEqual([
        [200, 'secure 1'],
        [200, 'secure 2'],
        [200, 'secure 3'],
      ]);
      for (const item of items) {
        expect(item.subject).toBe('deferkit test (self-signed, loopback only)');
        expect(item.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        expect(item.protocol).toBe('HTTP/1.1');
        expect(item.ip).toBe('127.0.0.1');
      }
      // One at a time over a kept-alive connection: one TLS handshake for the three pages.
      expect(tlsRequests).toBe(3);
      expect(tlsConnections).toBe(1);
    });

    it('an http:// page redirecting to https:// is followed across schemes', async () => {
      const r = await runCrawl(listSpider([`http://${plainBase}/to-https/7`], { parse: secureItem }), { REACTOR });
      expect(r.items).toHaveLength(1);
      expect(r.items[0]).toMatchObject({ url: `${tlsBase}/page/7`, status: 200, h1: 'secure 7', protocol: 'HTTP/1.1' });
      expect(r.stat('downloader/response_status_count/301')).toBe(1);
    });

    it('RefererMiddleware: a link on an https page redirected to http loses its Referer; redirected within https it keeps it', async () => {
      const spider = listSpider([`${tlsBase}/links`], {
        parse: (response) => {
          if (response.url.endsWith('/links')) return response.css('a::attr(href)').getall().map((href) => response.follow(href));
          return { scheme: new URL(response.url).protocol, referer: response.css('h1::text').get() };
        },
      });
      const r = await runCrawl(spider, { REACTOR });
      const byScheme = Object.fromEntries(r.items.map((i) => [i.scheme, i.referer]));
      expect(byScheme).toEqual({ 'http:': 'none', 'https:': `${tlsBase}/links` });
    });

    it('https:// to a server that does not speak TLS fails with ConnectionError: retried, counted, then given to the errback', async () => {
      const failures: Failure[] = [];
      const spider = listSpider([new Request(`https://${plainBase}/page/1`, { errback: (f: Failure) => void failures.push(f) })]);
      const r = await runCrawl(spider, { REACTOR, RETRY_TIMES: 1 });
      expect(failures).toHaveLength(1);
      expect(failures[0]!.value).toBeInstanceOf(ConnectionError);
      expect((failures[0]!.value as Error).message).toMatch(/^Connection to 127\.0\.0\.1:\d+ failed or was lost: /);
      expect(r.stat('retry/count')).toBe(1);
      expect(r.stat('downloader/exception_count')).toBe(2);
      expect(r.stat('finish_reason')).toBe('finished');
    });
  });
}
