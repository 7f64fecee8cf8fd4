import { packageConfig } from '../../scripts/tsup-config.js';

export default packageConfig(['src/index.ts'], { external: [/^@deferkit\//, 'ioredis'] });
