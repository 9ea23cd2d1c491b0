import { describeDeltaTypeContract } from '@reef/testkit';
import plugin from '../src/index.js';

for (const id of ['xor-planes', 'float-diff', 'sparse', 'low-rank-residual']) describeDeltaTypeContract({ plugin, id });
