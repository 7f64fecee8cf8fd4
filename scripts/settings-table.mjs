#!/usr/bin/env node
// Regenerate the "Scrapy settings and components" tables of docs/crawler.md from
// packages/crawler/src/settingsRegistry.ts (test/crawler/settings-honesty.test.ts checks they match).
// Usage: node scripts/settings-table.mjs [--check]

import { readFileSync, writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const doc = new URL('../docs/crawler.md', import.meta.url);
const registry = await tsImport('../packages/crawler/src/settingsRegistry.ts', import.meta.url);
const [start, end] = registry.SETTINGS_TABLE_MARKERS;
const text = readFileSync(doc, 'utf8');
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a === -1 || b === -1 || b < a) {
  process.stderr.write(`docs/crawler.md has no ${start} … ${end} section.\n`);
  process.exit(1);
}
const next = `${text.slice(0, a + start.length)}\n${registry.settingsTableMarkdown()}\n${text.slice(b)}`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write('docs/crawler.md: the settings table is out of date; run node scripts/settings-table.mjs\n');
    process.exit(1);
  }
} else if (next !== text) writeFileSync(doc, next);
