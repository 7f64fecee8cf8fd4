// The proxy scenario's site (scripts/test-scrapy.mjs): an http target, an https target (the
// test certificate of test/crawler/fixtures/tls) and a forward proxy of our own that wants
// Proxy-Authorization user:pass. Both crawlers get http_proxy and https_proxy from `env`; the
// proxy forwards absolute-URI requests (adding Via) and tunnels CONNECT; the targets say in each
// page how the request reached them and whether a Proxy-Authorization header leaked to them.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { request as httpRequest } from 'node:http';
import net from 'node:net';

const fixture = (name) => readFileSync(new URL(`../../../crawler/fixtures/tls/${name}`, import.meta.url));
const AUTH = `Basic ${Buffer.from('user:pass').toString('base64')}`;

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** @returns {Promise<{ url: string, log: string[], close: () => Promise<void>, env: Record<string, string> }>} */
export async function startSite() {
  const log = [];
  const sockets = new Set();
  /** Local ports of the proxy's tunnel connections to the https target. */
  const tunnelPorts = new Set();
  let httpsBase = '';
  const page = (req, res) => {
    const how = req.headers.via === 'test-proxy' ? 'forwarded' : tunnelPorts.has(req.socket.remotePort) ? 'tunnel' : 'direct';
    const links = req.url === '/' ? ['/a', '/b', `${httpsBase}/s1`, `${httpsBase}/s2`] : [];
    const body =
      `<html><body><h1>${req.url}</h1><p class="how">${how}</p><p class="leak">${req.headers['proxy-authorization'] ? 'leaked' : 'none'}</p>` +
      `${links.map((l) => `<a href="${l}">${l}</a>`).join('')}</body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const target = createServer(page);
  const tlsTarget = createTlsServer({ key: fixture('key.pem'), cert: fixture('cert.pem') }, page);
  const proxy = createServer((req, res) => {
    const url = new URL(req.url);
    const ok = req.headers['proxy-authorization'] === AUTH;
    log.push(`${req.method} ${url.host} ${url.pathname}${url.search} via-proxy auth=${ok ? 'ok' : 'bad'}`);
    if (!ok) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="diff"', 'Content-Length': 0 }).end();
      return;
    }
    const headers = { ...req.headers, via: 'test-proxy' };
    delete headers['proxy-authorization'];
    const forward = createForward(url, req, headers, res);
    req.pipe(forward);
  });
  function createForward(url, req, headers, res) {
    return httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers }, (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers);
      upRes.pipe(res);
    });
  }
  proxy.on('connect', (req, client) => {
    sockets.add(client);
    const ok = req.headers['proxy-authorization'] === AUTH;
    log.push(`CONNECT ${req.url} - via-proxy auth=${ok ? 'ok' : 'bad'}`);
    if (!ok) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = req.url.split(':');
    const up = net.connect(Number(port), host, () => {
      tunnelPorts.add(up.localPort);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  const targetPort = await listen(target);
  const tlsPort = await listen(tlsTarget);
  const proxyPort = await listen(proxy);
  httpsBase = `https://127.0.0.1:${tlsPort}`;
  target.on('request', (req) => log.push(`${req.method} ${req.headers.host} ${req.url} target`));
  return {
    url: `http://127.0.0.1:${targetPort}`,
    log,
    env: {
      http_proxy: `http://user:pass@127.0.0.1:${proxyPort}`,
      https_proxy: `http://user:pass@127.0.0.1:${proxyPort}`,
      // An inherited no_proxy would send the loopback targets around the proxy.
      no_proxy: '',
      NO_PROXY: '',
    },
    close: () =>
      Promise.all(
        [target, tlsTarget, proxy].map(
          (s) =>
            new Promise((r) => {
              for (const sock of sockets) sock.destroy();
              s.closeAllConnections?.();
              s.close(() => r());
            }),
        ),
      ).then(() => undefined),
  };
}
