// URL canonicalisation as w3lib's canonicalize_url does it (the LinkExtractor's `canonicalize`
// and its duplicate key).

const HEX = '0123456789ABCDEF';

/** Bytes of `s`, `%XX` escapes decoded to their byte, every other character as UTF-8. */
function unquoteToBytes(s: string): number[] {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = s.codePointAt(i)!;
      if (code < 0x80) out.push(code);
      else {
        const c = String.fromCodePoint(code);
        for (const b of enc.encode(c)) out.push(b);
        i += c.length - 1;
      }
    }
  }
  return out;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** What stays unescaped in a path: RFC 3986 reserved and unreserved characters, `|` and `%` (w3lib's path-safe set). */
const PATH_SAFE = new Set([...(ALNUM + "-._~:/?[]@!$&'()*+,;=|%")].map((c) => c.charCodeAt(0)));
/** What stays unescaped in a query key or value (Python's quote_plus: letters, digits, `_.-~`). */
const QUERY_SAFE = new Set([...(ALNUM + '_.-~')].map((c) => c.charCodeAt(0)));

function quoteBytes(bytes: number[], safe: Set<number>, plus: boolean): string {
  let out = '';
  for (const b of bytes) {
    if (safe.has(b)) out += String.fromCharCode(b);
    else if (plus && b === 0x20) out += '+';
    else out += '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

function compareBytes(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Options of {@link canonicalizeUrl}. */
export interface CanonicalizeOptions {
  /** Keep the `#fragment` (default false: dropped). */
  keepFragments?: boolean;
  /** Keep query arguments with an empty value (default true). */
  keepBlankValues?: boolean;
}

/**
 * A canonical form of `url`, so equivalent URLs compare equal: query arguments sorted (by key,
 * then value) and re-encoded the same way (`+` for spaces), percent-escapes of the path
 * normalised (upper-case hex, unreserved characters unescaped, `%2F` and `%3F` kept), the
 * fragment dropped (unless `keepFragments`), scheme and host lower-cased. Parsing is the WHATWG
 * URL parser's, so a default port is dropped too (w3lib keeps it). A string that is no
 * absolute URL comes back as it was.
 *
 * Mirrors w3lib's `canonicalize_url` (used by Scrapy's LinkExtractor).
 *
 * @param url - an absolute URL.
 * @param options - `keepFragments`, `keepBlankValues`.
 * @returns the canonical URL.
 * @example
 * ```ts
 * import { canonicalizeUrl } from '@deferkit/crawler';
 *
 * console.log(canonicalizeUrl('http://Example.com/a%7eb/c?b=2&a=1&a=0#top'));
 * // prints: http://example.com/a~b/c?a=0&a=1&b=2
 * ```
 */
export function canonicalizeUrl(url: string, options: CanonicalizeOptions = {}): string {
  const keepBlank = options.keepBlankValues ?? true;
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return url;
  }
  // The query: split on & and ;, '+' is a space, values decoded to bytes, sorted, re-encoded.
  const pairs: Array<[number[], number[]]> = [];
  const search = u.search.slice(1);
  if (search !== '') {
    for (const part of search.split(/[&;]/)) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      if (eq === -1 && !keepBlank) continue;
      if (value === '' && !keepBlank) continue;
      pairs.push([unquoteToBytes(name.replace(/\+/g, ' ')), unquoteToBytes(value.replace(/\+/g, ' '))]);
    }
  }
  pairs.sort((a, b) => compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]));
  const query = pairs.map(([k, v]) => `${quoteBytes(k, QUERY_SAFE, true)}=${quoteBytes(v, QUERY_SAFE, true)}`).join('&');
  // The path: escapes decoded (but for / and ?, which would change its meaning) and re-encoded.
  const rawPath = u.pathname.replace(/%(2f|3f)/gi, (m) => '%25' + m.slice(1).toUpperCase());
  const path = quoteBytes(unquoteToBytes(rawPath), PATH_SAFE, false) || '/';
  const auth = u.username !== '' ? `${u.username}${u.password !== '' ? ':' + u.password : ''}@` : '';
  const authority = u.host !== '' || u.protocol !== 'file:' ? `//${auth}${u.host.toLowerCase()}` : '//';
  const fragment = options.keepFragments === true ? u.hash : '';
  return `${u.protocol}${authority}${path}${query !== '' ? '?' + query : ''}${fragment}`;
}
