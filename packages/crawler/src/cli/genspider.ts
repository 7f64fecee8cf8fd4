// `deferkit genspider NAME DOMAIN [-t TEMPLATE] [--force]`, `deferkit genspider -l`
// (Scrapy's `scrapy genspider`).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { closest, flag, parseOptions, UsageError, values } from './args.js';
import type { Command } from './command.js';
import { cliLog } from './output.js';
import { findProject, loadProjectSettings, loadProjectSpiders, spiderModules } from './project.js';
import { pascalCase, SPIDER_TEMPLATES, spiderFile } from './templates.js';

const SPEC = {
  '-t': { key: 'template', value: true },
  '--template': { key: 'template', value: true },
  '-l': { key: 'list', value: false },
  '--list': { key: 'list', value: false },
  '--force': { key: 'force', value: false },
  '-h': { key: 'help', value: false },
  '--help': { key: 'help', value: false },
};

/** `deferkit genspider --help`. */
export const GENSPIDER_USAGE = `Usage: deferkit genspider [options] NAME DOMAIN

Writes a spider named NAME for DOMAIN (a domain, or a URL to start from) from a template:
inside a project to its NEWSPIDER_MODULE directory (else the first of SPIDER_MODULES),
outside one to NAME.ts in the current directory.

Options:
  -t, --template TEMPLATE    basic (default): a Spider; crawl: a CrawlSpider with a Rule;
                             sitemap: a SitemapSpider reading the site's robots.txt
  -l, --list                 list the templates
      --force                overwrite the file, or reuse a name a spider already has
  -h, --help                 show this help

Examples:
  deferkit genspider books books.toscrape.com
  deferkit genspider -t crawl shop https://shop.example.com/catalogue/
`;

/** A spider's file name from its name (Scrapy's sanitize_module_name): `-` and `.` become `_`. */
export function spiderModuleName(name: string): string {
  const m = name.replace(/[-.]/g, '_');
  return /^\d/.test(m) ? `a${m}` : m;
}

/** The domain and start URL of DOMAIN (a bare domain, or a URL as Scrapy ≥2.6 takes). */
function domainAndUrl(arg: string): { domain: string; url: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
    let u: URL;
    try {
      u = new URL(arg);
    } catch {
      throw new UsageError(`'${arg}' is not a valid URL: give a domain (example.com) or a URL (https://example.com/path).`, 'genspider');
    }
    return { domain: u.hostname, url: u.href };
  }
  const domain = arg.replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(domain) || domain === '') throw new UsageError(`'${arg}' is not a domain: give one like example.com (or a URL like https://example.com/).`, 'genspider');
  return { domain: domain.replace(/:\d+$/, ''), url: `https://${domain}/` };
}

/** `deferkit genspider`. Mirrors Scrapy's `scrapy genspider`. */
export const genspiderCommand: Command = {
  name: 'genspider',
  summary: 'write a new spider from a template (basic, crawl, sitemap)',
  usage: GENSPIDER_USAGE,
  async run(argv) {
    const parsed = parseOptions(argv, SPEC, 'genspider');
    if (flag(parsed, 'help')) {
      process.stdout.write(GENSPIDER_USAGE);
      return 0;
    }
    if (flag(parsed, 'list')) {
      process.stdout.write(`Available templates:\n${SPIDER_TEMPLATES.map((t) => `  ${t}\n`).join('')}`);
      return 0;
    }
    const template = values(parsed, 'template').at(-1) ?? 'basic';
    if (!(SPIDER_TEMPLATES as readonly string[]).includes(template)) {
      const near = closest(template, SPIDER_TEMPLATES);
      throw new UsageError(`Unable to find template: ${template}.${near !== undefined ? ` Did you mean '${near}'?` : ''} Templates: ${SPIDER_TEMPLATES.join(', ')} (deferkit genspider -l).`, 'genspider');
    }
    const [name, domainArg, ...extra] = parsed.positionals;
    if (name === undefined || domainArg === undefined) throw new UsageError('genspider needs a spider name and a domain: deferkit genspider NAME DOMAIN.', 'genspider');
    if (extra.length > 0) throw new UsageError(`genspider takes NAME and DOMAIN, got ${parsed.positionals.length} arguments: ${parsed.positionals.join(' ')}.`, 'genspider');
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`'${name}' cannot name a spider file: use letters, digits, '_', '-' and '.'.`, 'genspider');
    const { domain, url } = domainAndUrl(domainArg);
    const force = flag(parsed, 'force');
    const project = findProject();
    let dir = process.cwd();
    if (project !== null) {
      const settings = await loadProjectSettings(project, 'genspider');
      if (typeof settings.BOT_NAME === 'string' && settings.BOT_NAME === name) {
        throw new UsageError(`Cannot create a spider with the same name as your project ('${name}'): choose another name.`, 'genspider', false);
      }
      dir = typeof settings.NEWSPIDER_MODULE === 'string' && settings.NEWSPIDER_MODULE !== '' ? resolve(project.root, settings.NEWSPIDER_MODULE) : (spiderModules(project, settings, 'genspider')[0] ?? join(project.root, 'spiders'));
      if (!force) {
        // A spider of that name elsewhere in the project (Scrapy asks its spider loader). A
        // module that does not load (dependencies not installed yet) leaves that check out.
        let spiders;
        try {
          spiders = await loadProjectSpiders(project, settings, 'genspider', () => {});
        } catch {
          spiders = null;
        }
        const existing = spiders?.get(name);
        if (existing !== undefined) {
          throw new UsageError(`Spider '${name}' already exists in ${relative(process.cwd(), existing.file) || existing.file}: choose another name, or pass --force to write it anyway.`, 'genspider', false);
        }
      }
    }
    const file = join(dir, `${spiderModuleName(name)}.ts`);
    if (existsSync(file) && !force) {
      throw new UsageError(`${relative(process.cwd(), file) || file} already exists: choose another name, or pass --force to overwrite it.`, 'genspider', false);
    }
    const className = `${pascalCase(spiderModuleName(name))}Spider`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, spiderFile(template as (typeof SPIDER_TEMPLATES)[number], { name, className, domain, url }));
    if (project === null && !existsSync(join(dir, 'package.json'))) {
      cliLog('WARNING', `Not in a project: wrote a single spider file; run it with 'deferkit runspider ${relative(process.cwd(), file)}'.`);
    }
    process.stdout.write(`Created spider '${name}' using template '${template}' in ${relative(process.cwd(), file) || file}\n`);
    return 0;
  },
};
