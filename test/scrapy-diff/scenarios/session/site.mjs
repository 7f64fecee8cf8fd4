// The "session" scenario's site (and test/crawler/cookies.test.ts's): a login form with a CSRF
// token, a members-only page behind a session cookie, a page echoing the Cookie header it got,
// a redirect to a second host, a JSON endpoint and a GET search form. Two HTTP servers with
// the same handler, on 127.0.0.1 and 127.0.0.2 (two hosts for the cookie domain rules), port 0.
// Deterministic: GET /login?u=NAME hands out token tok-NAME and cookie pre=NAME (without u, the
// n-th GET /login gives tok-n and pre=n).

import http from 'node:http';

function page(title, body) {
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body>${body}</body></html>`;
}

function cookiesOf(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function escapeHtml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * @returns {Promise<{ url: string, otherUrl: string, log: string[], close: () => Promise<void> }>}
 *   url: host A's base URL; otherUrl: host B's. log: `METHOD host path` lines.
 */
export async function startSite() {
  const log = [];
  let logins = 0;
  let otherBase = '';
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      log.push(`${req.method} ${req.headers.host} ${req.url}`);
      const u = new URL(req.url ?? '/', 'http://x');
      const cookies = cookiesOf(req);
      const html = (status, title, content, headers = {}) => {
        res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
        res.end(page(title, content));
      };
      const echo = `<p class="cookie">${escapeHtml(req.headers.cookie ?? '')}</p>`;
      if (u.pathname === '/login' && req.method === 'GET') {
        logins += 1;
        const id = u.searchParams.get('u') ?? String(logins);
        html(
          200,
          'login',
          `<form id="search" action="/search?page=1" method="get"><input name="q" value="default"><input type="submit" value="Search"></form>
<form name="login" action="/login" method="post">
<input type="hidden" name="csrf" value="tok-${id}">
<input name="user"> <input type="password" name="pass">
<input type="checkbox" name="remember" value="yes" checked> <input type="checkbox" name="spam" value="yes">
<select name="lang"><option value="fr">fr</option><option value="en" selected>en</option></select>
<input type="submit" name="go" value="Log in"> <input type="submit" name="alt" value="Other">
</form>`,
          { 'Set-Cookie': `pre=${id}; Path=/` },
        );
        return;
      }
      if (u.pathname === '/login' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        const user = form.get('user') ?? '';
        const token = form.get('csrf') ?? '';
        if (token !== `tok-${cookies.pre}` || form.get('pass') !== 'secret' || user === '') {
          html(403, 'denied', `<h1>bad login</h1><p>${escapeHtml(body)}</p>`);
          return;
        }
        res.writeHead(302, {
          Location: '/members',
          'Set-Cookie': [`session=${user}; Path=/; HttpOnly`, `sec=${user}; Path=/; Secure`],
          'Content-Length': '0',
        });
        res.end();
        return;
      }
      if (u.pathname === '/members') {
        if (cookies.session === undefined) html(403, 'members', '<h1>members only</h1>');
        else html(200, 'members', `<h1>Welcome ${escapeHtml(cookies.session)}</h1>${echo}`);
        return;
      }
      if (u.pathname === '/echo' || u.pathname.endsWith('/echo')) {
        html(200, 'echo', `<h1>echo ${escapeHtml(u.pathname + u.search)}</h1>${echo}`);
        return;
      }
      if (u.pathname === '/away') {
        res.writeHead(302, { Location: `${otherBase}/echo${u.search}`, 'Content-Length': '0' });
        res.end();
        return;
      }
      if (u.pathname === '/search') {
        html(200, 'search', `<h1>search ${escapeHtml(u.search)}</h1>${echo}`);
        return;
      }
      if (u.pathname === '/api' && req.method === 'POST') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ got: body, type: req.headers['content-type'] ?? null, accept: req.headers.accept ?? null, cookie: req.headers.cookie ?? '' }));
        return;
      }
      html(404, 'not found', '<h1>not found</h1>');
    });
  };
  const listen = (host) =>
    new Promise((resolve, reject) => {
      const server = http.createServer(handler);
      server.keepAliveTimeout = 500;
      server.once('error', reject);
      server.listen(0, host, () => resolve(server));
    });
  const a = await listen('127.0.0.1');
  const b = await listen('127.0.0.2');
  otherBase = `http://127.0.0.2:${b.address().port}`;
  return {
    url: `http://127.0.0.1:${a.address().port}`,
    otherUrl: otherBase,
    log,
    close: async () => {
      for (const s of [a, b]) {
        s.closeAllConnections?.();
        await new Promise((r) => s.close(() => r()));
      }
    },
  };
}
