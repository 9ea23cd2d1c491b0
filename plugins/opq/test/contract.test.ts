import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../dist/index.js';

// The built module, as a host would load it: square rotation and dimension reduction.
describeQuantizerContract({
  plugin,
  id: 'opq',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  configs: [
    { m: 4, nbits: 6, niter: 4 },
    { m: 5, nbits: 4, outDim: 15, niter: 3 },
  ],
});
