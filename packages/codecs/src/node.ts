import { constants, deflate, deflateRawSync, deflateSync, inflateRawSync, inflateSync } from 'node:zlib';
import { createPlaneCodec, type Zlib } from './planes.js';

/**
 * `@reef/codecs/node`: everything of `@reef/codecs`, plus byte-plane packing bound to Node's zlib.
 * The one module of this package that uses a Node API. `@reef/codecs/zlib` resolves here in Node and
 * to zlib-browser.js (the same functions on fflate) in browsers.
 */
export * from './index.js';

/**
 * deflate returning a plain Uint8Array: Node's Buffer subclass is not recognised by every consumer
 * (h5wasm refuses it when writing a dataset).
 */
export function deflateBytes(bytes: Uint8Array, level: number, strategy: number = constants.Z_DEFAULT_STRATEGY): Uint8Array {
  const out = deflateSync(bytes, { level, strategy });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Inflates a zlib stream (as written by `deflateBytes`) into a plain Uint8Array. */
export function inflateBytes(bytes: Uint8Array): Uint8Array {
  const out = inflateSync(bytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Raw deflate (no zlib header), as delta types store their code planes. */
export function deflateRawBytes(bytes: Uint8Array, level: number): Uint8Array {
  const out = deflateRawSync(bytes, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Inflates raw deflate; a stream inflating past `maxBytes` throws (a corrupt or hostile stream). */
export function inflateRawBytes(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const out = inflateRawSync(bytes, { maxOutputLength: Math.max(1, maxBytes) });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const POOL_MIN_BYTES = 256 * 1024;
/** zlib's output chunk on the pool: larger than its 16 KiB default, fewer round trips for multi-MB planes. */
const POOL_CHUNK_BYTES = 256 * 1024;

/**
 * `deflateBytes` on libuv's thread pool, so planes of one tensor compress on every core. Small inputs
 * stay on this thread: handing them over costs more (a stream and buffers per call) than it saves.
 */
export function deflateBytesAsync(bytes: Uint8Array, level: number, strategy: number = constants.Z_DEFAULT_STRATEGY): Promise<Uint8Array> {
  if (bytes.length < POOL_MIN_BYTES) return Promise.resolve(deflateBytes(bytes, level, strategy));
  return new Promise((resolve, reject) => {
    deflate(bytes, { level, strategy, chunkSize: POOL_CHUNK_BYTES }, (err, out) => {
      if (err) reject(err);
      else resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    });
  });
}

/** Node's zlib as the `Zlib` byte-plane packing compresses with. */
export const nodeZlib: Zlib = { deflate: deflateBytes, deflateAsync: deflateBytesAsync, inflate: inflateSync };
/** The zlib of the platform this entry was resolved for (`@reef/codecs/zlib`): Node's here. */
export const platformZlib: Zlib = nodeZlib;

export const { packPlanes, packPlanesAsync, unpackPlanes, compressPlane, compressPlaneAsync } = createPlaneCodec(nodeZlib);
