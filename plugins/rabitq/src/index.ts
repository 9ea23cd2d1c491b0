import { PLUGIN_API_VERSION, definePlugin, resolveParams, type QuantizerPlugin } from '@reef/core';
import { QUERY_MODES, RANKINGS } from './estimator.js';
import { RaBitQuantizer } from './quantizer.js';

/** The descriptor: everything the CLI and the sweep runner need to offer RaBitQ. */
export const rabitqQuantizer: QuantizerPlugin = {
  kind: 'quantizer',
  id: 'rabitq',
  label: 'RaBitQ',
  summary:
    'RaBitQ: randomly rotated residual directions coded with 1 bit (SIGMOD 2024) or 2–8 bits (extended RaBitQ, SIGMOD 2025) per dimension plus 12 bytes of correction factors; unbiased distance estimates with error bounds',
  apiVersion: PLUGIN_API_VERSION,
  params: [
    { name: 'bits', type: 'int', default: 1, min: 1, max: 8, description: 'Bits per dimension: 1 is the original RaBitQ sign code, 2–8 the extended grid code' },
    { name: 'epsilon', type: 'float', default: 1.9, min: 0, max: 10, description: 'ε₀ of the error bound: larger widens the bounds used for re-ranking (1.9 in the paper)' },
    {
      name: 'query',
      type: 'enum',
      values: QUERY_MODES,
      default: 'fastscan',
      description:
        "1-bit codes: fastscan reads the code bits in groups of 4 as 4-bit sub-codes and scans u8 tables with WASM SIMD swizzles (the paper's fast scan); 4bit quantises the query to 4 bits and counts bits over its bit-planes; float keeps the query in float64 (table per code byte: the exact estimator). Wider codes always use float",
    },
    {
      name: 'rerank',
      type: 'int',
      default: 0,
      min: 0,
      max: 1_000_000,
      description: 'query fastscan: the best this many codes per query are re-scored with the float query (the exact estimator), recovering what the u8 tables round off; 0 keeps the fast-scan scores',
    },
    {
      name: 'ranking',
      type: 'enum',
      values: RANKINGS,
      default: 'unbiased',
      description: "search distances: unbiased is the paper's estimator; decoded is the distance to the decoded vector, from the same factors (ranks better with one centroid on clustered data, see the README)",
    },
  ],
  defaultGrid: { bits: [1, 2, 4, 8] },
  // The quick run (`pnpm sweep`): the 1-bit code; the 784 × 784 rotation makes it ~10 s on 2,000 × 784.
  quickGrid: { bits: [1] },
  validate: (_params, dim) => (dim < 2 ? `RaBitQ needs dimension ≥ 2, got ${dim}` : undefined),
  create: (params) => new RaBitQuantizer(params),
  load: (saved) => RaBitQuantizer.load(saved, resolveParams('rabitq', rabitqQuantizer.params, saved.params)),
};

/** Importing this module registers nothing; the host calls register() with its own registry. */
export default definePlugin({
  name: '@reef/quantizer-rabitq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(rabitqQuantizer);
  },
});

export { RaBitQuantizer };
export { quantizeDirection, type QuantizedDirection } from './direction.js';
export { QUERY_MODES, RANKINGS, prepareEstimator, type EstimateOptions, type EstimatesWithBounds, type QueryMode, type Ranking, type RaBitQEstimator } from './estimator.js';
export { QUERY_BITS, quantiseQuery, scanBits, type BitQuery, type ScanMode } from './bit-scan.js';
export { bitsDot, fastScanQuery, scanFast, type FastScanQuery } from './fast-scan.js';
export { CodeLayout, FACTOR_BYTES } from './layout.js';
export { searchWithReranking, type RerankOptions, type RerankResult } from './rerank.js';
