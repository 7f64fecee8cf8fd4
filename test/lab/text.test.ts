// Issue 20 item 1: the text lab explains itself (a legend), never cuts an error before its
// advice (it wraps instead), prints each logged warning once with the scenarios it applies to,
// shows engine.downloadAsync() beside engine.download(), and rejects a bad --scenario /
// --reactor cleanly (exit 2, did-you-mean, the valid ids) before running anything.

import { beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS, SCENARIOS, TEXT_LEGEND, collectWarnings, runLab, toText, wrap, type LabReport } from '../../packages/crawler/src/lab/index.js';
import { main as labMain, UsageError } from '../../packages/crawler/src/lab/cli.js';
import { runCli } from '../crawler/cli-harness.js';

let report: LabReport;
let text: string;
const WIDTH = 80;

beforeAll(async () => {
  report = await runLab();
  text = toText(report, { width: WIDTH });
}, 60_000);

/** The text with its wrapping undone: runs of spaces and line breaks become one space. */
const flat = (s: string): string => s.replace(/\s+/g, ' ');

/** What `fn` rejects with. */
async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('text lab', () => {
  it('has a legend naming every column and every timeline tag', () => {
    const legend = TEXT_LEGEND.join(' ');
    for (const c of COLUMNS) expect(legend).toContain(`${c} =`);
    for (const tag of ['[sync]', '[microtask]', '[reactor]']) expect(legend).toContain(tag);
    expect(flat(text)).toContain(flat(TEXT_LEGEND[0]!));
  });

  it('prints every error message in full, advice included, wrapped to the width (no …-truncation)', () => {
    const errors = report.scenarios.flatMap((s) => COLUMNS.map((c) => s.results[c]?.error).filter((e) => e !== undefined));
    expect(errors.length).toBeGreaterThan(10);
    for (const e of errors) expect(flat(text)).toContain(flat(`${e!.name}: ${e!.message}`));
    // The DeferredAwaitError's advice, which the old output cut at "…use mayb…".
    expect(flat(text)).toContain('maybeDeferredToFuture() (any reactor)');
  });

  it('wraps lines to the width, except the await table (one row per line) and single words longer than it', () => {
    const tableEnd = text.indexOf('\n\n', text.indexOf('──'));
    for (const line of text.slice(tableEnd).split('\n')) {
      if (line.length > WIDTH) expect(line.trim().split(' ').length, line).toBe(1);
    }
  });

  it('wrap() never cuts a word and indents continuation lines', () => {
    expect(wrap('aaa bbb ccc ddd', 8, '  ')).toEqual(['aaa bbb', '  ccc', '  ddd']);
    expect(wrap('averyveryverylongword x', 5, '>')).toEqual(['averyveryverylongword', '>x']);
  });

  it('prints each logged warning once, with the list of scenarios it applies to', () => {
    const warnings = collectWarnings(report);
    const deprecation = warnings.find((w) => w.text === 'WARNING: engine.download() is deprecated, use engine.downloadAsync() instead.');
    expect(deprecation).toBeDefined();
    // Every scenario calling engine.download() and nothing else.
    expect(deprecation!.where.map((w) => w.id)).toContain('inline-request');
    expect(deprecation!.where.map((w) => w.id)).not.toContain('inline-request-async');
    for (const w of warnings) expect(flat(text).split(flat(w.text)).length - 1, w.text).toBe(1);
    const section = flat(text.slice(text.indexOf('Warnings and errors the crawls logged')));
    expect(section).toContain(`in: ${deprecation!.where.map((w) => w.id).join(', ')}`);
  });

  it('inline-request-async (engine.downloadAsync) works under every reactor without the deprecation warning', () => {
    const s = report.scenarios.find((x) => x.id === 'inline-request-async')!;
    for (const c of COLUMNS) {
      expect(s.results[c]?.outcome).toBe('ok');
      expect(s.results[c]?.value).toEqual({ status: 200 });
      expect(s.results[c]?.warnings ?? []).toEqual([]);
      expect(s.results[c]?.timeline.map((t) => t.step)).toEqual(['callback entered', 'engine.downloadAsync() returned a Promise', 'await resumed with the response']);
    }
  });
});

describe('deferkit lab arguments', () => {
  it('--list prints every scenario id with its title and runs nothing', async () => {
    let out = '';
    expect(await labMain(['--list'], (s) => void (out += s))).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(SCENARIOS.map((s) => s.id));
    expect(out).toContain(SCENARIOS[0]!.title);
  });

  it('a mistyped --scenario is a UsageError with a did-you-mean and every id', async () => {
    const e = await rejection(() => labMain(['--scenario', 'sleeep'], () => {}));
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toContain("Unknown scenario 'sleeep' (did you mean 'sleep'?)");
    for (const s of SCENARIOS) expect((e as Error).message).toContain(s.id);
  });

  it('an unknown --scenario with no close id lists the ids, with no guess', async () => {
    const e = await rejection(() => labMain(['--list', '--scenario', 'zzzzzzzzzz'], () => {}));
    expect((e as Error).message).toMatch(/^Unknown scenario 'zzzzzzzzzz'\. Scenarios: /);
  });

  it('a mistyped --reactor is a UsageError with a did-you-mean', async () => {
    const e = await rejection(() => labMain(['--reactor', 'promis'], () => {}));
    expect((e as Error).message).toBe("Unknown reactor 'promis' (did you mean 'promise'?). Reactors: callback, promise, promise+loop.");
  });

  it('deferkit lab --scenario with a typo exits 2 with the hint on stderr and prints nothing on stdout', async () => {
    const r = await runCli(['lab', '--scenario', 'inline-requests']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("Unknown scenario 'inline-requests' (did you mean 'inline-request'?)");
  });
});
