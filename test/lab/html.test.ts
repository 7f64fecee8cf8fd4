// Issue 20 items 2 and 4: `deferkit lab --html` writes one self-contained page (no network),
// byte-identical from run to run, whose code listings are the scenarios' real source and whose
// Scrapy column quotes the recorded Scrapy runs verbatim; and, in a real Chromium (Debian's,
// through playwright), clicking a matrix cell opens that scenario's view with the timeline's
// steps in the order the lab recorded them, in the lanes of their turns, and the outcome.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS, SCENARIOS, SCRAPY_OBSERVED, isErrorStep, runLab, scenarioSources, toHtml, type LabReport } from '../../packages/crawler/src/lab/index.js';

let report: LabReport;
let html: string;
let dir: string;
let file: string;

beforeAll(async () => {
  report = await runLab();
  html = toHtml(report);
  dir = mkdtempSync(join(tmpdir(), 'deferkit-lab-html-'));
  file = join(dir, 'lab.html');
  writeFileSync(file, html);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lab --html page', () => {
  it('is byte-identical from run to run (a second real lab run gives the same file)', async () => {
    expect(toHtml(await runLab())).toBe(html);
  }, 60_000);

  it('docs/lab.html is up to date (regenerate with: npm run lab:html)', () => {
    const committed = readFileSync(fileURLToPath(new URL('../../docs/lab.html', import.meta.url)), 'utf8');
    expect(committed).toBe(html);
  });

  it('is self-contained: no external script, stylesheet, image, font or fetch', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/\burl\(/i);
    expect(html).not.toMatch(/@import/i);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).not.toMatch(/\bfetch\(|XMLHttpRequest|import\(|WebSocket/);
    // The only URLs in attributes are the SVG namespace.
    const attrUrls = [...html.matchAll(/(?:href|src|xmlns)="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(attrUrls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('holds no absolute path of this machine and no port of the demo site', () => {
    expect(html).not.toContain(fileURLToPath(new URL('../../', import.meta.url)));
    expect(html).not.toMatch(/127\.0\.0\.1:(?!8765\b)\d+/); // 8765: the Scrapy experiments' server, quoted
  });

  it("shows each scenario's real source: its entry in scenarios.ts and the helpers it calls", () => {
    const sources = scenarioSources(SCENARIOS);
    const file = readFileSync(fileURLToPath(new URL('../../packages/crawler/src/lab/scenarios.ts', import.meta.url)), 'utf8');
    for (const s of SCENARIOS) {
      const code = sources.get(s.id)!;
      expect(code).toContain(`id: '${s.id}',`);
      // Every line shown is a line of the file (de-indented by at most two spaces).
      for (const line of code.split('\n')) if (line.trim() !== '') expect(file.includes(line), `${s.id}: ${line}`).toBe(true);
    }
    expect(sources.get('inline-request-async')).toContain('engine!.downloadAsync(page2(ctx))');
    expect(sources.get('inline-request-async')).toContain('function awaitScenario(');
    expect(sources.get('inline-request-async')).toContain('async function crawl(');
    expect(sources.get('asyncgen-sync-middleware')).toContain('async function middlewareScenario(');
  });

  const reference = process.env.DEFERKIT_SCRAPY_EXPERIMENTS ?? '/work/shared/reference/scrapy-experiments';
  it.skipIf(!existsSync(reference))(`quotes Scrapy's observed lines verbatim from the recorded logs (${reference})`, () => {
    for (const [id, runs] of Object.entries(SCRAPY_OBSERVED)) {
      expect(SCENARIOS.some((s) => s.id === id), id).toBe(true);
      for (const run of runs) {
        const log = readFileSync(join(reference, run.log), 'utf8').split('\n');
        for (const line of run.lines) expect(log, `${id}: ${run.log}`).toContain(line);
      }
    }
  });
});

// The browser half. Debian's Chromium, as scripts/test-runtimes.mjs uses it; nothing downloaded.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium && !process.env.CI) {
  console.warn(`\n*** SKIPPING the lab page's browser tests: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH). In CI they fail instead. ***\n`);
}

describe.skipIf(!haveChromium && !process.env.CI)('lab --html page in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI: no Chromium at ${executablePath}; install Debian's chromium package or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows only the matrix until a cell is clicked', async () => {
    expect(await page.locator('table.matrix button.cell').count()).toBe(report.scenarios.length * COLUMNS.length);
    expect(await page.locator('section.scenario:visible').count()).toBe(0);
  });

  for (const id of ['await-pending-deferred', 'inline-request-async', 'asyncgen-sync-middleware', 'crawler-runner-with-install']) {
    for (const column of COLUMNS) {
      it(`clicking ${id} × ${column} shows its timeline steps in the lab's order, in their lanes, and the outcome`, async () => {
        const r = report.scenarios.find((s) => s.id === id)!.results[column]!;
        await page.click(`table.matrix button[data-scenario="${id}"][data-column="${column}"]`);
        const view = page.locator(`section.scenario[data-scenario="${id}"]`);
        await view.waitFor({ state: 'visible' });
        expect(await page.locator('section.scenario:visible').count()).toBe(1);
        const panel = view.locator(`.panel[data-column="${column}"]`);
        expect(await panel.isVisible()).toBe(true);
        expect(await view.locator('.panel:visible').count()).toBe(1);
        const steps = await panel.locator('svg.timeline g.step').evaluateAll((gs) =>
          gs.map((g) => ({ step: g.getAttribute('data-step'), turn: g.getAttribute('data-turn'), error: g.classList.contains('error'), y: Number(g.querySelector('circle')!.getAttribute('cy')), x: Number(g.querySelector('circle')!.getAttribute('cx')), label: g.querySelector('text.label')!.textContent })),
        );
        expect(steps.map(({ step, turn }) => ({ step, turn }))).toEqual(r.timeline);
        // In order down the page, and each dot in the lane of its turn.
        for (let i = 1; i < steps.length; i++) expect(steps[i]!.y).toBeGreaterThan(steps[i - 1]!.y);
        const laneX = await panel.locator('svg.timeline text.lane-title').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('x'))));
        for (const s of steps) expect(s.x).toBe(laneX[['sync', 'microtask', 'reactor'].indexOf(s.turn!)]);
        for (const [i, s] of steps.entries()) expect(s.label).toBe(`${i + 1}. ${r.timeline[i]!.step}`);
        expect(steps.map((s) => s.error)).toEqual(r.timeline.map((t) => isErrorStep(t.step)));
        const outcome = await panel.locator('svg.timeline g.outcome').textContent();
        expect(outcome).toBe(r.outcome === 'ok' ? '✓ outcome: ok' : `✗ outcome: ${r.error!.name}`);
        if (r.error !== undefined) expect(await panel.locator('dd.err').textContent()).toBe(`${r.error.name}: ${r.error.message}`);
        expect(new URL(page.url()).hash).toBe(`#${id}/${column}`);
      });
    }
  }

  it("the view shows Scrapy's observed lines beside deferkit's outcome, and the scenario's code", async () => {
    await page.click('table.matrix button[data-scenario="await-pending-deferred"][data-column="promise"]');
    const view = page.locator('section.scenario[data-scenario="await-pending-deferred"]');
    const observed = await view.locator('.scrapy pre.observed').allTextContents();
    expect(observed).toEqual(SCRAPY_OBSERVED['await-pending-deferred']!.map((o) => o.lines.join('\n')));
    expect(await view.locator('details.code code').textContent()).toBe(scenarioSources(SCENARIOS).get('await-pending-deferred'));
    expect(await view.locator('.explain').textContent()).toContain(SCENARIOS.find((s) => s.id === 'await-pending-deferred')!.scrapy);
  });

  it('a reactor tab in the view switches the panel; a #scenario/column link opens that view on load', async () => {
    await page.click('table.matrix button[data-scenario="sleep"][data-column="promise"]');
    await page.click('section.scenario[data-scenario="sleep"] button.tab[data-column="callback"]');
    const view = page.locator('section.scenario[data-scenario="sleep"]');
    expect(await view.locator('.panel:visible').getAttribute('data-column')).toBe('callback');
    const other = await browser.newPage();
    await other.goto(`${pathToFileURL(file).href}#sleep/promise%2Bloop`);
    const panel = other.locator('section.scenario[data-scenario="sleep"] .panel[data-column="promise+loop"]');
    await panel.waitFor({ state: 'visible' });
    expect(await panel.locator('svg g.step').count()).toBe(report.scenarios.find((s) => s.id === 'sleep')!.results['promise+loop']!.timeline.length);
    await other.close();
  });
});
