#!/usr/bin/env node
// Write the first use of each rule ID in each source file (packages/*/src/**/*.ts) as a link to
// its entry in docs/rules.md, `[R4](../../../docs/rules.md#r4)`, relative to the file. Only
// comments are touched (// and /* */, JSDoc included), never strings or code, nor IDs inside
// `code` spans. Running it again changes nothing. `node scripts/lint-rules.mjs --require-links`
// checks the result.
// Usage: node scripts/link-rules.mjs [--check] [--root <dir>] [file…]
//   --check  change nothing; list what would change and exit 1 if anything would.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { firstUses, isLinkedAt, isSourceFile, lineOf, linkFor, linkTarget, listFiles, rootFromArgs } from './rules-ids.mjs';

const argv = process.argv.slice(2);
const check = argv.includes('--check');
const root = rootFromArgs(argv, import.meta.url);
const named = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--root');
const files = named.length > 0 ? named.map((f) => path.relative(root, path.resolve(f)).split(path.sep).join('/')) : listFiles(root).filter(isSourceFile);

/** The text with the first use of each ID in its comments turned into a link. */
export function linkText(text, rel) {
  const edits = firstUses(text, rel).filter((u) => !isLinkedAt(text, u.start, u.end, linkTarget(rel, u.id)));
  let out = text;
  for (const u of edits.reverse()) out = out.slice(0, u.start) + linkFor(rel, u.id) + out.slice(u.end);
  return { text: out, edits: edits.reverse() };
}

let changed = 0;
for (const rel of files) {
  const abs = path.join(root, rel);
  const before = readFileSync(abs, 'utf8');
  const { text, edits } = linkText(before, rel);
  if (edits.length === 0) continue;
  changed++;
  for (const u of edits) process.stdout.write(`${rel}:${lineOf(before, u.start)}: ${u.id} → ${linkFor(rel, u.id)}\n`);
  if (!check) writeFileSync(abs, text);
}
process.stdout.write(`${changed} file(s) ${check ? 'would change' : 'changed'}.\n`);
if (check && changed > 0) process.exit(1);
