#!/usr/bin/env node
// The `deferkit` command. Runs the built CLI (dist/cli/main.js) when the package has been built,
// else the TypeScript sources (src/cli/main.ts) through tsx, in this same process: tsx is
// registered with its programmatic API and a resolve hook adds the '@deferkit/source' export
// condition (what `node --conditions=@deferkit/source --import tsx` would do, without
// re-spawning node, so Ctrl-C and kill reach the crawl itself).
// DEFERKIT_CLI_SOURCE=1 forces the sources even when dist/ exists.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'node:module';

const dist = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);
const hooks = new URL('./resolve-hooks.mjs', import.meta.url);
// Resolving '@deferkit/*' from here finds this installation (a self-reference for the crawler).
const fallbackParent = new URL('../package.json', import.meta.url).href;

/** Whether any source file is newer than the built CLI (a stale build in a working copy). */
function buildIsStale() {
  const built = statSync(dist).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory() ? walk(p) : statSync(p).mtimeMs > built) return true;
    }
    return false;
  };
  // Any workspace package's sources count: the crawler build bundles none of them, but a
  // developer editing one expects `deferkit` to run the edit.
  const packages = fileURLToPath(new URL('../../', import.meta.url));
  return readdirSync(packages).some((name) => {
    const src = join(packages, name, 'src');
    return existsSync(src) && walk(src);
  });
}

const forceSource = process.env.DEFERKIT_CLI_SOURCE === '1' || (existsSync(dist) && existsSync(source) && buildIsStale());
let cli;
if (existsSync(dist) && !forceSource) {
  register(hooks, { data: { sourceCondition: false, fallbackParent } });
  cli = await import(dist.href);
} else {
  if (!existsSync(source)) {
    process.stderr.write(`deferkit: neither ${dist.pathname} nor ${source.pathname} exists; reinstall @deferkit/crawler.\n`);
    process.exit(1);
  }
  const launchedWith = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!/(^|[\s=])tsx(\/esm)?(\s|$)/.test(launchedWith)) {
    // What `--import tsx` does: tsx's ESM hooks and its CommonJS loader (a .ts file outside any
    // "type": "module" package is CommonJS to Node).
    await import('tsx');
  }
  register(hooks, { data: { sourceCondition: true, fallbackParent } });
  globalThis[Symbol.for('deferkit.cli.typescriptLoader')] = true;
  cli = await import(source.href);
}

let code;
try {
  code = await cli.main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`deferkit: unexpected error: ${error?.stack ?? String(error)}\n`);
  code = 1;
}
process.exitCode = code;
// Exit even if something (a stray socket or timer in user code) would keep the process alive;
// unref'd, so a clean process exits at once without waiting for it.
setTimeout(() => process.exit(code), 2000).unref();
