// DeferredSemaphore: at most `tokens` holders at once (rules [SM1](../../../docs/rules.md#sm1), [LK3](../../../docs/rules.md#lk3)-[LK4](../../../docs/rules.md#lk4)).

import { Deferred } from './Deferred.js';
import { describeValue } from './errors.js';
import { ConcurrencyPrimitive } from './ConcurrencyPrimitive.js';

/**
 * A counting semaphore for Deferred-based code: up to `tokens` acquires fire at once, the rest
 * wait in FIFO order. `run(f)` limits concurrency: `sem.run(fetchPage, url)`.
 *
 * Mirrors Twisted's `twisted.internet.defer.DeferredSemaphore`.
 *
 * @example
 * ```ts
 * import { DeferredSemaphore, gatherResults, succeed } from '@deferkit/deferred';
 *
 * const download = (url: string) => succeed(`body of ${url}`);
 * const sem = new DeferredSemaphore(2);
 * gatherResults(['/a', '/b', '/c'].map((u) => sem.run(download, u))).addCallback(console.log); // 2 downloads at a time
 * // prints: [ 'body of /a', 'body of /b', 'body of /c' ]
 * ```
 */
export class DeferredSemaphore extends ConcurrencyPrimitive {
  /** Tokens left. */
  tokens: number;
  /** The number of tokens it was created with. */
  readonly limit: number;

  /**
   * @param tokens - how many holders at once, an integer `>= 1`.
   * @throws RangeError when `tokens` is less than 1 or not an integer (Twisted: ValueError).
   */
  constructor(tokens: number) {
    super();
    if (typeof tokens !== 'number' || !Number.isInteger(tokens) || tokens < 1) {
      throw new RangeError(`DeferredSemaphore requires tokens >= 1 (an integer), got ${describeValue(tokens)}.`);
    }
    this.tokens = tokens;
    this.limit = tokens;
  }

  /**
   * Take a token.
   *
   * @returns a Deferred firing with this semaphore once a token is yours; cancel it to stop waiting.
   */
  acquire(): Deferred<this> {
    const d = new Deferred<this>(this._cancelAcquire);
    if (this.tokens <= 0) this._waiting.push(d);
    else {
      this.tokens--;
      d.callback(this);
    }
    return d;
  }

  /**
   * Give a token back; the next waiter (if any) gets it at once.
   *
   * @throws Error when more tokens are released than were acquired.
   */
  release(): void {
    if (this.tokens >= this.limit) {
      throw new Error(
        'DeferredSemaphore.release(): someone released me too many times: too many tokens! ' +
          'Call release() once per acquire() that fired, or use run().',
      );
    }
    this.tokens++;
    const next = this._waiting.shift();
    if (next !== undefined) {
      this.tokens--;
      next.callback(this);
    }
  }
}
