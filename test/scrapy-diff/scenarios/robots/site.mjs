// The robots scenario's site (scripts/test-scrapy.mjs): five loopback servers, one per kind of
// robots.txt — rules with Allow overrides, wildcards, $ and a per-agent group (the main one);
// a 404; a 500 (retried, then parsed); a body that is not UTF-8; one that never answers (the
// crawl goes on after DOWNLOAD_TIMEOUT). The main index links to pages on all of them.
import { createServer } from 'node:http';

const ROBOTS = [
  '# The main site: most of it is open',
  'User-agent: *',
  'Disallow: /private',
  'Allow: /private/open',
  'Disallow: /*.pdf$',
  'Disallow: /tmp/',
  '',
  'User-agent: diffbot',
  'Disallow: /members',
  'Disallow: /private',
  'Allow: /private/open',
  'Disallow: /*.pdf$',
  'Allow: /members/join',
  '',
].join('\n');

const MAIN_PATHS = ['/public', '/private/x', '/private/open/y', '/file.pdf', '/file.pdf?x=1', '/tmp/a', '/tmp', '/members/list', '/members/join'];

function page(res, title, links = []) {
  const body = `<html><head><title>${title}</title></head><body><h1>${title}</h1>${links.map((l) => `<a href="${l}">${l}</a>`).join('')}</body></html>`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function text(res, status, body) {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': b.length });
  res.end(b);
}

/** One server; `robots(res)` answers /robots.txt; every other path is a page (the main index links to `links`). */
function serve(log, robots, links) {
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.headers.host} ${req.url}`);
    if (req.url === '/robots.txt') return robots(res);
    return page(res, req.url === '/' ? 'index' : req.url, req.url === '/' ? links() : []);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** @returns {Promise<{ url: string, log: string[], close: () => Promise<void> }>} */
export async function startSite() {
  const log = [];
  const others = [];
  // The other servers' pages are named after the server (their ports change from run to run).
  const main = await serve(log, (res) => text(res, 200, ROBOTS), () => [...MAIN_PATHS, ...others.flatMap((o) => [`${o.base}/${o.name}/a`, `${o.base}/${o.name}/private/b`])]);
  const other = async (name, robots) => others.push({ name, ...(await serve(log, robots, () => [])) });
  await other('robots-404', (res) => text(res, 404, '<html><body>no robots here</body></html>'));
  await other('robots-500', (res) => text(res, 500, 'User-agent: *\nDisallow: /\n'));
  await other('robots-latin1', (res) => text(res, 200, Buffer.concat([Buffer.from('User-agent: *\nDisallow: /\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')])));
  // Never answers: the crawler's DOWNLOAD_TIMEOUT ends it.
  await other('robots-hangs', () => {});
  const servers = [main, ...others].map((s) => s.server);
  return {
    url: main.base,
    log,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise((r) => {
              s.closeAllConnections?.();
              s.close(() => r());
            }),
        ),
      ).then(() => undefined),
  };
}
