// Chain helpers of the spider middleware manager: an output followed by what the
// processSpiderException methods recovered while it was read (Scrapy's MutableChain and
// MutableAsyncChain).

import { InvalidOutput } from '../../errors.js';
import { asAsyncGenerator, isAsyncIterable, type SpiderOutput } from '../../utils/misc.js';

type Output = SpiderOutput;

/**
 * `result`, then everything in `recovered` — read lazily, since `recovered` fills up while
 * `result` is iterated (Scrapy's MutableChain / MutableAsyncChain).
 */
export function concatOutput(result: Output, recovered: Output[], asyncHint: boolean): Output {
  if (asyncHint || isAsyncIterable(result)) return chainAsync(result, recovered);
  return chainSync(result as Iterable<unknown>, recovered);
}

/** `first`, then each of `rest` (which may grow while `first` is iterated). */
export function* chainSync(first: Iterable<unknown>, rest: Output[]): Generator<unknown> {
  yield* first;
  for (let i = 0; i < rest.length; i++) {
    const r = rest[i]!;
    if (isAsyncIterable(r)) throw new InvalidOutput('Async iterable recovered by a processSpiderException method cannot be downgraded');
    yield* r as Iterable<unknown>;
  }
}

/** `first`, then each of `rest` (which may grow while `first` is iterated), as one async generator. */
export async function* chainAsync(first: Output, rest: Output[]): AsyncGenerator<unknown> {
  yield* asAsyncGenerator(first);
  for (let i = 0; i < rest.length; i++) yield* asAsyncGenerator(rest[i]!);
}
