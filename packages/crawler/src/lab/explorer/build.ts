// `deferkit lab --explorer`: generates the Deferred chain explorer, one self-contained HTML file
// that runs the real @deferkit/deferred (its built dist/, bundled with esbuild into an IIFE and
// inlined). No network, no CDN: it works opened from disk.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { EXPLORER_CSS, EXPLORER_SCRIPT } from './page.js';
import { EXPLORER_PRESETS } from './presets.js';

/** The global name the bundled library gets in the page. */
export const EXPLORER_GLOBAL = 'deferkitDeferred';

/** The bundled @deferkit/deferred, as inlined into the page. */
export interface DeferredBundle {
  /** The IIFE: running it defines `globalThis.deferkitDeferred` (the package's exports). */
  readonly code: string;
  /** The version in @deferkit/deferred's package.json. */
  readonly version: string;
  /** The files esbuild read, relative to the package directory (its dist/ files). */
  readonly inputs: readonly string[];
}

/**
 * Bundle @deferkit/deferred's built ESM entry (dist/index.js and its chunks) into an IIFE with
 * esbuild. The same dist gives the same bytes.
 *
 * @returns the bundle's code, the package version and the files it was built from.
 * @throws UsageError when the package has not been built or esbuild is not installed, saying how to fix it.
 */
export async function bundleDeferred(): Promise<DeferredBundle> {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@deferkit/deferred/package.json');
  const dir = path.dirname(manifest);
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const entry = path.join(dir, 'dist', 'index.js');
  if (!existsSync(entry)) {
    throw new UsageError(
      `The chain explorer bundles the built @deferkit/deferred, but ${entry} does not exist. Build it first: npm run build (or npm run build -w @deferkit/deferred).`,
      'lab',
      false,
    );
  }
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UsageError(
      'The chain explorer bundles @deferkit/deferred with esbuild, which is not installed. Install it: npm install --save-dev esbuild (a deferkit checkout has it already, through tsup).',
      'lab',
      false,
    );
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: dir,
    bundle: true,
    format: 'iife',
    globalName: EXPLORER_GLOBAL,
    platform: 'browser',
    target: 'es2020',
    write: false,
    metafile: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, version, inputs: Object.keys(result.metafile.inputs).sort() };
}

/** Make a script's text safe to inline in a `<script>` element. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * Generate the chain explorer page: the presets, the bundled library and the page script, in
 * one HTML document. Deterministic: the same dist and presets give the same bytes.
 *
 * @param bundle - a bundle from {@link bundleDeferred}; built when omitted.
 * @returns the HTML text.
 */
export async function buildExplorerHtml(bundle?: DeferredBundle): Promise<string> {
  const lib = bundle ?? (await bundleDeferred());
  const presets = JSON.stringify(EXPLORER_PRESETS).replace(/</g, '\\u003c');
  const bodies = ['value', 'raise', 'pass', 'pending', 'fired']
    .map((b) => `<option value="${b}">${{ value: 'return a value', raise: 'throw an error', pass: 'return its input', pending: 'return a pending Deferred', fired: 'return an already-fired Deferred' }[b]}</option>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="deferkit lab --explorer; @deferkit/deferred ${lib.version}">
<title>Deferred chain explorer · deferkit</title>
<style>${EXPLORER_CSS}</style>
</head>
<body>
<header>
<h1>Deferred chain explorer</h1>
<p>Build a Deferred's callback chain, fire it, and step through it. Everything runs on the real <code>@deferkit/deferred</code> ${lib.version}, bundled into this page (a port of Twisted's Deferred): each step below is a callback or errback that really ran.</p>
</header>
<main>
<section id="build">
<h2>Preset chains</h2>
<div class="row"><select id="preset" aria-label="Preset"><option value="">(your own chain)</option></select> <button id="clear">Start empty</button></div>
<p id="lesson" class="lesson"></p>
<h2>The Deferred</h2>
<div class="row"><label><input type="checkbox" id="canceller"> created with a canceller</label></div>
<h2>Add a link</h2>
<div class="row"><select id="kind" aria-label="Link kind"><option>addCallback</option><option>addErrback</option><option>addBoth</option><option>addCallbacks</option></select></div>
<div class="row" id="cb-row"><label>callback: <select id="cb-body">${bodies}</select></label><input type="text" id="cb-arg" value="&quot;ok&quot;" aria-label="callback value or message"></div>
<div class="row" id="eb-row" hidden><label>errback: <select id="eb-body">${bodies}</select></label><input type="text" id="eb-arg" value="&quot;recovered&quot;" aria-label="errback value or message"></div>
<div class="row"><button id="add-link">Add the link</button> <span class="muted">values are JSON (or plain text)</span></div>
<h2>Act on it</h2>
<div class="row"><input type="text" id="fire-value" value="&quot;result&quot;" aria-label="callback value"> <button id="fire-callback">d.callback(value)</button></div>
<div class="row"><input type="text" id="fire-message" value="boom" aria-label="error message"> <button id="fire-errback">d.errback(new Error(message))</button></div>
<div class="row"><button id="pause">d.pause()</button> <button id="unpause">d.unpause()</button> <button id="cancel">d.cancel()</button></div>
<div class="row"><select id="inner" aria-label="Inner Deferred"></select> <input type="text" id="inner-arg" value="&quot;inner result&quot;" aria-label="inner value or message"> <button id="fire-inner-callback">inner.callback</button> <button id="fire-inner-errback">inner.errback</button></div>
<h2>The program</h2>
<ol class="program" id="program" start="0"></ol>
</section>
<section id="view">
<div class="steps"><button id="first">\u00ab First</button><button id="prev">\u25c0 Previous</button><button id="next">Next \u25b6</button><button id="last">Last \u00bb</button><span id="step-label"></span></div>
<div id="current" aria-live="polite"></div>
<div id="state"></div>
<div id="final" class="muted"></div>
<div id="unhandled" hidden></div>
<div id="svg-holder"></div>
<p class="muted">Read the tracks as Twisted's Deferred Reference draws them: each row is one link of the chain (a callback and an errback). A success result travels down the left (callback) track and a Failure down the right (errback) track; a link that returns a value sends the result left, one that throws sends it right. A link that returns a Deferred without a result makes the chain wait (\u2016) until that Deferred fires.</p>
</section>
</main>
<script type="application/json" id="explorer-presets">${presets}</script>
<script>
${inlineScript(lib.code)}
</script>
<script>${inlineScript(EXPLORER_SCRIPT)}</script>
</body>
</html>
`;
}
