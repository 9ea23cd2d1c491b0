import { describeDeltaTypeContract } from '@reef/testkit';
import plugin from '../src/index.js';

// The shared contract pairs tensors of one dtype, which `cast` refuses through `supports`; the
// round trips across dtypes (every bit pattern, every rule) are in cast.test.ts.
describeDeltaTypeContract({ plugin, id: 'cast' });
describeDeltaTypeContract({ plugin, id: 'widen' });
