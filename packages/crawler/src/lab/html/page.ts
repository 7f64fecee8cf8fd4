// `deferkit lab --html`: the lab as one self-contained HTML page — the matrix (scenarios ×
// reactor settings), and for each scenario its code, its timeline as SVG swimlanes, deferkit's
// outcome beside Scrapy's observed one, and the explanation. No network: CSS, SVG and the small
// script are inline, so the file works opened from disk. The output depends only on the report
// and the scenarios' source (no dates, no paths), so two runs give the same bytes.

import type { ColumnResult, LabReport, ScenarioReport, runLab } from '../runLab.js';
import { COLUMNS, SCENARIOS, type Column } from '../scenarios.js';
import type { TimelineStep, Turn } from '../timeline.js';
import { SCRAPY_OBSERVED } from './scrapyObserved.js';
import { scenarioSources } from './source.js';

/** Options of {@link toHtml}. */
export interface HtmlOptions {
  /** Scenario id → the code to show (default: read from scenarios.ts, see scenarioSources). */
  sources?: ReadonlyMap<string, string>;
}

const LANES: readonly Turn[] = ['sync', 'microtask', 'reactor'];
const LANE_TITLE: Record<Turn, string> = { sync: 'sync', microtask: 'microtask', reactor: 'reactor turn' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Whether a timeline step records a failure (the scenarios name those "… failed: X" / "… raises"). */
export function isErrorStep(step: string): boolean {
  return /\bfailed\b|\braises\b/.test(step);
}

function cellText(r: ColumnResult | undefined): string {
  if (r === undefined) return '–';
  return r.outcome === 'ok' ? '✓' : `✗ ${r.error?.name ?? 'error'}`;
}

/** A timeline as vertical swimlanes: one row per step, in order; the dot sits in the lane of its turn. */
export function timelineSvg(steps: readonly TimelineStep[], outcome: ColumnResult): string {
  const laneW = 96;
  const top = 34;
  const rowH = 30;
  const labelX = LANES.length * laneW + 16;
  const width = 760;
  const height = top + (steps.length + 1) * rowH + 8;
  const x = (t: Turn): number => LANES.indexOf(t) * laneW + laneW / 2;
  const y = (i: number): number => top + i * rowH + rowH / 2;
  const out: string[] = [];
  out.push(`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="timeline, ${steps.length} steps">`);
  LANES.forEach((t, i) => {
    out.push(`<rect class="lane lane-${t}" x="${i * laneW}" y="0" width="${laneW}" height="${height}"/>`);
    out.push(`<text class="lane-title" x="${i * laneW + laneW / 2}" y="20" text-anchor="middle">${LANE_TITLE[t]}</text>`);
  });
  for (let i = 1; i < steps.length; i++) {
    out.push(`<line class="link" x1="${x(steps[i - 1]!.turn)}" y1="${y(i - 1)}" x2="${x(steps[i]!.turn)}" y2="${y(i)}"/>`);
  }
  steps.forEach((s, i) => {
    const err = isErrorStep(s.step);
    out.push(
      `<g class="step${err ? ' error' : ''}" data-index="${i}" data-turn="${s.turn}" data-step="${esc(s.step)}">` +
        `<title>${i + 1}. ${esc(s.step)} — ${s.turn}</title>` +
        `<circle cx="${x(s.turn)}" cy="${y(i)}" r="9"/>` +
        `<text class="n" x="${x(s.turn)}" y="${y(i) + 4}" text-anchor="middle">${err ? '✗' : i + 1}</text>` +
        `<text class="label" x="${labelX}" y="${y(i) + 5}">${i + 1}. ${esc(s.step)}</text>` +
        `</g>`,
    );
  });
  const oy = y(steps.length);
  const ok = outcome.outcome === 'ok';
  out.push(
    `<g class="outcome ${ok ? 'ok' : 'error'}"><text x="${labelX}" y="${oy + 5}">${ok ? '✓ outcome: ok' : `✗ outcome: ${esc(outcome.error?.name ?? 'error')}`}</text></g>`,
  );
  out.push('</svg>');
  return out.join('');
}

function json(v: unknown): string {
  return JSON.stringify(v);
}

function columnPanel(s: ScenarioReport, c: Column, r: ColumnResult): string {
  const out: string[] = [];
  out.push(`<div class="panel" data-column="${c}" hidden>`);
  out.push(`<h3>deferkit, <code>${c}</code>: <span class="${r.outcome === 'ok' ? 'ok' : 'err'}">${esc(cellText(r))}</span></h3>`);
  out.push(timelineSvg(r.timeline, r));
  out.push('<dl class="outcome-detail">');
  if (r.value !== undefined) out.push(`<dt>value</dt><dd><code>${esc(json(r.value))}</code></dd>`);
  if (r.error !== undefined) out.push(`<dt>error</dt><dd class="err"><code>${esc(r.error.name)}</code>: ${esc(r.error.message)}</dd>`);
  if (r.items !== undefined) out.push(`<dt>items</dt><dd>${r.items.length}</dd>`);
  if (r.warnings !== undefined) out.push(`<dt>logged</dt><dd><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></dd>`);
  out.push('</dl></div>');
  void s;
  return out.join('');
}

function scenarioView(s: ScenarioReport, columns: Column[], code: string | undefined): string {
  const out: string[] = [];
  out.push(`<section class="scenario" id="view-${esc(s.id)}" data-scenario="${esc(s.id)}" hidden>`);
  out.push(`<h2><code>${esc(s.id)}</code> — ${esc(s.title)}</h2>`);
  out.push('<div class="tabs">');
  for (const c of columns) {
    const r = s.results[c];
    out.push(`<button type="button" class="tab ${r?.outcome === 'ok' ? 'ok' : 'err'}" data-scenario="${esc(s.id)}" data-column="${c}">${c}: ${esc(cellText(r))}</button>`);
  }
  out.push('</div><div class="compare"><div class="ours">');
  for (const c of columns) {
    const r = s.results[c];
    if (r !== undefined) out.push(columnPanel(s, c, r));
  }
  out.push('</div><div class="scrapy"><h3>Scrapy, observed</h3>');
  const observed = SCRAPY_OBSERVED[s.id];
  if (observed === undefined) out.push('<p class="muted">No recorded Scrapy run for this scenario; what Scrapy does, from its docs and code, is below.</p>');
  else {
    for (const o of observed) out.push(`<p class="run">${esc(o.run)} <span class="muted">(${esc(o.log)})</span></p><pre class="observed">${o.lines.map(esc).join('\n')}</pre>`);
  }
  out.push('</div></div>');
  out.push('<div class="explain"><h3>Explanation</h3>');
  if (s.scrapy !== undefined) out.push(`<p><b>What Scrapy does:</b> ${esc(s.scrapy)}</p>`);
  if (s.note !== undefined) out.push(`<p><b>Where deferkit differs:</b> ${esc(s.note)}</p>`);
  out.push(
    '<p class="muted">Read the timeline top to bottom: each step is a dot in the lane of the turn it ran in, relative to the step before — <i>sync</i> (same synchronous run), <i>microtask</i> (after a promise reaction, no reactor turn in between) or <i>reactor turn</i> (after a reactor iteration or event-loop task: a timer, an immediate, network I/O). ✗ marks a failure.</p>',
  );
  out.push('</div>');
  if (code !== undefined) out.push(`<details class="code" open><summary>The scenario's code (packages/crawler/src/lab/scenarios.ts)</summary><pre><code>${esc(code)}</code></pre></details>`);
  out.push('</section>');
  return out.join('\n');
}

const CSS = `
:root { --ok: #1a7f37; --err: #cf222e; --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); margin: 0 auto; max-width: 1180px; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0; } h2 { font-size: 19px; margin: 20px 0 8px; } h3 { font-size: 16px; margin: 10px 0 6px; }
code, pre { font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; white-space: pre-wrap; }
.legend { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; }
.legend p { margin: 4px 0; }
table.matrix { border-collapse: collapse; width: 100%; margin: 12px 0; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: middle; }
.matrix th { background: var(--soft); }
.matrix td.title { font-size: 13px; color: var(--muted); }
button.cell, button.tab { font: inherit; font-size: 13px; border: 1px solid var(--line); border-radius: 5px; background: #fff; cursor: pointer; padding: 2px 8px; width: 100%; text-align: left; }
button.tab { width: auto; margin-right: 6px; }
button.cell.ok, button.tab.ok { color: var(--ok); } button.cell.err, button.tab.err { color: var(--err); }
button.cell:hover, button.tab:hover { background: var(--soft); }
button[aria-pressed="true"] { outline: 2px solid #0969da; background: #ddf4ff; }
.ok { color: var(--ok); } .err { color: var(--err); } .muted { color: var(--muted); font-size: 13px; }
.compare { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.scrapy pre.observed { font-size: 12px; }
.run { margin: 8px 0 2px; font-size: 13px; }
svg.timeline { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; }
svg .lane-sync { fill: #f6f8fa; } svg .lane-microtask { fill: #eef6ff; } svg .lane-reactor { fill: #fff8e6; }
svg .lane-title { font: 600 12px system-ui, sans-serif; fill: var(--muted); }
svg .link { stroke: #8c959f; stroke-width: 2; }
svg .step circle { fill: #0969da; } svg .step.error circle { fill: var(--err); }
svg .step .n { font: 700 10px system-ui, sans-serif; fill: #fff; }
svg .step .label { font: 13px system-ui, sans-serif; fill: var(--ink); } svg .step.error .label { fill: var(--err); font-weight: 600; }
svg .outcome text { font: 700 13px system-ui, sans-serif; } svg .outcome.ok text { fill: var(--ok); } svg .outcome.error text { fill: var(--err); }
dl.outcome-detail { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 14px; }
dl.outcome-detail dt { font-weight: 600; } dl.outcome-detail dd { margin: 0; overflow-wrap: anywhere; } dl.outcome-detail ul { margin: 0; padding-left: 18px; }
.explain { margin-top: 8px; }
details.code summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
#intro-hint { font-size: 14px; }
`;

// The page's script: clicking a matrix cell (or a reactor tab) shows that scenario's view with
// that column's panel; the location hash (#scenario/column) keeps the choice, so a view can be linked.
const SCRIPT = `
(function () {
  var views = document.querySelectorAll('section.scenario');
  function show(id, column, scroll) {
    var found = false;
    for (var i = 0; i < views.length; i++) {
      var v = views[i], on = v.getAttribute('data-scenario') === id;
      v.hidden = !on;
      if (!on) continue;
      found = true;
      var panels = v.querySelectorAll('.panel');
      for (var j = 0; j < panels.length; j++) panels[j].hidden = panels[j].getAttribute('data-column') !== column;
    }
    var buttons = document.querySelectorAll('button[data-scenario]');
    for (var k = 0; k < buttons.length; k++) {
      var b = buttons[k];
      b.setAttribute('aria-pressed', String(b.getAttribute('data-scenario') === id && b.getAttribute('data-column') === column));
    }
    document.getElementById('intro-hint').hidden = found;
    if (found && scroll) document.getElementById('view-' + id).scrollIntoView();
    return found;
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-scenario]');
    if (!b) return;
    var id = b.getAttribute('data-scenario'), column = b.getAttribute('data-column');
    if (show(id, column, b.classList.contains('cell')) && history.replaceState) history.replaceState(null, '', '#' + id + '/' + column);
  });
  var m = /^#([^/]+)\\/(.+)$/.exec(location.hash);
  if (m) show(decodeURIComponent(m[1]), decodeURIComponent(m[2]), true);
})();
`;

/**
 * The lab report as one self-contained HTML page (inline CSS, SVG and script; works from
 * file://). Deterministic: the same report gives the same bytes.
 *
 * No Scrapy counterpart: a teaching view of the lab (`deferkit lab --html`). The lab is not a
 * package export, so it has no runnable @example; test/lab/html.test.ts exercises it.
 *
 * @param report - what {@link runLab} returned.
 * @param options - the code to show per scenario (default: read from scenarios.ts).
 */
export function toHtml(report: LabReport, options: HtmlOptions = {}): string {
  const columns = COLUMNS.filter((c) => report.scenarios.some((s) => s.results[c] !== undefined));
  const sources = options.sources ?? scenarioSources(SCENARIOS.filter((s) => report.scenarios.some((r) => r.id === s.id)));
  const out: string[] = [];
  out.push('<!doctype html>');
  out.push('<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push('<title>deferkit lab — how awaiting behaves under each reactor</title>');
  out.push(`<style>${CSS}</style></head><body>`);
  out.push('<h1>deferkit lab</h1>');
  out.push('<p>Every cell is a real crawl of deferkit\'s embedded demo site, run under that reactor setting by <code>deferkit lab --html</code>. Click a cell to see the scenario\'s code, its timeline, deferkit\'s outcome beside real Scrapy\'s observed one, and the explanation.</p>');
  out.push('<div class="legend">');
  out.push("<p><b>Columns.</b> <code>callback</code>: Twisted's default reactor (no event loop to await on). <code>promise</code>: the asyncio reactor, on the runtime's own event loop. <code>promise+loop</code>: the asyncio reactor on a custom event loop (<code>PROMISE_EVENT_LOOP</code>, Scrapy's <code>ASYNCIO_EVENT_LOOP</code>).</p>");
  out.push('<p><b>Cells.</b> <span class="ok">✓</span> the scenario worked; <span class="err">✗ Name</span> it raised that error (the full message, with what to do instead, is in the view).</p>');
  out.push('<p><b>Timeline lanes.</b> <i>sync</i>: in the same synchronous run as the step before; <i>microtask</i>: after a promise reaction; <i>reactor turn</i>: after a reactor iteration or event-loop task (a timer, an immediate, network I/O).</p>');
  out.push('</div>');
  out.push(`<table class="matrix"><thead><tr><th>scenario</th>${columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>`);
  for (const s of report.scenarios) {
    out.push(
      `<tr><td><code>${esc(s.id)}</code><br><span class="title">${esc(s.title)}</span></td>` +
        columns
          .map((c) => {
            const r = s.results[c];
            return `<td><button type="button" class="cell ${r?.outcome === 'ok' ? 'ok' : 'err'}" data-scenario="${esc(s.id)}" data-column="${c}" aria-pressed="false">${esc(cellText(r))}</button></td>`;
          })
          .join('') +
        '</tr>',
    );
  }
  out.push('</tbody></table>');
  out.push('<p id="intro-hint" class="muted">Click a cell above to open its scenario.</p>');
  for (const s of report.scenarios) out.push(scenarioView(s, columns, sources.get(s.id)));
  out.push(`<script>${SCRIPT}</script>`);
  out.push('</body></html>');
  return out.join('\n') + '\n';
}
