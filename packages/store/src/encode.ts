import { DTYPE_BYTES, elementCount } from '@reef/core/tensor';
import type { DeltaTypePlugin, PortableData, Tensor } from '@reef/core';
import { borrowScratch, releasePacked, returnScratch, type PackedPlanes } from '@reef/codecs';
import { packPlanesAsync } from '@reef/codecs/node';
import { losslessBeats, losslessTrials, type ReferenceCandidate } from './encoding-policy.js';
import type { EncodedObject, ObjectInfo } from './objects.js';

/**
 * Tensors above this are judged on a sample first, then encoded once with the winner. 256 KiB (was
 * 1 MiB): a 2 MB checkpoint of 1 MiB and 512 KiB f32 layers encoded every option in full (whole,
 * xor-planes, float-diff: three plane splits, deflates and context codings each), most of an
 * add's encode time; their 128 KiB sample is a quarter of such a tensor or more. The public series
 * has no tensor between 256 KiB and 1 MiB (bytes unchanged).
 */
const SAMPLE_THRESHOLD = 256 * 1024;
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

function payloadBytes(p: PortableData): number {
  let n = JSON.stringify(p.attributes).length;
  for (const a of Object.values(p.arrays)) n += a.data.byteLength;
  return n;
}

/**
 * The same chunks of elements of each tensor, so candidates are compared on equal ground: chunks of
 * `chunkBytes` of the target (`like`), at the same element positions in a reference of another
 * dtype (a cast's wider copy). In scratch memory: `encodeSampled`, its only user, gives it back
 * once the trial has settled.
 */
function sampleOf(t: Tensor, chunkBytes = SAMPLE_CHUNK_BYTES, like: Tensor = t): Tensor {
  const lw = DTYPE_BYTES[like.dtype];
  const chunkElements = Math.max(1, Math.floor(chunkBytes / lw));
  const strideElements = Math.floor(like.data.length / lw / SAMPLE_CHUNKS);
  const w = DTYPE_BYTES[t.dtype];
  const chunk = chunkElements * w;
  const stride = strideElements * w;
  const out = borrowScratch(chunk * SAMPLE_CHUNKS, true);
  for (let k = 0; k < SAMPLE_CHUNKS; k++) out.set(t.data.subarray(k * stride, k * stride + chunk), k * chunk);
  return { dtype: t.dtype, shape: [out.length / w], data: out };
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
  const reference = option.candidate ? sampleOf(option.candidate.tensor, chunkBytes, t) : undefined;
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
 * How the previous version of a tensor (its namesake in the parent commit) was stored: what
 * `encodeTensor` tries first, as a training run's checkpoints change alike from one to the next.
 */
export interface PreviousChoice {
  /** The reference the previous version's candidate is: its hash (the parent namesake's). */
  readonly reference: string;
  /** Its encoding (a delta type's id) and bytes, stored and raw. */
  readonly encoding: string;
  readonly storedBytes: number;
  readonly rawBytes: number;
}

/**
 * A large tensor whose previous version was stored as a delta is encoded in full with that delta
 * type first (against the previous version itself); when that does at least as well as last time
 * (its share of the raw bytes at most 3% above the previous one's), it is kept without trials. A
 * fresh process runs each trial's code cold (in a 2 MB add, the screen's twelve 32 KiB trials took
 * ~0.1 s, the chosen encode ~0.1 s); a worse result means the update changed character, and the
 * trials run as always (the full encode is kept if they pick it again).
 */
const STICKY_MARGIN = 1.03;

/**
 * Chooses how to store a tensor by measuring: whole (byte planes + deflate) and the lossless delta
 * trials the encoding policy allows (losslessTrials: every lossless type against every proposed
 * reference, less those too deep, refused by `supports` or ruled out by a type's `worthTrying`
 * hint; none up to WHOLE_ONLY_BYTES); the smallest wins (losslessBeats). Large tensors are measured
 * on a fixed sample of chunks to keep commits fast (after a smaller screen drops clear losers),
 * then encoded in full once; `previous` (add: the parent namesake's choice) is tried first and kept
 * when it does as well as before (STICKY_MARGIN).
 */
export async function encodeTensor(
  hash: string,
  t: Tensor,
  candidates: readonly ReferenceCandidate[],
  deltaTypes: readonly DeltaTypePlugin[],
  maxDepth: number,
  previous?: PreviousChoice,
): Promise<EncodedObject> {
  let kept: { option: Option; result: Awaited<ReturnType<typeof encodeWith>> } | undefined;
  const again = previous && t.data.length > SAMPLE_THRESHOLD ? previousOption(previous, t, candidates, deltaTypes, maxDepth) : undefined;
  if (again && previous) {
    const result = await encodeWith(again, t);
    if (result.bytes / t.data.length <= (previous.storedBytes / previous.rawBytes) * STICKY_MARGIN) return encoded(hash, t, again, result);
    kept = { option: again, result };
  }
  const options: Option[] = [{ encoding: 'whole' }];
  for (const { plugin, candidate } of losslessTrials(t, candidates, deltaTypes, maxDepth)) {
    // The previous choice, already encoded in full above, is the same option.
    options.push(kept && kept.option.plugin === plugin && kept.option.candidate === candidate ? kept.option : { encoding: plugin.id, candidate, plugin });
  }
  let best: Option = options[0];
  if (options.length > 1 && t.data.length > SAMPLE_THRESHOLD) {
    const contenders = await screen(options, t);
    best = contenders[0];
    let bestBytes = Infinity;
    if (contenders.length > 1) {
      for (const option of contenders) {
        const bytes = await encodeSampled(option, t);
        if (losslessBeats(bytes, bestBytes)) [best, bestBytes] = [option, bytes];
      }
    }
  }
  let result: Awaited<ReturnType<typeof encodeWith>>;
  if (kept && kept.option === best) result = kept.result;
  else {
    if (kept) releaseEncoded(kept.result);
    result = await encodeWith(best, t);
  }
  if (options.length > 1 && t.data.length <= SAMPLE_THRESHOLD) {
    for (const option of options.slice(1)) {
      const r = await encodeWith(option, t);
      const wins = losslessBeats(r.bytes, result.bytes);
      const loser = wins ? result : r;
      if (wins) [best, result] = [option, r];
      releaseEncoded(loser);
    }
  }
  return encoded(hash, t, best, result);
}

/** The previous choice as an option for `t`, when its type and reference are still there and the policy's checks (depth, supports, worthTrying) allow it. */
function previousOption(previous: PreviousChoice, t: Tensor, candidates: readonly ReferenceCandidate[], deltaTypes: readonly DeltaTypePlugin[], maxDepth: number): Option | undefined {
  const candidate = candidates.find((c) => c.hash === previous.reference);
  const plugin = deltaTypes.find((p) => p.id === previous.encoding);
  if (!candidate || !plugin) return undefined;
  return losslessTrials(t, [candidate], [plugin], maxDepth).length > 0 ? { encoding: plugin.id, candidate, plugin } : undefined;
}

function encoded(hash: string, t: Tensor, chosen: Option, result: { bytes: number; whole?: PackedPlanes; payload?: PortableData }): EncodedObject {
  const info: ObjectInfo = {
    hash,
    dtype: t.dtype,
    shape: [...t.shape],
    encoding: chosen.encoding,
    reference: chosen.candidate?.hash,
    depth: chosen.candidate ? chosen.candidate.depth + 1 : 0,
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
