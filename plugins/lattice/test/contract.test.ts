import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../src/index.js';

describeQuantizerContract({
  plugin,
  id: 'lattice',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  configs: [{}, { lattice: 'zn', bits: 2 }, { lattice: 'dn', bits: 3, rotate: true }],
});
