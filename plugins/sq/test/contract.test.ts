import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../dist/index.js';

// The built module, as a host would load it, in every format and range configuration.
describeQuantizerContract({
  plugin,
  id: 'sq',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  configs: [
    { format: '8bit' },
    { format: '6bit', estimator: 'optim' },
    { format: '4bit', range: 'global', estimator: 'meanstd' },
    { format: '4bit', estimator: 'quantiles' },
    { format: 'fp16' },
    { format: 'bf16' },
  ],
});
