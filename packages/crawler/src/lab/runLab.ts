// Running the lab: every scenario under every column, against one demo site.

import { isReactorInstalled, uninstallReactor } from '@deferkit/reactor';
import { startDemoSite, type DemoSite } from '../demo/site.js';
import { COLUMNS, SCENARIOS, makeContext, type Column, type Scenario, type ScenarioOutcome } from './scenarios.js';
import { Timeline, enableTurnTracking, type TimelineStep } from './timeline.js';

/** One column's result, as the JSON output has it. */
export interface ColumnResult extends ScenarioOutcome {
  timeline: TimelineStep[];
}

/** One scenario's results. */
export interface ScenarioReport {
  id: string;
  title: string;
  results: Partial<Record<Column, ColumnResult>>;
  scrapy?: string;
  note?: string;
}

/** The whole lab run. */
export interface LabReport {
  scenarios: ScenarioReport[];
}

/** Options of {@link runLab}. */
export interface RunLabOptions {
  /** Only these scenario ids. */
  scenarios?: string[];
  /** Only these columns. */
  columns?: Column[];
  /** A running demo site to use (else one is started and stopped). */
  site?: DemoSite;
}

/** Make a value deterministic: no ports, no per-process ids. */
function normalize(value: unknown, site: DemoSite): unknown {
  if (typeof value === 'string') return value.split(site.url).join('http://demo').replace(/0x[0-9a-f]+/g, '0x…');
  if (Array.isArray(value)) return value.map((v) => normalize(v, site));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normalize(v, site)]));
  }
  return value;
}

async function runOne(scenario: Scenario, column: Column, site: DemoSite): Promise<ColumnResult> {
  if (isReactorInstalled()) uninstallReactor();
  const tl = new Timeline();
  const ctx = makeContext(column, site, tl);
  try {
    await scenario.run(ctx);
  } catch (e) {
    ctx.fail(e);
  } finally {
    if (isReactorInstalled()) uninstallReactor();
  }
  const r = ctx.result;
  const out: ColumnResult = { outcome: r.outcome, timeline: tl.steps };
  if (r.value !== undefined) out.value = normalize(r.value, site);
  if (r.error !== undefined) out.error = normalize(r.error, site) as { name: string; message: string };
  if (r.items !== undefined) out.items = normalize(r.items, site) as unknown[];
  if (r.warnings !== undefined) out.warnings = normalize(r.warnings, site) as string[];
  // Keep a fixed key order so the JSON is byte-identical from run to run.
  return Object.fromEntries(['outcome', 'value', 'error', 'items', 'warnings', 'timeline'].filter((k) => k in out).map((k) => [k, out[k as keyof ColumnResult]])) as unknown as ColumnResult;
}

/**
 * Run the lab: every scenario (or the chosen ones) under every reactor column, each as a real
 * crawl of the embedded demo site.
 *
 * @throws TypeError for an unknown scenario id or column.
 */
export async function runLab(options: RunLabOptions = {}): Promise<LabReport> {
  const ids = options.scenarios;
  if (ids !== undefined) {
    for (const id of ids) {
      if (!SCENARIOS.some((s) => s.id === id)) {
        throw new TypeError(`Unknown scenario '${id}'. Scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}.`);
      }
    }
  }
  const columns = options.columns ?? [...COLUMNS];
  for (const c of columns) {
    if (!COLUMNS.includes(c)) throw new TypeError(`Unknown reactor '${c}'. Reactors: ${COLUMNS.join(', ')}.`);
  }
  const site = options.site ?? (await startDemoSite());
  const stopTracking = enableTurnTracking();
  try {
    const scenarios: ScenarioReport[] = [];
    for (const scenario of SCENARIOS) {
      if (ids !== undefined && !ids.includes(scenario.id)) continue;
      const results: Partial<Record<Column, ColumnResult>> = {};
      for (const column of columns) results[column] = await runOne(scenario, column, site);
      const report: ScenarioReport = { id: scenario.id, title: scenario.title, results, scrapy: scenario.scrapy };
      if (scenario.note !== undefined) report.note = scenario.note;
      scenarios.push(report);
    }
    return { scenarios };
  } finally {
    stopTracking();
    if (options.site === undefined) await site.close();
  }
}
