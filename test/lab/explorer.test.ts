// The chain explorer's generator (issue 20): deterministic bytes, a self-contained page, and a
// bundle that really is @deferkit/deferred's built dist (it behaves as the library does).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import * as real from '@deferkit/deferred';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../packages/crawler/src/lab/cli.js';
import { buildExplorerHtml, bundleDeferred, EXPLORER_GLOBAL, type DeferredBundle } from '../../packages/crawler/src/lab/explorer/build.js';
import { EXPLORER_PRESETS } from '../../packages/crawler/src/lab/explorer/presets.js';
import { UsageError } from '../../packages/crawler/src/errors.js';

const deferredDir = fileURLToPath(new URL('../../packages/deferred/', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'deferkit-explorer-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run the bundle as the page would, in a fresh context, and return what it defines. */
function load(bundle: DeferredBundle): typeof real {
  const context = vm.createContext({ setTimeout, clearTimeout, console, queueMicrotask });
  vm.runInContext(bundle.code, context);
  return (context as Record<string, unknown>)[EXPLORER_GLOBAL] as typeof real;
}

describe('the chain explorer generator', () => {
  it('is deterministic: two generations give the same bytes', async () => {
    const [a, b] = [await buildExplorerHtml(), await buildExplorerHtml()];
    expect(a.length).toBeGreaterThan(10_000);
    expect(b).toBe(a);
  });

  it("bundles @deferkit/deferred's built dist (dist/index.js and its chunks), at the package's version", async () => {
    const bundle = await bundleDeferred();
    expect(bundle.inputs).toContain('dist/index.js');
    expect(bundle.inputs.every((f) => f.startsWith('dist/') && existsSync(path.join(deferredDir, f)))).toBe(true);
    const version = (JSON.parse(readFileSync(path.join(deferredDir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(bundle.version).toBe(version);
    const html = await buildExplorerHtml(bundle);
    expect(html).toContain(`@deferkit/deferred ${version}`);
    expect(html).toContain(bundle.code.slice(0, 2000));
  });

  it("the bundled library exports what @deferkit/deferred exports and behaves like it (C3: an outer chain waits on an inner Deferred)", async () => {
    const lib = load(await bundleDeferred());
    expect(Object.keys(lib).sort()).toEqual(Object.keys(real).sort());
    const trace = (L: typeof real): unknown[] => {
      const seen: unknown[] = [];
      const inner = new L.Deferred<string>();
      const outer = new L.Deferred<string>();
      outer.addCallback(() => inner).addCallback((r) => seen.push(`got ${r}`));
      outer.addErrback((f) => seen.push(`errback ${f.getErrorMessage()}`));
      outer.callback('go');
      seen.push(`paused ${outer.paused}`, String(outer).replace(/0x\d+/g, 'ID'));
      inner.callback('inner');
      seen.push(`paused ${outer.paused}`);
      const c = new L.Deferred();
      c.addErrback((f) => seen.push(`${(f.value as Error).name}: ${f.getErrorMessage()}`));
      c.cancel();
      return seen;
    };
    expect(trace(lib)).toEqual(trace(real));
    expect(trace(lib)).toContain('got inner');
  });

  it('is self-contained: no external scripts, stylesheets or URLs to fetch', async () => {
    const html = await buildExplorerHtml();
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    // Inline script text must not end its <script> element early.
    const scripts = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(3);
    const presets = JSON.parse(scripts[0]![1]!) as unknown;
    expect(presets).toEqual(JSON.parse(JSON.stringify(EXPLORER_PRESETS)));
  });

  it('deferkit lab --explorer FILE writes the page; an unwritable FILE is a usage error that names the fix', async () => {
    const file = path.join(tmp, 'chain-explorer.html');
    const printed: string[] = [];
    expect(await main(['--explorer', file], (s) => printed.push(s))).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(await buildExplorerHtml());
    expect(printed.join('')).toContain('file://');
    const bad = path.join(tmp, 'no-such-dir', 'x.html');
    await expect(main(['--explorer', bad], () => {})).rejects.toThrow(UsageError);
    await expect(main(['--explorer', bad], () => {})).rejects.toThrow(/Pass a writable path: deferkit lab --explorer FILE/);
  });
});
