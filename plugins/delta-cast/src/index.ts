import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { cast } from './cast.js';
import { widen } from './widen.js';

export { cast, mispredictedFraction } from './cast.js';
export { widen, castOfTargetFraction } from './widen.js';
export { castRule, f32BitsToBf16, CAST_PAIRS, type CastRule } from './rules.js';

/** The `cast` and `widen` delta types for the weight store. Importing registers nothing; the host calls register. */
export default definePlugin({
  name: '@reef/delta-cast',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerDeltaType(cast);
    host.registerDeltaType(widen);
  },
});
