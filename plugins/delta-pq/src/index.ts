import { COMPUTE_POOL, PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { createPqLosslessDeltaType } from './pq-lossless.js';
import { createPqLossyDeltaType } from './pq-lossy.js';

export { createPqLossyDeltaType } from './pq-lossy.js';
export { createPqLosslessDeltaType } from './pq-lossless.js';
export { pqCodebookSupport } from './shared-codebook.js';
// The PQ coder itself (trainDeltaCodebook, encodeDeltaPq, decodeDeltaPq) is the subpath
// `@reef/delta-pq/pq-code`: re-exported here, it would load the quantizer with every registration.
export { PQ_CODE_PARAMS, pqUnsupportedReason, type PqCode } from './pq-params.js';
export { encodeResidual, decodeResidual } from './residual.js';

/**
 * PQ-coded delta types. Importing registers nothing; the host calls `register`. Codebooks train on
 * the host's COMPUTE_POOL where it provides one (worker threads in the CLI), else on this thread.
 *
 * Registration stays light: a host registers every installed delta type when it starts (`reef add`
 * does, for each file), yet PQ deltas are written only by lossy commits and read only where a
 * stored object uses them. So this module and the type definitions import nothing heavy; encode,
 * decode and codebook training import the quantizer and the kernels on first use (load-pq-code.ts).
 */
export default definePlugin({
  name: '@reef/delta-pq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    const pool = host.services.find(COMPUTE_POOL);
    host.registerDeltaType(createPqLossyDeltaType(pool));
    host.registerDeltaType(createPqLosslessDeltaType(pool));
  },
});
