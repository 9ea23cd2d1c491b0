import { DTYPE_BYTES, ReefError, elementCount, named, requireArray, type DType, type DeltaPayload, type Tensor } from '@reef/core';
import type { PackedPlanes } from '@reef/codecs';

/** Refuses a reference that cannot be paired element by element with the target. */
export function sameLayout(target: Tensor, reference: Tensor): string | undefined {
  if (target.dtype !== reference.dtype) return `dtype ${target.dtype} differs from the reference's ${reference.dtype}`;
  if (elementCount(target.shape) !== elementCount(reference.shape)) {
    return `target has ${elementCount(target.shape)} elements, the reference ${elementCount(reference.shape)}`;
  }
  return undefined;
}

export function assertSameLayout(id: string, target: Tensor, reference: Tensor): void {
  const reason = sameLayout(target, reference);
  if (reason) throw new ReefError('UNSUPPORTED', `${id}: ${reason}`);
}

/** Attributes every payload of this package carries, so decode can rebuild the tensor header. */
export function headerAttributes(id: string, t: Tensor): Record<string, string | number[]> {
  return { deltaType: id, dtype: t.dtype, shape: [...t.shape] };
}

export function readHeader(id: string, payload: DeltaPayload, reference: Tensor): { dtype: DType; shape: number[]; bytes: number } {
  const a = payload.attributes;
  if (a.deltaType !== id) throw new ReefError('BAD_MODEL', `payload was written by delta type ${JSON.stringify(a.deltaType)}, not ${id}`);
  const dtype = a.dtype as DType;
  if (dtype !== reference.dtype) throw new ReefError('BAD_MODEL', `${id} payload is for dtype ${String(a.dtype)}, the reference is ${reference.dtype}`);
  const shape = a.shape;
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) {
    throw new ReefError('BAD_MODEL', `${id} payload has invalid shape ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const bytes = elementCount(dims) * DTYPE_BYTES[dtype];
  if (bytes !== reference.data.length) throw new ReefError('BAD_MODEL', `${id} payload needs a ${bytes}-byte reference, got ${reference.data.length}`);
  return { dtype, shape: dims, bytes };
}

/** Stores packed planes as one byte array plus their layout as attributes. */
export function planesToPayload(prefix: string, p: PackedPlanes): { arrays: DeltaPayload['arrays']; attributes: Record<string, number[] | boolean[] | string> } {
  return {
    arrays: { [prefix]: named(p.bytes) },
    attributes: {
      [`${prefix}Lengths`]: p.lengths,
      [`${prefix}Deflated`]: p.deflated,
      [`${prefix}Layout`]: p.layout ?? 'bytes',
      // Only when a plane is context-coded: payloads without it read as before.
      ...(p.context ? { [`${prefix}Context`]: p.context } : {}),
    },
  };
}

export function planesFromPayload(prefix: string, payload: DeltaPayload): PackedPlanes {
  const bytes = requireArray(payload, prefix, Uint8Array);
  const lengths = payload.attributes[`${prefix}Lengths`];
  const deflated = payload.attributes[`${prefix}Deflated`];
  if (!Array.isArray(lengths) || !Array.isArray(deflated) || lengths.reduce<number>((s, x) => s + Number(x), 0) !== bytes.length) {
    throw new ReefError('BAD_MODEL', `payload array '${prefix}' does not match its plane lengths`);
  }
  const layout = payload.attributes[`${prefix}Layout`];
  const context = payload.attributes[`${prefix}Context`];
  if (context !== undefined && !Array.isArray(context)) throw new ReefError('BAD_MODEL', `payload attribute '${prefix}Context' is not a list`);
  return {
    bytes,
    lengths: lengths.map(Number),
    deflated: deflated.map(Boolean),
    layout: layout === undefined ? 'bytes' : (String(layout) as PackedPlanes['layout']),
    ...(context ? { context: context.map(Boolean) } : {}),
  };
}
