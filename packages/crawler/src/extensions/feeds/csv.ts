// CSV feeds: cells and rows as Scrapy's CsvItemExporter (Python's csv module) writes them.

/** One CSV cell as Scrapy's CsvItemExporter writes it: lists joined by `,`, quoted when needed. @internal */
export function csvCell(v: unknown): string {
  let s: string;
  if (v === undefined || v === null) s = '';
  else if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) s = v.join(','); // Scrapy's join_multivalued
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (a header or an item's values), ended by CRLF as Python's csv module ends it. @internal */
export function csvRow(values: readonly unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}
