import { packageConfig } from '../../scripts/tsup-config.js';

export default packageConfig(['src/index.ts', 'src/demo/index.ts', 'src/cli/main.ts'], {
  external: [/^@deferkit\//, 'cheerio', /^tsx/],
});
