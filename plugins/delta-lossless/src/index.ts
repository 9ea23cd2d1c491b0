import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { floatDiff } from './float-diff.js';
import { lowRankResidual } from './low-rank-residual.js';
import { sparse } from './sparse.js';
import { xorPlanes } from './xor-planes.js';

export { floatDiff, lowRankResidual, sparse, xorPlanes };

/** Lossless delta types for the weight store. Importing registers nothing; the host calls register. */
export default definePlugin({
  name: '@reef/delta-lossless',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerDeltaType(xorPlanes);
    host.registerDeltaType(floatDiff);
    host.registerDeltaType(sparse);
    host.registerDeltaType(lowRankResidual);
  },
});
