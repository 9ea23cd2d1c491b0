import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../src/index.js';

describeQuantizerContract({
  plugin,
  id: 'rq',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  // Beam search with refinement at 3 bytes, and a greedy 25-bit code that leaves 7 padding bits.
  configs: [
    { stages: 4, nbits: 6, niter: 10 },
    { stages: 5, nbits: 5, beam: 1, refine: 0 },
  ],
  // The contract's test vectors come from other cluster centres than its training vectors
  // (clusteredVectors seeds 12 and 11), and RQ's codebooks, like any k-means codebook, only cover
  // the training distribution: measured train MSE ≈ 0.03 and test MSE ≈ 1.00–1.02 of the test set's
  // total variance for both configs. In-distribution quality is tested in fmnist.test.ts.
  maxRelativeMse: 1.1,
});
