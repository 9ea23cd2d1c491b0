import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { createIntQuantizedDeltaType } from './int-quantized.js';
import { createLowRankDeltaType } from './low-rank.js';
import { createSparseThresholdDeltaType } from './sparse-threshold.js';

export { createIntQuantizedDeltaType } from './int-quantized.js';
// truncatedSvd is the subpath `@reef/delta-quantized/svd`: re-exported here, it would load
// ml-matrix and the kernels with every registration.
export { createLowRankDeltaType } from './low-rank.js';
export { chooseRank } from './rank.js';
export { createSparseThresholdDeltaType, selectEntries } from './sparse-threshold.js';
export { quantizeAffine, dequantizeAffine, type AffineCodes, type CodeBits } from './affine.js';

/**
 * Lossy delta types for the weight store. Importing this module registers nothing; the host
 * calls `register` when the plugin is loaded.
 *
 * Registration stays light: a host registers every installed delta type when it starts (`reef add`
 * does, for each file), yet these types encode only in lossy commits. So nothing heavy is imported
 * here: the low-rank type imports its SVD (ml-matrix, @reef/kernels) on first encode (low-rank.ts).
 */
export default definePlugin({
  name: '@reef/delta-quantized',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerDeltaType(createIntQuantizedDeltaType(8));
    host.registerDeltaType(createIntQuantizedDeltaType(16));
    host.registerDeltaType(createSparseThresholdDeltaType());
    host.registerDeltaType(createLowRankDeltaType());
  },
});
