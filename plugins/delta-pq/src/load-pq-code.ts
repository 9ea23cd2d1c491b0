import type * as PqCode from './pq-code.js';

/**
 * The PQ coder (./pq-code.js with @reef/quantizer-pq, @reef/kernels and their WASM module),
 * imported on first use. A host registers every installed delta type at start-up, and most runs
 * never encode or decode a PQ delta: keeping this import out of the module graph of index.js makes
 * registering these types cost a few small modules instead of the quantizer and the kernels.
 */
export function loadPqCode(): Promise<typeof PqCode> {
  return import('./pq-code.js');
}
