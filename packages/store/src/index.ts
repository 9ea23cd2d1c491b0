export * from './repository.js';
export * from './model.js';
export * from './formats/index.js';
export { tensorHash } from './hash.js';
export type { ExportLoss, ExportOutcome } from './export-loss.js';
export { ObjectStore, type ObjectInfo, type EncodedObject } from './objects.js';
export { CODEBOOK_GROUP, codebookHash, type CodebookInfo, type StoredCodebook } from './codebooks.js';
export { assertQualityBound, chooseWithinBound, measureTensorError, screenSample, type QualityBound, type LossyItem, type LossyChoice } from './quality.js';
export { SimilarityIndex, signature } from './similarity.js';
export { ZERO_REFERENCE, zeroTensor } from './zero-reference.js';
export { encodeTensor } from './encode.js';
export * from './encoding-policy.js';
export { SAFETENSORS_DTYPES } from './dtypes.js';
/** Re-exported for hosts that read tensors through the store (the conversion lives in @reef/codecs). */
export { toFloat64 } from '@reef/codecs';
export * from './cluster.js';
export { CENTROID_KIND, centroidHash, meanTensor } from './cluster-centroid.js';
export { MAX_PATH_BYTES, MAX_PATH_COMPONENT_BYTES, unsafePathReason } from './safe-path.js';
export { printable } from './printable.js';
