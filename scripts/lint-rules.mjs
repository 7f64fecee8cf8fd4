#!/usr/bin/env node
// Rule IDs (R4, C3, IC7, J8…) must be explained in the repository, not in files a clone lacks.
// Run by `npm run lint`. Fails (exit 1, one `file:line: ID …` per problem) when
//  - an ID used in a comment, a test title or a doc has no anchor in docs/rules.md;
//  - a Markdown file under docs/ or README.md links outside the repository, or to a missing file;
//  - with --require-links: the first use of an ID in a source file (packages/*/src/**/*.ts) is
//    not written as a link, `[R4](../../../docs/rules.md#r4)` (relative to that file).
//    `node scripts/link-rules.mjs` writes those links.
// Usage: node scripts/lint-rules.mjs [--require-links] [--root <dir>]

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  anchorOf,
  anchorsIn,
  findIds,
  firstUses,
  isLinkedAt,
  isSourceFile,
  lineOf,
  linkFor,
  linkTarget,
  listFiles,
  rootFromArgs,
} from './rules-ids.mjs';

const argv = process.argv.slice(2);
const requireLinks = argv.includes('--require-links');
const root = rootFromArgs(argv, import.meta.url);
const rulesDoc = path.join(root, 'docs/rules.md');
const anchors = anchorsIn(rulesDoc);
const problems = [];
// The docs whose anchors are explicit (`<a id>`), so a link's fragment can be checked.
const ANCHORED = new Set(['docs/rules.md', 'docs/design.md']);

if (!existsSync(rulesDoc)) problems.push('docs/rules.md: missing');

const ids = new Set();
for (const rel of listFiles(root)) {
  const text = readFileSync(path.join(root, rel), 'utf8');
  const found = findIds(text, rel);
  for (const use of found) {
    ids.add(use.id);
    if (!anchors.has(anchorOf(use.id))) {
      problems.push(`${rel}:${lineOf(text, use.start)}: ${use.id} has no anchor in docs/rules.md (add <a id="${anchorOf(use.id)}"></a>)`);
    }
  }
  if (requireLinks && isSourceFile(rel)) {
    for (const use of firstUses(text, rel)) {
      if (!isLinkedAt(text, use.start, use.end, linkTarget(rel, use.id))) {
        problems.push(`${rel}:${lineOf(text, use.start)}: first use of ${use.id} is not a link (write ${linkFor(rel, use.id)}; node scripts/link-rules.mjs does it)`);
      }
    }
  }
  if (rel.endsWith('.md') && (rel.startsWith('docs/') || rel === 'README.md')) checkLinks(rel, text);
}

/** Relative links must stay inside the repository and name an existing file (and anchor, for ANCHORED). */
function checkLinks(rel, text) {
  // Fenced code blocks show examples, not links of this file.
  const prose = text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
  for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const [file, hash] = target.split('#');
    const abs = path.resolve(root, path.dirname(rel), file);
    const line = lineOf(text, m.index);
    if (!abs.startsWith(root + path.sep)) {
      problems.push(`${rel}:${line}: link to ${target} leaves the repository`);
    } else if (!existsSync(abs)) {
      problems.push(`${rel}:${line}: link to ${target}: no such file`);
    } else if (hash && ANCHORED.has(path.relative(root, abs))) {
      if (!anchorsIn(abs).has(hash)) problems.push(`${rel}:${line}: link to ${target}: no anchor "${hash}"`);
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n${problems.length} rule-ID problem(s).\n`);
  process.exit(1);
}
process.stdout.write(`rules: ${ids.size} IDs in use, all in docs/rules.md${requireLinks ? '; first uses in packages/*/src are links' : ''}\n`);
