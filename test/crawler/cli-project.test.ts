// The project workflow end to end, with the real CLI and a real npm: startproject in a
// temporary directory, ONE `npm install --offline` of the generated project (its file:
// references to the local packages need no network), then genspider, list, a type check of the
// generated code, crawl -o against a loopback server (robots.txt obeyed as the project asks,
// each settings priority winning as in Scrapy: default < project < spider < command line),
// and the generated project's own `npm test`.

import { spawn } from 'node:child_process';
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '@deferkit/crawler';
import { parseJsonl, ROOT, runCli, statsDump, tempDir } from './cli-harness.js';

// npm and the CLIs compile and install on a loaded machine: generous limits that only end a
// hung run; nothing here measures time.
const SLOW = 300_000;

/** Run a program to its end. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tmp: ReturnType<typeof tempDir>;
let project: string;
let server: Server;
let base: string;
/** Requests the loopback site got: path and User-Agent. */
const seen: Array<{ path: string; ua: string }> = [];

const PAGES: Record<string, string> = {
  '/robots.txt': 'User-agent: *\nDisallow: /private\n',
  '/': '<html><head><title>Home</title></head><body><a href="/about">About</a> <a href="/private">Secret</a></body></html>',
  '/about': '<html><head><title>About</title></head><body><a href="/">Home</a></body></html>',
  '/private': '<html><head><title>Private</title></head><body></body></html>',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', ua: String(req.headers['user-agent']) });
    const page = PAGES[req.url ?? ''];
    res.writeHead(page === undefined ? 404 : 200, { 'Content-Type': req.url === '/robots.txt' ? 'text/plain' : 'text/html; charset=utf-8' });
    res.end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = tempDir('deferkit-project-');
  const made = await runCli(['startproject', 'books'], { cwd: tmp.dir });
  expect(made.code, made.stderr).toBe(0);
  project = join(tmp.dir, 'books');
  // The one install of this file: offline, from the file: references.
  const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], project);
  expect(install.code, install.stderr + install.stdout).toBe(0);
}, SLOW);

afterAll(() => {
  server?.close();
  tmp?.cleanup();
});

describe('a generated project, installed with npm --offline', () => {
  it('npm install links each @deferkit package from the local checkout (no download)', () => {
    for (const p of ['crawler', 'deferred', 'reactor', 'interop']) {
      expect(lstatSync(join(project, 'node_modules/@deferkit', p)).isSymbolicLink(), p).toBe(true);
    }
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
    expect(lock.packages['node_modules/@deferkit/crawler']).toMatchObject({ link: true });
  });

  it("genspider's three templates and the generated files type-check with the project's tsconfig, and list finds every spider", async () => {
    const made = await Promise.all([
      runCli(['genspider', 'plain', 'plain.example.com'], { cwd: project }),
      runCli(['genspider', '-t', 'crawl', 'rules', 'rules.example.com'], { cwd: project }),
      runCli(['genspider', '-t', 'sitemap', 'maps', 'https://maps.example.com/'], { cwd: project }),
    ]);
    for (const r of made) expect(r.code, r.stderr).toBe(0);
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    const list = await runCli(['list'], { cwd: project });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe('example\nmaps\nplain\nrules\n');
  }, SLOW);

  it('crawl NAME -o FILE crawls the loopback site with the project settings: robots.txt obeyed, items in the feed', async () => {
    const out = join(project, 'pages.jsonl');
    const r = await runCli(['crawl', 'example', '-a', `start_url=${base}/`, '-o', out, '-L', 'INFO'], { cwd: project, timeout: SLOW });
    expect(r.code, r.stderr).toBe(0);
    const items = parseJsonl(readFileSync(out, 'utf8'));
    expect(items.map((i) => i.title).sort()).toEqual(['About', 'Home']);
    // ROBOTSTXT_OBEY = true in deferkit.config.ts: /private is never requested.
    expect(seen.some((s) => s.path === '/robots.txt')).toBe(true);
    expect(seen.some((s) => s.path === '/private')).toBe(false);
    expect(statsDump(r.stderr)['robotstxt/forbidden']).toBe(1);
  }, SLOW);

  it('settings priorities as Scrapy: default < deferkit.config.ts < spider customSettings < -s, in settings --get and in a crawl', async () => {
    // DOWNLOAD_MAXSIZE: nobody sets it. USER_AGENT: the project. DOWNLOAD_TIMEOUT: the project and
    // the spider. CONCURRENT_REQUESTS: the project, the spider and the command line.
    const config = join(project, 'deferkit.config.ts');
    writeFileSync(
      config,
      readFileSync(config, 'utf8') + "export const USER_AGENT = 'books-test-bot';\nexport const DOWNLOAD_TIMEOUT = 11;\nexport const CONCURRENT_REQUESTS = 5;\n",
    );
    writeFileSync(
      join(project, 'spiders/prio.ts'),
      `import { Request, Spider, type Response } from '@deferkit/crawler';

export default class PrioSpider extends Spider {
  static override customSettings = { DOWNLOAD_TIMEOUT: 22, CONCURRENT_REQUESTS: 6 };
  override name = 'prio';
  start_url = '';
  override *startRequests() {
    yield new Request(this.start_url);
  }
  override parse(response: Response) {
    const s = this.settings;
    return { ua: s.get('USER_AGENT'), maxsize: s.get('DOWNLOAD_MAXSIZE'), timeout: s.get('DOWNLOAD_TIMEOUT'), concurrency: s.get('CONCURRENT_REQUESTS'), url: response.url };
  }
}
`,
    );
    const [get, getCmd] = await Promise.all([
      runCli(['settings', '--get', 'DOWNLOAD_MAXSIZE', '--get', 'USER_AGENT', '--get', 'DOWNLOAD_TIMEOUT', '--get', 'CONCURRENT_REQUESTS'], { cwd: project }),
      runCli(['settings', '--get', 'CONCURRENT_REQUESTS', '-s', 'CONCURRENT_REQUESTS=7'], { cwd: project }),
    ]);
    expect(get.stdout).toBe(`${String(DEFAULT_SETTINGS.DOWNLOAD_MAXSIZE)}\nbooks-test-bot\n11\n5\n`);
    expect(getCmd.stdout).toBe('7\n');
    const out = join(project, 'prio.jsonl');
    const before = seen.length;
    const r = await runCli(['crawl', 'prio', '-a', `start_url=${base}/about`, '-O', out, '-s', 'CONCURRENT_REQUESTS=7', '--nolog'], { cwd: project, timeout: SLOW });
    expect(r.code, r.stderr).toBe(0);
    const [item] = parseJsonl(readFileSync(out, 'utf8'));
    expect(item).toEqual({ ua: 'books-test-bot', maxsize: DEFAULT_SETTINGS.DOWNLOAD_MAXSIZE, timeout: 22, concurrency: 7, url: `${base}/about` });
    // The project's USER_AGENT reached the site.
    expect(seen.slice(before).every((s) => s.ua === 'books-test-bot')).toBe(true);
  }, SLOW);

  it("the generated project's own npm test passes (its smoke test crawls a loopback server)", async () => {
    const r = await run('npm', ['test'], project, { DEFERKIT_CLI_SOURCE: '1' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# pass 1\n/);
    expect(r.stdout).toMatch(/# fail 0\n/);
  }, SLOW);
});
