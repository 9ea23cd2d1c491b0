import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../src/index.js';

describeQuantizerContract({
  plugin,
  id: 'rabitq',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  configs: [{}, { bits: 3 }, { bits: 8 }],
});
