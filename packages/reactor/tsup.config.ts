import { packageConfig } from '../../scripts/tsup-config.js';

export default packageConfig(['src/index.ts']);
