// One loaded copy of @deferkit/crawler must recognise another's objects: an ESM app with a CJS
// middleware package loads the crawler twice (the dual-package hazard), and `instanceof` alone
// would then tell a Response, a Settings or a DropItem from the other copy apart as foreign.

/**
 * Give `cls` a `Symbol.for('deferkit.crawler.<name>')` brand on its prototype and an
 * `instanceof` that also accepts objects carrying that brand, i.e. instances of the same class
 * of another loaded copy. Subclasses keep the ordinary `instanceof` (an instance of `cls` is not
 * an instance of a subclass). @internal
 */
export function brandClass(cls: abstract new (...args: never[]) => unknown, name: string): void {
  const brand = Symbol.for(`deferkit.crawler.${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      if (typeof this === 'function' && Function.prototype[Symbol.hasInstance].call(this, x)) return true;
      return this === cls && x !== null && (typeof x === 'object' || typeof x === 'function') && (x as Record<symbol, unknown>)[brand] === true;
    },
  });
}
