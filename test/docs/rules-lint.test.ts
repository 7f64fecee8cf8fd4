// scripts/link-rules.mjs and scripts/lint-rules.mjs: rule IDs cited in the code are explained in
// docs/rules.md, and a source file's first use of an ID can be (and, with --require-links, must
// be) a link there. The scripts run as the CLI runs them, on scratch trees under the OS temp dir.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const linker = path.join(root, 'scripts/link-rules.mjs');
const lint = path.join(root, 'scripts/lint-rules.mjs');

interface Run {
  code: number;
  out: string;
}

function run(script: string, args: string[]): Run {
  try {
    const out = execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

const RULES = `# Rules\n\n#### <a id="r4"></a>R4 — a rule\n\n#### <a id="c3"></a>C3 — another\n\n#### <a id="j8"></a>J8 — a deviation\n`;

// Every place an ID might hide: line, block and JSDoc comments (cited there), and strings,
// templates, regex literals and type parameters (code, to be left alone).
const SAMPLE = `// Fires at once (R4), and R4 again later stays plain.
const message = 'R4 in a string is code';
const tpl = \`C3 in a template \${'J8'} too\`;
const re = /R4|C3/; // a regex literal, then a comment citing C3
/**
 * Chains without recursing (J8; see R4 above).
 * @example \`J8\` inside a code span is shown as written.
 */
export function f<R1, R2>(a: R1, b: R2): [R1, R2] {
  /* C3 again: not the first use */
  return [a, b];
}
`;

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deferkit-rules-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SRC = 'packages/demo/src/sample.ts';
const link = (id: string) => `[${id}](../../../docs/rules.md#${id.toLowerCase()})`;

describe('scripts/link-rules.mjs', () => {
  it('links the first use of each ID in comments only, relative to the file', () => {
    const dir = tree({ 'docs/rules.md': RULES, [SRC]: SAMPLE });
    expect(run(linker, ['--root', dir]).code).toBe(0);
    const out = readFileSync(path.join(dir, SRC), 'utf8');
    expect(out).toBe(
      SAMPLE.replace('(R4), and', `(${link('R4')}), and`)
        .replace('comment citing C3', `comment citing ${link('C3')}`)
        .replace('(J8; see', `(${link('J8')}; see`),
    );
    // Strings, templates, regexes, type parameters and code spans are untouched.
    expect(out).toContain("'R4 in a string is code'");
    expect(out).toContain("`C3 in a template ${'J8'} too`");
    expect(out).toContain('/R4|C3/;');
    expect(out).toContain('f<R1, R2>(a: R1, b: R2): [R1, R2]');
    expect(out).toContain('`J8` inside a code span');
  });

  it('is idempotent: a second run changes nothing', () => {
    const dir = tree({ 'docs/rules.md': RULES, [SRC]: SAMPLE });
    run(linker, ['--root', dir]);
    const once = readFileSync(path.join(dir, SRC), 'utf8');
    const again = run(linker, ['--root', dir]);
    expect(again.out).toContain('0 file(s) changed');
    expect(readFileSync(path.join(dir, SRC), 'utf8')).toBe(once);
    expect(run(linker, ['--root', dir, '--check']).code).toBe(0);
  });

  it('--check lists what would change, exits 1 and writes nothing', () => {
    const dir = tree({ 'docs/rules.md': RULES, [SRC]: SAMPLE });
    const r = run(linker, ['--root', dir, '--check']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${SRC}:1: R4 → ${link('R4')}`);
    expect(readFileSync(path.join(dir, SRC), 'utf8')).toBe(SAMPLE);
  });
});

describe('scripts/lint-rules.mjs', () => {
  it('fails on an ID with no anchor in docs/rules.md, naming file:line and the ID', () => {
    const dir = tree({ 'docs/rules.md': RULES, [SRC]: '// fine (R4)\n\n// unknown (X99)\nexport {};\n' });
    const r = run(lint, ['--root', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${SRC}:3: X99 has no anchor in docs/rules.md`);
    expect(r.out).not.toContain('R4 has no anchor');
  });

  it('also finds IDs in test titles and Markdown', () => {
    const dir = tree({
      'docs/rules.md': RULES,
      'test/demo.test.ts': "it('Q7 does something', () => {});\n",
      'docs/guide.md': '# Guide\n\nSee K9.\n',
    });
    const r = run(lint, ['--root', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('test/demo.test.ts:1: Q7 has no anchor');
    expect(r.out).toContain('docs/guide.md:3: K9 has no anchor');
  });

  it('fails on a link that leaves the repository', () => {
    const dir = tree({ 'docs/rules.md': RULES, 'README.md': '[design](../shared/DESIGN.md)\n' });
    const r = run(lint, ['--root', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('README.md:1: link to ../shared/DESIGN.md leaves the repository');
  });

  it('with --require-links fails on an unlinked first use, and passes once linked', () => {
    const dir = tree({ 'docs/rules.md': RULES, [SRC]: SAMPLE });
    expect(run(lint, ['--root', dir]).code).toBe(0);
    const before = run(lint, ['--root', dir, '--require-links']);
    expect(before.code).toBe(1);
    expect(before.out).toContain(`${SRC}:1: first use of R4 is not a link`);
    expect(before.out).toContain(`${SRC}:4: first use of C3 is not a link`);
    run(linker, ['--root', dir]);
    const after = run(lint, ['--root', dir, '--require-links']);
    expect(after.out).toContain('first uses in packages/*/src are links');
    expect(after.code).toBe(0);
  });

  it('with --require-links rejects a link to the wrong place', () => {
    const dir = tree({ 'docs/rules.md': RULES, [SRC]: '// see [R4](docs/rules.md#r4)\nexport {};\n' });
    const r = run(lint, ['--root', dir, '--require-links']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`write ${link('R4')}`);
  });
});

describe("the repository's docs/rules.md", () => {
  it('has an anchor for every rule ID used in the repository, and README/docs link only inside it', () => {
    const r = run(lint, []);
    expect(r.out).toMatch(/rules: \d+ IDs in use, all in docs\/rules\.md/);
    expect(r.code).toBe(0);
  });

  it('has a link form the linker can apply to a copy of the real sources', () => {
    // The linked sources are not committed yet (see docs/rules.md, "Writing an ID"); this
    // checks that linking them would satisfy --require-links.
    const dir = mkdtempSync(path.join(tmpdir(), 'deferkit-rules-real-'));
    dirs.push(dir);
    cpSync(path.join(root, 'docs'), path.join(dir, 'docs'), { recursive: true, filter: (p) => !p.includes(`${path.sep}api`) });
    cpSync(path.join(root, 'packages'), path.join(dir, 'packages'), {
      recursive: true,
      filter: (p) => !/[\\/](node_modules|dist)([\\/]|$)/.test(p),
    });
    expect(run(linker, ['--root', dir]).code).toBe(0);
    const r = run(lint, ['--root', dir, '--require-links']);
    expect(r.out).toContain('first uses in packages/*/src are links');
    expect(r.code).toBe(0);
  });
});
