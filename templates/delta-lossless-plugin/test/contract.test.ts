import { describeDeltaTypeContract } from '@reef/testkit';
import plugin from '../src/index.js';

// Lossless: the suite round-trips random bit patterns in every dtype and checks bad input is refused.
describeDeltaTypeContract({ plugin, id: 'xor-deflate' });
