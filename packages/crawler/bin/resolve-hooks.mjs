// Module resolution hooks for the deferkit CLI (registered with node:module's register()).
//
// - `sourceCondition`: add the '@deferkit/source' export condition, so every '@deferkit/*'
//   import (the CLI's own and the user's spider's) resolves to the packages' TypeScript
//   sources. The launcher turns it on when it runs the CLI from source (no dist/ yet).
// - `fallbackParent`: when a '@deferkit/*' import cannot be found from the importing file
//   (a spider outside any project that installs deferkit, e.g. /tmp/spider.ts), resolve it
//   from the CLI's own installation instead, as `scrapy runspider` finds `scrapy` anywhere.

let sourceCondition = false;
let fallbackParent;

/** @param {{ sourceCondition?: boolean, fallbackParent?: string } | undefined} data */
export function initialize(data) {
  sourceCondition = data?.sourceCondition === true;
  fallbackParent = data?.fallbackParent;
}

export async function resolve(specifier, context, nextResolve) {
  let ctx = context;
  if (sourceCondition && !context.conditions.includes('@deferkit/source')) {
    ctx = { ...context, conditions: ['@deferkit/source', ...context.conditions] };
  }
  try {
    return forceModule(await nextResolve(specifier, ctx));
  } catch (error) {
    if (
      fallbackParent !== undefined &&
      specifier.startsWith('@deferkit/') &&
      error?.code === 'ERR_MODULE_NOT_FOUND' &&
      ctx.parentURL !== fallbackParent
    ) {
      return forceModule(await nextResolve(specifier, { ...ctx, parentURL: fallbackParent }));
    }
    throw error;
  }
}

const TYPESCRIPT = /\.(ts|tsx)$/;

// Spiders are written with import/export: a .ts file outside node_modules loads as an ES module
// even where Node would treat it as CommonJS (no "type": "module" package.json above it), so
// its '@deferkit/*' imports resolve to the same ES module copies the CLI uses.
function forceModule(result) {
  if (result.format === 'commonjs' || result.format === undefined || result.format === null) {
    const url = result.url;
    if (url.startsWith('file:') && TYPESCRIPT.test(new URL(url).pathname) && !url.includes('/node_modules/')) {
      return { ...result, format: 'module' };
    }
  }
  return result;
}
