// robots.txt parsing for RobotsTxtMiddleware (scrapy.robotstxt), on the robots-parser package.

import robotsParser from 'robots-parser';
import type { Crawler } from './Crawler.js';

/**
 * A parsed robots.txt: answers whether a user agent may fetch a URL. A custom parser for
 * `ROBOTSTXT_PARSER` is a class with a static `fromCrawler(crawler, body)` returning one.
 *
 * Mirrors Scrapy's `scrapy.robotstxt.RobotParser`.
 */
export interface RobotParser {
  /** Whether `userAgent` may fetch `url` (an absolute URL). */
  allowed(url: string, userAgent: string): boolean;
}

/** A `ROBOTSTXT_PARSER` class: builds a {@link RobotParser} from a robots.txt body. */
export interface RobotParserClass {
  /** Parse `body` (the raw bytes of a robots.txt). */
  fromCrawler(crawler: Crawler | null, body: Uint8Array): RobotParser;
}

/**
 * `body` as UTF-8 text, or `''` (allow everything) when it is not valid UTF-8 — logging
 * Scrapy's warning on `logger`. A byte-order mark is kept, as Python's `decode('utf-8')` keeps it.
 * Scrapy's `decode_robotstxt`.
 *
 * @param body - the raw robots.txt bytes.
 * @param warn - called with the warning when the body is not UTF-8.
 * @example
 * ```ts
 * import { decodeRobotsTxt } from '@deferkit/crawler';
 * console.log(JSON.stringify(decodeRobotsTxt(new Uint8Array([0xff, 0x41]), () => {})));
 * // prints: ""
 * ```
 */
export function decodeRobotsTxt(body: Uint8Array, warn: (message: string) => void): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    warn(
      'Failure while parsing robots.txt. File either contains garbage or is in an encoding other than UTF-8, ' +
        'treating it as an empty file.',
    );
    return '';
  }
}

/** Where a parsed robots.txt believes it lives: the origin never matters (one parser per netloc). */
const ORIGIN = 'http://robots.invalid';

/** `User-agent:` values as robots-parser stores them (lower case, cut at '/'); '*' stripped from names as Protego does. */
function groupNames(text: string): string[] {
  const names = new Set<string>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const hash = raw.indexOf('#');
    const line = hash === -1 ? raw : raw.slice(0, hash);
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'user-agent') continue;
    let name = line.slice(colon + 1).trim().toLowerCase();
    const slash = name.indexOf('/');
    if (slash !== -1) name = name.slice(0, slash).trim();
    if (name !== '') names.add(name);
  }
  return [...names];
}

/** Prefix a path without a leading '/' with one (Protego's `_enforce_path`); robots-parser would never match it. */
function enforcePaths(text: string): string {
  return text.replace(/^([ \t]*(?:allow|disallow)[ \t]*:[ \t]*)([^/\s*#][^\r\n]*)$/gim, '$1/$2');
}

/**
 * The default robots.txt parser, on the `robots-parser` package (wildcards `*`, an end anchor
 * `$`, the longest matching rule wins, Allow wins a tie) with the user-agent group chosen as
 * Scrapy's default Protego parser chooses it: the group whose name occurs in the user agent
 * (case-insensitively; the longest such name wins), else `*`, else everything is allowed.
 * The body is decoded by {@link decodeRobotsTxt}.
 *
 * Mirrors Scrapy's `scrapy.robotstxt.ProtegoRobotParser`.
 *
 * @example
 * ```ts
 * import { ProtegoRobotParser } from '@deferkit/crawler';
 * const rp = ProtegoRobotParser.fromCrawler(null, new TextEncoder().encode('User-agent: *\nDisallow: /private\nAllow: /private/ok'));
 * console.log(rp.allowed('http://x.test/private/a', 'mybot'), rp.allowed('http://x.test/private/ok', 'mybot'));
 * // prints: false true
 * ```
 */
export class ProtegoRobotParser implements RobotParser {
  readonly #robots: ReturnType<typeof robotsParser>;
  readonly #groups: string[];
  readonly #byAgent = new Map<string, string | null>();

  /** @param text - the decoded robots.txt. */
  constructor(text: string) {
    const fixed = enforcePaths(text);
    this.#robots = robotsParser(`${ORIGIN}/robots.txt`, fixed);
    this.#groups = groupNames(fixed);
  }

  /**
   * Parse a robots.txt body; a body that is not UTF-8 is treated as empty, with Scrapy's warning
   * on the `scrapy.robotstxt` logger.
   */
  static fromCrawler(crawler: Crawler | null, body: Uint8Array): ProtegoRobotParser {
    const text = decodeRobotsTxt(body, (m) => crawler?.getLogger('scrapy.robotstxt').warning(m));
    return new ProtegoRobotParser(text);
  }

  /** The group name robots-parser should look up for `userAgent`, or null for none. */
  #group(userAgent: string): string | null {
    let hit = this.#byAgent.get(userAgent);
    if (hit !== undefined) return hit;
    const ua = userAgent.trim().toLowerCase();
    let best: string | null = null;
    let score = 0;
    for (const name of this.#groups) {
      const s = name === '*' ? 1 : ua.includes(name) ? name.length : 0;
      if (s > score) {
        score = s;
        best = name;
      }
    }
    hit = best;
    this.#byAgent.set(userAgent, hit);
    return hit;
  }

  /** Whether `userAgent` may fetch `url`. */
  allowed(url: string, userAgent: string): boolean {
    const group = this.#group(userAgent);
    if (group === null) return true;
    // Path and query by hand (a Request's URL is already normalised): cheaper than a URL parse.
    const hostStart = url.indexOf('//');
    if (hostStart === -1) return true;
    const pathStart = url.indexOf('/', hostStart + 2);
    const queryStart = url.indexOf('?', hostStart + 2);
    const start = pathStart === -1 ? queryStart : queryStart === -1 ? pathStart : Math.min(pathStart, queryStart);
    const hash = url.indexOf('#');
    let pathAndQuery = start === -1 ? '/' : url.slice(start, hash === -1 ? undefined : hash);
    if (pathAndQuery.startsWith('?')) pathAndQuery = `/${pathAndQuery}`;
    // A name with no rules of its own falls back to '*' in robots-parser; only groups that exist are asked for.
    return this.#robots.isAllowed(ORIGIN + pathAndQuery, group) !== false;
  }
}
