// Types for generate.mjs (used by harness.test.ts).
export interface Program {
  ops: Array<Record<string, unknown> & { op: string }>;
}
export function prng(seed: number): () => number;
export function generateProgram(seed: number, index: number): Program;
