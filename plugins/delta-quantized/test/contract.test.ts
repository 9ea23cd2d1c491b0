import { describeDeltaTypeContract } from '@reef/testkit';
import plugin from '../src/index.js';

describeDeltaTypeContract({ plugin, id: 'int8' });
describeDeltaTypeContract({ plugin, id: 'int16' });
describeDeltaTypeContract({ plugin, id: 'sparse-threshold' });
describeDeltaTypeContract({ plugin, id: 'low-rank' });
