// `deferkit shell` (issue 18), the real CLI against a loopback site: -c evaluates one expression
// and prints it (both reactors), piped stdin drives the REPL (top-level await, fetch() rebinding
// request/response, one line at a time), local files, project settings, and errors.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli as runCliRaw, tempDir } from './cli-harness.js';
import { startCliSite, type CliSite } from './cli-site.js';

// The machine running the suite may be loaded: generous ceilings, never timing assertions.
const LONG = { timeout: 180_000 };
const runCli = (args: string[], options: Parameters<typeof runCliRaw>[1] = {}) => runCliRaw(args, { timeout: 150_000, ...options });

/** Run the CLI with `input` written to its stdin (then closed); resolves when it exits. */
function runWithStdin(args: string[], input: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, DEFERKIT_CLI_SOURCE: '1' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(input);
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

let site: CliSite;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  site = await startCliSite();
  tmp = tempDir('deferkit-shell-');
});
afterAll(async () => {
  await site.close();
  tmp.cleanup();
});

describe.concurrent('deferkit shell -c', LONG, () => {
  for (const reactor of ['callback', 'promise']) {
    it(`prints the expression's value and exits 0 (${reactor} reactor)`, async () => {
      const r = await runCli(['shell', `${site.url}/`, '--nolog', '--reactor', reactor, '-c', 'response.css("title::text").get()'], { cwd: tmp.dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("'Loopback home'\n");
    });
  }

  it('-c sees request, spider, settings; await works; statements with return too', async () => {
    const r = await runCli(
      ['shell', `${site.url}/redirect`, '--nolog', '-s', 'BOT_NAME=shellbot', '-c', 'const again = await fetch(request.url); return [again.status, response.url, spider.name, settings.get("BOT_NAME")]'],
      { cwd: tmp.dir },
    );
    expect(r.code).toBe(0);
    // The redirect was followed: response.url is the target.
    expect(r.stdout).toBe(`[ 200, '${site.url}/', 'default', 'shellbot' ]\n`);
  });

  it('a local file is fetched as file://', async () => {
    const page = join(tmp.dir, 'page.html');
    writeFileSync(page, '<html><head><title>From disk</title></head></html>');
    const r = await runCli(['shell', page, '--nolog', '-c', '[response.url.startsWith("file://"), response.css("title::text").get()]'], { cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("[ true, 'From disk' ]\n");
  });

  it('inside a project (deferkit.config.ts above the working directory) its settings apply; -s overrides them', async () => {
    const project = join(tmp.dir, 'proj');
    const sub = join(project, 'deep');
    await import('node:fs').then((fs) => fs.mkdirSync(sub, { recursive: true }));
    writeFileSync(join(project, 'deferkit.config.ts'), "export default { BOT_NAME: 'projbot', USER_AGENT: 'proj-agent/1' };\n");
    const [plain, overridden] = await Promise.all([
      runCli(['shell', '--nolog', '-c', '[settings.get("BOT_NAME"), settings.get("USER_AGENT")]'], { cwd: sub }),
      runCli(['shell', '--nolog', '-s', 'BOT_NAME=cmdbot', '-c', 'settings.get("BOT_NAME")'], { cwd: sub }),
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe("[ 'projbot', 'proj-agent/1' ]\n");
    expect(overridden.stdout).toBe("'cmdbot'\n");
  });

  it('a failing fetch or a throwing expression exits 1 with the error on stderr', async () => {
    const [down, bad] = await Promise.all([
      runCli(['shell', 'http://127.0.0.1:1/', '--nolog', '-c', 'response'], { cwd: tmp.dir }),
      runCli(['shell', '--nolog', '-c', 'response.css("x")'], { cwd: tmp.dir }),
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Could not fetch http://127.0.0.1:1/');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('TypeError');
  });
});

describe.concurrent('deferkit shell with piped stdin', LONG, () => {
  for (const reactor of ['callback', 'promise']) {
    it(`runs each line in order: await fetch() rebinds response and request (${reactor} reactor)`, async () => {
      const input = ['response.status', `await fetch("${site.url}/missing")`, 'response.status', 'request.url', 'response.css("title::text").get()', ''].join('\n');
      const r = await runWithStdin(['shell', `${site.url}/`, '--nolog', '--reactor', reactor], input, tmp.dir);
      expect(r.code).toBe(0);
      // The banner (shelp) first, then one result per line, in order.
      expect(r.stdout).toContain('[deferkit] Available objects:');
      const results = r.stdout
        .split('deferkit> ')
        .slice(1)
        .map((s) => s.trim())
        .filter((s) => s !== '');
      expect(results).toEqual(['200', `<404 ${site.url}/missing>`, '404', `'${site.url}/missing'`, "'Not here'"]);
    });
  }

  it('shelp() prints the help; view() writes the response to a file and prints the path', async () => {
    const r = await runWithStdin(['shell', `${site.url}/`, '--nolog'], 'shelp()\nconst p = view(); require("node:fs").readFileSync(p, "utf8").includes("Loopback home")\n', tmp.dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('[deferkit] Available objects:').length).toBe(3);
    expect(r.stdout).toMatch(/deferkit-view-[^\n]*response\.html\n/);
    expect(r.stdout).toContain('true');
  });
});
