// Types for driver.mjs (used by harness.test.ts).
import type { Program } from './generate.mjs';

export type Trace = unknown[][] | 'hang' | { crash: string };
export interface PairResult {
  py: Trace;
  ts: Trace;
  /** null when the traces agree. */
  kind: string | null;
  /** A mismatch left out of the comparison (J13: Twisted recursed out or hung, deferkit ended). */
  excluded: boolean;
}
export interface BatchResult {
  total: number;
  agree: number;
  /** Mismatches left out: Twisted hit its recursion limit or hung while deferkit ended (J13). */
  excluded: number;
  kinds: Map<string, { count: number; first: { prog: Program; py: Trace; ts: Trace } }>;
  failures: Array<{ prog: Program; kind: string; py: Trace; ts: Trace }>;
}
export const PYTHON: string;
export function twistedVersion(): string | null;
export class Worker {
  constructor(side: 'py' | 'ts', options?: { plant?: string; timeoutMs?: number });
  timeoutMs: number;
  restarts: number;
  run(prog: Program): Promise<Trace>;
  stop(): void;
}
export class Pair {
  constructor(options?: { plant?: string; timeoutMs?: number });
  py: Worker;
  ts: Worker;
  run(prog: Program): Promise<PairResult>;
  stop(): void;
}
export function mismatchKind(py: Trace, ts: Trace): string | null;
export function shrink(pair: Pair, prog: Program, kind: string, budget?: number): Promise<Program>;
export function opText(op: Program['ops'][number]): string;
export function programText(prog: Program): string;
export function traceText(trace: Trace): string;
export function runBatch(pair: Pair, programs: Program[]): Promise<BatchResult>;
export const CAUSES: Record<string, string>;
export function suspectCause(prog: Program, py: Trace, ts: Trace): string;
export function hitsRecursionLimit(trace: unknown): boolean;
export function outsideComparison(py: Trace, ts: Trace): boolean;
