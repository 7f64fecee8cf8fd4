import { existsSync } from 'node:fs';
import { packageConfig } from '../../scripts/tsup-config.js';

// The CLI loads the lab with import('../lab/cli.js') when that module exists, so it is its own entry.
const entries = ['src/index.ts', 'src/demo/index.ts', 'src/engine/index.ts', 'src/cli/main.ts'];
if (existsSync(new URL('./src/lab/cli.ts', import.meta.url))) entries.push('src/lab/cli.ts');

// shims: the XPath and JMESPath engines are loaded on first use with createRequire(import.meta.url),
// which the CommonJS build needs a shim for.
export default packageConfig(entries, {
  external: [/^@deferkit\//, 'cheerio', /^tsx/, 'xpath', 'jmespath', 'esbuild'],
  shims: true,
});
