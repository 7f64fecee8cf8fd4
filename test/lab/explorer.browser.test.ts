// The chain explorer in a real browser (issue 20): Debian's Chromium through playwright opens
// the generated file from disk, loads each preset, steps through it, and checks the current
// result at every step against what @deferkit/deferred gives in Node for the same chain
// (explorer-expected.ts). No Chromium: fails under CI, skips (loudly) elsewhere.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExplorerHtml } from '../../packages/crawler/src/lab/explorer/build.js';
import { EXPLORER_PRESETS, type ExplorerPreset } from '../../packages/crawler/src/lab/explorer/presets.js';
import { expectedFor, type ExpectedStep } from './explorer-expected.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium) {
  const msg = `explorer.browser.test.ts: no Chromium at ${executablePath} (install Debian's chromium or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`${msg}; CI must run the browser tests.`);
  console.warn(`SKIPPING ${msg}`);
}

let browser: Browser;
let page: Page;
let dir: string;
let url: string;
const errors: string[] = [];

/** What the page's current-result box says now. */
async function currentStep(): Promise<ExpectedStep> {
  return page.$eval('#current', (e) => {
    const d = (e as unknown as { dataset: Record<string, string | undefined> }).dataset;
    const step: Record<string, unknown> = { type: d.type, kind: d.kind, text: d.text };
    if (d.link !== undefined) Object.assign(step, { link: Number(d.link), track: d.track });
    return step as unknown as ExpectedStep;
  });
}

/** Step through the loaded chain from its first step, collecting what each step shows. */
async function walk(): Promise<ExpectedStep[]> {
  // (« First is disabled when the page already shows the first step.)
  if (!(await page.$eval('#first', (b) => (b as unknown as { disabled: boolean }).disabled))) await page.click('#first');
  const seen: ExpectedStep[] = [await currentStep()];
  while (!(await page.$eval('#next', (b) => (b as unknown as { disabled: boolean }).disabled))) {
    await page.click('#next');
    seen.push(await currentStep());
  }
  return seen;
}

/** Let the page's pending macrotasks run (the library's debug-mode unhandled sweep is one). */
async function nextMacrotask(): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
}

async function finalState(): Promise<{ kind: string; text: string; paused: number; called: boolean; unhandled: string | null }> {
  type Data = { dataset: Record<string, string | undefined>; hidden: boolean };
  const f = await page.$eval('#final', (e) => ({ ...(e as unknown as Data).dataset }));
  const u = await page.$eval('#unhandled', (e) => ({ hidden: (e as unknown as Data).hidden, reported: (e as unknown as Data).dataset.reported ?? null }));
  return { kind: f.kind!, text: f.text!, paused: Number(f.paused), called: f.called === 'true', unhandled: u.hidden ? null : u.reported };
}

describe.skipIf(!haveChromium)('the Deferred chain explorer in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'deferkit-explorer-'));
    const file = path.join(dir, 'chain-explorer.html');
    writeFileSync(file, await buildExplorerHtml());
    url = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    // The page must need nothing but its own file.
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) errors.push(`network request: ${r.url()}`);
    });
    await page.goto(url);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const preset of EXPLORER_PRESETS) {
    it(`preset '${preset.id}': every step shows the result the real Deferred has in Node`, async () => {
      const expected = await expectedFor(preset);
      await page.selectOption('#preset', preset.id);
      expect(await walk()).toEqual(expected.steps);
      await nextMacrotask();
      expect(await finalState()).toEqual({ ...expected.final, paused: expected.paused, called: expected.called, unhandled: expected.unhandled });
      expect(errors).toEqual([]);
    });
  }

  it('the classic lessons hold: recovery, a paused outer chain, an unhandled error reported', async () => {
    const byId = (id: string): ExplorerPreset => EXPLORER_PRESETS.find((p) => p.id === id)!;
    const recovers = await expectedFor(byId('errback-recovers'));
    const tracks = recovers.steps.filter((s) => s.type === 'run').map((s) => s.track);
    expect(tracks).toEqual(['callback', 'errback', 'callback']);
    const chained = await expectedFor(byId('chained-deferred'));
    expect(chained.steps.map((s) => s.kind)).toContain('waiting');
    const unhandled = await expectedFor(byId('unhandled-error'));
    expect(unhandled.unhandled).toBe('Error: item has no title');
    await page.selectOption('#preset', 'unhandled-error');
    await page.waitForSelector('#unhandled[data-reported]');
    expect(await page.textContent('#unhandled')).toContain('Unhandled error in Deferred: Error: item has no title');
  });

  it('a chain built with the controls runs on the real Deferred, and a pending inner Deferred holds it until fired', async () => {
    await page.click('#clear');
    await page.selectOption('#kind', 'addCallbacks');
    await page.selectOption('#cb-body', 'pending');
    await page.selectOption('#eb-body', 'value');
    await page.fill('#eb-arg', '"recovered"');
    await page.click('#add-link');
    await page.selectOption('#kind', 'addBoth');
    await page.selectOption('#cb-body', 'fired');
    await page.fill('#cb-arg', '42');
    await page.click('#add-link');
    await page.fill('#fire-value', '"go"');
    await page.click('#fire-callback');
    // The outer chain waits on inner #1: the last step says so, and the inner can be fired.
    expect(await currentStep()).toEqual({ type: 'run', link: 0, track: 'callback', kind: 'waiting', text: 'inner #1' });
    await page.fill('#inner-arg', 'lost');
    await page.click('#fire-inner-errback');
    const expected = await expectedFor({
      canceller: false,
      actions: [
        { type: 'add', kind: 'addCallbacks', callback: { do: 'pending' }, errback: { do: 'value', value: 'recovered' } },
        { type: 'add', kind: 'addBoth', callback: { do: 'fired', value: 42 } },
        { type: 'callback', value: 'go' },
        { type: 'fire-inner', inner: 1, message: 'lost' },
      ],
    });
    expect(await walk()).toEqual(expected.steps);
    await nextMacrotask();
    expect(await finalState()).toEqual({ ...expected.final, paused: expected.paused, called: expected.called, unhandled: expected.unhandled });
    expect(errors).toEqual([]);
  });
});
