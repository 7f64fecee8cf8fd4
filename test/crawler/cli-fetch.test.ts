// `deferkit fetch` and `deferkit view` (issue 18), run as the real CLI against a loopback site:
// the body on stdout and the log on stderr, --headers with Scrapy's > and < prefixes,
// redirects followed unless --no-redirect, a 404's body, file:// (Scrapy's
// FileDownloadHandler), view's temporary file and configured browser, usage errors.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FETCH_USAGE } from '../../packages/crawler/src/cli/fetch.js';
import { runCli as runCliRaw, tempDir } from './cli-harness.js';
import { HOME, startCliSite, type CliSite } from './cli-site.js';

// The machine running the suite may be loaded: generous ceilings, never timing assertions.
const LONG = { timeout: 180_000 };
const runCli = (args: string[], options: Parameters<typeof runCliRaw>[1] = {}) => runCliRaw(args, { timeout: 150_000, ...options });

let site: CliSite;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  site = await startCliSite();
  tmp = tempDir('deferkit-fetch-');
});
afterAll(async () => {
  await site.close();
  tmp.cleanup();
});

describe.concurrent('deferkit fetch', LONG, () => {
  it('prints the body on stdout, the crawl log on stderr, exit 0', async () => {
    const r = await runCli(['fetch', `${site.url}/`], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HOME);
    expect(r.stderr).toContain(`Crawled (200) <GET ${site.url}/>`);
  });

  it('--nolog leaves stderr empty; redirects are followed (the body of the target)', async () => {
    const r = await runCli(['fetch', '--nolog', `${site.url}/redirect`], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(HOME);
  });

  it('--headers prints the request headers with "> ", a ">" line, then the response headers with "< "', async () => {
    const r = await runCli(['fetch', '--nolog', '--headers', `${site.url}/`, '-s', 'USER_AGENT=fetch-test/1'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const gap = lines.indexOf('>');
    expect(gap).toBeGreaterThan(0);
    expect(lines.slice(0, gap).every((l) => l.startsWith('> '))).toBe(true);
    expect(lines.slice(gap + 1).every((l) => l.startsWith('< '))).toBe(true);
    expect(lines).toContain('> User-Agent: fetch-test/1');
    expect(lines).toContain('< X-Site: loopback');
    // What was printed as sent is what the server received.
    const sent = site.requests.find((q) => q.headers['user-agent'] === 'fetch-test/1');
    expect(sent).toBeDefined();
  });

  it('--no-redirect prints the 302 itself; a 404 body is printed too (every status is handed over)', async () => {
    const [redirect, missing] = await Promise.all([
      runCli(['fetch', '--nolog', '--no-redirect', '--headers', `${site.url}/redirect`], { cwd: tmp.dir }),
      runCli(['fetch', '--nolog', `${site.url}/missing`], { cwd: tmp.dir }),
    ]);
    expect(redirect.code).toBe(0);
    expect(redirect.stdout).toContain('< Location: /');
    expect(missing.code).toBe(0);
    expect(missing.stdout).toContain('<title>Not here</title>');
  });

  it('under the promise reactor too (--reactor promise)', async () => {
    const r = await runCli(['fetch', '--nolog', '--reactor', 'promise', `${site.url}/json`], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ answer: 42 });
  });

  it('a local path is fetched as file:// (FileDownloadHandler); a missing file exits 1 naming it', async () => {
    const page = join(tmp.dir, 'local.html');
    writeFileSync(page, '<title>On disk</title>');
    const [ok, missing] = await Promise.all([
      runCli(['fetch', '--nolog', page], { cwd: tmp.dir }),
      runCli(['fetch', '--nolog', join(tmp.dir, 'absent.html')], { cwd: tmp.dir }),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('<title>On disk</title>');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('absent.html');
    expect(missing.stderr).toContain('ENOENT');
  });

  it('usage: --help, a missing URL and a bad --reactor exit with a clear message', async () => {
    const [help, none, reactor] = await Promise.all([
      runCli(['fetch', '--help']),
      runCli(['fetch']),
      runCli(['fetch', `${site.url}/`, '--reactor', 'twisted']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(FETCH_USAGE);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing the URL');
    expect(reactor.code).toBe(2);
    expect(reactor.stderr).toContain('use --reactor callback or --reactor promise');
  });
});

describe.concurrent('deferkit view', LONG, () => {
  it('writes the body to a temporary .html file with a <base href> and prints its path', async () => {
    const r = await runCli(['view', '--nolog', `${site.url}/`], { cwd: tmp.dir, env: { BROWSER: '' } });
    expect(r.code).toBe(0);
    const path = r.stdout.trim();
    expect(path.endsWith('.html')).toBe(true);
    const saved = readFileSync(path, 'utf8');
    expect(saved).toContain(`<base href="${site.url}/">`);
    expect(saved).toContain('<title>Loopback home</title>');
  });

  it('opens the file with the configured BROWSER command (%s is the file)', async ({ expect }) => {
    const marker = join(tmp.dir, 'browser-opened.txt');
    const opener = join(tmp.dir, 'opener.mjs');
    writeFileSync(opener, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, process.argv[2]);\n`);
    const r = await runCli(['view', '--nolog', `${site.url}/`], { cwd: tmp.dir, env: { BROWSER: `"${process.execPath}" "${opener}" %s` } });
    expect(r.code).toBe(0);
    const path = r.stdout.trim();
    // The browser is started detached; wait for the file it writes (an event, not a delay).
    await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8'), { timeout: 60_000 }).toBe(path);
  });
});
