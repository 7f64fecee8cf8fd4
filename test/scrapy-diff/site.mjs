// The loopback site both crawlers crawl in `npm run test:scrapy` (test/scrapy-diff/README in
// justified-differences.md). Deterministic: every run serves the same bytes; the only state is
// the per-site counter of /flaky (fails twice, then succeeds), so each crawl gets its own site.
// Listens on 127.0.0.1, port 0. Links to other hosts (localhost, never.invalid) must be
// filtered by the crawlers' offsite filtering: they are never served.

import { createServer } from 'node:http';
import { gzipSync, deflateSync } from 'node:zlib';

const page = (title, body, head = '') =>
  `<!DOCTYPE html>\n<html><head><title>${title}</title>${head}</head>\n<body>\n<h1>${title}</h1>\n${body}\n</body></html>\n`;
const links = (...hrefs) => hrefs.map((h) => `<a href="${h}">${h}</a>`).join('\n');

// A 1×1 PNG (fixed bytes).
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6e6a60000000049454e44ae426082',
  'hex',
);

const latin1 = (s) => Buffer.from(s, 'latin1');
// windows-1252 bytes for the text below: 0x93/0x94 are curly quotes, 0x80 the euro sign, 0xe9 é.
const CP1252_BODY = Buffer.concat([
  latin1('<!DOCTYPE html>\n<html><head><title>cp1252 no charset</title></head>\n<body>\n<h1>cp1252</h1>\n<p class="sample">'),
  Buffer.from([0x93, 0x63, 0x61, 0x66, 0xe9, 0x94, 0x20, 0x80, 0x35]),
  latin1('</p>\n<p>plain <b>bold</b> tail</p>\n</body></html>\n'),
]);

/** @returns {Record<string, (req, res, state) => void>} */
function routes() {
  const html = (res, body, { status = 200, type = 'text/html', headers = {} } = {}) => {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf-8');
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length, ...headers });
    res.end(buf);
  };
  const redirect = (res, status, location) => {
    res.writeHead(status, { Location: location, 'Content-Length': 0 });
    res.end();
  };
  const chunked = (res, text, headers = {}) => {
    const buf = Buffer.from(text, 'utf-8');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
    // The crawler may cut the connection once over its limit: later writes just go nowhere.
    res.on('error', () => {});
    for (let i = 0; i < buf.length; i += 8192) res.write(buf.subarray(i, i + 8192));
    res.end();
  };
  return {
    '/': (req, res) =>
      html(
        res,
        page(
          'Index',
          `<p>Start <em>here</em>.</p>\n` +
            links(
              '/a', '/a', 'b', './c', '/a#x', '/rel/page', '/based', '/frag',
              '/redirect301', '/redirect302', '/chain1', '/missing', '/error500', '/flaky', '/reset',
              '/gzip', '/deflate', '/cs-header', '/cs-meta', '/cs-cp1252', '/cs-utf8',
              '/big', '/warn', '/refresh', '/image.png',
              '/redirect-noloc', '/redirect-rel', '/bom', '/query?b=2&a=1', '/query?a=1&b=2', '/empty', '/markup',
              '  /spaced  ', '/data.json', '/warn-chunked', '/big-chunked',
              `http://localhost:${req.socket.localPort}/a`, 'http://never.invalid/x', 'http://never.invalid/y',
            ),
        ),
        { type: 'text/html; charset=utf-8' },
      ),
    // A cycle a → b → c → a, every page linking back to the index.
    '/a': (req, res) => html(res, page('Page A', `<p>A <span>one</span> two</p>\n${links('/b', '/', '/a')}`), { type: 'text/html; charset=utf-8' }),
    '/b': (req, res) => html(res, page('Page B', `<p>B</p>\n${links('/c', '/')}`), { type: 'text/html; charset=utf-8' }),
    '/c': (req, res) => html(res, page('Page C', `<p>C</p>\n${links('/a', '/')}`), { type: 'text/html; charset=utf-8' }),
    '/rel/page': (req, res) => html(res, page('Relative', `<p>relative links</p>\n${links('../a', 'sub', './sub2', '../rel/sub')}`), { type: 'text/html; charset=utf-8' }),
    '/rel/sub': (req, res) => html(res, page('Rel sub', '<p>sub</p>'), { type: 'text/html; charset=utf-8' }),
    '/rel/sub2': (req, res) => html(res, page('Rel sub2', '<p>sub2</p>'), { type: 'text/html; charset=utf-8' }),
    '/based': (req, res) => html(res, page('Based', `<p>base href</p>\n${links('target', '../a')}`, '<base href="/basedir/">'), { type: 'text/html; charset=utf-8' }),
    '/basedir/target': (req, res) => html(res, page('Base target', '<p>reached through base href</p>'), { type: 'text/html; charset=utf-8' }),
    '/frag': (req, res) => html(res, page('Fragments', `<p id="top">fragments</p>\n${links('#top', '/fragonly#sec', '/frag#again')}`), { type: 'text/html; charset=utf-8' }),
    '/fragonly': (req, res) => html(res, page('Fragment target', '<p>only linked with a fragment</p>'), { type: 'text/html; charset=utf-8' }),
    '/redirect301': (req, res) => redirect(res, 301, '/r-target1'),
    '/redirect302': (req, res) => redirect(res, 302, '/r-target2'),
    '/r-target1': (req, res) => html(res, page('Redirect target 1', '<p>after a 301</p>'), { type: 'text/html; charset=utf-8' }),
    '/r-target2': (req, res) => html(res, page('Redirect target 2', '<p>after a 302</p>'), { type: 'text/html; charset=utf-8' }),
    '/chain1': (req, res) => redirect(res, 302, '/chain2'),
    '/chain2': (req, res) => redirect(res, 301, '/chain3'),
    '/chain3': (req, res) => redirect(res, 302, '/chain-end'),
    '/chain-end': (req, res) => html(res, page('Chain end', '<p>after three redirects</p>'), { type: 'text/html; charset=utf-8' }),
    '/missing': (req, res) => html(res, page('Not found', '<p>404</p>'), { status: 404, type: 'text/html; charset=utf-8' }),
    '/error500': (req, res) => html(res, page('Server error', '<p>500</p>'), { status: 500, type: 'text/html; charset=utf-8' }),
    '/flaky': (req, res, state) => {
      state.flaky += 1;
      if (state.flaky <= 2) html(res, page('Flaky error', '<p>500</p>'), { status: 500, type: 'text/html; charset=utf-8' });
      else html(res, page('Flaky', '<p>succeeded on the third try</p>'), { type: 'text/html; charset=utf-8' });
    },
    // The connection is reset before any response byte.
    '/reset': (req, res) => {
      req.socket.resetAndDestroy?.() ?? req.socket.destroy();
    },
    '/gzip': (req, res) => {
      const body = gzipSync(Buffer.from(page('Gzipped', '<p>gzip <i>body</i></p>'), 'utf-8'));
      html(res, body, { type: 'text/html; charset=utf-8', headers: { 'Content-Encoding': 'gzip' } });
    },
    '/deflate': (req, res) => {
      const body = deflateSync(Buffer.from(page('Deflated', '<p>deflate body</p>'), 'utf-8'));
      html(res, body, { type: 'text/html; charset=utf-8', headers: { 'Content-Encoding': 'deflate' } });
    },
    '/cs-header': (req, res) =>
      html(res, latin1(page('Latin-1 header', '<p class="sample">caf\u00e9 \u00fcber na\u00efve</p>')), { type: 'text/html; charset=iso-8859-1' }),
    '/cs-meta': (req, res) =>
      html(
        res,
        Buffer.concat([
          latin1('<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><title>KOI8-R meta</title></head>\n<body><h1>koi8</h1>\n<p class="sample">'),
          // "Привет" in KOI8-R
          Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]),
          latin1('</p>\n</body></html>\n'),
        ]),
        { type: 'text/html' },
      ),
    '/cs-cp1252': (req, res) => html(res, CP1252_BODY, { type: 'text/html' }),
    '/cs-utf8': (req, res) => html(res, page('UTF-8 no charset', '<p class="sample">\u65e5\u672c \u2014 \u00e9t\u00e9 \u2713</p>'), { type: 'text/html' }),
    // Over DOWNLOAD_MAXSIZE (50000) and over DOWNLOAD_WARNSIZE (20000) only.
    // `Connection: close` on the responses a crawler cuts short: Scrapy 2.8 can otherwise hand the
    // connection it is closing (loseConnection is not immediate) to the next request, whose
    // response is then lost and re-sent by Twisted — a second hit on /flaky's counter (seen
    // about once in 15 runs, under either reactor).
    '/big': (req, res) => html(res, page('Big', `<p>${'x'.repeat(60000)}</p>`), { type: 'text/html; charset=utf-8', headers: { Connection: 'close' } }),
    '/warn': (req, res) => html(res, page('Warn size', `<p>${'w'.repeat(30000)}</p>`), { type: 'text/html; charset=utf-8' }),
    // The same without Content-Length (chunked): the limits are found while receiving.
    '/warn-chunked': (req, res) => chunked(res, page('Warn size chunked', `<p>${'v'.repeat(30000)}</p>`)),
    '/big-chunked': (req, res) => chunked(res, page('Big chunked', `<p>${'y'.repeat(60000)}</p>`), { Connection: 'close' }),
    '/refresh': (req, res) =>
      html(res, page('Refresh', '<p>refreshing</p>', '<meta http-equiv="refresh" content="0; url=/refresh-target">'), { type: 'text/html; charset=utf-8' }),
    '/refresh-target': (req, res) => html(res, page('Refresh target', '<p>after a meta refresh</p>'), { type: 'text/html; charset=utf-8' }),
    '/image.png': (req, res) => html(res, PNG, { type: 'image/png' }),
    // A 302 without Location: no redirect, so the 302 reaches HttpErrorMiddleware.
    '/redirect-noloc': (req, res) => {
      res.writeHead(302, { 'Content-Length': 0 });
      res.end();
    },
    '/redirect-rel': (req, res) => redirect(res, 301, 'rel/../rel/sub?from=redirect'),
    // A UTF-8 byte-order mark wins over the Content-Type charset.
    '/bom': (req, res) =>
      html(res, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page('BOM', '<p class="sample">\u00e9t\u00e9 \u20ac</p>'), 'utf-8')]), { type: 'text/html; charset=iso-8859-1' }),
    // Both query orders are one page for the duplicate filter (canonical URLs).
    '/query': (req, res) => html(res, page('Query', '<p>query</p>'), { type: 'text/html; charset=utf-8' }),
    '/empty': (req, res) => html(res, '', { type: 'text/html; charset=utf-8' }),
    '/markup': (req, res) =>
      html(
        res,
        page('Markup &amp; entities', '<p class="sample">a &amp; b &eacute; &#x263A; &lt;tag&gt;</p>\n<p>x<!-- comment -->y<br>z<script>var s = 1;</script>w</p>\n<p>  spaced\n  lines  </p>'),
        { type: 'text/html; charset=utf-8' },
      ),
    '/spaced': (req, res) => html(res, page('Spaced href', '<p>reached through an href with spaces</p>'), { type: 'text/html; charset=utf-8' }),
    '/data.json': (req, res) => html(res, '{"a": 1}', { type: 'application/json' }),
  };
}

/**
 * Start one site.
 * @returns {Promise<{ url: string, close: () => Promise<void>, log: string[] }>}
 */
export function startSite() {
  const table = routes();
  const state = { flaky: 0 };
  const log = [];
  const sockets = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    log.push(`${req.method} ${req.headers.host} ${req.url} socket=${sockets.get(req.socket) ?? sockets.set(req.socket, sockets.size + 1).get(req.socket)}`);
    const route = table[path];
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 9 });
      res.end('not found');
      return;
    }
    route(req, res, state);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        log,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

// `node test/scrapy-diff/site.mjs`: serve until Ctrl-C (for debugging a crawler by hand).
if (import.meta.url === `file://${process.argv[1]}`) {
  const site = await startSite();
  console.log(site.url);
}
