import { describeDeltaTypeContract } from '@reef/testkit';
import plugin from '../src/index.js';

// Lossy: the suite checks every float dtype and shape keeps its layout, that a small smooth delta
// decodes within 5 % relative L2 error, that the recorded error is the measured one, and bad input.
describeDeltaTypeContract({ plugin, id: 'rounded-delta' });

// The coarsest preset must pass the same suite: a store may pick it.
describeDeltaTypeContract({ plugin, id: 'rounded-delta', params: { bits: 4 }, maxRelativeError: 0.2 });
