// The deferkit command table and the project commands that need no `npm install`, run as the
// real CLI in temporary directories: --help of every command, did-you-mean for commands and
// options, startproject's name and directory checks, genspider inside and outside a project,
// list / settings / crawl on a project whose node_modules links the local packages (what
// `npm install` of its file: references makes; cli-project.test.ts runs the real install),
// version, and every usage error: exit 2, the fix named, no stack.

import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, MAIN_USAGE } from '../../packages/crawler/src/cli/commands.js';
import { freshDirs, ROOT, runCli } from './cli-harness.js';

const fresh = freshDirs('deferkit-commands-');
const STACK = /\n\s+at /;
// Each test spawns CLIs that compile TypeScript on start: on a loaded CI machine that takes
// seconds. A generous limit only ends a hung run; nothing here measures time.
const SLOW = 180_000;

/** A project made by startproject in a fresh directory, its node_modules linking the local packages. */
async function linkedProject(name = 'books'): Promise<string> {
  const parent = fresh();
  const r = await runCli(['startproject', name], { cwd: parent });
  expect(r.code, r.stderr).toBe(0);
  const dir = join(parent, name);
  mkdirSync(join(dir, 'node_modules/@deferkit'), { recursive: true });
  for (const p of ['crawler', 'deferred', 'reactor', 'interop']) symlinkSync(join(ROOT, 'packages', p), join(dir, 'node_modules/@deferkit', p), 'dir');
  return dir;
}

/** A usage error: exit 2, nothing on stdout, the message (and no stack) on stderr. */
function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, message: string | RegExp): void {
  expect(r.stderr).not.toMatch(STACK);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
}

describe('the command table', () => {
  it('deferkit --help lists every command of the table, one line each, with its summary', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(MAIN_USAGE);
    const listed = r.stdout.split('\nCommands:\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(listed.map((l) => l.trim().split(/\s+/)[0])).toEqual(COMMANDS.map((c) => c.name));
    for (const c of COMMANDS) expect(listed.find((l) => l.trim().startsWith(`${c.name} `))).toContain(c.summary);
  }, SLOW);

  it('every command answers --help with its own usage on stdout, exit 0', async () => {
    const results = await Promise.all(COMMANDS.filter((c) => c.name !== 'lab').map(async (c) => [c, await runCli([c.name, '--help'])] as const));
    for (const [c, r] of results) {
      expect(r.code, c.name).toBe(0);
      expect(r.stdout, c.name).toBe(c.usage);
      expect(r.stdout, c.name).toMatch(new RegExp(`^Usage: deferkit ${c.name}\\b`));
    }
    const help = await runCli(['help', 'crawl']);
    expect(help.stdout).toBe(COMMANDS.find((c) => c.name === 'crawl')!.usage);
  }, SLOW);

  it('an unknown command gets the closest command as "did you mean", exit 2', async () => {
    const [typo, far] = await Promise.all([runCli(['crawll', 'x']), runCli(['zzzzzz'])]);
    expectUsageError(typo, "deferkit: error: unknown command 'crawll'. Did you mean 'crawl'? Commands: startproject, genspider, crawl, list, settings,");
    expectUsageError(far, /^deferkit: error: unknown command 'zzzzzz'\. Commands: [a-z, -]+\.\nRun 'deferkit --help' for usage\.\n$/);
  }, SLOW);

  it('an unknown option gets the closest option of that command as "did you mean", exit 2', async () => {
    const [crawl, gen, top] = await Promise.all([runCli(['crawl', 'x', '--ouptut', 'a.jsonl']), runCli(['genspider', '--templat', 'crawl', 'a', 'b.com']), runCli(['--hlep'])]);
    expectUsageError(crawl, "deferkit crawl: error: unknown option '--ouptut'. Did you mean '--output'? Options of crawl: ");
    expectUsageError(gen, "deferkit genspider: error: unknown option '--templat'. Did you mean '--template'?");
    expectUsageError(top, "deferkit: error: unknown option '--hlep'. Did you mean '--help'?");
  }, SLOW);

  it('version prints the crawler package version; -v adds Node.js, each @deferkit package and the key dependencies', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/crawler/package.json'), 'utf8')) as { version: string };
    const [short, long] = await Promise.all([runCli(['version']), runCli(['version', '-v'])]);
    expect(short.stdout).toBe(`deferkit ${pkg.version}\n`);
    const rows = Object.fromEntries(long.stdout.trimEnd().split('\n').map((l) => l.split(/\s+:\s+/) as [string, string]));
    expect(rows['Node.js']).toBe(process.versions.node);
    for (const p of ['deferred', 'reactor', 'interop', 'crawler']) {
      expect(rows[`@deferkit/${p}`]).toBe((JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8')) as { version: string }).version);
    }
    for (const dep of ['cheerio', 'htmlparser2', 'tough-cookie', 'tsx']) expect(rows[dep], dep).toMatch(/^\d+\.\d+\.\d+/);
    expect(rows['tough-cookie']).toBe((JSON.parse(readFileSync(join(ROOT, 'node_modules/tough-cookie/package.json'), 'utf8')) as { version: string }).version);
  }, SLOW);
});

describe('startproject', () => {
  it('names must be identifiers that are no existing module, and DIR must be new or empty: exit 2 with the fix', async () => {
    const cwd = fresh();
    mkdirSync(join(cwd, 'taken'));
    writeFileSync(join(cwd, 'taken/file.txt'), 'x');
    const [dash, digit, builtin, installed, dirTaken, none] = await Promise.all([
      runCli(['startproject', 'my-project'], { cwd }),
      runCli(['startproject', '1books'], { cwd }),
      runCli(['startproject', 'http'], { cwd }),
      runCli(['startproject', 'vitest'], { cwd: ROOT }),
      runCli(['startproject', 'books', 'taken'], { cwd }),
      runCli(['startproject'], { cwd }),
    ]);
    expectUsageError(dash, "Project names must begin with a letter and contain only letters, numbers and underscores: 'my-project' is not one (try 'my_project').");
    expectUsageError(digit, "'1books' is not one");
    expectUsageError(builtin, "'http' already exists as a module");
    expectUsageError(installed, "'vitest' already exists as a module (installed package 'vitest')");
    expectUsageError(dirTaken, `${join(cwd, 'taken')} exists and is not empty: give another DIR (deferkit startproject books DIR), or remove it first.`);
    expectUsageError(none, 'missing the project name: deferkit startproject NAME [DIR].');
    expect(existsSync(join(cwd, 'my-project'))).toBe(false);
  }, SLOW);

  it("writes Scrapy's generated-project settings and file: references to the local packages", async () => {
    const cwd = fresh();
    mkdirSync(join(cwd, 'empty'));
    const r = await runCli(['startproject', 'shop', 'empty'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const dir = join(cwd, 'empty');
    for (const f of ['package.json', 'tsconfig.json', 'deferkit.config.ts', 'items.ts', 'pipelines.ts', 'middlewares.ts', 'spiders/example.ts', 'test/smoke.test.mjs', 'README.md']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const config = readFileSync(join(dir, 'deferkit.config.ts'), 'utf8');
    expect(config).toContain("export const BOT_NAME = 'shop';");
    expect(config).toContain("export const SPIDER_MODULES = ['spiders'];");
    expect(config).toContain('export const ROBOTSTXT_OBEY = true;');
    expect(config).toContain("export const FEED_EXPORT_ENCODING = 'utf-8';");
    expect(config).toMatch(/^\/\/ export const USER_AGENT = /m);
    for (const s of ['CONCURRENT_REQUESTS', 'DOWNLOAD_DELAY', 'AUTOTHROTTLE_ENABLED', 'HTTPCACHE_ENABLED']) expect(config).toMatch(new RegExp(`^// export const ${s} = `, 'm'));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> };
    for (const p of ['crawler', 'deferred', 'reactor', 'interop']) {
      const ref = pkg.dependencies[`@deferkit/${p}`]!;
      expect(ref).toMatch(/^file:/);
      expect(JSON.parse(readFileSync(join(dir, ref.slice('file:'.length), 'package.json'), 'utf8')).name).toBe(`@deferkit/${p}`);
    }
    expect(pkg.scripts.test).toBe('node --test test/smoke.test.mjs');
  }, SLOW);
});

describe('project commands on a linked project', () => {
  it('list prints the spider names sorted; genspider adds one in spiders/ from each template', async () => {
    const dir = await linkedProject();
    const made = await Promise.all([
      runCli(['genspider', 'zeta', 'zeta.example.com'], { cwd: dir }),
      runCli(['genspider', '-t', 'crawl', 'alpha', 'https://alpha.example.com/shop/'], { cwd: join(dir, 'spiders') }),
      runCli(['genspider', '-t', 'sitemap', 'mid-site', 'mid.example.com'], { cwd: dir }),
    ]);
    for (const r of made) expect(r.code, r.stderr).toBe(0);
    expect(made[0]!.stdout).toBe("Created spider 'zeta' using template 'basic' in spiders/zeta.ts\n");
    expect(readFileSync(join(dir, 'spiders/alpha.ts'), 'utf8')).toContain("override startUrls = ['https://alpha.example.com/shop/'];");
    expect(readFileSync(join(dir, 'spiders/alpha.ts'), 'utf8')).toContain('extends CrawlSpider');
    expect(readFileSync(join(dir, 'spiders/mid_site.ts'), 'utf8')).toContain("override sitemapUrls = ['https://mid.example.com/robots.txt'];");
    const list = await runCli(['list'], { cwd: join(dir, 'spiders') });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe('alpha\nexample\nmid-site\nzeta\n');
  }, SLOW);

  it('genspider refuses a name a spider has, an existing file, the project name and an unknown template, unless --force', async () => {
    const dir = await linkedProject('store');
    const [dup, project, template] = await Promise.all([
      runCli(['genspider', 'example', 'other.com'], { cwd: dir }),
      runCli(['genspider', 'store', 'store.com'], { cwd: dir }),
      runCli(['genspider', '-t', 'sitemp', 'x', 'x.com'], { cwd: dir }),
    ]);
    expectUsageError(dup, "deferkit genspider: error: Spider 'example' already exists in spiders/example.ts: choose another name, or pass --force to write it anyway.");
    expectUsageError(project, "Cannot create a spider with the same name as your project ('store')");
    expectUsageError(template, "Unable to find template: sitemp. Did you mean 'sitemap'? Templates: basic, crawl, sitemap (deferkit genspider -l).");
    const forced = await runCli(['genspider', '--force', 'example', 'other.com'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'spiders/example.ts'), 'utf8')).toContain("override allowedDomains = ['other.com'];");
    const templates = await runCli(['genspider', '-l'], { cwd: dir });
    expect(templates.stdout).toBe('Available templates:\n  basic\n  crawl\n  sitemap\n');
  }, SLOW);

  it('outside a project genspider writes NAME.ts in the current directory, and crawl and list say how to make a project', async () => {
    const cwd = fresh();
    const [gen, crawl, list] = await Promise.all([runCli(['genspider', 'solo', 'solo.example.com'], { cwd }), runCli(['crawl', 'solo'], { cwd }), runCli(['list'], { cwd })]);
    expect(gen.code, gen.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'solo.ts'), 'utf8')).toContain('export default class SoloSpider extends Spider');
    expectUsageError(crawl, `deferkit crawl: error: 'crawl' runs inside a project (a directory with deferkit.config.ts, or below one), and ${cwd} is not in one. Create one with 'deferkit startproject NAME'`);
    expectUsageError(list, "deferkit list: error: 'list' runs inside a project");
  }, SLOW);

  it('crawl with an unknown spider name lists the known names and the closest one, exit 2', async () => {
    const dir = await linkedProject();
    const r = await runCli(['crawl', 'exmaple'], { cwd: dir });
    expectUsageError(r, "deferkit crawl: error: Spider not found: exmaple. Did you mean 'example'? Spiders: example.\n");
  }, SLOW);

  it('a spider module that does not compile: list exits 1 naming the file and line, without a stack', async () => {
    const dir = await linkedProject();
    writeFileSync(join(dir, 'spiders/broken.ts'), "import { Spider } from '@deferkit/crawler';\nexport default class B extends Spider {\n  parse( {\n}\n");
    const r = await runCli(['list'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ERROR: Could not load the spider module ${join(dir, 'spiders/broken.ts')}:`);
    expect(r.stderr).toContain(`${join(dir, 'spiders/broken.ts')}:5:0: ERROR: Expected ")" but found end of file`);
    expect(r.stderr).not.toMatch(STACK);
  }, SLOW);

  it('settings --get: the default outside a project, the project value inside, -s over both; --getbool/--getint/--getfloat/--getlist convert', async () => {
    const dir = await linkedProject();
    writeFileSync(join(dir, 'deferkit.config.ts'), readFileSync(join(dir, 'deferkit.config.ts'), 'utf8') + 'export const DOWNLOAD_TIMEOUT = 42;\n');
    const outside = fresh();
    const [def, proj, cmd, conv] = await Promise.all([
      runCli(['settings', '--get', 'ROBOTSTXT_OBEY', '--get', 'DOWNLOAD_TIMEOUT'], { cwd: outside }),
      runCli(['settings', '--get', 'BOT_NAME', '--get', 'ROBOTSTXT_OBEY', '--get', 'DOWNLOAD_TIMEOUT'], { cwd: dir }),
      runCli(['settings', '--get', 'DOWNLOAD_TIMEOUT', '-s', 'DOWNLOAD_TIMEOUT=7'], { cwd: dir }),
      runCli(['settings', '--getbool', 'ROBOTSTXT_OBEY', '--getint', 'DOWNLOAD_TIMEOUT', '--getfloat', 'DOWNLOAD_DELAY', '--getlist', 'SPIDER_MODULES', '-s', 'DOWNLOAD_DELAY=0.25'], { cwd: dir }),
    ]);
    const { DEFAULT_SETTINGS } = await import('@deferkit/crawler');
    expect(def.stdout).toBe(`${JSON.stringify(DEFAULT_SETTINGS.ROBOTSTXT_OBEY)}\n${JSON.stringify(DEFAULT_SETTINGS.DOWNLOAD_TIMEOUT)}\n`);
    expect(DEFAULT_SETTINGS.DOWNLOAD_TIMEOUT).not.toBe(42);
    expect(proj.stdout).toBe('books\ntrue\n42\n');
    expect(cmd.stdout).toBe('7\n');
    expect(conv.stdout).toBe('true\n42\n0.25\n["spiders"]\n');
    const none = await runCli(['settings'], { cwd: dir });
    expectUsageError(none, 'name the setting to print: deferkit settings --get NAME');
  }, SLOW);
});
