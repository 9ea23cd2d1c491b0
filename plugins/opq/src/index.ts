import { COMPUTE_POOL, definePlugin, PLUGIN_API_VERSION, resolveParams, WARNINGS, type QuantizerPlugin, type Services } from '@reef/core';
import { OPQ_DEFAULT_GRID, OPQ_PARAMS, validateOpq } from './params.js';
import { OPQ_ID, OptimizedProductQuantizer, type OpqOptions } from './opq-quantizer.js';

export { OPQ_DEFAULT_GRID, OPQ_PARAMS, opqConfig, outputDim, validateOpq, type OpqConfig } from './params.js';
export { crossWithReconstruction, eigenvalueAllocation, initialRotation, subsampleRows, trainRotation, type RotationTrainingOptions } from './rotation.js';
export { OPQ_ID, OptimizedProductQuantizer, type OpqOptions } from './opq-quantizer.js';

/** The OPQ method, its quantizers working on the host's COMPUTE_POOL (optional) and WARNINGS sink. */
export function createOpqPlugin(services?: Services): QuantizerPlugin {
  const options = (): OpqOptions => {
    const warnings = services?.find(WARNINGS);
    return { pool: services?.find(COMPUTE_POOL), onWarning: warnings && ((message) => warnings.warn(message, OPQ_ID)) };
  };
  return {
    kind: 'quantizer',
    id: OPQ_ID,
    label: 'OPQ',
    summary: 'Optimized product quantization: a learned rotation (optionally reducing the dimension), then PQ',
    apiVersion: PLUGIN_API_VERSION,
    params: OPQ_PARAMS,
    defaultGrid: OPQ_DEFAULT_GRID,
    // The quick run (`pnpm sweep`): a rotation down to 64 dimensions learns in seconds on 784-d data,
    // where a full 784 × 784 rotation takes minutes on 2 cores. It starts from a random rotation:
    // the principal axes need a 784 × 784 eigen-decomposition (~10 s with ml-matrix), most of the
    // quick run's budget.
    quickGrid: { m: [8], nbits: [8], outDim: [64], niter: [25], rotationInit: ['random'] },
    validate: validateOpq,
    create: (params) => new OptimizedProductQuantizer(resolveParams(OPQ_ID, OPQ_PARAMS, params), options()),
    load: (saved) => OptimizedProductQuantizer.load(saved, options()),
  };
}

/** The OPQ method without a host's services: one thread, warnings only in `quantizer.warnings`. */
export const opqPlugin: QuantizerPlugin = createOpqPlugin();

export default definePlugin({
  name: '@reef/quantizer-opq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(createOpqPlugin(host.services));
  },
});
