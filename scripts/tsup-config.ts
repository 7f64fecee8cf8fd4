// One place that knows how a deferkit package is bundled, so the bundler can be swapped in one
// file. Every package's tsup.config.ts is a call to packageConfig().
import { defineConfig, type Options } from 'tsup';

/**
 * Build settings shared by every @deferkit package: ESM + CJS, `.d.ts` + `.d.cts`, no bundling of
 * sibling packages (they stay peer imports, so one process never holds two copies by accident).
 *
 * @param entry - the package's public entry points, e.g. `['src/index.ts', 'src/testing.ts']`.
 */
export function packageConfig(entry: string[], extra: Partial<Options> = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    splitting: true,
    treeshake: true,
    external: [/^@deferkit\//],
    tsconfig: 'tsconfig.json',
    ...extra,
  });
}
