// Signals: Scrapy's signal names (camelCase) and a manager that sends them the sync or the async way.

import { isDeferred, isThenable } from '@deferkit/deferred';
import { ensureAwaitable } from '@deferkit/interop';
import type { Logger } from './log.js';

/**
 * Scrapy's signals, camelCased. Those marked "async" await coroutine (and Deferred) handlers;
 * the others call handlers synchronously and do not wait for what they return.
 *
 * Mirrors `scrapy.signals`.
 */
export const signals = {
  /** async. */ engineStarted: 'engineStarted',
  /** async. */ engineStopped: 'engineStopped',
  /** async: the crawl starts after async handlers finish. */ spiderOpened: 'spiderOpened',
  /** sync: raise DontCloseSpider to stay open. */ spiderIdle: 'spiderIdle',
  /** async. */ spiderClosed: 'spiderClosed',
  /** sync. */ spiderError: 'spiderError',
  /** sync: raise IgnoreRequest to drop the request. */ requestScheduled: 'requestScheduled',
  /** sync. */ requestDropped: 'requestDropped',
  /** sync. */ requestReachedDownloader: 'requestReachedDownloader',
  /** sync. */ requestLeftDownloader: 'requestLeftDownloader',
  /** sync. */ responseReceived: 'responseReceived',
  /** sync. */ responseDownloaded: 'responseDownloaded',
  /** sync. */ headersReceived: 'headersReceived',
  /** sync. */ bytesReceived: 'bytesReceived',
  /** async. */ itemScraped: 'itemScraped',
  /** async. */ itemDropped: 'itemDropped',
  /** async. */ itemError: 'itemError',
  /** sync. */ schedulerEmpty: 'schedulerEmpty',
  /** async. */ feedSlotClosed: 'feedSlotClosed',
  /** async. */ feedExporterClosed: 'feedExporterClosed',
} as const;

/** A signal name. */
export type SignalName = (typeof signals)[keyof typeof signals];

/** A signal handler: gets one object with the signal's arguments (`{ spider, item, response, … }`). */
export type SignalHandler = (args: Record<string, any>) => unknown;

/** Errors of these types are returned by the senders without being logged (Scrapy's `dont_log`). */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** Whether `x` is an instance of one of `classes`. */
function isInstanceOfAny(x: unknown, classes: readonly ErrorClass[]): boolean {
  for (let i = 0; i < classes.length; i++) if (x instanceof (classes[i] as new () => unknown)) return true;
  return false;
}

/**
 * Connects handlers to signals and sends signals. `send()` is Scrapy's `send_catch_log`:
 * synchronous; a handler returning a Deferred is an error, one returning a promise is not
 * awaited (and is warned about). `sendAsync()` is `send_catch_log_async`: every handler runs
 * concurrently and is awaited. Handler errors are logged, never thrown.
 *
 * Mirrors Scrapy's `scrapy.signalmanager.SignalManager`.
 *
 * @example
 * ```ts
 * import { Crawler, Spider, signals } from '@deferkit/crawler';
 *
 * const crawler = new Crawler(Spider, { LOG_ENABLED: false });
 * crawler.signals.connect(({ item }) => console.log('scraped', item), signals.itemScraped);
 * ```
 */
export class SignalManager {
  /**
   * The handlers of each signal. A list is never changed in place: connect() and disconnect()
   * put a new one, so send() can walk the list it found while handlers connect or disconnect,
   * without copying it on every send (several sends a request).
   */
  readonly #handlers = new Map<string, readonly SignalHandler[]>();
  readonly #logger: Logger;

  /** @internal */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Call `handler` whenever `signal` is sent. */
  connect(handler: SignalHandler, signal: SignalName | string): void {
    if (typeof handler !== 'function') throw new TypeError(`signals.connect(handler, ${signal}): handler must be a function.`);
    const list = this.#handlers.get(signal) ?? [];
    if (!list.includes(handler)) this.#handlers.set(signal, [...list, handler]);
  }

  /** Stop calling `handler` for `signal`. */
  disconnect(handler: SignalHandler, signal: SignalName | string): void {
    const list = this.#handlers.get(signal);
    if (list === undefined) return;
    const i = list.indexOf(handler);
    if (i !== -1) this.#handlers.set(signal, [...list.slice(0, i), ...list.slice(i + 1)]);
  }

  /** Remove every handler of `signal`. */
  disconnectAll(signal: SignalName | string): void {
    this.#handlers.delete(signal);
  }

  #name(handler: SignalHandler): string {
    return handler.name || 'anonymous handler';
  }

  /**
   * Send `signal` synchronously; returns `[handler, result or error]` pairs.
   *
   * @param dontLog - error classes returned without logging.
   */
  send(signal: SignalName | string, args: Record<string, unknown> = {}, dontLog: readonly ErrorClass[] = []): Array<[SignalHandler, unknown]> {
    const out: Array<[SignalHandler, unknown]> = [];
    const handlers = this.#handlers.get(signal);
    // Most signals have no handler in most crawls; they are sent several times per request.
    if (handlers === undefined || handlers.length === 0) return out;
    for (let i = 0; i < handlers.length; i++) out.push([handlers[i]!, this.#call(signal, handlers[i]!, args, dontLog)]);
    return out;
  }

  /**
   * Send `signal` synchronously as {@link send} does (every handler runs, errors are caught and
   * logged), but keep no list of results: return the first result, thrown or returned, that is
   * an instance of one of `match` (not logged), or undefined. For the signals sent for every
   * request, whose senders only ask "did a handler raise IgnoreRequest?". @internal
   */
  sendMatching(signal: SignalName | string, args: Record<string, unknown>, match: readonly ErrorClass[]): unknown {
    const handlers = this.#handlers.get(signal);
    if (handlers === undefined) return undefined;
    let found: unknown;
    for (let i = 0; i < handlers.length; i++) {
      const r = this.#call(signal, handlers[i]!, args, match);
      if (found === undefined && isInstanceOfAny(r, match)) found = r;
    }
    return found;
  }

  /** Whether `signal` has a handler: a sender may then skip building its arguments. @internal */
  hasHandlers(signal: SignalName | string): boolean {
    const handlers = this.#handlers.get(signal);
    return handlers !== undefined && handlers.length > 0;
  }

  /** One handler of a synchronous send: its result, or the error it threw (logged unless of a `dontLog` class). */
  #call(signal: SignalName | string, handler: SignalHandler, args: Record<string, unknown>, dontLog: readonly ErrorClass[]): unknown {
    let result: unknown;
    try {
      result = handler(args);
    } catch (e) {
      if (!isInstanceOfAny(e, dontLog)) this.#logger.error(`Error caught on signal handler: ${this.#name(handler)}`, e);
      return e;
    }
    if (isDeferred(result)) {
      this.#logger.error(`Cannot return deferreds from signal handler: ${this.#name(handler)}`);
      (result as { addErrback(f: () => undefined): unknown }).addErrback(() => undefined);
    } else if (isThenable(result)) {
      // Python never runs such a coroutine's body; JavaScript already ran it up to its first await.
      this.#logger.warning(
        `Signal handler ${this.#name(handler)} returned a promise, but ${signal} does not wait for handlers; ` +
          `it was not awaited (Scrapy: "coroutine was never awaited"). Use a signal that supports async handlers.`,
      );
      (result as PromiseLike<unknown>).then(undefined, (e: unknown) => this.#logger.error(`Error caught on signal handler: ${this.#name(handler)}`, e));
    }
    return result;
  }

  /**
   * Send `signal` to every handler concurrently and wait for all (coroutines, promises and
   * Deferreds are awaited); returns `[handler, result or error]` pairs.
   */
  async sendAsync(signal: SignalName | string, args: Record<string, unknown> = {}, dontLog: ErrorClass[] = []): Promise<Array<[SignalHandler, unknown]>> {
    const list = this.#handlers.get(signal);
    if (list === undefined || list.length === 0) return [];
    const handlers = list;
    const out = new Array<[SignalHandler, unknown]>(handlers.length);
    const caught = (handler: SignalHandler, e: unknown): [SignalHandler, unknown] => {
      if (!dontLog.some((c) => e instanceof (c as new () => unknown))) {
        this.#logger.error(`Error caught on signal handler: ${this.#name(handler)}`, e);
      }
      return [handler, e];
    };
    // Every handler is called now, in order; those returning a promise or a Deferred are then
    // awaited together. A plain value is its result at once (Scrapy: a Deferred already fired).
    let pending: Array<Promise<void>> | null = null;
    for (let i = 0; i < handlers.length; i++) {
      const handler = handlers[i]!;
      let result: unknown;
      try {
        result = handler(args);
      } catch (e) {
        out[i] = caught(handler, e);
        continue;
      }
      if (isThenable(result)) {
        (pending ??= []).push(
          (async (): Promise<void> => {
            try {
              out[i] = [handler, await ensureAwaitable(result)];
            } catch (e) {
              out[i] = caught(handler, e);
            }
          })(),
        );
      } else {
        out[i] = [handler, result];
      }
    }
    if (pending !== null) await Promise.all(pending);
    return out;
  }
}
