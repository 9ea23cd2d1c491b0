import { COMPUTE_POOL, definePlugin, PLUGIN_API_VERSION, resolveParams, WARNINGS, type QuantizerPlugin, type Services } from '@reef/core';
import { PQ_DEFAULT_GRID, PQ_PARAMS, validatePq } from './params.js';
import { FAST_SCAN_DEFAULT_GRID, FAST_SCAN_PARAMS } from './fast-scan-params.js';
import { FastScanQuantizer, PQ_FAST_SCAN_ID } from './fast-scan-quantizer.js';
import { PQ_ID, ProductQuantizer, type ProductQuantizerOptions } from './product-quantizer.js';

// The public API: the quantizer, its codebooks and their training, the parameters, symmetric
// distances between codes. Bit packing, scans and the worker-thread machinery stay inside: other
// plugins reach them through ProductQuantizer (encodeAsync, assignAsync, transformAsync, searchBatch).
export { MAX_NBITS, PQ_DEFAULT_GRID, PQ_PARAMS, pqConfig, validatePq, type PqConfig } from './params.js';
export { splitDimensions, type SubspaceLayout } from './subspaces.js';
export { ProductCodebooks, type AssignFn } from './codebooks.js';
export { trainCodebooks, type CodebookTrainingOptions } from './training.js';
export { SymmetricDistance, symmetricDistance } from './symmetric.js';
export {
  MIN_POINTS_PER_CENTROID,
  PQ_ID,
  ProductQuantizer,
  type ProductQuantizerFitOptions,
  type ProductQuantizerOptions,
  type SearchBatchOptions,
} from './product-quantizer.js';
export { FAST_SCAN_DEFAULT_GRID, FAST_SCAN_MAX_M, FAST_SCAN_PARAMS } from './fast-scan-params.js';
export { FastScanQuantizer, PQ_FAST_SCAN_ID, type FastScanSearchOptions } from './fast-scan-quantizer.js';

/** The host's services as quantizer options, read when a quantizer is made (a host may provide them after loading the plugin). */
function hostOptions(services: Services | undefined, source: string): () => ProductQuantizerOptions {
  return () => {
    const warnings = services?.find(WARNINGS);
    return { pool: services?.find(COMPUTE_POOL), onWarning: warnings && ((message) => warnings.warn(message, source)) };
  };
}

/**
 * The PQ method, its quantizers working on the host's services: the COMPUTE_POOL (optional; without
 * one everything runs on the calling thread, with the same results) and the WARNINGS sink.
 */
export function createPqPlugin(services?: Services): QuantizerPlugin {
  const options = hostOptions(services, PQ_ID);
  return {
    kind: 'quantizer',
    id: PQ_ID,
    label: 'PQ',
    summary: 'Product quantization: m k-means sub-quantizers of 2^nbits centroids, lookup-table search',
    apiVersion: PLUGIN_API_VERSION,
    params: PQ_PARAMS,
    defaultGrid: PQ_DEFAULT_GRID,
    // The quick run (`pnpm sweep`): about a second each on 2,000 × 784 with 2 cores.
    quickGrid: { m: [8, 16], nbits: [8] },
    validate: validatePq,
    create: (params) => new ProductQuantizer(resolveParams(PQ_ID, PQ_PARAMS, params), options()),
    load: (saved) => ProductQuantizer.load(saved, options()),
  };
}

/**
 * The 4-bit fast-scan PQ method (`pq-fs`): PQ's training and codes with nbits = 4, searched with u8
 * tables scanned 32 codes at a time in WASM SIMD; same services as createPqPlugin.
 */
export function createFastScanPlugin(services?: Services): QuantizerPlugin {
  const options = hostOptions(services, PQ_FAST_SCAN_ID);
  return {
    kind: 'quantizer',
    id: PQ_FAST_SCAN_ID,
    label: 'PQ fast scan',
    summary: 'Product quantization with 4-bit sub-codes searched by fast scan: per-query tables quantised to u8, 32 codes per SIMD lookup',
    apiVersion: PLUGIN_API_VERSION,
    params: FAST_SCAN_PARAMS,
    defaultGrid: FAST_SCAN_DEFAULT_GRID,
    quickGrid: { m: [8, 16] },
    validate: validatePq,
    create: (params) => new FastScanQuantizer(resolveParams(PQ_FAST_SCAN_ID, FAST_SCAN_PARAMS, params), options()),
    load: (saved) => FastScanQuantizer.load(saved, options()),
  };
}

/** The PQ method without a host's services: one thread, warnings only in `quantizer.warnings`. */
export const pqPlugin: QuantizerPlugin = createPqPlugin();

export default definePlugin({
  name: '@reef/quantizer-pq',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(createPqPlugin(host.services));
    host.registerQuantizer(createFastScanPlugin(host.services));
  },
});
