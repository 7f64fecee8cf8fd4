// Screenshots for the docs, taken in Debian's Chromium through playwright (nothing downloaded):
//   node scripts/screenshots.mjs [lab] [--no-regenerate]
// Sections (one function each, so another page can add its own):
//   lab  regenerates docs/lab.html (deferkit lab --html) and shoots docs/images/lab.png (the
//        matrix and one open scenario) and docs/images/lab-<scenario>.png for the scenarios
//        docs/learning-with-the-lab.md walks through.
// CHROMIUM_PATH overrides /usr/bin/chromium.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright';

const root = fileURLToPath(new URL('..', import.meta.url));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const regenerate = !args.includes('--no-regenerate');
const wanted = args.filter((a) => !a.startsWith('--'));

/** The scenario views docs/learning-with-the-lab.md shows, as [scenario, column]. */
export const LAB_VIEWS = [
  ['await-pending-deferred', 'promise'],
  ['maybe-deferred-to-future', 'callback'],
  ['asyncgen-sync-middleware', 'promise'],
];

async function lab(browser) {
  const file = `${root}docs/lab.html`;
  if (regenerate) execFileSync(process.execPath, [`${root}packages/crawler/bin/deferkit.js`, 'lab', '--html', file], { stdio: 'inherit' });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(file).href);
  // The overview: the matrix, with the first teaching scenario opened under it.
  const [id, column] = LAB_VIEWS[0];
  await page.click(`table.matrix button[data-scenario="${id}"][data-column="${column}"]`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${root}docs/images/lab.png` });
  console.log('wrote docs/images/lab.png');
  for (const [sid, col] of LAB_VIEWS) {
    await page.click(`table.matrix button[data-scenario="${sid}"][data-column="${col}"]`);
    const view = page.locator(`#view-${sid}`);
    // The view without the code listing (the docs page quotes what it needs).
    await view.locator('details.code').evaluate((d) => d.removeAttribute('open'));
    await view.screenshot({ path: `${root}docs/images/lab-${sid}.png` });
    await view.locator('details.code').evaluate((d) => d.setAttribute('open', ''));
    console.log(`wrote docs/images/lab-${sid}.png`);
  }
  await page.close();
}

const SECTIONS = { lab };

if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}
mkdirSync(`${root}docs/images`, { recursive: true });
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  for (const [name, fn] of Object.entries(SECTIONS)) if (wanted.length === 0 || wanted.includes(name)) await fn(browser);
} finally {
  await browser.close();
}
