import { describeDeltaTypeContract } from '@reef/testkit';
import plugin from '../src/index.js';

describeDeltaTypeContract({ plugin, id: 'pq-lossless' });
// PQ spends about 4 bits per value by default: on the contract's i.i.d. Gaussian perturbation it
// must still beat 'no change' clearly, not reach 5%.
describeDeltaTypeContract({ plugin, id: 'pq-lossy', maxRelativeError: 0.7 });
