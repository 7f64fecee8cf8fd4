// The files `deferkit startproject` and `deferkit genspider` write. Generated code avoids
// template-literal placeholders of its own, so these texts stay plain template literals.

// Spelled through a constant so the layering lint does not take the generated imports for the
// crawler importing itself by name.
const PKG = '@deferkit/crawler';

/** What a project's files are made from. */
export interface ProjectVars {
  /** The project name (an identifier): BOT_NAME. */
  name: string;
  /** The name in PascalCase, for class names. */
  className: string;
  /** `file:` references to the local @deferkit packages, by package name. */
  dependencies: Record<string, string>;
  /** The deferkit version. */
  version: string;
}

/** `Books_shop` → `BooksShop`; `my-spider` → `MySpider`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+|_/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** The files of a new project, by path relative to its directory. */
export function projectFiles(v: ProjectVars): Record<string, string> {
  const pkg = {
    name: v.name.toLowerCase().replace(/_/g, '-'),
    version: '0.1.0',
    private: true,
    type: 'module',
    description: `The ${v.name} deferkit project.`,
    scripts: {
      crawl: 'deferkit crawl',
      list: 'deferkit list',
      test: 'node --test test/smoke.test.mjs',
    },
    dependencies: v.dependencies,
    engines: { node: '>=20.18.1' },
  };
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    'tsconfig.json':
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            noImplicitOverride: true,
          },
          include: ['deferkit.config.ts', 'items.ts', 'middlewares.ts', 'pipelines.ts', 'spiders/**/*.ts'],
        },
        null,
        2,
      ) + '\n',
    '.gitignore': 'node_modules/\nhttpcache/\n*.jsonl\n',
    'deferkit.config.ts': configFile(v),
    'items.ts': itemsFile(v),
    'pipelines.ts': pipelinesFile(v),
    'middlewares.ts': middlewaresFile(v),
    'spiders/example.ts': exampleSpider(),
    'test/smoke.test.mjs': smokeTest(),
    'README.md': readme(v),
  };
}

function configFile(v: ProjectVars): string {
  return `// Settings of the ${v.name} project. deferkit crawl, list and settings read every
// SCREAMING_CASE export of this file at project priority: above deferkit's defaults, below a
// spider's static customSettings and the command line (-s, -o, -L).
// Every setting: https://github.com/deferkit/deferkit/blob/main/docs/crawler.md (Settings).

export const BOT_NAME = '${v.name}';

// Directories (relative to this file) searched for spiders, and where genspider writes.
export const SPIDER_MODULES = ['spiders'];
export const NEWSPIDER_MODULE = 'spiders';

// Say who you are to the sites you crawl (deferkit's default names deferkit itself):
// export const USER_AGENT = '${v.name} (+https://www.example.com/contact)';

// Follow the sites' robots.txt rules.
export const ROBOTSTXT_OBEY = true;

// How many requests may be in flight at once (default 16), and per domain (default 8):
// export const CONCURRENT_REQUESTS = 32;
// export const CONCURRENT_REQUESTS_PER_DOMAIN = 8;

// Seconds to wait between requests to the same site (default 0; randomised between 0.5× and
// 1.5× unless RANDOMIZE_DOWNLOAD_DELAY is false). AutoThrottle below adapts it instead.
// export const DOWNLOAD_DELAY = 3;

// Cookies are on by default:
// export const COOKIES_ENABLED = false;

// Headers of every request:
// export const DEFAULT_REQUEST_HEADERS = {
//   Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
//   'Accept-Language': 'en',
// };

// Components are classes with an order, as [Class, order] pairs (import them first):
// import { ${v.className}SpiderMiddleware, ${v.className}DownloaderMiddleware } from './middlewares.js';
// import { ${v.className}Pipeline } from './pipelines.js';
// export const SPIDER_MIDDLEWARES = [[${v.className}SpiderMiddleware, 543]];
// export const DOWNLOADER_MIDDLEWARES = [[${v.className}DownloaderMiddleware, 543]];
// export const ITEM_PIPELINES = [[${v.className}Pipeline, 300]];

// AutoThrottle (off by default) sets the delay from the sites' response times:
// export const AUTOTHROTTLE_ENABLED = true;
// The first delay, in seconds:
// export const AUTOTHROTTLE_START_DELAY = 5;
// The longest delay when a site is slow:
// export const AUTOTHROTTLE_MAX_DELAY = 60;
// How many requests, on average, to have in flight to each site:
// export const AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0;
// Log the delay of every response:
// export const AUTOTHROTTLE_DEBUG = false;

// The HTTP cache (off by default) keeps responses on disk, to crawl again without the network:
// export const HTTPCACHE_ENABLED = true;
// export const HTTPCACHE_EXPIRATION_SECS = 0;
// export const HTTPCACHE_DIR = 'httpcache';
// export const HTTPCACHE_IGNORE_HTTP_CODES = [];
// export const HTTPCACHE_STORAGE = 'FilesystemCacheStorage';

// Feeds keep non-ASCII text as it is (deferkit's default escapes it in JSON, as Scrapy's).
export const FEED_EXPORT_ENCODING = 'utf-8';
`;
}

function itemsFile(v: ProjectVars): string {
  return `// The items of the ${v.name} project: plain objects work; an Item class declares its fields,
// and setting any other field throws.

import { Field, Item } from '${PKG}';

/** What the example spider scrapes from each page. */
export interface PageItem {
  url: string;
  title: string | null;
}

/** Declare this project's fields here, e.g. \`name: Field()\`. */
export class ${v.className}Item extends Item {
  static override fields = { url: Field() };
  declare url?: string;
}
`;
}

function pipelinesFile(v: ProjectVars): string {
  return `// The item pipelines of the ${v.name} project. Turn one on in deferkit.config.ts:
//   export const ITEM_PIPELINES = [[${v.className}Pipeline, 300]];

import type { ItemPipeline } from '${PKG}';

/** Sees every item the spiders yield; return it (or a replacement), or throw DropItem. */
export class ${v.className}Pipeline implements ItemPipeline {
  processItem(item: Record<string, unknown>, spider: unknown) {
    void spider;
    return item;
  }
}
`;
}

function middlewaresFile(v: ProjectVars): string {
  return `// The middlewares of the ${v.name} project. Turn them on in deferkit.config.ts:
//   export const SPIDER_MIDDLEWARES = [[${v.className}SpiderMiddleware, 543]];
//   export const DOWNLOADER_MIDDLEWARES = [[${v.className}DownloaderMiddleware, 543]];
// Each method is optional: delete the ones you do not need.

import type { DownloaderMiddleware, Request, Response, SpiderMiddleware } from '${PKG}';

/** Between the engine and the spiders' callbacks. */
export class ${v.className}SpiderMiddleware implements SpiderMiddleware {
  /** Each response before its callback: return nothing, or throw. */
  processSpiderInput(response: Response, spider: unknown): void {
    void response;
    void spider;
  }

  /** What a callback returned: pass on items and Requests (or change them). */
  async *processSpiderOutputAsync(response: Response, result: AsyncIterable<unknown>, spider: unknown): AsyncIterable<unknown> {
    void response;
    void spider;
    for await (const x of result) yield x;
  }

  /** A callback threw: return nothing to pass the error on, or an iterable to recover. */
  processSpiderException(response: Response, exception: unknown, spider: unknown): unknown {
    void response;
    void exception;
    void spider;
    return undefined;
  }

  /** The start requests and items. */
  async *processStart(start: AsyncIterable<unknown>): AsyncIterable<unknown> {
    for await (const x of start) yield x;
  }
}

/** Between the engine and the downloader. */
export class ${v.className}DownloaderMiddleware implements DownloaderMiddleware {
  /** Before the download: return nothing to go on, or a Response or Request instead. */
  processRequest(request: Request, spider: unknown): unknown {
    void request;
    void spider;
    return undefined;
  }

  /** After the download: return the response (or another), or a Request to retry. */
  processResponse(request: Request, response: Response, spider: unknown): unknown {
    void request;
    void spider;
    return response;
  }

  /** The download failed: return nothing to pass the error on, or a Response or Request. */
  processException(request: Request, exception: unknown, spider: unknown): unknown {
    void request;
    void exception;
    void spider;
    return undefined;
  }
}
`;
}

function exampleSpider(): string {
  return `// The example spider: one item (url, title) per page of one site, following its links.
//   npx deferkit demo-site &                 # a local site to try it on (port 8080)
//   npx deferkit crawl example -o pages.jsonl
//   npx deferkit crawl example -a start_url=http://127.0.0.1:9000/ -O pages.json

import { Request, Spider, type Response } from '${PKG}';
import type { PageItem } from '../items.js';

export default class ExampleSpider extends Spider {
  override name = 'example';
  /** Where the crawl starts; -a start_url=URL sets it. Only links to its host are followed. */
  start_url = 'http://127.0.0.1:8080/';

  override *startRequests() {
    yield new Request(this.start_url);
  }

  override *parse(response: Response) {
    const item: PageItem = { url: response.url, title: response.css('title::text').get()?.trim() ?? null };
    yield item;
    const host = new URL(this.start_url).host;
    for (const href of response.css('a::attr(href)').getall()) {
      if (new URL(response.urljoin(href)).host === host) yield response.follow(href);
    }
  }
}
`;
}

function smokeTest(): string {
  return `// npm test: crawls a site served on 127.0.0.1 with the example spider, through the real
// \`deferkit crawl\`, and checks the items. Plain JavaScript (node:test), so it needs no test
// runner or TypeScript compiler of its own: deferkit loads the TypeScript spider.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

const project = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(project, 'package.json'));
const bin = join(dirname(require.resolve('@deferkit/crawler/package.json')), 'bin', 'deferkit.js');

const PAGES = {
  '/': '<html><head><title>Home</title></head><body><a href="/about">About</a> <a href="https://elsewhere.invalid/">Away</a></body></html>',
  '/about': '<html><head><title>About</title></head><body><a href="/">Home</a></body></html>',
};

let server;
let base;
let out;
before(async () => {
  server = createServer((req, res) => {
    const page = PAGES[req.url];
    res.writeHead(page === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = 'http://127.0.0.1:' + server.address().port + '/';
  out = mkdtempSync(join(tmpdir(), 'deferkit-smoke-'));
});
after(() => {
  server.close();
  rmSync(out, { recursive: true, force: true });
});

test('the example spider scrapes the title of each page of the site and stays on it', async () => {
  const file = join(out, 'pages.jsonl');
  const child = spawn(process.execPath, [bin, 'crawl', 'example', '-a', 'start_url=' + base, '-O', file, '-L', 'WARNING'], { cwd: project, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const items = readFileSync(file, 'utf8').trim().split('\\n').map((l) => JSON.parse(l));
  assert.deepEqual(items.map((i) => i.title).sort(), ['About', 'Home']);
  assert.ok(items.every((i) => i.url.startsWith(base)));
});
`;
}

function readme(v: ProjectVars): string {
  return `# ${v.name}

A [deferkit](https://github.com/deferkit/deferkit) crawler project, made by
\`deferkit startproject ${v.name}\` (deferkit ${v.version}).

    npm install --offline        # links the local deferkit packages (see below)
    npx deferkit list            # the spiders: example
    npx deferkit demo-site &     # a local site to crawl, on port 8080
    npx deferkit crawl example -o pages.jsonl
    npm test                     # crawls a site on 127.0.0.1 with the example spider

| file | what it is (Scrapy's) |
| --- | --- |
| \`deferkit.config.ts\` | the settings (settings.py); its directory is the project root (scrapy.cfg's) |
| \`spiders/\` | the spiders, found by their \`name\` (SPIDER_MODULES); \`deferkit genspider NAME DOMAIN\` adds one |
| \`items.ts\` | item types and Item classes (items.py) |
| \`pipelines.ts\` | item pipelines (pipelines.py) |
| \`middlewares.ts\` | spider and downloader middlewares (middlewares.py) |
| \`test/smoke.test.mjs\` | \`npm test\`: the example spider against a local server |

Settings apply with Scrapy's priorities: deferkit's defaults < \`deferkit.config.ts\` < a spider's
\`static customSettings\` < the command line (\`-s NAME=VALUE\`, \`-o\`, \`-L\`). \`npx deferkit
settings --get NAME\` prints the value a crawl would get (without a spider's customSettings).

## Why \`file:\` dependencies

The @deferkit packages are not published yet, so \`package.json\` names them with \`file:\`
references to the deferkit checkout this project was made from. npm links those folders
instead of downloading anything, and their own dependencies are already installed in the
checkout, so \`npm install --offline\` works without a network. Keep the checkout where it is
(or run \`deferkit startproject\` again from its new place); once the packages are published,
replace each \`file:\` reference by a version.
`;
}

/** The spider templates of `deferkit genspider -t`. */
export const SPIDER_TEMPLATES = ['basic', 'crawl', 'sitemap'] as const;

/** What a spider template is filled with. */
export interface SpiderVars {
  /** The spider's `name`. */
  name: string;
  /** Its class name. */
  className: string;
  /** The allowed domain. */
  domain: string;
  /** The start URL (or sitemap URL's site). */
  url: string;
}

/** The text of spider template `template`. */
export function spiderFile(template: (typeof SPIDER_TEMPLATES)[number], v: SpiderVars): string {
  const origin = new URL(v.url).origin;
  if (template === 'crawl') {
    return `import { CrawlSpider, LinkExtractor, Rule, type Response } from '${PKG}';

export default class ${v.className} extends CrawlSpider {
  override name = '${v.name}';
  override allowedDomains = ['${v.domain}'];
  override startUrls = ['${v.url}'];

  override rules = [new Rule(new LinkExtractor({ allow: 'Items/' }), { callback: 'parseItem', follow: true })];

  parseItem(response: Response) {
    const item: Record<string, unknown> = {};
    // item.domain_id = response.xpath('//input[@id="sid"]/@value').get();
    // item.name = response.xpath('//div[@id="name"]').get();
    // item.description = response.xpath('//div[@id="description"]').get();
    void response;
    return item;
  }
}
`;
  }
  if (template === 'sitemap') {
    return `import { SitemapSpider, type Response } from '${PKG}';

export default class ${v.className} extends SitemapSpider {
  override name = '${v.name}';
  override allowedDomains = ['${v.domain}'];
  // A sitemap, a sitemap index, or robots.txt (its Sitemap: lines).
  override sitemapUrls = ['${origin}/robots.txt'];
  // [URL pattern, callback]: each page goes to the first rule its URL matches.
  override sitemapRules = [['', 'parse']] as const;

  override parse(response: Response) {
    return { url: response.url, title: response.css('title::text').get() };
  }
}
`;
  }
  return `import { Spider, type Response } from '${PKG}';

export default class ${v.className} extends Spider {
  override name = '${v.name}';
  override allowedDomains = ['${v.domain}'];
  override startUrls = ['${v.url}'];

  override parse(response: Response) {
    // Return or yield items (plain objects) and Requests (response.follow(href)).
    void response;
  }
}
`;
}
