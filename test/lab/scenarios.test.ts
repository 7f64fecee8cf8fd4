// A test per lab scenario: its outcome under each reactor setting, from a real run of the lab.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS, SCENARIOS, runLab, toJson, toMarkdown, type Column, type LabReport } from '../../packages/crawler/src/lab/index.js';

let report: LabReport;
let secondJson: string;

beforeAll(async () => {
  report = await runLab();
  secondJson = toJson(await runLab());
}, 60_000);

function result(id: string, column: Column) {
  const s = report.scenarios.find((x) => x.id === id);
  if (s === undefined) throw new Error(`scenario ${id} missing from the report`);
  const r = s.results[column];
  if (r === undefined) throw new Error(`scenario ${id} has no ${column} result`);
  return r;
}

type Expect = { outcome: 'ok' } | { outcome: 'error'; name: string; words: string[] };
const OK: Expect = { outcome: 'ok' };
const AWAIT_ERR: Expect = { outcome: 'error', name: 'DeferredAwaitError', words: ['Task got bad yield', 'deferredToFuture()', 'maybeDeferredToFuture()'] };
const NO_LOOP: Expect = { outcome: 'error', name: 'NoRunningLoopError', words: ['no running event loop'] };

/** docs/design.md's await table, plus the other scenarios, as expectations. */
const EXPECTED: Record<string, Record<Column, Expect>> = {
  'pipeline-await-deferred': { callback: OK, promise: AWAIT_ERR, 'promise+loop': AWAIT_ERR },
  'pipeline-returns-deferred': { callback: OK, promise: OK, 'promise+loop': OK },
  'inline-request': { callback: OK, promise: OK, 'promise+loop': OK },
  'inline-request-async': { callback: OK, promise: OK, 'promise+loop': OK },
  'parallel-requests': { callback: OK, promise: OK, 'promise+loop': OK },
  'await-deferredlist': { callback: OK, promise: AWAIT_ERR, 'promise+loop': AWAIT_ERR },
  'await-pending-deferred': { callback: OK, promise: AWAIT_ERR, 'promise+loop': AWAIT_ERR },
  'await-fired-deferred': { callback: OK, promise: OK, 'promise+loop': OK },
  'deferred-to-future': {
    callback: { outcome: 'error', name: 'PromiseReactorRequiredError', words: ['deferredToFuture() requires the promise reactor', 'maybeDeferredToFuture()'] },
    promise: OK,
    'promise+loop': OK,
  },
  'maybe-deferred-to-future': { callback: OK, promise: OK, 'promise+loop': OK },
  sleep: { callback: NO_LOOP, promise: OK, 'promise+loop': OK },
  'pending-future': { callback: NO_LOOP, promise: OK, 'promise+loop': OK },
  'native-promise': { callback: OK, promise: OK, 'promise+loop': OK },
  'await-async-function': { callback: OK, promise: OK, 'promise+loop': OK },
  'asyncgen-sync-middleware': {
    callback: { outcome: 'error', name: 'RangeError', words: ['boom after 2 items'] },
    promise: { outcome: 'error', name: 'RangeError', words: ['boom after 2 items'] },
    'promise+loop': { outcome: 'error', name: 'RangeError', words: ['boom after 2 items'] },
  },
  'asyncgen-async-middleware': {
    callback: { outcome: 'error', name: 'RangeError', words: ['boom after 2 items'] },
    promise: { outcome: 'error', name: 'RangeError', words: ['boom after 2 items'] },
    'promise+loop': { outcome: 'error', name: 'RangeError', words: ['boom after 2 items'] },
  },
  'universal-middleware': { callback: OK, promise: OK, 'promise+loop': OK },
  'crawler-runner-without-install': {
    callback: { outcome: 'error', name: 'ReactorNotInstalledError', words: ["We expected a reactor to be installed but it isn't", "installReactor('callback')"] },
    promise: { outcome: 'error', name: 'ReactorNotInstalledError', words: ["installReactor('promise')"] },
    'promise+loop': { outcome: 'error', name: 'ReactorNotInstalledError', words: ["installReactor('promise')"] },
  },
  'crawler-runner-with-install': { callback: OK, promise: OK, 'promise+loop': OK },
  'reactor-mismatch': {
    callback: { outcome: 'error', name: 'ReactorMismatchError', words: ['The installed reactor (promise) does not match the requested one (callback)'] },
    promise: { outcome: 'error', name: 'ReactorMismatchError', words: ['The installed reactor (callback) does not match the requested one (promise)'] },
    'promise+loop': { outcome: 'error', name: 'ReactorMismatchError', words: ['The installed reactor (callback) does not match the requested one (promise)'] },
  },
  'inline-callbacks-callback': { callback: OK, promise: OK, 'promise+loop': OK },
};

describe('deferkit lab', () => {
  it('has an expectation for every scenario, and runs every scenario under every column', () => {
    expect(report.scenarios.map((s) => s.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(SCENARIOS.map((s) => s.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const s of report.scenarios) expect(Object.keys(s.results).sort()).toEqual([...COLUMNS].sort());
  });

  for (const [id, byColumn] of Object.entries(EXPECTED)) {
    for (const column of COLUMNS) {
      const exp = byColumn[column];
      it(`${id} under ${column}: ${exp.outcome === 'ok' ? '✓' : `✗ ${exp.name}`}`, () => {
        const r = result(id, column);
        expect(r.outcome, JSON.stringify(r.error)).toBe(exp.outcome);
        if (exp.outcome === 'error') {
          expect(r.error?.name).toBe(exp.name);
          for (const w of exp.words) expect(r.error?.message).toContain(w);
        }
        expect(r.timeline.length).toBeGreaterThan(0);
      });
    }
  }

  it('asyncgen-sync-middleware loses every item of the response (the downgrade drawback), with both warnings', () => {
    for (const c of COLUMNS) {
      const r = result('asyncgen-sync-middleware', c);
      expect(r.items).toEqual([]);
      expect(r.value).toEqual({ middlewareSaw: 0 });
      expect(r.warnings?.some((w) => w.includes("doesn't support asynchronous spider output"))).toBe(true);
      expect(r.warnings?.some((w) => w.includes('was downgraded to a non-async one'))).toBe(true);
      expect(r.warnings?.some((w) => w.startsWith('ERROR: Spider error processing <GET http://demo/>'))).toBe(true);
    }
  });

  it('asyncgen-async-middleware keeps the two items yielded before the exception', () => {
    for (const c of COLUMNS) {
      const r = result('asyncgen-async-middleware', c);
      expect(r.items).toEqual([{ n: 1 }, { n: 2 }]);
      expect(r.value).toEqual({ middlewareSaw: 2 });
      expect(r.warnings?.some((w) => w.includes('downgraded'))).toBe(false);
    }
  });

  it('universal-middleware uses the sync method for sync output and the async one for async output', () => {
    for (const c of COLUMNS) expect(result('universal-middleware', c).value).toEqual({ calls: ['processSpiderOutput', 'processSpiderOutputAsync'] });
  });

  it('maybe-deferred-to-future returns the Deferred under callback and a Future under promise', () => {
    expect(result('maybe-deferred-to-future', 'callback').value).toEqual({ returned: 'Deferred', status: 200 });
    expect(result('maybe-deferred-to-future', 'promise').value).toEqual({ returned: 'Future', status: 200 });
    expect(result('maybe-deferred-to-future', 'promise+loop').value).toEqual({ returned: 'Future', status: 200 });
  });

  it('parallel-requests returns the entries in request order', () => {
    for (const c of COLUMNS) expect(result('parallel-requests', c).value).toEqual([[true, 200], [true, 200], [true, 200]]);
  });

  it('pipeline scenarios: the awaiting pipeline loses its item under promise; the legacy one warns about returning a Deferred', () => {
    expect(result('pipeline-await-deferred', 'callback').items).toHaveLength(1);
    expect(result('pipeline-await-deferred', 'promise').items).toEqual([]);
    expect(result('pipeline-await-deferred', 'promise').warnings?.some((w) => w.startsWith('ERROR: Error processing'))).toBe(true);
    for (const c of COLUMNS) {
      const r = result('pipeline-returns-deferred', c);
      expect(r.items).toHaveLength(1);
      expect(r.warnings?.some((w) => w.includes('LegacyDbPipeline.processItem returned a Deferred, this is deprecated'))).toBe(true);
    }
  });

  it('timelines: a pending Deferred resumes on a reactor turn, an already-fired one in a microtask, a refused await in a microtask', () => {
    expect(result('await-pending-deferred', 'callback').timeline.at(-1)).toEqual({ step: 'await resumed with the response', turn: 'reactor' });
    expect(result('await-pending-deferred', 'promise').timeline.at(-1)).toEqual({ step: 'await failed: DeferredAwaitError', turn: 'microtask' });
    expect(result('await-fired-deferred', 'callback').timeline).toEqual([
      { step: 'callback entered', turn: 'sync' },
      { step: 'await resumed', turn: 'microtask' },
    ]);
  });

  it('native-promise carries the note on where deferkit differs from Scrapy', () => {
    const s = report.scenarios.find((x) => x.id === 'native-promise')!;
    expect(s.note).toContain('JavaScript always runs its host event loop');
  });

  it('the JSON output is byte-identical from run to run', () => {
    expect(toJson(report)).toBe(secondJson);
  });

  it('the reactors guide embeds the same await table as the lab prints', () => {
    const md = toMarkdown(report);
    const table = md.slice(md.indexOf('| inside a coroutine'), md.indexOf('\n\n', md.indexOf('| inside a coroutine')));
    const guide = readFileSync(fileURLToPath(new URL('../../docs/reactors-and-awaiting.md', import.meta.url)), 'utf8');
    expect(table.split('\n').length).toBeGreaterThan(5);
    expect(guide).toContain(table);
  });

  it('docs/lab.md is up to date (regenerate with: npm run lab -- --format markdown > docs/lab.md)', () => {
    const committed = readFileSync(fileURLToPath(new URL('../../docs/lab.md', import.meta.url)), 'utf8');
    expect(committed).toBe(toMarkdown(report));
  });
});
