// Real HTTP(S) downloads on node:http/https with keep-alive pooling, size limits and timeouts
// (Scrapy's HTTP11DownloadHandler). Decompression is HttpCompressionMiddleware's job, as in Scrapy.

import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Crawler } from '../Crawler.js';
import { ConnectionError, DownloadTimeoutError, NotSupported, ResponseDataLossError, ResponseTooLarge, TunnelError } from '../errors.js';
import type { Request } from '../Request.js';
import { Response } from '../Response.js';
import { signals } from '../signals.js';
import { urlparseCached } from '../utils/url.js';
import { TimeoutLane, type LaneEntry } from './timeoutLane.js';

/** Scrapy's `get_maxsize_msg` / `get_warnsize_msg`. */
function sizeMessage(size: number, limit: number, kind: 'max' | 'warn', request: Request, expected: boolean): string {
  return `${expected ? 'Expected to receive' : 'Received'} ${size} bytes which is larger than download ${kind} size (${limit}) in request ${request}.`;
}

/** What HttpDownloadHandler reads once: the settings' defaults, the logger, the reactor. */
interface HandlerDefaults {
  timeout: number;
  maxSize: number;
  warnSize: number;
  failOnDataloss: boolean;
  logger: ReturnType<Crawler['getLogger']>;
  reactor: Crawler['reactor'];
}

/** Methods Twisted resends after a stale keep-alive connection (`_shouldRetry`). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);

/**
 * Whether `e`, raised before any response byte, says the server closed the connection: reset
 * (ECONNRESET, also Node's 'socket hang up' for a clean close) or a write to a closed socket
 * (EPIPE). Twisted's RequestNotSent / RequestTransmissionFailed / ResponseNeverReceived.
 */
function isStaleConnectionError(e: NodeJS.ErrnoException): boolean {
  return e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up';
}

/**
 * Downloads `http:` and `https:` URLs with keep-alive connection pools. Applies
 * `DOWNLOAD_TIMEOUT` (or `meta.download_timeout`) to the whole download, and
 * `DOWNLOAD_MAXSIZE`/`DOWNLOAD_WARNSIZE` (or `meta.download_maxsize`/`download_warnsize`) to
 * the raw body, first against Content-Length, then against the bytes received. A connection
 * lost mid-body fails with ResponseDataLossError (retried) unless `DOWNLOAD_FAIL_ON_DATALOSS` is
 * false (then the partial body is kept and the response is flagged `dataloss`). Bodies are
 * returned as received: HttpCompressionMiddleware decodes them. A GET/HEAD/OPTIONS/DELETE/TRACE
 * without a body that fails on a reused keep-alive connection before any response byte is sent
 * again, once, on a new connection, silently (Twisted's HTTPConnectionPool does the same).
 *
 * With `meta.proxy` (set by HttpProxyMiddleware) an `http:` request goes to the proxy in
 * absolute form (`GET http://host/path`, its Proxy-Authorization header included); an `https:`
 * one goes through a `CONNECT host:port` tunnel (the Proxy-Authorization header on the CONNECT
 * only), TLS to the target running inside it, pooled per proxy. A proxy that answers the
 * CONNECT with anything but 200 fails the download with TunnelError.
 *
 * Mirrors Scrapy's `HTTP11DownloadHandler`.
 */
export class HttpDownloadHandler {
  readonly #crawler: Crawler;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #freshHttpAgent: http.Agent;
  readonly #freshHttpsAgent: https.Agent;
  #datalossWarned = false;
  /** Agents for CONNECT tunnels, one per proxy host:port and credentials. */
  readonly #tunnelAgents = new Map<string, https.Agent>();
  /** CONNECT requests not answered yet (closed with the handler). */
  readonly #pendingConnects = new Set<http.ClientRequest>();

  /** The settings' defaults, the logger and the reactor, read at the first download (the settings are frozen by then). */
  #defaults: HandlerDefaults | undefined;

  #readDefaults(): HandlerDefaults {
    const settings = this.#crawler.settings;
    // As Scrapy's HTTP11DownloadHandler, which reads them once, in its constructor.
    return {
      timeout: settings.getFloat('DOWNLOAD_TIMEOUT', 180),
      maxSize: settings.getInt('DOWNLOAD_MAXSIZE'),
      warnSize: settings.getInt('DOWNLOAD_WARNSIZE'),
      failOnDataloss: settings.getBool('DOWNLOAD_FAIL_ON_DATALOSS', true),
      logger: this.#crawler.getLogger('scrapy.core.downloader.handlers.http11'),
      reactor: this.#crawler.reactor,
    };
  }

  /** The DOWNLOAD_TIMEOUT lanes, by length in seconds (one for nearly every crawl). */
  readonly #lanes = new Map<number, TimeoutLane>();

  #lane(seconds: number, reactor: Crawler['reactor']): TimeoutLane {
    let lane = this.#lanes.get(seconds);
    if (lane === undefined) {
      // Per-request timeouts of many lengths: forget the idle lanes now and then.
      if (this.#lanes.size >= 64) for (const [k, l] of this.#lanes) if (l.size === 0) this.#lanes.delete(k);
      lane = new TimeoutLane(reactor, seconds);
      this.#lanes.set(seconds, lane);
    }
    return lane;
  }

  /** @param crawler - the crawler (settings, reactor, signals, logger). */
  constructor(crawler: Crawler) {
    this.#crawler = crawler;
    // The downloader's slots already bound concurrency (CONCURRENT_REQUESTS, per-domain slots,
    // inline downloads): the agent must not queue requests behind them (that would hold
    // requests, and their DOWNLOAD_TIMEOUT, in a second hidden queue; and CONCURRENT_REQUESTS
    // = 0 means no limit). It only keeps idle connections for reuse.
    const idle = Math.max(1, crawler.settings.getInt('CONCURRENT_REQUESTS_PER_DOMAIN', 8));
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: idle, scheduling: 'fifo' });
    // Like Scrapy's default context factory, HTTPS does not verify the server's certificate (a
    // crawler fetches pages, it does not trust them); Response.certificate shows it.
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: Infinity,
      maxFreeSockets: idle,
      scheduling: 'fifo',
      rejectUnauthorized: false,
    });
    // For the one silent resend of a request that failed on a reused keep-alive connection:
    // a brand-new connection every time (keepAlive off: the agent never hands out an idle
    // socket, and closes this one after the response). maxSockets finite so that requests
    // still say `Connection: keep-alive`, as on the first attempt.
    this.#freshHttpAgent = new http.Agent({ keepAlive: false, maxSockets: Number.MAX_SAFE_INTEGER });
    this.#freshHttpsAgent = new https.Agent({ keepAlive: false, maxSockets: Number.MAX_SAFE_INTEGER, rejectUnauthorized: false });
  }

  /**
   * Download `request`.
   *
   * @returns the Response (whatever its status), its body as received (still compressed).
   * @throws NotSupported, DownloadTimeoutError, ConnectionError, ResponseDataLossError, ResponseTooLarge.
   */
  download(request: Request): Promise<Response> {
    const url = urlparseCached(request);
    if (url === null) return Promise.reject(new NotSupported(`Cannot download ${request}: not a valid URL.`));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new NotSupported(`Unsupported URL scheme '${url.protocol.replace(/:$/, '')}': no handler available for that scheme`));
    }
    const defaults = (this.#defaults ??= this.#readDefaults());
    const meta = request.meta;
    const timeout = Number(meta.download_timeout ?? defaults.timeout);
    const maxSize = Number(meta.download_maxsize ?? defaults.maxSize);
    const warnSize = Number(meta.download_warnsize ?? defaults.warnSize);
    const failOnDataloss = Boolean(meta.download_fail_on_dataloss ?? defaults.failOnDataloss);
    const { logger, reactor } = defaults;
    const lane = timeout > 0 ? this.#lane(timeout, reactor) : undefined;
    const headers = request.headers.toNodeHeaders();
    if (request.body.length > 0 && !request.headers.has('content-length')) headers['Content-Length'] = String(request.body.length);

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      let req: http.ClientRequest | undefined;
      let timer: LaneEntry | undefined;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) lane!.settle(timer);
        req?.destroy();
        reject(err);
      };
      const isHttps = url.protocol === 'https:';
      let lib: typeof http | typeof https = isHttps ? https : http;
      // Through a proxy (meta.proxy, set by HttpProxyMiddleware): an agent of its own, and for
      // http: targets the proxy's address with the absolute URI as the path.
      let proxyAgent: http.Agent | undefined;
      let proxyOptions: http.RequestOptions | undefined;
      const proxy = meta.proxy;
      if (typeof proxy === 'string' && proxy !== '') {
        let p: URL;
        try {
          p = new URL(proxy.startsWith('//') ? `http:${proxy}` : proxy);
        } catch {
          fail(new NotSupported(`Cannot download ${request} through proxy ${JSON.stringify(proxy)}: not a valid proxy URL (write meta.proxy as http://host:port).`));
          return;
        }
        const proxyHost = p.hostname.replace(/^\[|\]$/g, '');
        const proxyPort = Number(p.port || (p.protocol === 'https:' ? 443 : 80));
        if (isHttps) {
          // Scrapy's TunnelingAgent: the credentials go on the CONNECT, never to the target.
          const auth = request.headers.get('Proxy-Authorization');
          for (const k of Object.keys(headers)) if (k.toLowerCase() === 'proxy-authorization') delete headers[k];
          proxyAgent = this.#tunnelAgent(proxyHost, proxyPort, auth);
        } else {
          // Scrapy's ScrapyProxyAgent: the absolute URI to the proxy, Host naming the target.
          if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.Host = url.host;
          lib = p.protocol === 'https:' ? https : http;
          proxyAgent = p.protocol === 'https:' ? this.#httpsAgent : this.#httpAgent;
          proxyOptions = { host: proxyHost, port: proxyPort, path: `${url.protocol}//${url.host}${url.pathname}${url.search}` };
        }
      }
      // Twisted's HTTPConnectionPool resends, once and on a new connection, a request that
      // failed on a reused persistent connection before any response byte (the server closed
      // the idle connection as it was being reused): idempotent methods without a body only
      // (`_RetryingHTTP11ClientProtocol._shouldRetry`). Not a retry: no stats, no log.
      let mayResend = request.body.length === 0 && IDEMPOTENT_METHODS.has(request.method);
      let direct: http.RequestOptions | undefined;
      const send = (agent: http.Agent): boolean => {
        let attempt: http.ClientRequest;
        try {
          attempt =
            proxyOptions !== undefined
              ? lib.request({ ...proxyOptions, method: request.method, headers, agent })
              : proxyAgent === undefined && url.username === '' && url.password === ''
                ? lib.request(withAgent((direct ??= directOptions(url, request, agent)), agent))
                : lib.request(url, { method: request.method, headers, agent });
        } catch (e) {
          // Bad header names or values, a bad method: Node refuses before any I/O.
          fail(new NotSupported(`Cannot send ${request}: ${(e as Error).message}`));
          return false;
        }
        req = attempt;
        attempt.on('error', (e: NodeJS.ErrnoException) => {
          if (settled || attempt !== req) return;
          // 'error' after 'response' is not about this stage; before it, no byte has arrived.
          if (mayResend && attempt.reusedSocket && !gotResponse && isStaleConnectionError(e)) {
            mayResend = false;
            attempt.destroy();
            send(proxyAgent ?? (isHttps ? this.#freshHttpsAgent : this.#freshHttpAgent));
            return;
          }
          // A proxy's refusal or failure (from the tunnel agent) is already the error to report.
          if (e instanceof ConnectionError) fail(e);
          else fail(new ConnectionError(`Connection to ${url.host} failed or was lost: ${e.code ?? e.message}`));
        });
        attempt.on('response', onResponse);
        if (request.body.length > 0) attempt.end(Buffer.from(request.body));
        else attempt.end();
        return true;
      };
      let gotResponse = false;
      // Scrapy's meta.download_latency: from sending to the response headers (AutoThrottle reads it).
      const sentAt = reactor.seconds();
      const onResponse = (res: http.IncomingMessage): void => {
        gotResponse = true;
        meta.download_latency = reactor.seconds() - sentAt;
        // Read now: by 'end' a keep-alive socket may already be back in the pool.
        const socket = res.socket;
        const ip = socket?.remoteAddress;
        // getPeerCertificate() gives {} when the server sent none.
        const peer = socket instanceof TLSSocket ? socket.getPeerCertificate() : undefined;
        const certificate = peer !== undefined && Object.keys(peer).length > 0 ? peer : undefined;
        const protocol = `HTTP/${res.httpVersion}`;
        const expected = Number(res.headers['content-length'] ?? -1);
        if (maxSize > 0 && expected > maxSize) {
          const msg = sizeMessage(expected, maxSize, 'max', request, true);
          logger.warning(msg);
          fail(new ResponseTooLarge(msg));
          return;
        }
        if (warnSize > 0 && expected > warnSize) logger.warning(sizeMessage(expected, warnSize, 'warn', request, true));
        const responseHeaders: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        if (this.#crawler.signals.hasHandlers(signals.headersReceived)) {
          this.#crawler.signals.send(signals.headersReceived, { headers: responseHeaders, bodyLength: expected, request, spider: this.#crawler.spider });
        }
        const chunks: Buffer[] = [];
        let received = 0;
        // The body's own warning, apart from the Content-Length one: Scrapy's _ResponseReader
        // logs both for a large response that declared its size.
        let warned = false;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          received += chunk.length;
          chunks.push(chunk);
          if (maxSize > 0 && received > maxSize) {
            const msg = sizeMessage(received, maxSize, 'max', request, false);
            logger.warning(msg);
            chunks.length = 0;
            fail(new ResponseTooLarge(msg));
            return;
          }
          if (!warned && warnSize > 0 && received > warnSize) {
            warned = true;
            logger.warning(sizeMessage(received, warnSize, 'warn', request, false));
          }
        });
        const finish = (dataloss: boolean): void => {
          if (settled) return;
          if (dataloss && failOnDataloss) {
            if (!this.#datalossWarned) {
              this.#datalossWarned = true;
              logger.warning(
                `Got data loss in ${request.url}. If you want to process broken responses set the setting ` +
                  "DOWNLOAD_FAIL_ON_DATALOSS = False -- This message won't be shown in further requests",
              );
            }
            fail(
              new ResponseDataLossError(
                `Connection to ${url.host} was lost after ${received} bytes of the body of ${request.url}` +
                  (expected >= 0 ? ` (Content-Length: ${expected})` : '') +
                  '; set DOWNLOAD_FAIL_ON_DATALOSS = false to keep partial bodies.',
              ),
            );
            return;
          }
          settled = true;
          if (timer !== undefined) lane!.settle(timer);
          resolve(
            // Scrapy's response URL has no #fragment (it is never sent); request.url keeps it.
            new Response(withoutFragment(request.url), {
              status: res.statusCode ?? 0,
              headers: responseHeaders,
              body: Buffer.concat(chunks),
              request,
              flags: dataloss ? ['dataloss'] : [],
              ip,
              certificate,
              protocol,
            }),
          );
        };
        res.on('end', () => finish(!res.complete));
        res.on('aborted', () => finish(true));
        res.on('error', () => finish(true));
        res.on('close', () => {
          if (!res.complete) finish(true);
        });
      };
      if (!send(proxyAgent ?? (isHttps ? this.#httpsAgent : this.#httpAgent))) return;
      if (lane !== undefined) timer = lane.add(() => fail(new DownloadTimeoutError(`Getting ${request.url} took longer than ${timeout} seconds.`)));
    });
  }

  /**
   * The keep-alive agent for https: targets through the proxy at `host:port` with `auth` (the
   * Proxy-Authorization value, or null): each new connection is a CONNECT to the proxy, then TLS
   * over the tunnel. Scrapy's `TunnelingTCP4ClientEndpoint` (pool key: the proxy conf).
   */
  #tunnelAgent(host: string, port: number, auth: string | null): https.Agent {
    const key = `${host}:${port}:${auth ?? ''}`;
    let agent = this.#tunnelAgents.get(key);
    if (agent !== undefined) return agent;
    const idle = Math.max(1, this.#crawler.settings.getInt('CONCURRENT_REQUESTS_PER_DOMAIN', 8));
    agent = new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: idle, scheduling: 'fifo', rejectUnauthorized: false });
    const pending = this.#pendingConnects;
    // Node's Agent accepts an asynchronous createConnection(options, callback).
    (agent as unknown as { createConnection: unknown }).createConnection = (
      options: tls.ConnectionOptions & { host: string; port: number },
      callback: (err: Error | null, socket?: Socket) => void,
    ): undefined => {
      const hostport = `${options.host}:${options.port}`;
      const connect = http.request({
        host,
        port,
        method: 'CONNECT',
        path: hostport,
        headers: { Host: hostport, ...(auth !== null ? { 'Proxy-Authorization': auth } : {}) },
        agent: false,
      });
      pending.add(connect);
      let done = false;
      const finish = (err: Error | null, socket?: Socket): void => {
        pending.delete(connect);
        if (done) return;
        done = true;
        callback(err, socket);
      };
      connect.once('connect', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
        if (res.statusCode !== 200) {
          socket.destroy();
          finish(new TunnelError(`Could not open CONNECT tunnel with proxy ${host}:${port} [{'status': ${res.statusCode}, 'reason': '${res.statusMessage ?? ''}'}]`));
          return;
        }
        if (head.length > 0) socket.unshift(head);
        finish(null, tls.connect({ ...options, socket, servername: options.servername ?? (isIP(options.host) ? undefined : options.host) }));
      });
      connect.once('response', (res: http.IncomingMessage) => {
        // Not reached for CONNECT in current Node (every answer is a 'connect'); kept for safety.
        res.resume();
        finish(new TunnelError(`Could not open CONNECT tunnel with proxy ${host}:${port} [{'status': ${res.statusCode}, 'reason': '${res.statusMessage ?? ''}'}]`));
      });
      connect.once('error', (e: NodeJS.ErrnoException) => {
        finish(new ConnectionError(`Connection to proxy ${host}:${port} failed or was lost: ${e.code ?? e.message}`));
      });
      connect.end();
      return undefined;
    };
    this.#tunnelAgents.set(key, agent);
    return agent;
  }

  /** Close every pooled connection. */
  close(): void {
    for (const lane of this.#lanes.values()) lane.close();
    this.#lanes.clear();
    for (const c of this.#pendingConnects) c.destroy();
    this.#pendingConnects.clear();
    for (const a of this.#tunnelAgents.values()) a.destroy();
    this.#tunnelAgents.clear();
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
    this.#freshHttpAgent.destroy();
    this.#freshHttpsAgent.destroy();
  }
}

/**
 * The options of a request straight to `url` (no proxy, no userinfo), with its headers as a flat
 * name/value list: what `http.request(url, { headers })` makes of them (each header's values as
 * set, then Content-Length for a body, then Host), without Node parsing the URL into options
 * again and calling setHeader for each header. Node validates the names and values the same way.
 * @internal
 */
export function directOptions(url: URL, request: Request, agent: http.Agent): http.RequestOptions {
  const list = request.headers.toNodeHeaderList();
  if (request.body.length > 0 && !request.headers.has('content-length')) list.push('Content-Length', String(request.body.length));
  if (!request.headers.has('host')) list.push('Host', url.host);
  const hostname = url.hostname;
  return {
    protocol: url.protocol,
    // Node wants an IPv6 address without its brackets (urlToHttpOptions strips them too).
    hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
    port: url.port,
    path: url.pathname + url.search,
    method: request.method,
    headers: list as unknown as http.OutgoingHttpHeaders,
    agent,
  };
}

/** `options` with `agent` (the one silent resend goes out on a fresh connection's agent). */
function withAgent(options: http.RequestOptions, agent: http.Agent): http.RequestOptions {
  return options.agent === agent ? options : { ...options, agent };
}

/** `url` without its `#fragment`. */
function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}
