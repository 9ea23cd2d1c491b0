export * from './repository.js';
export * from './model.js';
export * from './formats/index.js';
export { tensorHash } from './hash.js';
export { ObjectStore, type ObjectInfo, type EncodedObject } from './objects.js';
export { SimilarityIndex, signature } from './similarity.js';
export { encodeTensor, type ReferenceCandidate } from './encode.js';
export { toFloat64, fromFloat64, SAFETENSORS_DTYPES } from './dtypes.js';
export * from './commands.js';
