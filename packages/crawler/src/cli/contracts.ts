// Spider contracts (Scrapy's scrapy.contracts): `@url`, `@cb_kwargs`, `@returns`, `@scrapes` in
// a callback's doc comment, read from the spider's source file, and checked by `deferkit check`.
//
// Where the contracts come from: Python reads them from the method's docstring at run time. A
// compiled or bundled TypeScript method keeps no comments in Function.prototype.toString, so the
// source file is read instead, with a small comment scanner rather than the TypeScript compiler
// API: typescript is only a devDependency of this repository, not something @deferkit/crawler
// can expect in a user's project, and the scanner needs no more than "the doc comment just
// before a method name".

import { isRequest } from '../Request.js';
import { isItem } from '../core/Scraper.js';

/** One contract line of a callback's doc comment: `@returns items 1 3` → `{ name: 'returns', args: ['items', '1', '3'] }`. */
export interface ContractLine {
  readonly name: string;
  readonly args: readonly string[];
  /** The text after the name, as written (for `@cb_kwargs`' JSON). */
  readonly text: string;
}

/** The contract names `deferkit check` knows (Scrapy's default SPIDER_CONTRACTS). */
export const CONTRACT_NAMES: ReadonlySet<string> = new Set(['url', 'cb_kwargs', 'returns', 'scrapes']);

const RETURNS_KINDS: ReadonlySet<string> = new Set(['item', 'items', 'request', 'requests']);

/** The contracts in one doc comment's text (JSDoc tags that are not contracts, `@returns the page` among them, are left out). */
function contractsOf(comment: string): ContractLine[] {
  const out: ContractLine[] = [];
  for (const raw of comment.split('\n')) {
    const line = raw.replace(/^\s*\/?\*+\/?/, '').replace(/\*\/\s*$/, '').trim();
    const m = /^@(\w+)(?:\s+(.*))?$/.exec(line);
    if (m === null || !CONTRACT_NAMES.has(m[1]!)) continue;
    const text = (m[2] ?? '').trim();
    const args = text === '' ? [] : text.split(/\s+/);
    // JSDoc's own @returns describes the value: only `@returns item(s)|request(s) …` is a contract.
    if (m[1] === 'returns' && !RETURNS_KINDS.has(args[0] ?? '')) continue;
    out.push({ name: m[1]!, args, text });
  }
  return out;
}

/**
 * The contracts of each method in a spider's source: every `/** … *\/` comment directly
 * followed by a method (`parse(`, `*parse(`, `async parseItem(`, `override async *parse(`,
 * `parseBook = (`…), keyed by the method name. Methods whose comment holds no contract are
 * left out.
 *
 * Mirrors Scrapy's `ContractsManager.extract_contracts`.
 *
 * @param source - the text of a spider file.
 * @returns method name → its contract lines, in order.
 * (An internal of the CLI, not exported by the package; tested through `deferkit check` in
 * test/crawler/cli-check.test.ts.)
 */
export function parseContracts(source: string): Map<string, ContractLine[]> {
  const found = new Map<string, ContractLine[]>();
  const comment = /\/\*\*([\s\S]*?)\*\//g;
  for (let m = comment.exec(source); m !== null; m = comment.exec(source)) {
    const after = source.slice(comment.lastIndex, comment.lastIndex + 300);
    const head = /^\s*(?:(?:public|protected|private|static|override|readonly|async|declare)\s+)*\*?\s*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>\s*)?(?:\(|=\s*(?:async\s*)?(?:function\s*\*?\s*)?\(?)/.exec(after);
    if (head === null) continue;
    const contracts = contractsOf(m[1]!);
    if (contracts.length > 0) found.set(head[1]!, contracts);
  }
  return found;
}

/** A contract that did not hold (Scrapy's `ContractFail`). */
export class ContractFail extends Error {
  override name = 'ContractFail' as const;
}

/** The request options the contracts set: `@url` gives the URL, `@cb_kwargs` the callback's keyword arguments (JSON). */
export function requestArgs(contracts: readonly ContractLine[]): { url?: string; cbKwargs?: Record<string, unknown> } {
  const out: { url?: string; cbKwargs?: Record<string, unknown> } = {};
  for (const c of contracts) {
    if (c.name === 'url') {
      if (c.args.length !== 1) throw new Error(`@url takes one URL, got ${c.args.length === 0 ? 'none' : `'${c.text}'`}.`);
      out.url = c.args[0]!;
    } else if (c.name === 'cb_kwargs') {
      try {
        out.cbKwargs = JSON.parse(c.text) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`@cb_kwargs takes a JSON object, e.g. @cb_kwargs {"page": 1}; got '${c.text}' (${(e as Error).message}).`);
      }
    }
  }
  return out;
}

/**
 * Check one post-processing contract (`@returns`, `@scrapes`) against a callback's output.
 *
 * @throws ContractFail when it does not hold (Scrapy's messages: `Returned 0 items, expected
 * 1..inf`, `Missing fields: price`); Error for a malformed contract.
 */
export function checkPostContract(contract: ContractLine, output: readonly unknown[]): void {
  const item = (x: unknown): boolean => isItem(x) && !isRequest(x);
  if (contract.name === 'returns') {
    const [kind, min, max] = contract.args;
    if (contract.args.length > 3) throw new Error(`Incorrect argument quantity: expected 1, 2 or 3, got ${contract.args.length} (@returns items|requests [MIN [MAX]]).`);
    const isKind = kind!.startsWith('request') ? isRequest : item;
    const lo = min === undefined ? 1 : Number.parseInt(min, 10);
    const hi = max === undefined ? Infinity : Number.parseInt(max, 10);
    if (Number.isNaN(lo) || Number.isNaN(hi)) throw new Error(`@returns ${contract.text}: the bounds must be integers (@returns items 1 10).`);
    const n = output.filter((x) => isKind(x)).length;
    if (n < lo || n > hi) throw new ContractFail(`Returned ${n} ${kind}, expected ${lo === hi ? lo : `${lo}..${hi === Infinity ? 'inf' : hi}`}`);
  } else if (contract.name === 'scrapes') {
    for (const x of output) {
      if (!item(x)) continue;
      const missing = contract.args.filter((f) => !(f in (x as object)));
      if (missing.length > 0) throw new ContractFail(`Missing fields: ${missing.join(', ')}`);
    }
  }
}

/** Everything a callback returned or yielded, awaited (arrays, iterables, async iterables, promises, one value). */
export async function collectOutput(x: unknown): Promise<unknown[]> {
  let v = x;
  if (v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') v = await (v as PromiseLike<unknown>);
  if (v === undefined || v === null) return [];
  if (typeof v === 'object' && Symbol.asyncIterator in v) {
    const out: unknown[] = [];
    for await (const o of v as AsyncIterable<unknown>) out.push(o);
    return out;
  }
  if (typeof v === 'object' && Symbol.iterator in v) return [...(v as Iterable<unknown>)];
  return [v];
}
