// `view(response)` of the shell and `deferkit view URL`: the body in a temporary file, with a
// <base> so that relative links and styles resolve against the page's URL, opened in a
// browser only where one is configured.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from '../Response.js';
import type { Command } from './command.js';

/** The file extension a response's body is saved with. */
function extensionOf(response: Response): string {
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  if (!response.isText) return '.bin';
  if (type.includes('json')) return '.json';
  if (type.includes('xml') && !type.includes('html')) return '.xml';
  if (type.includes('html') || /^\s*(<!doctype html|<html|<head|<body|<title)/i.test(response.text.slice(0, 1024))) return '.html';
  return '.txt';
}

/** The HTML with `<base href="url">` after `<head>`, unless it has a `<base>` already (Scrapy's `open_in_browser`). */
function withBase(html: string, url: string): string {
  if (/<base\s/i.test(html)) return html;
  const tag = `<base href="${url.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head !== null) return html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length);
  return `<head>${tag}</head>${html}`;
}

/** Where `view` put a response, and whether it started a browser on it. */
export interface ViewResult {
  /** The temporary file. */
  path: string;
  /** The browser command started, or null when none is configured. */
  browser: string | null;
}

/**
 * Write `response`'s body to a new temporary file (HTML gets a `<base href>`), and open it with
 * `browser` when one is given: a command line, where `%s` stands for the file (else the file is
 * appended), run by the shell. Without one nothing is opened: the caller prints the path.
 */
export function viewResponse(response: Response, browser: string | null): ViewResult {
  const dir = mkdtempSync(join(tmpdir(), 'deferkit-view-'));
  const ext = extensionOf(response);
  const path = join(dir, `response${ext}`);
  writeFileSync(path, ext === '.html' ? withBase(response.text, response.url) : response.body);
  if (browser === null || browser.trim() === '') return { path, browser: null };
  const quoted = `'${path.replace(/'/g, `'\\''`)}'`;
  const command = browser.includes('%s') ? browser.replace(/%s/g, quoted) : `${browser} ${quoted}`;
  const child = spawn(command, { shell: true, stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
  return { path, browser: command };
}

/** The browser to open views with: the `BROWSER` setting, else the `BROWSER` environment variable, else none. */
export function configuredBrowser(setting: unknown): string | null {
  if (typeof setting === 'string' && setting !== '') return setting;
  const env = process.env.BROWSER;
  return env !== undefined && env !== '' ? env : null;
}

/** `deferkit view --help`. */
export const VIEW_USAGE = `Usage: deferkit view <URL|file> [options]

Downloads the URL as 'deferkit fetch' does, writes the body to a temporary file (HTML with a
<base href> so that links and styles resolve) and prints the file's path. With a browser
configured (the BROWSER setting or environment variable: a command, %s for the file) it
opens the file in it.

Options:
      --nolog                no log output (LOG_ENABLED=false)
      --no-redirect          do not follow redirects
      --spider NAME          use the project's spider NAME (its settings and middlewares)
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable)
      --reactor KIND         callback or promise (the REACTOR setting)
  -h, --help                 show this help

Example:
  BROWSER=firefox deferkit view http://127.0.0.1:8080/
`;

/**
 * `deferkit view`.
 *
 * Mirrors Scrapy's `scrapy view` command.
 */
export const viewCommand: Command = {
  name: 'view',
  summary: 'download a URL and show it: a temporary file, opened in a browser if one is configured',
  usage: VIEW_USAGE,
  async run(argv) {
    const { fetchOnce, parseFetchArgs } = await import('./fetch.js');
    const opts = parseFetchArgs(argv, 'view');
    if (opts.help) {
      process.stdout.write(VIEW_USAGE);
      return 0;
    }
    return fetchOnce(opts, 'view', (response, setting) => {
      const { path } = viewResponse(response, configuredBrowser(setting));
      process.stdout.write(`${path}\n`);
    });
  },
};
