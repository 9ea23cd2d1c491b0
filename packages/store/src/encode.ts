import { DTYPE_BYTES, elementCount, type DeltaTypePlugin, type PortableData, type Tensor } from '@reef/core';
import { borrowScratch, releasePacked, returnScratch, type PackedPlanes } from '@reef/codecs';
import { packPlanesAsync } from '@reef/codecs/node';
import type { EncodedObject, ObjectInfo } from './objects.js';

/** Tensors above this are judged on a sample first, then encoded once with the winner. */
const SAMPLE_THRESHOLD = 1 << 20;
const SAMPLE_CHUNKS = 8;
const SAMPLE_CHUNK_BYTES = 16 * 1024;
/**
 * Before the sample, a screen a quarter its size (the same 8 positions, 4 KiB each): options more
 * than 3% above the smallest there are dropped, and when one is left it is chosen without the
 * sample. Measured on the CNN series' 1.6 MB layer (bench/store/RESULTS.md): screen and sample
 * ratios agreed within 1% (whole 1.03–1.09x and float-diff 1.04–1.10x of xor-planes on both), so the
 * screen settles what the sample did at a quarter of its cost; closer calls still go to the sample.
 */
const SCREEN_CHUNK_BYTES = 4 * 1024;
const SCREEN_MARGIN = 1.03;

/**
 * Tensors up to this size are stored whole without delta trials. Whatever the choice, it moves the
 * stored bytes by less than the tensor's own size plus a 64 B header (whole is the raw planes at
 * worst, every other option at least a payload header), and the trials cost a
 * zlib stream per byte plane per option (~35 µs each in a warm commit, 14 per such tensor and
 * commit). Measured on the CNN series (bench/store/RESULTS.md, 2026-12-03 fourth pass): with every
 * option tried, its tensors up to 2 KiB (biases, batch-norm statistics, the 576 B first conv) went
 * whole except 4 of the 512-element bias, xor-planes by 2-6 B each; untried, payloads grow 16 B in
 * all, the packs shrink 4 KB (fewer delta attributes), and a warm commit takes ~2.6 ms less.
 */
export const WHOLE_ONLY_BYTES = 2048;

export interface ReferenceCandidate {
  readonly hash: string;
  readonly tensor: Tensor;
  readonly depth: number;
  /** Why it was proposed: 'parent' (same name), 'similar' (similarity index), 'zero' (ZERO_REFERENCE, lossy commits). */
  readonly source: string;
}

function payloadBytes(p: PortableData): number {
  let n = JSON.stringify(p.attributes).length;
  for (const a of Object.values(p.arrays)) n += a.data.byteLength;
  return n;
}

/**
 * The same element-aligned chunks of each tensor, so candidates are compared on equal ground. In
 * scratch memory: `encodeSampled`, its only user, gives it back once the trial has settled.
 */
function sampleOf(t: Tensor, chunkBytes = SAMPLE_CHUNK_BYTES): Tensor {
  const w = DTYPE_BYTES[t.dtype];
  const chunk = Math.max(w, chunkBytes - (chunkBytes % w));
  const stride = Math.floor(t.data.length / SAMPLE_CHUNKS / w) * w;
  const out = borrowScratch(chunk * SAMPLE_CHUNKS, true);
  for (let k = 0; k < SAMPLE_CHUNKS; k++) out.set(t.data.subarray(k * stride, k * stride + chunk), k * chunk);
  return { dtype: t.dtype, shape: [out.length / w], data: out };
}

/**
 * Sparse screen: `sparse` stores every changed element's new bits plus its index, so it pays only
 * when few elements change. Measured (f32, 64k elements, steps of 0.1–1% of the weights' scale,
 * bench notes in bench/store/RESULTS.md): it stops beating xor-planes at 30–50% of elements changed
 * and is 1.2–1.5x larger from 70% up; SGD changes every weight every epoch (100%), where its trial
 * was the most expensive one (a JS loop per element) and never won. Skipped above 2/3 changed, on a
 * strided sample of elements (±1.5% at 4,096).
 */
const SPARSE_MAX_CHANGED = 2 / 3;
const SCREEN_ELEMENTS = 4096;

/** Fraction of elements whose bit pattern differs from the reference, on evenly strided elements. */
export function changedFraction(t: Tensor, reference: Uint8Array): number {
  const w = DTYPE_BYTES[t.dtype];
  const n = t.data.length / w;
  const m = Math.min(n, SCREEN_ELEMENTS);
  if (m === 0) return 0;
  let changed = 0;
  for (let k = 0; k < m; k++) {
    const at = Math.floor((k * n) / m) * w;
    for (let b = at; b < at + w; b++) {
      if (t.data[b] !== reference[b]) {
        changed++;
        break;
      }
    }
  }
  return changed / m;
}

/**
 * The delta types `add` tries: lossless ones without a trainable codebook. Codebook types
 * (pq-lossless) train k-means at every encode, which a lossy commit amortises by sharing codebooks
 * but an add cannot: measured on the CNN series' 1.6 MB layer, pq-lossless took 150–230 ms on the
 * 128 KiB sample alone (1.0–1.5 s in full) and came out 4–5% larger than xor-planes.
 */
export function addDeltaTypes(types: readonly DeltaTypePlugin[], withCodebooks = false): DeltaTypePlugin[] {
  return types.filter((p) => p.lossless && (withCodebooks || !p.codebook));
}

interface Option {
  readonly encoding: string;
  readonly candidate?: ReferenceCandidate;
  readonly plugin?: DeltaTypePlugin;
}

async function encodeWith(option: Option, t: Tensor): Promise<{ bytes: number; whole?: PackedPlanes; payload?: PortableData }> {
  if (!option.plugin || !option.candidate) {
    const whole = await packPlanesAsync(t.data, DTYPE_BYTES[t.dtype], 6, t.dtype); // planes compress on the thread pool
    return { bytes: whole.bytes.length + 64, whole };
  }
  const ref = option.candidate.tensor;
  const payload = await option.plugin.encode(t, { dtype: ref.dtype, shape: t.shape, data: ref.data });
  return { bytes: payloadBytes(payload), payload };
}

/** Size of `option` on a sample; the samples and the trial's output are scratch, given back here. */
async function encodeSampled(option: Option, t: Tensor, chunkBytes = SAMPLE_CHUNK_BYTES): Promise<number> {
  const target = sampleOf(t, chunkBytes);
  const reference = option.candidate ? sampleOf(option.candidate.tensor, chunkBytes) : undefined;
  try {
    const trial = await encodeWith(option.candidate && reference ? { ...option, candidate: { ...option.candidate, tensor: reference } } : option, target);
    releaseEncoded(trial);
    return trial.bytes;
  } finally {
    returnScratch(target.data);
    if (reference) returnScratch(reference.data);
  }
}

/** The options within SCREEN_MARGIN of the smallest on the screen sample, in their order. */
async function screen(options: readonly Option[], t: Tensor): Promise<Option[]> {
  const bytes: number[] = [];
  for (const option of options) bytes.push(await encodeSampled(option, t, SCREEN_CHUNK_BYTES));
  const least = Math.min(...bytes);
  return options.filter((_, k) => bytes[k] <= least * SCREEN_MARGIN);
}

/**
 * Chooses how to store a tensor by measuring: whole (byte planes + deflate) and every lossless
 * delta type against every proposed reference; the smallest wins. Large tensors are measured on a
 * fixed sample of chunks to keep commits fast (after a smaller screen drops clear losers), then
 * encoded in full once. Tensors up to WHOLE_ONLY_BYTES are stored whole untried. `sparse` is not tried where most elements changed (SPARSE_MAX_CHANGED).
 */
export async function encodeTensor(
  hash: string,
  t: Tensor,
  candidates: readonly ReferenceCandidate[],
  deltaTypes: readonly DeltaTypePlugin[],
  maxDepth: number,
): Promise<EncodedObject> {
  const options: Option[] = [{ encoding: 'whole' }];
  for (const candidate of t.data.length <= WHOLE_ONLY_BYTES ? [] : candidates) {
    if (candidate.depth >= maxDepth) continue;
    const ref = { dtype: candidate.tensor.dtype, shape: t.shape, data: candidate.tensor.data };
    let changed: number | undefined;
    for (const plugin of deltaTypes) {
      if (!plugin.lossless || plugin.supports?.(t, ref)) continue;
      if (plugin.id === 'sparse' && (changed ??= changedFraction(t, ref.data)) > SPARSE_MAX_CHANGED) continue;
      options.push({ encoding: plugin.id, candidate, plugin });
    }
  }
  let best: Option = options[0];
  if (options.length > 1 && t.data.length > SAMPLE_THRESHOLD) {
    const contenders = await screen(options, t);
    best = contenders[0];
    let bestBytes = Infinity;
    if (contenders.length > 1) {
      for (const option of contenders) {
        const bytes = await encodeSampled(option, t);
        if (bytes < bestBytes) [best, bestBytes] = [option, bytes];
      }
    }
  }
  let result = await encodeWith(best, t);
  if (options.length > 1 && t.data.length <= SAMPLE_THRESHOLD) {
    for (const option of options.slice(1)) {
      const r = await encodeWith(option, t);
      const loser = r.bytes < result.bytes ? result : r;
      if (r.bytes < result.bytes) [best, result] = [option, r];
      releaseEncoded(loser);
    }
  }
  const info: ObjectInfo = {
    hash,
    dtype: t.dtype,
    shape: [...t.shape],
    encoding: best.encoding,
    reference: best.candidate?.hash,
    depth: best.candidate ? best.candidate.depth + 1 : 0,
    rawBytes: elementCount(t.shape) * DTYPE_BYTES[t.dtype],
    storedBytes: result.bytes,
  };
  return { info, whole: result.whole, payload: result.payload };
}

/**
 * Hands the memory of an encoded object's bytes back for reuse (packed planes are scratch memory,
 * see @reef/codecs): call once they are written, and read nothing of them afterwards.
 */
export function releaseEncoded(o: { readonly whole?: PackedPlanes; readonly payload?: PortableData }): void {
  if (o.whole) releasePacked(o.whole.bytes);
  for (const a of Object.values(o.payload?.arrays ?? {})) if (a.data instanceof Uint8Array) releasePacked(a.data);
}
