#!/usr/bin/env node
// node scripts/screenshots-explorer.mjs
//
// Regenerates docs/images/explorer.png: writes the chain explorer with `deferkit lab --explorer`
// to a temporary file, opens it in Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH)
// through playwright, loads the "errback recovers" preset, goes to its last step and takes a
// screenshot. Nothing is downloaded.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright';

const root = fileURLToPath(new URL('..', import.meta.url));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`screenshots-explorer: no Chromium at ${executablePath}: install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
const dir = mkdtempSync(path.join(tmpdir(), 'deferkit-shot-'));
const file = path.join(dir, 'chain-explorer.html');
const gen = spawnSync(process.execPath, [path.join(root, 'packages/crawler/bin/deferkit.js'), 'lab', '--explorer', file], { stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);

const out = path.join(root, 'docs/images/explorer.png');
mkdirSync(path.dirname(out), { recursive: true });
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(file).href);
  await page.selectOption('#preset', 'errback-recovers');
  await page.click('#last');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${path.relative(root, out)}`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
