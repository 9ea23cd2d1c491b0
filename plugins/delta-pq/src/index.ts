import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { createPqLosslessDeltaType } from './pq-lossless.js';
import { createPqLossyDeltaType } from './pq-lossy.js';

export { createPqLossyDeltaType } from './pq-lossy.js';
export { createPqLosslessDeltaType } from './pq-lossless.js';
export { pqCodebookSupport } from './shared-codebook.js';
export { PQ_CODE_PARAMS, trainDeltaCodebook, encodeDeltaPq, decodeDeltaPq, pqUnsupportedReason, type PqCode } from './pq-code.js';
export { encodeResidual, decodeResidual } from './residual.js';

/** PQ-coded delta types. Importing registers nothing; the host calls `register`. */
export default definePlugin({
  name: '@reef/delta-pq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerDeltaType(createPqLossyDeltaType());
    host.registerDeltaType(createPqLosslessDeltaType());
  },
});
