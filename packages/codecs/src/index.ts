/**
 * @reef/codecs: byte-level building blocks shared by the weight store and the delta types. No Node
 * APIs here: byte-plane packing takes its zlib from the host (`createPlaneCodec`);
 * `@reef/codecs/node` binds Node's zlib and re-exports all of this.
 */
export { borrowScratch, returnScratch } from './scratch.js';
export { encodeIndexGaps, decodeIndexGaps } from './varint.js';
export { alignExponent, layoutFor, type BitLayout } from './bit-layout.js';
export { ByteModel, RangeEncoder, RangeDecoder, ADAPT_RATE, ADAPT_LIMIT } from './range-coder.js';
export { contextCodable, encodeContextPlane, decodeContextPlane } from './context-planes.js';
export { splitPlanes, joinPlanes, toPlanes, fromPlanes } from './split.js';
export {
  createPlaneCodec, releasePacked, hasRun, looksIncompressible, DEFLATE_STRATEGY,
  type PackedPlanes, type PlaneCodec, type Zlib,
} from './planes.js';
export {
  toFloat64, tensorToFloat64, float64ToTensor, roundToDType, MAX_FINITE,
  f16Bits, f16Value, bf16Bits, bf16Value,
  floatToHalfBits, float32BitsToHalfBits, halfBitsToFloat, floatToBf16Bits, float32BitsToBf16Bits, bf16BitsToFloat, decodeTable,
} from '@reef/core/dtype'; // one module for every package; codecs re-exports it for byte-level users
