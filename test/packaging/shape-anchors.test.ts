// The shape anchors of @deferkit/deferred (Deferred's #shapeAnchors, DeferredList.ts): with a full
// collection between batches and no Deferred alive, V8 must not throw away the optimised code of
// the chain machinery ("weak objects" deopts). Checked on the built package, as users load it
// (a bundler once dropped the anchors), in a child Node with --trace-deopt; an unanchored class
// of the same kind, run beside it, shows that the check sees such deopts at all.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../packages/deferred/dist/index.js', import.meta.url));

const program = `
import { Deferred, DeferredList } from ${JSON.stringify(entry)};
class Bare {
  q = null; r = 0;
  add(f) { if (this.q === null) this.q = [f]; else this.q.push(f); return this; }
  fire(v) { const q = this.q; this.q = null; for (let i = 0; i < q.length; i++) v = q[i](v); this.r = v; }
}
const add1 = (x) => x + 1;
let sink = 0;
function deferreds(n) {
  for (let i = 0; i < n; i++) {
    const d = new Deferred();
    for (let j = 0; j < 10; j++) d.addCallback(add1);
    d.addCallback((v) => void (sink += v));
    d.callback(i);
  }
  const ds = Array.from({ length: 50 }, () => new Deferred());
  new DeferredList(ds).addCallback((r) => void (sink += r.length));
  ds.forEach((d, i) => d.callback(i));
}
function bare(n) {
  for (let i = 0; i < n; i++) { const b = new Bare(); for (let j = 0; j < 10; j++) b.add(add1); b.fire(i); sink += b.r; }
}
for (let k = 0; k < 30; k++) { gc(); deferreds(3000); gc(); bare(3000); }
console.log('sink', sink);
`;

describe('shape anchors (issue 21 item 1)', () => {
  it('S-ANCHOR a full collection with no Deferred alive deoptimises none of the chain code, where an unanchored class is deoptimised', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--trace-deopt', '--input-type=module', '-e', program], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(out).toContain('sink ');
    const weak = out.split('\n').filter((l) => l.includes('reason: weak objects'));
    const fn = (l: string): string => /SharedFunctionInfo ([^>]*)>/.exec(l)?.[1] ?? '?';
    const bareDeopts = weak.filter((l) => ['Bare', 'add', 'fire', 'bare'].includes(fn(l)));
    const deferredDeopts = weak.filter((l) => !['Bare', 'add', 'fire', 'bare', '<instance_members_initializer'].includes(fn(l)));
    expect(bareDeopts.length).toBeGreaterThan(0);
    expect(deferredDeopts.map(fn)).toEqual([]);
  }, 60_000);
});
