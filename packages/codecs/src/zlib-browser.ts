import { deflateSync, inflateSync, unzlibSync, zlibSync, type DeflateOptions } from 'fflate';
import { createPlaneCodec, type Zlib } from './planes.js';

/**
 * `@reef/codecs/zlib` in browsers: the functions of `@reef/codecs/node`, on fflate (pure JavaScript)
 * instead of Node's zlib. Streams are standard zlib / raw deflate, so either side reads what the
 * other wrote; the compressed bytes may differ (fflate has no zlib strategies: every strategy is
 * its default deflate), the decompressed ones never do.
 */
export * from './index.js';

function levelOf(level: number): DeflateOptions['level'] {
  return Math.max(0, Math.min(9, Math.round(level))) as DeflateOptions['level'];
}

/** zlib-format deflate (what Node's deflateSync writes); `strategy` is accepted and ignored. */
export function deflateBytes(bytes: Uint8Array, level: number, _strategy?: number): Uint8Array {
  return zlibSync(bytes, { level: levelOf(level) });
}

export function inflateBytes(bytes: Uint8Array): Uint8Array {
  return unzlibSync(bytes);
}

/** No thread pool for zlib in a page: the same bytes as `deflateBytes`, as a promise. */
export function deflateBytesAsync(bytes: Uint8Array, level: number, strategy?: number): Promise<Uint8Array> {
  return Promise.resolve(deflateBytes(bytes, level, strategy));
}

export function deflateRawBytes(bytes: Uint8Array, level: number): Uint8Array {
  return deflateSync(bytes, { level: levelOf(level) });
}

/** Inflates raw deflate into at most `maxBytes`; a stream that holds more throws. */
export function inflateRawBytes(bytes: Uint8Array, maxBytes: number): Uint8Array {
  // One byte of room past the limit tells "exactly maxBytes" from "more than maxBytes".
  const out = inflateSync(bytes, { out: new Uint8Array(Math.max(1, maxBytes) + 1) });
  if (out.length > maxBytes) throw new Error(`inflates to more than ${maxBytes} bytes`);
  return out;
}

export const platformZlib: Zlib = { deflate: deflateBytes, deflateAsync: deflateBytesAsync, inflate: inflateBytes };

export const { packPlanes, packPlanesAsync, unpackPlanes, compressPlane, compressPlaneAsync } = createPlaneCodec(platformZlib);
