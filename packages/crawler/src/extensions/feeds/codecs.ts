// A feed's encoding (FEEDS' `encoding`, FEED_EXPORT_ENCODING): how its text becomes bytes.

/** How a feed's text becomes bytes. @internal */
export interface FeedEncoding {
  /** Node's name of the encoding. */
  readonly node: 'utf8' | 'utf16le' | 'latin1' | 'ascii';
  /** The highest code unit it can write (the rest is an error, as Python's strict codecs). */
  readonly max: number;
  /** Scrapy's `ensure_ascii`: JSON escapes non-ASCII characters (no encoding given). */
  readonly escapeJson: boolean;
  /** Starts a new file with a byte-order mark (Python's `utf-16`). */
  readonly bom: boolean;
  /** The name shown in messages. */
  readonly label: string;
}

const ENCODINGS: Record<string, Omit<FeedEncoding, 'escapeJson' | 'label'>> = {
  utf8: { node: 'utf8', max: 0xffff, bom: false },
  utf16: { node: 'utf16le', max: 0xffff, bom: true },
  utf16le: { node: 'utf16le', max: 0xffff, bom: false },
  latin1: { node: 'latin1', max: 0xff, bom: false },
  iso88591: { node: 'latin1', max: 0xff, bom: false },
  ascii: { node: 'ascii', max: 0x7f, bom: false },
  usascii: { node: 'ascii', max: 0x7f, bom: false },
};

/**
 * The encoding of a feed, from its `encoding` option or `FEED_EXPORT_ENCODING`.
 *
 * @throws TypeError for an encoding deferkit cannot write, naming the ones it can.
 */
export function feedEncoding(value: unknown, where: string): FeedEncoding {
  if (value === null || value === undefined || value === '') {
    return { ...ENCODINGS.utf8!, escapeJson: true, label: 'utf-8' };
  }
  const known = typeof value === 'string' ? ENCODINGS[value.toLowerCase().replace(/[-_\s]/g, '')] : undefined;
  if (known === undefined) {
    throw new TypeError(
      `${where}: cannot write feeds in ${JSON.stringify(value)}. Use 'utf-8', 'utf-16', 'utf-16le', 'latin-1' or 'ascii', ` +
        "or null for Scrapy's default (UTF-8, with non-ASCII characters escaped in JSON).",
    );
  }
  return { ...known, escapeJson: false, label: String(value) };
}

/**
 * `s` in the feed's encoding.
 *
 * @throws TypeError for a character the encoding lacks (as Python's strict codecs).
 */
export function encodeFeedText(s: string, encoding: FeedEncoding): Buffer {
  const { node, max } = encoding;
  if (node !== 'utf8') {
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > max) {
        const cp = s.codePointAt(i)!;
        throw new TypeError(
          `cannot encode ${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) in ${encoding.label}; ` +
            "set the feed's encoding (or FEED_EXPORT_ENCODING) to 'utf-8', or to null to escape it in JSON.",
        );
      }
    }
  }
  return Buffer.from(s, node);
}
