import {
  definePlugin,
  PLUGIN_API_VERSION,
  ReefError,
  resolveParams,
  type QuantizerPlugin,
  type SavedModel,
} from '@reef/core';
import { RQ_DEFAULT_GRID, RQ_PARAMS } from './params.js';
import { ResidualQuantizer, RQ_ID } from './quantizer.js';

export { ResidualQuantizer, RQ_ID } from './quantizer.js';
export { RQ_PARAMS, rqCodeSize, rqConfig, type RqConfig } from './params.js';
export { Codebooks } from './codebooks.js';
export { beamSearchEncode, type Encoding } from './beam-search.js';

/** The RQ quantizer plugin: what the host registers. */
export const rqPlugin: QuantizerPlugin = {
  kind: 'quantizer',
  id: RQ_ID,
  label: 'RQ',
  summary: 'Residual quantization: stages of k-means codebooks on residuals, beam-search encoding, refined codebooks',
  apiVersion: PLUGIN_API_VERSION,
  params: RQ_PARAMS,
  defaultGrid: RQ_DEFAULT_GRID,
  // The quick run (`pnpm sweep`): small codebooks, plain k-means (the progressive one spends seconds
  // per stage on a 784-d PCA), no refinement; seconds on 2,000 × 784.
  quickGrid: { stages: [4], nbits: [4], refine: [0], niter: [10], kmeans: ['plain'] },
  create(params) {
    return new ResidualQuantizer(resolveParams('rq', RQ_PARAMS, params));
  },
  load(saved: SavedModel) {
    if (saved?.pluginId !== RQ_ID) {
      throw new ReefError('BAD_MODEL', `RQ cannot load a model saved by plugin ${JSON.stringify(saved?.pluginId)}`);
    }
    let params;
    try {
      params = resolveParams('rq', RQ_PARAMS, saved.params);
    } catch (err) {
      throw new ReefError('BAD_MODEL', `saved RQ model has invalid parameters: ${(err as Error).message}`, { cause: err });
    }
    const q = new ResidualQuantizer(params);
    q.restore(saved);
    return q;
  },
};

export default definePlugin({
  name: '@reef/quantizer-rq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(rqPlugin);
  },
});
