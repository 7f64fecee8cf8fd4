import { packageConfig } from '../../scripts/tsup-config.js';

export default packageConfig(['src/index.ts', 'src/rxjs.ts', 'src/fp-ts.ts'], { external: [/^@deferkit\//, 'rxjs', /^fp-ts/] });
