// Every ```ts example in docs/*.md compiles (strict) and runs; when a ```text block follows it,
// that is the exact output the example must print.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docsDir = path.join(root, 'docs');
const outDir = path.join(root, 'test/docs/.examples');

interface Example {
  doc: string;
  index: number;
  line: number;
  code: string;
  output: string | undefined;
  file: string;
}

function extract(doc: string): Example[] {
  const text = readFileSync(path.join(docsDir, doc), 'utf8');
  const re = /```ts\n([\s\S]*?)```(?:\s*\n```text\n([\s\S]*?)```)?/g;
  const out: Example[] = [];
  for (const m of text.matchAll(re)) {
    const index = out.length;
    const line = text.slice(0, m.index).split('\n').length;
    out.push({
      doc,
      index,
      line,
      code: m[1]!,
      output: m[2],
      file: path.join(outDir, `${doc.replace(/\.md$/, '')}-${index + 1}.ts`),
    });
  }
  return out;
}

const docs = readdirSync(docsDir).filter((f) => f.endsWith('.md') && f !== 'lab.md');
const examples = docs.flatMap(extract);

beforeAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const ex of examples) writeFileSync(ex.file, `// ${ex.doc}, example ${ex.index + 1} (line ${ex.line})\nexport {};\n${ex.code}`);
  writeFileSync(
    path.join(outDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.base.json', compilerOptions: { noEmit: true, types: ['node'], lib: ['ES2022', 'ESNext.Disposable', 'DOM'] }, include: ['*.ts'] }),
  );
}, 60_000);

describe('documentation examples', () => {
  it('there are examples to check', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it('all compile under strict TypeScript', () => {
    try {
      execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(outDir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      throw new Error(`tsc failed:\n${(e as { stdout?: string }).stdout ?? ''}`);
    }
  }, 120_000);

  for (const ex of examples) {
    it(`${ex.doc} example ${ex.index + 1} (line ${ex.line}) runs${ex.output === undefined ? '' : ' and prints what the doc says'}`, () => {
      const stdout = execFileSync(process.execPath, ['--conditions=@deferkit/source', '--import', 'tsx', ex.file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (ex.output !== undefined) expect(stdout).toBe(ex.output);
    }, 90_000);
  }
});
