// Feed URIs: Scrapy's %(name)s / %(time)s parameters, and the file (or standard output) a URI names.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Spider } from '../../Spider.js';

/**
 * Expand Scrapy's feed URI parameters: `%(name)s` (the spider's name), `%(time)s` (the UTC
 * start time, `2026-11-22T03-41-09`), `%(batch_id)d` (1) and `%(attr)s` for any other spider
 * attribute (`-a site=shop` → `%(site)s`).
 *
 * @throws TypeError for a parameter the spider does not have.
 */
export function expandFeedUri(uri: string, spider: Pick<Spider, 'name'> & object, startedAt: Date): string {
  const time = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return uri.replace(/%\((\w+)\)([sd])/g, (_m, key: string) => {
    if (key === 'name') return spider.name;
    if (key === 'time' || key === 'batch_time') return time;
    if (key === 'batch_id') return '1';
    const value = (spider as Record<string, unknown>)[key];
    if (value === undefined || value === null || typeof value === 'function') {
      throw new TypeError(`FEEDS: the URI ${uri} uses %(${key})s, but the spider has no '${key}' attribute (set it with -a ${key}=VALUE).`);
    }
    return String(value);
  });
}

/** The feed URI of standard output (Scrapy's `StdoutFeedStorage`; `-o -:jsonl` on the CLI). */
export const STDOUT_URI = 'stdout:';

/** The file a feed URI names, or `null` for standard output. @internal */
export function toPath(uri: string): string | null {
  if (uri === STDOUT_URI) return null;
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new TypeError(`FEEDS: only local files (a path or file:// URI) and '${STDOUT_URI}' are supported, got ${uri}.`);
  }
  return resolve(uri);
}
