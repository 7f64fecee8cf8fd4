// Item loader processors (itemloaders.processors).

import { createRequire } from 'node:module';

let jmes: { search(data: unknown, expression: string): unknown } | undefined;

/** The jmespath package, loaded on the first SelectJmes query (as response.jmespath() loads it). */
function jmespathSearch(data: unknown, expression: string): unknown {
  jmes ??= createRequire(import.meta.url)('jmespath') as { search(data: unknown, expression: string): unknown };
  return jmes.search(data, expression);
}

/** What the loader hands to processors that ask for it (see {@link withLoaderContext}): `item`, `selector`, `response` and your own keys. */
export type LoaderContext = Record<string, unknown>;

/** An input or output processor: gets the field's values (a list) and returns the new value. */
export type Processor = (values: any, context?: LoaderContext) => unknown;

const WANTS_CONTEXT = Symbol.for('deferkit.loaderContext');

/**
 * Mark `fn` as wanting the loader context as its second argument, as a Python processor with a
 * `loader_context` parameter gets it. Unmarked functions are called with the value alone, so
 * `parseInt` or `Number` can be used as they are.
 *
 * Mirrors itemloaders' `loader_context` argument convention.
 *
 * @param fn - `(value, context) => result`.
 * @returns the same function, marked.
 * @example
 * ```ts
 * import { ItemLoader, MapCompose, withLoaderContext } from '@deferkit/crawler';
 *
 * const unit = withLoaderContext((v: string, ctx: Record<string, unknown>) => `${v} ${String(ctx.unit)}`);
 * const loader = new ItemLoader({ context: { unit: 'cm' } });
 * loader.addValue('size', '12', MapCompose(unit));
 * console.log(loader.getCollectedValues('size'));
 * // prints: [ '12 cm' ]
 * ```
 */
export function withLoaderContext<F extends (value: any, context: LoaderContext) => unknown>(fn: F): F {
  Object.defineProperty(fn, WANTS_CONTEXT, { value: true });
  return fn;
}

/** Call `fn` with the context when it asked for it. @internal */
export function callWithContext(fn: (value: any, context: LoaderContext) => unknown, value: unknown, context: LoaderContext): unknown {
  return (fn as unknown as Record<symbol, unknown>)[WANTS_CONTEXT] === true ? fn(value, context) : (fn as (value: unknown) => unknown)(value);
}

/** A value as a list: undefined/null → `[]`, an array as is, anything else → `[value]`. itemloaders' `arg_to_iter`. @internal */
export function argToList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' && !(value instanceof Map)) return [...(value as Iterable<unknown>)];
  return [value];
}

function fnName(fn: unknown): string {
  return typeof fn === 'function' && fn.name !== '' ? fn.name : 'an anonymous function';
}

/**
 * A processor that runs each function over every value in turn: the first over the input values,
 * the next over what that returned, and so on. A function returning undefined or null drops the
 * value; one returning an array adds each element. The usual input processor.
 *
 * Mirrors itemloaders' `MapCompose`.
 *
 * @param fns - functions of one value (mark one with {@link withLoaderContext} to get the context too).
 * @returns the processor.
 * @example
 * ```ts
 * import { MapCompose } from '@deferkit/crawler';
 *
 * const clean = MapCompose((s: string) => s.trim(), (s: string) => (s === '' ? null : s.toUpperCase()));
 * console.log(clean([' a ', '  ', 'b']));
 * // prints: [ 'A', 'B' ]
 * ```
 */
export function MapCompose(...fns: Array<(value: any, context: LoaderContext) => unknown>): Processor {
  for (const fn of fns) if (typeof fn !== 'function') throw new TypeError(`MapCompose: every argument must be a function, got ${typeof fn}.`);
  return withLoaderContext(function mapCompose(values: unknown, context: LoaderContext = {}) {
    let current = argToList(values);
    for (const fn of fns) {
      const next: unknown[] = [];
      for (const v of current) {
        let out: unknown;
        try {
          out = callWithContext(fn, v, context);
        } catch (e) {
          throw new Error(`Error in MapCompose with ${fnName(fn)} value=${JSON.stringify(v)} error='${(e as Error)?.name}: ${(e as Error)?.message}'`, { cause: e });
        }
        next.push(...argToList(out));
      }
      current = next;
    }
    return current;
  });
}

/** Options of {@link Compose}. */
export interface ComposeOptions {
  /** Stop (returning undefined) as soon as a function returns undefined or null (default true). */
  stopOnNone?: boolean;
}

/**
 * A processor that passes the whole value through each function in turn (unlike MapCompose,
 * which maps over the values). Stops at a function returning undefined/null, unless
 * `stopOnNone` is false (options go last).
 *
 * Mirrors itemloaders' `Compose`.
 *
 * @param fnsAndOptions - functions, then optionally `{ stopOnNone }`.
 * @returns the processor.
 * @example
 * ```ts
 * import { Compose } from '@deferkit/crawler';
 *
 * const firstUpper = Compose((v: string[]) => v[0], (s: string) => s.toUpperCase());
 * console.log(firstUpper(['hello', 'world']));
 * // prints: HELLO
 * ```
 */
export function Compose(...fnsAndOptions: Array<((value: any, context: LoaderContext) => unknown) | ComposeOptions>): Processor {
  const last = fnsAndOptions[fnsAndOptions.length - 1];
  const options: ComposeOptions = last !== undefined && typeof last === 'object' ? (fnsAndOptions.pop() as ComposeOptions) : {};
  const fns = fnsAndOptions as Array<(value: any, context: LoaderContext) => unknown>;
  for (const fn of fns) if (typeof fn !== 'function') throw new TypeError(`Compose: every argument but the options must be a function, got ${typeof fn}.`);
  const stopOnNone = options.stopOnNone ?? true;
  return withLoaderContext(function compose(value: unknown, context: LoaderContext = {}) {
    for (const fn of fns) {
      if ((value === undefined || value === null) && stopOnNone) break;
      try {
        value = callWithContext(fn, value, context);
      } catch (e) {
        throw new Error(`Error in Compose with ${fnName(fn)} value=${JSON.stringify(value)} error='${(e as Error)?.name}: ${(e as Error)?.message}'`, { cause: e });
      }
    }
    return value;
  });
}

/**
 * A processor returning the first value that is neither undefined, null nor `''` (undefined when
 * there is none). The usual output processor for single-valued fields.
 *
 * Mirrors itemloaders' `TakeFirst`.
 *
 * @returns the processor.
 * @example
 * ```ts
 * import { TakeFirst } from '@deferkit/crawler';
 *
 * console.log(TakeFirst()(['', null, 'x', 'y']));
 * // prints: x
 * ```
 */
export function TakeFirst(): Processor {
  return function takeFirst(values: unknown) {
    for (const v of argToList(values)) if (v !== undefined && v !== null && v !== '') return v;
    return undefined;
  };
}

/**
 * A processor returning the values unchanged (the default input and output processor).
 *
 * Mirrors itemloaders' `Identity`.
 *
 * @returns the processor.
 * @example
 * ```ts
 * import { Identity } from '@deferkit/crawler';
 *
 * console.log(Identity()(['a', 'b']));
 * // prints: [ 'a', 'b' ]
 * ```
 */
export function Identity(): Processor {
  return function identity(values: unknown) {
    return values;
  };
}

/**
 * A processor joining the values with `separator` (a space by default).
 *
 * Mirrors itemloaders' `Join`.
 *
 * @param separator - what goes between the values.
 * @returns the processor.
 * @example
 * ```ts
 * import { Join } from '@deferkit/crawler';
 *
 * console.log(Join()(['a', 'b']), Join('<br>')(['a', 'b']));
 * // prints: a b a<br>b
 * ```
 */
export function Join(separator = ' '): Processor {
  return function join(values: unknown) {
    return argToList(values).map(String).join(separator);
  };
}

/**
 * A processor querying its value with a JMESPath expression (the `jmespath` package, the one
 * `response.jmespath()` uses). Use it inside MapCompose to query each value.
 *
 * Mirrors itemloaders' `SelectJmes`.
 *
 * @param expression - the JMESPath expression.
 * @returns the processor.
 * @example
 * ```ts
 * import { MapCompose, SelectJmes } from '@deferkit/crawler';
 *
 * console.log(SelectJmes('foo.bar')({ foo: { bar: 1 } }));
 * console.log(MapCompose(SelectJmes('name'))([{ name: 'a' }, { name: 'b' }]));
 * // prints: 1
 * //         [ 'a', 'b' ]
 * ```
 */
export function SelectJmes(expression: string): Processor {
  if (typeof expression !== 'string') throw new TypeError(`SelectJmes: the expression must be a string, got ${typeof expression}.`);
  return function selectJmes(value: unknown) {
    return jmespathSearch(value, expression);
  };
}
