// The part of the `jmespath` package (no bundled types) the loader uses.
declare module 'jmespath' {
  /** Evaluate a JMESPath expression against data. */
  export function search(data: unknown, expression: string): unknown;
  const jmespath: { search(data: unknown, expression: string): unknown };
  export default jmespath;
}
