import { COMPUTE_POOL, PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { createPqLosslessDeltaType } from './pq-lossless.js';
import { createPqLossyDeltaType } from './pq-lossy.js';

export { createPqLossyDeltaType } from './pq-lossy.js';
export { createPqLosslessDeltaType } from './pq-lossless.js';
export { pqCodebookSupport } from './shared-codebook.js';
export { PQ_CODE_PARAMS, trainDeltaCodebook, encodeDeltaPq, decodeDeltaPq, pqUnsupportedReason, type PqCode } from './pq-code.js';
export { encodeResidual, decodeResidual } from './residual.js';

/**
 * PQ-coded delta types. Importing registers nothing; the host calls `register`. Codebooks train on
 * the host's COMPUTE_POOL where it provides one (worker threads in the CLI), else on this thread.
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
