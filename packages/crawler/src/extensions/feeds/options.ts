// A feed's options: Scrapy's FEEDS values, and the formats a feed can have.

/** The formats a feed can have (`jsonlines` and `jl` are other names of `jsonl`). */
export type FeedFormat = 'jsonl' | 'jsonlines' | 'jl' | 'json' | 'csv';

/** One feed's options: Scrapy's FEEDS values. */
export interface FeedOptions {
  /** `jsonl` (one JSON object per line), `json` (a JSON array) or `csv`. */
  format: FeedFormat;
  /** Replace an existing file (true) or append to it (false, the default — as Scrapy's `-o`). */
  overwrite?: boolean;
  /** Only these fields, in this order (csv: the header). Default: `FEED_EXPORT_FIELDS`, else every field. */
  fields?: string[] | null;
  /** JSON indentation (json only; default `FEED_EXPORT_INDENT`). */
  indent?: number;
  /**
   * The file's encoding (default `FEED_EXPORT_ENCODING`): `null` for Scrapy's default (UTF-8,
   * with JSON and JSON lines escaping every non-ASCII character as `\uXXXX`), or `'utf-8'`,
   * `'utf-16'`, `'utf-16le'`, `'latin-1'` or `'ascii'` (JSON then written as is).
   */
  encoding?: string | null;
}

/** The formats FEEDS accepts. @internal */
export const FORMATS: readonly string[] = ['jsonl', 'jsonlines', 'jl', 'json', 'csv'];
