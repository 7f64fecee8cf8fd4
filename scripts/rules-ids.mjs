// Shared by scripts/lint-rules.mjs and scripts/link-rules.mjs: where rule IDs (R4, C3, IC7, J8…)
// are looked for, how they are recognised, and the link form a source file's first use takes.
// docs/rules.md explains the IDs themselves and the link form.
//
// Comments are found with TypeScript's own scanner (through the parse tree), so a `//` inside a
// string, a regex literal or a template is never taken for a comment, and type parameters such
// as `R1` in `addCallbacks<R1, R2>` are code, not rule IDs.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Every family of rule IDs: Twisted's and Scrapy's reference rules, deferkit's deviations (J), issue items (B). */
export const FAMILIES = [
  // Longer prefixes first, so that `RC1` is never read as `R`…
  'RC', 'CD', 'MD', 'IC', 'AW', 'FU', 'LK', 'SM', 'DC', 'DL', 'LC',
  'R', 'F', 'C', 'P', 'A', 'X', 'T', 'U', 'D', 'M', 'L', 'G', 'E', 'Q', 'K', 'J', 'B',
];

// An ID stands alone: not glued to a word (`0x8D`, `U5x`), not a percent-escape (`%C3`), not a
// fragment (`#r4` is lowercase anyway). Ranges such as `L1-L9` or `M1–M6` give both ends.
const ID_SOURCE = `(?<![\\w%#$@.])(?:${FAMILIES.join('|')})[1-9][0-9]?(?![\\w])`;
export const idPattern = () => new RegExp(ID_SOURCE, 'g');

// Matches that look like IDs but are something else, tested on the text from the match on.
const NOT_RULES = [
  /^C[01] control/, // Unicode's C0/C1 control characters (packages/crawler/src/utils/cp1252.ts)
];

/** The places scanned, relative to the repository root. */
export const SCAN_ROOTS = ['packages', 'test', 'bench', 'docs', 'examples', 'scripts', 'README.md'];
const CODE_EXT = /\.(?:[cm]?[jt]s|tsx)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.examples', 'api', '.git', 'coverage']);

/** Files to scan: source, tests, benches, examples, scripts (code) and Markdown under them. */
export function listFiles(root) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        if (SKIP_DIRS.has(name)) continue;
        walk(rel === '' ? name : `${rel}/${name}`);
      }
      return;
    }
    // Under packages/ only each package's src/ holds code and comments worth scanning.
    if (rel.startsWith('packages/') && !/^packages\/[^/]+\/src\//.test(rel)) return;
    if (CODE_EXT.test(rel) || rel.endsWith('.md')) out.push(rel);
  };
  for (const r of SCAN_ROOTS) walk(r);
  return out;
}

/** A source file, as opposed to a test, bench or doc: the files whose first uses must be links. */
export const isSourceFile = (rel) => /^packages\/[^/]+\/src\/.+\.ts$/.test(rel);

/**
 * The comment ranges of a code file, in order, as `{ start, end }` offsets. Found by walking every
 * token of the parse tree and asking for the comments before and after it.
 */
export function commentRanges(text, fileName = 'file.ts') {
  const kind = /\.[cm]?js$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const seen = new Map();
  const add = (ranges) => {
    for (const r of ranges ?? []) seen.set(r.pos, { start: r.pos, end: r.end });
  };
  const visit = (node) => {
    add(ts.getLeadingCommentRanges(text, node.getFullStart()));
    add(ts.getTrailingCommentRanges(text, node.getEnd()));
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  // A shebang is not a comment; the scanner reports it apart, so nothing to do here.
  return [...seen.values()].sort((a, b) => a.start - b.start);
}

const TEST_FNS = new Set(['it', 'test', 'describe', 'bench', 'suite']);

/** The title strings of it()/describe()/test() calls (ported tests name their rule there). */
export function testTitleRanges(text, fileName = 'file.ts') {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out = [];
  const rootName = (e) => {
    while (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e)) e = e.expression;
    return ts.isIdentifier(e) ? e.text : undefined;
  };
  const visit = (node) => {
    if (ts.isCallExpression(node) && TEST_FNS.has(rootName(node.expression) ?? '')) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first) || ts.isTemplateExpression(first))) {
        out.push({ start: first.getStart(sf), end: first.getEnd() });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Markdown: everything but link targets and HTML tags (`](…)`, `<a id="r4">`). */
function markdownRanges(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\]\([^)]*\)|<[^>\n]*>/g)) {
    out.push({ start: last, end: m.index });
    last = m.index + m[0].length;
  }
  out.push({ start: last, end: text.length });
  return out;
}

/** 1-based line of an offset. */
export function lineOf(text, offset) {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Every rule ID used in a file, in order: `{ id, start, end, inComment, inCode }`. In code files only
 * comments and test titles count; in Markdown, the text.
 */
export function findIds(text, rel) {
  let ranges;
  if (rel.endsWith('.md')) ranges = markdownRanges(text).map((r) => ({ ...r, inComment: false }));
  else {
    ranges = commentRanges(text, rel).map((r) => ({ ...r, inComment: true }));
    if (/(?:^|\/)test\/|\.test(?:-d)?\.ts$|\.bench\.ts$/.test(rel)) {
      ranges.push(...testTitleRanges(text, rel).map((r) => ({ ...r, inComment: false })));
    }
    ranges.sort((a, b) => a.start - b.start);
  }
  const out = [];
  for (const r of ranges) {
    const slice = text.slice(r.start, r.end);
    for (const m of slice.matchAll(idPattern())) {
      const rest = slice.slice(m.index);
      if (NOT_RULES.some((re) => re.test(rest))) continue;
      const start = r.start + m.index;
      // Inside `code` on its line: shown as written, so never turned into a link.
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const inCode = (text.slice(Math.max(lineStart, r.start), start).split('`').length - 1) % 2 === 1;
      out.push({ id: m[0], start, end: start + m[0].length, inComment: r.inComment, inCode });
    }
  }
  return out;
}

/**
 * The uses that must be links: in a source file, the first use of each ID in its comments
 * (outside `code` spans).
 */
export function firstUses(text, rel) {
  const seen = new Set();
  const out = [];
  for (const use of findIds(text, rel)) {
    if (!use.inComment || use.inCode || seen.has(use.id)) continue;
    seen.add(use.id);
    out.push(use);
  }
  return out;
}

/** The anchor of an ID in docs/rules.md: its lowercase form. */
export const anchorOf = (id) => id.toLowerCase();

/** The link form of an ID's first use in `rel`: a Markdown link relative to that file. */
export function linkTarget(rel, id) {
  const up = path.posix.relative(path.posix.dirname(rel), 'docs/rules.md');
  return `${up}#${anchorOf(id)}`;
}
export const linkFor = (rel, id) => `[${id}](${linkTarget(rel, id)})`;

/** Whether the ID at `start…end` of `text` is already written as `[ID](target)`. */
export function isLinkedAt(text, start, end, target) {
  return text[start - 1] === '[' && text.startsWith(`](${target})`, end);
}

/** The explicit anchors (`<a id="…">`) of a Markdown file. */
export function anchorsIn(file) {
  if (!existsSync(file)) return new Set();
  const text = readFileSync(file, 'utf8');
  return new Set([...text.matchAll(/<a\s+id="([^"]+)"/g)].map((m) => m[1]));
}

/** `--root <dir>` (tests point the scripts at a scratch tree), else the repository. */
export function rootFromArgs(argv, scriptUrl) {
  const i = argv.indexOf('--root');
  if (i !== -1 && argv[i + 1]) return path.resolve(argv[i + 1]);
  return path.resolve(path.dirname(new URL(scriptUrl).pathname), '..');
}
