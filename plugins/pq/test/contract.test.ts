import { describeQuantizerContract } from '@reef/testkit';
import { fileURLToPath } from 'node:url';
import plugin from '../dist/index.js';

// The built module, as a host would load it: byte-aligned, nibble and odd widths, uneven sub-spaces
// (dim 24 split in 5 and 7), one thread and worker threads.
describeQuantizerContract({
  plugin,
  id: 'pq',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  configs: [
    { m: 4, nbits: 8 },
    { m: 5, nbits: 4, threads: 1 },
    { m: 7, nbits: 3, threads: 2 },
    { m: 24, nbits: 1 },
  ],
});

// The fast-scan method of the same module: even and odd m, one thread and worker threads.
describeQuantizerContract({
  plugin,
  id: 'pq-fs',
  modulePath: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
  configs: [{ m: 8 }, { m: 5, threads: 2 }],
});
