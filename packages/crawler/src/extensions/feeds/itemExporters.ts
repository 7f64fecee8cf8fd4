// Item exporters: an item as the text of one feed format (Scrapy's JsonItemExporter,
// JsonLinesItemExporter and CsvItemExporter, without their framing, which the slot adds).

import { escapeNonAscii, pythonJson } from './pythonJson.js';

/** The item's `fields`, in that order (all of them when `fields` is undefined). @internal */
export function pickFields(item: object, fields: string[] | undefined): Record<string, unknown> {
  const obj = item as Record<string, unknown>;
  if (fields === undefined) return obj;
  return Object.fromEntries(fields.map((f) => [f, obj[f]]));
}

/**
 * An item as JSON: indented as `JSON.stringify` writes it with an indent > 0, else spaced as
 * Python's `json.dumps`; non-ASCII characters escaped when `escapeJson` (Scrapy's
 * `ensure_ascii`). @internal
 */
export function itemJson(obj: unknown, escapeJson: boolean, indent?: number): string {
  const text = indent !== undefined && indent > 0 ? JSON.stringify(obj, null, indent) : pythonJson(obj);
  return escapeJson ? escapeNonAscii(text) : text;
}
