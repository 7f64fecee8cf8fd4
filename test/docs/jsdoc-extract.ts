// Finds every JSDoc `@example` in packages/*/src and names it by file and symbol
// (`Deferred.addCallback`, `deferLater`, …), for test/docs/jsdoc-examples.test.ts.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One ```ts block after an `@example` tag. */
export interface JsdocExample {
  /** Source file, relative to the repository root (`packages/deferred/src/Failure.ts`). */
  file: string;
  /** The documented declaration: `Failure.check`, `deferLater`; a second example of it gets `#2`. */
  symbol: string;
  /** 1-based line of the `@example` tag. */
  line: number;
  /** The code, with the comment's ` * ` prefixes removed. */
  code: string;
  /** The fence said ```ts no-run: type-check only. */
  noRun: boolean;
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walkFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  if (ts.isVariableStatement(node)) {
    const d = node.declarationList.declarations[0];
    return d === undefined ? undefined : d.name.getText(sf);
  }
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const n = (node as { name?: ts.Node }).name;
  if (n === undefined) return undefined;
  if (ts.isComputedPropertyName(n)) return `[${n.expression.getText(sf)}]`;
  return n.getText(sf);
}

const FENCE = /```ts( no-run)?[^\n]*\n([\s\S]*?)```/;

/** Every `@example` of one source text (`file` is only used for naming). */
export function extractFromSource(file: string, text: string): JsdocExample[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: JsdocExample[] = [];
  const seen = new Map<string, number>();
  const visit = (node: ts.Node, owner: string[]): void => {
    const name = nameOf(node, sf);
    const here = name === undefined ? owner : [...owner, name];
    for (const doc of (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []) {
      const raw = text.slice(doc.pos, doc.end);
      // Strip the comment's frame: `/**`, `*/` and each line's leading ` * `.
      const body = raw
        .replace(/^\/\*\*/, '')
        .replace(/\*\/$/, '')
        .split('\n')
        .map((l) => l.replace(/^\s*\* ?/, ''))
        .join('\n');
      const startLine = sf.getLineAndCharacterOfPosition(doc.pos).line + 1;
      for (const m of body.matchAll(/@example\b/g)) {
        const after = body.slice(m.index);
        // The example runs to the next tag; its code is the first ```ts fence in it.
        const next = after.slice(1).search(/\n\s*@\w/);
        const section = next === -1 ? after : after.slice(0, next + 1);
        const f = FENCE.exec(section);
        if (f === null) continue;
        const symbol = here.join('.') || '(file)';
        const count = (seen.get(symbol) ?? 0) + 1;
        seen.set(symbol, count);
        out.push({
          file,
          symbol: count === 1 ? symbol : `${symbol}#${count}`,
          line: startLine + body.slice(0, m.index).split('\n').length - 1,
          code: f[2]!,
          noRun: f[1] !== undefined,
        });
      }
    }
    const isScope = ts.isClassLike(node) || ts.isInterfaceDeclaration(node) || ts.isModuleDeclaration(node);
    ts.forEachChild(node, (c) => visit(c, isScope ? here : owner));
  };
  ts.forEachChild(sf, (c) => visit(c, []));
  return out;
}

/** Every `@example` under `root`/packages/*\/src. */
export function extractAll(root: string): JsdocExample[] {
  const pkgs = path.join(root, 'packages');
  return readdirSync(pkgs)
    .sort()
    .flatMap((p) => {
      const src = path.join(pkgs, p, 'src');
      return walkFiles(src)
        .sort()
        .flatMap((f) => extractFromSource(path.relative(root, f).split(path.sep).join('/'), readFileSync(f, 'utf8')));
    });
}
