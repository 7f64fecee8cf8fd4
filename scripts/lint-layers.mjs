// Layering lint, run by `npm run lint`: the packages form a stack, deferred < reactor < interop
// < crawler < crawler-redis, and each package's src/ may import only
//   - its own files, by relative paths that stay inside its package;
//   - a lower package, by its name or a subpath its package.json exports ('@deferkit/crawler/demo'),
//     never a deep path into it ('@deferkit/deferred/src/Failure.js');
//   - anything else (node:, third-party).
// And nothing a package's index.ts exports may be defined under an internal/ folder (internal/
// is blocked in "exports"; a re-export makes it public anyway). Only direct re-exports from
// index.ts are seen.
//
// checkLayers() takes file contents, so test/packaging/lint-layers.test.ts plants violations.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bottom to top. */
export const LAYERS = ['deferred', 'reactor', 'interop', 'crawler', 'crawler-redis'];

/**
 * Known violations, printed but not failing. Each is `package: message` as reported; clear them
 * by moving the file out of internal/ (or not exporting it) — then delete the entry.
 */
// Known violations, allowlisted with a reason; a stale entry fails the lint. None today.
export const KNOWN_VIOLATIONS = new Set([]);

const SPEC = /(?:^|[\s;{}])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function stripComments(text) {
  // Good enough for import scanning: block and line comments (not inside strings with // in them).
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Every module specifier `text` imports or re-exports. */
export function importsOf(text) {
  const out = [];
  for (const m of stripComments(text).matchAll(SPEC)) out.push(m[1] ?? m[2]);
  return out;
}

/**
 * @param {{ files: Record<string, string>, exportsOf: Record<string, string[]> }} input
 *   files: repository-relative path (packages/<pkg>/src/…) → contents;
 *   exportsOf: package dir name → its exported subpaths ('.', './demo').
 * @returns {string[]} violations, `file: message`.
 */
export function checkLayers({ files, exportsOf }) {
  const problems = [];
  for (const [file, text] of Object.entries(files)) {
    const m = /^packages\/([^/]+)\/src\/(.*)$/.exec(file);
    if (m === null) continue;
    const pkg = m[1];
    const rank = LAYERS.indexOf(pkg);
    const isIndex = m[2] === 'index.ts';
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (!target.startsWith(`packages/${pkg}/`)) problems.push(`${file}: '${spec}' escapes its package (import another package by its name)`);
        else if (isIndex && /(^|\/)internal\//.test(path.posix.relative(`packages/${pkg}/src`, target))) {
          problems.push(`${file}: exports '${spec}', which is under internal/`);
        }
        continue;
      }
      const d = /^@deferkit\/([^/]+)(\/.*)?$/.exec(spec);
      if (d === null) continue;
      const [, other, sub = ''] = d;
      if (other === pkg) {
        problems.push(`${file}: imports its own package by name ('${spec}'); use a relative path`);
        continue;
      }
      const otherRank = LAYERS.indexOf(other);
      if (otherRank === -1) problems.push(`${file}: imports '${spec}', a package not in the layer order ${LAYERS.join(' < ')}`);
      else if (otherRank > rank) problems.push(`${file}: imports '${spec}': ${pkg} is below ${other} (${LAYERS.join(' < ')})`);
      const subpath = `.${sub}`;
      if (!(exportsOf[other] ?? ['.']).includes(subpath)) problems.push(`${file}: deep import '${spec}' (only ${(exportsOf[other] ?? ['.']).map((s) => `@deferkit/${other}${s.slice(1)}`).join(', ')})`);
    }
  }
  return problems;
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : /\.(m?ts|tsx|m?js)$/.test(name) ? [p] : [];
  });
}

/** The real tree under `root`. */
export function loadRepo(root) {
  const files = {};
  const exportsOf = {};
  for (const pkg of readdirSync(path.join(root, 'packages'))) {
    const json = JSON.parse(readFileSync(path.join(root, 'packages', pkg, 'package.json'), 'utf8'));
    exportsOf[pkg] = Object.entries(json.exports ?? { '.': {} })
      .filter(([k, v]) => v !== null && k !== './package.json' && !k.includes('*'))
      .map(([k]) => k);
    for (const f of walk(path.join(root, 'packages', pkg, 'src'))) {
      files[path.relative(root, f).split(path.sep).join('/')] = readFileSync(f, 'utf8');
    }
  }
  return { files, exportsOf };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const problems = checkLayers(loadRepo(root));
  const known = problems.filter((p) => KNOWN_VIOLATIONS.has(p));
  const fresh = problems.filter((p) => !KNOWN_VIOLATIONS.has(p));
  const stale = [...KNOWN_VIOLATIONS].filter((k) => !problems.includes(k));
  for (const p of known) process.stdout.write(`layers: known violation (allowlisted in scripts/lint-layers.mjs): ${p}\n`);
  for (const p of stale) process.stdout.write(`layers: allowlisted violation is gone, delete its entry: ${p}\n`);
  for (const p of fresh) process.stderr.write(`layers: ${p}\n`);
  if (fresh.length > 0 || stale.length > 0) process.exit(1);
  process.stdout.write(`layers: ok (${LAYERS.join(' < ')})\n`);
}
