// Failure: the value on the error path of a Deferred chain.

import { FAILURE_BRAND } from './internal/shared.js';

/** What `Failure#check` and `Failure#trap` accept: a class (matched with `instanceof`) or a class name. */
export type FailureMatcher = (abstract new (...args: never[]) => unknown) | string;

/**
 * What a Failure's `value` is known to be once `matcher` matched it: the class's instance type;
 * a class name (a string) says nothing, so `unknown`.
 */
export type MatchedValue<M extends FailureMatcher> = M extends abstract new (...args: never[]) => infer I ? I : unknown;

/**
 * The error-path value of a Deferred chain: wraps whatever was thrown, rejected or passed to
 * `errback()` (deviation [J1](../../../docs/rules.md#j1): any value, `undefined` included, and `value` is that value).
 *
 * Mirrors Twisted's `twisted.python.failure.Failure`.
 *
 * @example
 * ```ts
 * import { Failure } from '@deferkit/deferred';
 *
 * const f = new Failure(new RangeError('too big'));
 * console.log(f.check(TypeError, RangeError) === RangeError, f.getErrorMessage());
 * // prints: true too big
 * ```
 */
export class Failure {
  /** The raw thrown, rejected or errback'd value. */
  readonly value: unknown;
  /**
   * The class of `value`: its constructor for objects, the wrapper (`String`, `Number`, …) for
   * primitives, `null` for `null`/`undefined`. Twisted's `Failure.type`.
   */
  readonly type: Function | null;
  /** Whether `then()`, `asFuture()` or `yield`/`await` already delivered this failure somewhere. @internal */
  _observed: boolean;

  /**
   * @param value - the error; a Failure given here is copied (Twisted's `Failure(otherFailure)`).
   */
  constructor(value?: unknown) {
    if (isFailure(value)) {
      this.value = value.value;
      this.type = value.type;
    } else {
      this.value = value;
      this.type = classOf(value);
    }
    this._observed = false;
  }

  /**
   * The first of `types` that `value` is an instance of (a string matches any class name in
   * its prototype chain), or `null`.
   *
   * Mirrors Twisted's `Failure.check`.
   *
   * @param types - classes or class names to test, in order.
   * @returns the matching argument, or `null` (typed as the arguments given; it does not narrow
   * `value`: {@link Failure.is} does).
   * @example
   * ```ts
   * import { Failure } from '@deferkit/deferred';
   *
   * const f = new Failure(new TypeError('x'));
   * console.log(f.check(RangeError, Error) === Error, f.check('TypeError'), f.check(RangeError));
   * // prints: true TypeError null
   * ```
   */
  check<M extends FailureMatcher[]>(...types: M): M[number] | null {
    for (const t of types) {
      if (typeof t === 'string') {
        if (classNames(this.value).includes(t)) return t;
      } else if (typeof t === 'function') {
        if (matchesClass(this.value, t)) return t;
      }
    }
    return null;
  }

  /**
   * {@link Failure.check} as a type guard: whether `value` matches one of `types`, and if so
   * TypeScript knows `value` is an instance of one of those classes. `check` and `trap` return the
   * matching argument (Twisted's API), so they cannot narrow `value`; use this where you want to.
   * A class name (a string) matches as in `check` but narrows nothing.
   *
   * @param types - classes or class names to test.
   * @returns `check(...types) !== null`.
   * @example
   * ```ts
   * import { fail } from '@deferkit/deferred';
   *
   * fail(new RangeError('too big')).addErrback((f) => {
   *   if (f.is(RangeError, TypeError)) console.log(f.value.name, f.value.message); // value: RangeError | TypeError
   * });
   * // prints: RangeError too big
   * ```
   */
  is<M extends FailureMatcher[]>(...types: M): this is Failure & { readonly value: MatchedValue<M[number]> } {
    return this.check(...types) !== null;
  }

  /**
   * Like {@link Failure.check}, but when nothing matches it re-throws the original `value`, so an
   * errback can say "I handle only these": `f.trap(CancelledError)`.
   *
   * Mirrors Twisted's `Failure.trap`.
   *
   * @param types - classes or class names this errback handles.
   * @returns the matching argument (it does not narrow `value`: {@link Failure.is} does).
   * @throws the original `value` when no type matches.
   * @example
   * ```ts
   * import { CancelledError, Deferred } from '@deferkit/deferred';
   *
   * const d = new Deferred<string>();
   * d.addErrback((f) => { f.trap(CancelledError); return 'cancelled'; }).addCallback(console.log);
   * d.cancel();
   * // prints: cancelled
   * ```
   */
  trap<M extends FailureMatcher[]>(...types: M): M[number] {
    const found = this.check(...types);
    if (found === null) throw this.value;
    return found;
  }

  /**
   * Throws `value`. Twisted's `Failure.raiseException`.
   *
   * @throws always: the wrapped value.
   */
  raiseException(): never {
    throw this.value;
  }

  /**
   * The error's message: `value.message` for errors, `String(value)` otherwise.
   * Twisted's `Failure.getErrorMessage`.
   *
   * @example
   * ```ts
   * import { Failure } from '@deferkit/deferred';
   *
   * console.log(new Failure(new Error('boom')).getErrorMessage());
   * // prints: boom
   * ```
   */
  getErrorMessage(): string {
    const v = this.value;
    if (v instanceof Error) return v.message;
    if (v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      return (v as { message: string }).message;
    }
    return safeString(v);
  }

  /**
   * The error's stack when it has one, else `TypeName: message`.
   * Twisted's `Failure.getTraceback`.
   */
  getTraceback(): string {
    const v = this.value;
    if (v instanceof Error && typeof v.stack === 'string' && v.stack !== '') return v.stack;
    const name = this.type === null ? String(v) : this.type.name;
    return `${name}: ${this.getErrorMessage()}`;
  }

  /** Twisted kept tracebacks alive through `cleanFailure`; JS errors need no cleaning. Kept for porting. */
  cleanFailure(): void {}

  /** `[Failure instance: TypeName: message]`, like Twisted's `str(failure)`. */
  toString(): string {
    const name = this.type === null ? String(this.value) : this.type.name;
    return `[Failure instance: ${name}: ${this.getErrorMessage()}]`;
  }
}

Object.defineProperty(Failure.prototype, FAILURE_BRAND, { value: true });

/**
 * True for a Failure made by any loaded copy of @deferkit/deferred.
 *
 * @param value - anything.
 * @example
 * ```ts
 * import { Failure, isFailure } from '@deferkit/deferred';
 *
 * console.log(isFailure(new Failure(1)), isFailure(new Error('not a Failure')));
 * // prints: true false
 * ```
 */
export function isFailure(value: unknown): value is Failure {
  // Hot path of every callback chain: primitives (most results) leave at the first test.
  if (typeof value !== 'object' || value === null) return false;
  return value instanceof Failure || (value as Record<symbol, unknown>)[FAILURE_BRAND] === true;
}

function classOf(value: unknown): Function | null {
  switch (typeof value) {
    case 'string':
      return String;
    case 'number':
      return Number;
    case 'boolean':
      return Boolean;
    case 'bigint':
      return BigInt;
    case 'symbol':
      return Symbol;
    case 'undefined':
      return null;
    case 'function':
      return Function;
    default: {
      if (value === null) return null;
      const proto = Object.getPrototypeOf(value) as { constructor?: unknown } | null;
      return proto !== null && typeof proto.constructor === 'function' ? proto.constructor : Object;
    }
  }
}

function matchesClass(value: unknown, cls: Function): boolean {
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    try {
      return value instanceof (cls as new () => unknown);
    } catch {
      return false;
    }
  }
  // Primitives: a string is a String, as `Failure("x").check(str)` is in Python.
  return classOf(value) === cls;
}

function classNames(value: unknown): string[] {
  const names: string[] = [];
  if (value === null || value === undefined) return names;
  let proto: unknown = typeof value === 'object' || typeof value === 'function' ? Object.getPrototypeOf(value) : classOf(value)?.prototype;
  while (proto !== null && proto !== undefined) {
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
    if (ctor !== undefined && typeof ctor.name === 'string') names.push(ctor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
