import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { createIntQuantizedDeltaType } from './int-quantized.js';
import { createLowRankDeltaType } from './low-rank.js';
import { createSparseThresholdDeltaType } from './sparse-threshold.js';

export { createIntQuantizedDeltaType } from './int-quantized.js';
export { createLowRankDeltaType, truncatedSvd, chooseRank } from './low-rank.js';
export { createSparseThresholdDeltaType, selectEntries } from './sparse-threshold.js';
export { quantizeAffine, dequantizeAffine, type AffineCodes, type CodeBits } from './affine.js';

/**
 * Lossy delta types for the weight store. Importing this module registers nothing; the host
 * calls `register` when the plugin is loaded.
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
