// The code the HTML lab shows for a scenario: its own entry in scenarios.ts, read from the source
// file, followed by the file's top-level helpers it uses (transitively), in file order. When the
// source file is not there (an installation without src/), the scenario's run function's text.

import { readFileSync } from 'node:fs';
import type { Scenario } from '../scenarios.js';

interface Chunk {
  readonly name: string;
  readonly text: string;
  readonly order: number;
}

/** Split scenarios.ts into its top-level helpers (functions and consts, with their doc comments). */
function helpersOf(lines: string[]): Chunk[] {
  const out: Chunk[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:export )?(?:async )?function (\w+)|^(?:export )?const (\w+)(?::[^=]+)? = /.exec(lines[i]!);
    if (m === null) continue;
    const name = (m[1] ?? m[2])!;
    if (name === 'SCENARIOS' || name === 'COLUMNS') continue;
    let start = i;
    while (start > 0 && /^(\/\*\*| \*|\/\/)/.test(lines[start - 1]!)) start--;
    let end = i;
    if (m[1] !== undefined || !lines[i]!.trimEnd().endsWith(';')) {
      while (end < lines.length - 1 && !/^(}|};|\])/.test(lines[end]!)) end++;
    }
    out.push({ name, text: lines.slice(start, end + 1).join('\n'), order: i });
    i = end;
  }
  return out;
}

/** Each scenario's `{ id: …, … }` entry of SCENARIOS, de-indented. */
function entriesOf(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {4}id: '([^']+)',$/.exec(lines[i]!);
    if (m === null || lines[i - 1] !== '  {') continue;
    let end = i;
    while (end < lines.length - 1 && lines[end] !== '  },') end++;
    out.set(m[1]!, lines.slice(i - 1, end + 1).map((l) => l.slice(2)).join('\n'));
  }
  return out;
}

/**
 * The source to show for each scenario, keyed by id: the scenario's entry and the helpers it
 * calls, from `scenarioFile` (default: the lab's scenarios.ts, found from the sources or the build).
 */
export function scenarioSources(scenarios: readonly Scenario[], scenarioFile?: URL): Map<string, string> {
  // From the sources this module is src/lab/html/source.ts; in the build it is bundled into
  // dist/lab/cli.js, and the package ships src/ beside dist/.
  const candidates = scenarioFile !== undefined ? [scenarioFile] : [new URL('../scenarios.ts', import.meta.url), new URL('../../src/lab/scenarios.ts', import.meta.url)];
  let text: string | undefined;
  for (const file of candidates) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // Only the lab's scenarios file (from dist, '../scenarios.ts' could be some other file).
    if (text.includes('export const SCENARIOS')) break;
    text = undefined;
  }
  const out = new Map<string, string>();
  if (text === undefined) {
    for (const s of scenarios) out.set(s.id, `// ${s.id}: the scenario's run function\n${Function.prototype.toString.call(s.run)}`);
    return out;
  }
  const lines = text.split('\n');
  const helpers = helpersOf(lines);
  const entries = entriesOf(lines);
  for (const s of scenarios) {
    const entry = entries.get(s.id) ?? `// ${s.id}: the scenario's run function\n${Function.prototype.toString.call(s.run)}`;
    const used = new Set<Chunk>();
    const visit = (code: string): void => {
      for (const h of helpers) {
        if (!used.has(h) && new RegExp(`\\b${h.name}\\b`).test(code)) {
          used.add(h);
          visit(h.text);
        }
      }
    };
    visit(entry);
    const parts = [entry, ...[...used].sort((a, b) => a.order - b.order).map((h) => h.text)];
    out.set(s.id, parts.join('\n\n'));
  }
  return out;
}
