// Types for lint-layers.mjs (imported by its test).
export const LAYERS: string[];
export const KNOWN_VIOLATIONS: Set<string>;
export function importsOf(text: string): string[];
export function checkLayers(input: { files: Record<string, string>; exportsOf: Record<string, string[]> }): string[];
export function loadRepo(root: string): { files: Record<string, string>; exportsOf: Record<string, string[]> };
