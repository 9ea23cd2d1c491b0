import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../src/index.js';

describeQuantizerContract({
  plugin,
  id: 'sign',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
});
