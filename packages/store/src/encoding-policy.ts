import { DTYPE_BYTES } from '@reef/core/tensor';
import type { DType, DeltaTypePlugin, Params, Tensor } from '@reef/core';
import type { StoredCodebook } from './codebooks.js';

/**
 * The store's one encoding policy: which delta types are tried for a tensor, and by which rule a
 * measured result is chosen, for plain commits (`add`, merge), lossy commits and clusters. Every
 * registered delta type, first-party or third-party, goes through the same rules: the contract's
 * `supports` (can it code this pair) and its optional `worthTrying` hint (might it win). The
 * modules that encode (encode.ts for lossless trials, quality.ts for lossy ones) only measure what
 * this module lets them try and ask it which result wins; nothing else names a delta type.
 */

/** What a set of trials is for. */
export type EncodingPurpose =
  /** `add` and merge: byte-exact, without codebook-training types unless asked (see below). */
  | 'add'
  /** `cluster apply`: byte-exact re-encodings against a centroid; codebook types included. */
  | 'cluster'
  /** `commit --max-rel-error`: the lossy types, each measured against the bound. */
  | 'lossy';

export interface PolicyOptions {
  /**
   * Whether `add` also tries lossless types with a trainable codebook (pq-lossless). They train
   * k-means at every encode, which a lossy commit amortises by sharing codebooks but an add cannot:
   * measured on the CNN series' 1.6 MB layer, pq-lossless took 150–230 ms on the 128 KiB sample
   * alone (1.0–1.5 s in full) and came out 4–5% larger than xor-planes.
   */
  readonly codebookDeltasAtAdd?: boolean;
}

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

/**
 * Whether a stored tensor gets a similarity sketch (similarity.ts), i.e. can be proposed as the
 * reference of a tensor that has no namesake. Not when it is at most WHOLE_ONLY_BYTES (a tensor of
 * its size and dtype, the only kind a lookup matches, is stored whole untried, so the proposal
 * could never be used), nor when it is stored as a narrowing cast of a wider stored tensor (a bf16
 * or f16 copy of an f32 one): its source is indexed, and a later copy of it is found as a cast of
 * that source or by name. Measured on the public series (bench/store/series.mjs): ~430 B of
 * similarity.json per sketch, 12 per cast commit (5.2 kB of 23.2) and 10 of 13 per f32 epoch.
 */
export function wantsSketch(rawBytes: number, dtype: DType, referenceDType: DType | undefined): boolean {
  if (rawBytes <= WHOLE_ONLY_BYTES) return false;
  return !(referenceDType !== undefined && DTYPE_BYTES[referenceDType] > DTYPE_BYTES[dtype]);
}

/** Lossy types that train a codebook (PQ) are tried only on tensors of at least this many bytes, unless a commit says otherwise. */
export const DEFAULT_PQ_MIN_BYTES = 1024;

/** A stored tensor a new one may be encoded against. */
export interface ReferenceCandidate {
  readonly hash: string;
  readonly tensor: Tensor;
  readonly depth: number;
  /**
   * Why it was proposed: 'parent' (same name), 'similar' (similarity index), 'cast' (a wider float
   * copy: same name or shape, parent commit or staging index), 'zero' (ZERO_REFERENCE, lossy
   * commits), 'centroid' (clusters).
   */
  readonly source: string;
}

/** The registered delta types a purpose may use (before the per-tensor checks below). */
export function deltaTypesFor(purpose: EncodingPurpose, types: readonly DeltaTypePlugin[], options: PolicyOptions = {}): DeltaTypePlugin[] {
  switch (purpose) {
    case 'add':
      return types.filter((p) => p.lossless && (options.codebookDeltasAtAdd === true || !p.codebook));
    case 'cluster':
      return types.filter((p) => p.lossless);
    case 'lossy':
      return types.filter((p) => !p.lossless);
  }
}

/**
 * The per-pair check every type gets, from its own contract: it can code the pair (`supports`
 * gives no reason against it) and its cheap hint, if it has one, does not rule it out.
 */
export function worthTrying(plugin: DeltaTypePlugin, target: Tensor, reference: Tensor): boolean {
  if (plugin.supports?.(target, reference)) return false;
  return plugin.worthTrying?.(target, reference) ?? true;
}

/** One lossless delta trial: a type against a reference. */
export interface LosslessTrial {
  readonly plugin: DeltaTypePlugin;
  readonly candidate: ReferenceCandidate;
}

/**
 * The lossless delta trials for `target` besides whole storage (which is always an option), in the
 * order they are measured: per reference short enough to extend (`maxDepth`), every lossless type
 * that passes `worthTrying`. A reference of another dtype (a 'cast' candidate: a copy of the
 * tensor in a wider or narrower float precision) goes only to types that declare `supports`, the ones that say
 * which pairs they code; a type without it is assumed to pair tensors of one dtype. Up to
 * WHOLE_ONLY_BYTES, only such other-dtype references are tried: a `cast` trial is one pass over
 * the elements when few are mispredicted (no byte planes to deflate), and a true cast's payload is
 * a few dozen bytes against the tensor's full size whole.
 */
export function losslessTrials(target: Tensor, candidates: readonly ReferenceCandidate[], types: readonly DeltaTypePlugin[], maxDepth: number): LosslessTrial[] {
  const small = target.data.length <= WHOLE_ONLY_BYTES;
  const out: LosslessTrial[] = [];
  for (const candidate of candidates) {
    if (candidate.depth >= maxDepth) continue;
    const otherDType = candidate.tensor.dtype !== target.dtype;
    if (small && !otherDType) continue;
    const reference = { dtype: candidate.tensor.dtype, shape: target.shape, data: candidate.tensor.data };
    for (const plugin of types) {
      if (otherDType && !plugin.supports) continue;
      if (plugin.lossless && worthTrying(plugin, target, reference)) out.push({ plugin, candidate });
    }
  }
  return out;
}

/** Lossless choice: a measured size replaces the best so far only when strictly smaller (ties keep the earlier option, whole first). */
export function losslessBeats(bytes: number, bestBytes: number): boolean {
  return bytes < bestBytes;
}

/** A lossy type with one of its presets (or its defaults), or with a codebook already stored. */
export interface LossySetting {
  readonly plugin: DeltaTypePlugin;
  readonly params: Params;
  /** Key of the shared codebook this setting trains: type and parameters. */
  readonly key: string;
  /** A codebook already in the repository to encode with (nothing new to store). */
  readonly reuse?: StoredCodebook;
}

/**
 * Every lossy setting a commit may try: each lossy type with each of its presets (its defaults
 * when it has none), then each stored codebook (`existing`) with the type that trained it.
 */
export function lossySettings(types: readonly DeltaTypePlugin[], existing: readonly StoredCodebook[]): LossySetting[] {
  const lossy = deltaTypesFor('lossy', types);
  const fresh = lossy.flatMap((plugin) => (plugin.presets?.length ? plugin.presets : [{}]).map((params) => ({ plugin, params, key: `${plugin.id} ${JSON.stringify(params)}` })));
  // Codebooks earlier commits stored: free to use again (fine-tunes of one base share their deltas' statistics).
  const reused = existing.flatMap((book) => lossy.filter((p) => p.codebook && p.id === book.info.deltaType).map((plugin) => ({ plugin, params: {}, key: `reuse ${book.info.hash}`, reuse: book })));
  return [...fresh, ...reused];
}

/** The lossy settings tried on one tensor: codebook-training ones from `pqMinBytes` up, and every one only where `worthTrying` allows. */
export function lossySettingsFor(target: Tensor, reference: Tensor, settings: readonly LossySetting[], pqMinBytes: number): LossySetting[] {
  return settings.filter(({ plugin }) => !(plugin.codebook && target.data.length < pqMinBytes) && worthTrying(plugin, target, reference));
}

/**
 * Lossy choice: a measured trial replaces the best so far when its relative L2 error is within
 * the bound and it is strictly smaller (ties keep the earlier, finer setting).
 */
export function lossyBeats(trial: { readonly bytes: number; readonly relL2: number }, best: { readonly bytes: number } | undefined, maxRelError: number): boolean {
  return trial.relL2 <= maxRelError && (!best || trial.bytes < best.bytes);
}

/**
 * Whether the best lossy trial is stored, or why the tensor keeps the lossless encoding `add`
 * stored: 'bound' when no trial met the bound, 'size' when the best one is not smaller.
 */
export function lossyOutcome(best: { readonly bytes: number } | undefined, losslessBytes: number): 'lossy' | 'bound' | 'size' {
  if (!best) return 'bound';
  return best.bytes >= losslessBytes ? 'size' : 'lossy';
}
