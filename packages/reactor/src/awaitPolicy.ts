// The awaitDeferreds policy of the promise reactor: Deferred#then consults the hook this module
// installs with @deferkit/deferred's setAwaitHook (the one declaration of that contract), so
// the lower package never imports this one.

import { setAwaitHook } from '@deferkit/deferred';
import { DeferredAwaitError } from './errors.js';

/**
 * What awaiting a Deferred that has no result yet does under the promise reactor:
 * `'error'` (default, as Scrapy's asyncio reactor: rejects with `DeferredAwaitError`),
 * `'warn'` (works, warns once per call site), `'allow'` (works). Fired Deferreds are always awaitable.
 */
export type AwaitDeferredsPolicy = 'error' | 'warn' | 'allow';

const warnedSites = new Set<string>();

/**
 * The first stack line outside deferkit's own code: where then() was called. `await d` calls
 * then() from a microtask job. Node shows no user frame there, so every plain `await` of a
 * pending Deferred shares one key (and one warning): undefined is returned. Browsers show the
 * awaiting function as an `at async …` frame: that line is returned, and names the await.
 */
function callSite(): string | undefined {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  for (const line of lines) {
    if (/[\\/](deferred|reactor)[\\/](src|dist)[\\/]|node:internal|@deferkit/.test(line)) continue;
    return line.trim();
  }
  return undefined;
}

function emitWarning(message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: (msg: string, opts: { type: string }) => void } }).process;
  if (proc !== undefined && typeof proc.emitWarning === 'function') proc.emitWarning(message, { type: 'DeferredAwaitWarning' });
  else (globalThis as unknown as { console: { warn(m: string): void } }).console.warn(`DeferredAwaitWarning: ${message}`);
}

/** @internal */
export function installAwaitPolicy(policy: AwaitDeferredsPolicy): void {
  if (policy === 'allow') {
    setAwaitHook(undefined);
    return;
  }
  if (policy === 'error') {
    setAwaitHook((deferred, pending) =>
      pending ? { reject: new DeferredAwaitError(String((deferred as { toString(): string }).toString())) } : undefined,
    );
    return;
  }
  setAwaitHook((deferred, pending) => {
    if (!pending) return undefined;
    const site = callSite();
    const key = site ?? '(await)';
    if (!warnedSites.has(key)) {
      warnedSites.add(key);
      // An `at async f (file:line:col)` frame is an await (see callSite).
      const awaitSite = site === undefined ? undefined : /^at async (.*)$/.exec(site);
      const where = site === undefined ? 'with await' : awaitSite ? `with await at ${awaitSite[1]}` : `at ${site}`;
      emitWarning(
        `Awaiting ${String(deferred)}, a Deferred with no result yet, under the promise reactor (${where}). ` +
          "It works because awaitDeferreds is 'warn', but Scrapy's asyncio reactor fails here; use maybeDeferredToFuture(d).",
      );
    }
    return undefined;
  });
}

/** @internal */
export function uninstallAwaitPolicy(): void {
  setAwaitHook(undefined);
  warnedSites.clear();
}
