// Package hygiene, run by `npm run lint` (and so by `npm test`): publint --strict and
// attw --pack (node16 + bundler resolution; node10 cannot resolve subpath exports at all) on
// every workspace package. Needs the builds: `npm test` builds first.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
let failed = 0;
for (const name of readdirSync(`${root}packages`)) {
  const dir = `${root}packages/${name}`;
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    ['attw', ['--pack', dir, '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      process.stdout.write(`${tool} @deferkit/${name}: ok\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`${tool} @deferkit/${name}: FAILED\n${e.stdout ?? ''}${e.stderr ?? ''}\n`);
    }
  }
}
if (failed > 0) {
  process.stderr.write(`${failed} package check(s) failed.\n`);
  process.exit(1);
}
