// The one thenable / generator / Deferred check every package uses (issue 15: one helper each).

import { describe, expect, it } from 'vitest';
import { Deferred, describeValue, isDeferred, isGenerator, isThenable, succeed } from '@deferkit/deferred';
import { deferredFromCoro } from '@deferkit/interop';

describe('guards', () => {
  it('isGenerator takes generator objects only: not bare iterators, not async generators', () => {
    expect(isGenerator((function* () {})())).toBe(true);
    expect(isGenerator([1][Symbol.iterator]())).toBe(false);
    expect(isGenerator((async function* () {})())).toBe(false);
    const iteratorWithThrow = { next: () => ({ done: true, value: 1 }), throw: () => ({ done: true, value: 1 }), [Symbol.iterator]() { return this; } };
    expect(isGenerator(iteratorWithThrow)).toBe(false);
    expect(isGenerator(null)).toBe(false);
  });

  it('deferredFromCoro passes an iterator that is not a generator through, as its doc says', () => {
    const iteratorWithThrow = { next: () => ({ done: true, value: 1 }), throw: () => ({ done: true, value: 1 }), [Symbol.iterator]() { return this; } };
    expect(deferredFromCoro(iteratorWithThrow)).toBe(iteratorWithThrow);
    const agen = (async function* () {})();
    expect(deferredFromCoro(agen)).toBe(agen);
  });

  it('isThenable takes anything with a callable then, and survives a throwing then getter', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable(succeed(1))).toBe(true);
    expect(isThenable({ then: 1 })).toBe(false);
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('no');
      },
    });
    expect(isThenable(hostile)).toBe(false);
    expect(isThenable(() => 1)).toBe(false);
  });

  it("isDeferred recognises another copy's Deferred by its brand, and nothing else", () => {
    const foreign = Object.create(Object.getPrototypeOf(new Deferred())) as object;
    expect(isDeferred(new Deferred())).toBe(true);
    expect(isDeferred(foreign)).toBe(true);
    expect(isDeferred({ then() {} })).toBe(false);
  });

  it("describeValue is the one way values are described in messages", () => {
    expect(describeValue('x')).toBe("'x'");
    expect(describeValue(new TypeError('bad'))).toBe("TypeError('bad')");
    expect(describeValue([1, null])).toBe('[1, null]');
    expect(describeValue(function named() {})).toBe('<function named>');
  });
});
