// Child process for the lossy tests: a fresh Node process opens the repository with the delta
// plugins only (no state shared with the test) and exports HEAD, decoding PQ deltas whose codebook
// it must load from /pq_codebooks, and deltas against the implicit all-zero reference.
import { writeFileSync } from 'node:fs';
import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaPq from '@reef/delta-pq';
import deltaQuantized from '@reef/delta-quantized';
import { Repository } from '../../dist/index.js';

const [repoDir, output] = process.argv.slice(2);
const registry = new Registry();
registry.use(deltaLossless, '@reef/delta-lossless');
registry.use(deltaPq);
registry.use(deltaQuantized);
const repo = Repository.open(repoDir, { registry });
const { bytes } = await repo.export('HEAD', { format: 'safetensors' });
writeFileSync(output, bytes);
repo.close();
