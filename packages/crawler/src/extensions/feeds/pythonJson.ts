// JSON as Python's json.dumps writes it, which is how Scrapy's JSON exporters write items.

/**
 * `value` as Python's `json.dumps` writes it without indentation, which is how Scrapy's JSON
 * exporters write items: `{"a": 1, "b": [1, 2]}`, with a space after each `:` and `,`
 * (`JSON.stringify` writes none). With an indent, both write the same. Values go through
 * `JSON.stringify` first, so `toJSON()`, `undefined` and the rest follow JSON's rules.
 */
export function pythonJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : spaced(JSON.parse(text) as unknown);
}

function spaced(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(spaced).join(', ') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).map((k) => JSON.stringify(k) + ': ' + spaced(o[k])).join(', ') + '}';
}

/** Python's `json.dumps(..., ensure_ascii=True)` escaping: every non-ASCII code unit as `\uXXXX`. */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
