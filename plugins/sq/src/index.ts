import { PLUGIN_API_VERSION, definePlugin } from '@reef/core';
import { sqQuantizer } from './plugin.js';

export { sqQuantizer } from './plugin.js';
export { ScalarQuantizer } from './quantizer.js';
export { SQ_PARAMS, FORMATS, RANGES, ESTIMATORS, type Format, type RangeMode, type Estimator, type SqConfig } from './params.js';
export { minMaxRange, meanStdRange, quantileRange, optimisedRange, estimateRange, type Range } from './ranges.js';
export { UniformGrid } from './grid.js';
export { floatToHalfBits, halfBitsToFloat, floatToBf16Bits, bf16BitsToFloat } from '@reef/codecs';

/** Registers the `sq` quantizer with a host; importing this module registers nothing. */
export default definePlugin({
  name: '@reef/quantizer-sq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(sqQuantizer);
  },
});
