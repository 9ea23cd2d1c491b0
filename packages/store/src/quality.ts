import { ReefError } from '@reef/core/errors';
import { elementCount } from '@reef/core/tensor';
import type { DeltaError, DeltaTypePlugin, PortableData, Tensor } from '@reef/core';
import { measureError } from '@reef/core/delta';
import { messageOf } from './h5-lazy.js';
import { codebookOf, storedCodebook, withoutCodebook, type StoredCodebook } from './codebooks.js';
import { toFloat64 } from '@reef/codecs';
import { DEFAULT_PQ_MIN_BYTES, lossyBeats, lossyOutcome, lossySettings, lossySettingsFor, type LossySetting, type ReferenceCandidate } from './encoding-policy.js';
import { tensorHash } from './hash.js';
import type { LosslessFallbackRecord } from './model.js';
import type { EncodedObject } from './objects.js';

/**
 * Lossy storage under a quality bound (`reef commit --max-rel-error`): for each tensor a commit
 * introduces, every applicable lossy delta type is encoded against the tensor's reference (all
 * zeros, ZERO_REFERENCE, when it has none: the error is still relative to its own norm), decoded,
 * and its error measured against the tensor as added; the smallest encoding within the bound wins
 * if it is smaller than the lossless encoding `add` already stored, else the tensor stays lossless.
 */

export interface QualityBound {
  /** Largest relative L2 error ‖x − x̂‖₂ / ‖x‖₂ accepted per tensor (> 0). */
  readonly maxRelError: number;
  /** Delta types that train a codebook (PQ) are tried only on tensors of at least this many bytes (default 1 KiB). */
  readonly pqMinBytes?: number;
  /**
   * 'shared' (default): one codebook per delta type per commit, trained on every eligible tensor's
   * delta and stored once; 'per-tensor': each tensor trains its own (stored apart all the same).
   */
  readonly codebooks?: 'shared' | 'per-tensor';
  /**
   * Screen large tensors on a row sample first (default true): see SCREEN_MARGIN. false encodes
   * every setting on the whole tensor (for measuring what the screen changes).
   */
  readonly screen?: boolean;
}

/**
 * Tensors of at least this many elements (and 16 rows) are screened: each setting is first encoded
 * on every 8th row (tensor and reference alike, so per-row grids and 2-D factorisations keep their
 * shape), and a setting whose sample error exceeds SCREEN_MARGIN × the bound is not encoded in full.
 * A screen can only drop candidates, never admit one: whatever is chosen is measured on the whole
 * tensor. Measured on the Fashion-MNIST series' 512×800 layer (bench/store-lossy/screen-errors.mjs,
 * all 11 presets, 7 checkpoints): sample/full error 0.94–1.01 for per-row grids, 0.59–1.00 per
 * tensor, 0.97–1.07 sparse, 0.50–0.92 low-rank (fewer rows are easier to factor), 0.84–0.95 PQ; so
 * a margin of 1.5 dropped nothing that met a bound, and every commit stored the same bytes
 * (bench/store-lossy/time-commits.mjs with and without --no-screen).
 */
const SCREEN_MIN_ELEMENTS = 1 << 16;
const SCREEN_ROW_STRIDE = 8;
const SCREEN_MARGIN = 1.5;

export function assertQualityBound(bound: QualityBound): void {
  if (typeof bound.maxRelError !== 'number' || !Number.isFinite(bound.maxRelError) || bound.maxRelError <= 0) {
    throw new ReefError('INVALID_PARAM', `\`maxRelError\` must be a finite number > 0 (a relative L2 error such as 1e-3), got ${String(bound.maxRelError)}`);
  }
  const min = bound.pqMinBytes;
  if (min !== undefined && (!Number.isInteger(min) || min < 0)) throw new ReefError('INVALID_PARAM', `\`pqMinBytes\` must be an integer >= 0, got ${String(min)}`);
  if (bound.codebooks !== undefined && bound.codebooks !== 'shared' && bound.codebooks !== 'per-tensor') {
    throw new ReefError('INVALID_PARAM', `codebooks must be 'shared' or 'per-tensor', got '${String(bound.codebooks)}'`);
  }
}

/**
 * Largest absolute and relative L2 error of `decoded` against `original`, as the delta types
 * record it (`measureError` of @reef/core/delta; a zero tensor decoded inexactly has
 * UNBOUNDED_REL_L2, see docs/metrics.md).
 */
export function measureTensorError(original: Tensor, decoded: Tensor): DeltaError {
  return measureError(toFloat64(original), toFloat64(decoded));
}

/** A tensor a commit introduces, with the reference it may be stored against. */
export interface LossyItem {
  readonly path: string;
  readonly name: string;
  /** Hash of the tensor as added (stored losslessly by add). */
  readonly hash: string;
  readonly tensor: Tensor;
  readonly candidate: ReferenceCandidate;
  /** Bytes of the lossless encoding add chose. */
  readonly losslessBytes: number;
}

export interface LossyChoice {
  readonly item: LossyItem;
  /** The lossy object chosen (its hash is the decoded tensor's), or undefined to stay lossless. */
  readonly object?: EncodedObject;
  readonly decoded?: Tensor;
  readonly codebook?: StoredCodebook;
  readonly fallback?: LosslessFallbackRecord;
}

interface Trial {
  readonly setting: LossySetting;
  readonly payload: PortableData;
  readonly decoded: Tensor;
  readonly error: DeltaError;
  readonly bytes: number;
  readonly codebook?: StoredCodebook;
}

function payloadBytes(p: PortableData): number {
  let n = JSON.stringify(p.attributes).length;
  for (const a of Object.values(p.arrays)) n += a.data.byteLength;
  return n;
}

function referenceFor(item: LossyItem): Tensor {
  const r = item.candidate.tensor;
  return { dtype: r.dtype, shape: item.tensor.shape, data: r.data };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** One codebook per codebook-training type, trained on the deltas of every tensor that may use it. */
async function trainSharedCodebooks(items: readonly LossyItem[], options: Map<LossyItem, LossySetting[]>): Promise<Map<string, { book: StoredCodebook; users: number }>> {
  const out = new Map<string, { book: StoredCodebook; users: number }>();
  const bySetting = new Map<string, { setting: LossySetting; users: LossyItem[] }>();
  for (const item of items) {
    for (const setting of options.get(item) ?? []) {
      if (!setting.plugin.codebook || setting.reuse) continue;
      const entry = bySetting.get(setting.key) ?? { setting, users: [] };
      entry.users.push(item);
      bySetting.set(setting.key, entry);
    }
  }
  for (const [key, { setting, users }] of bySetting) {
    const { plugin, params } = setting;
    try {
      const data = await plugin.codebook!.train(users.map((u) => ({ target: u.tensor, reference: referenceFor(u) })), { params });
      out.set(key, { book: storedCodebook(plugin.id, data), users: users.length });
    } catch {
      // Too little data to train one shared codebook: each tensor may still train its own below.
    }
  }
  return out;
}

async function trial(item: LossyItem, setting: LossySetting, shared?: { book: StoredCodebook; users: number }): Promise<Trial | undefined> {
  const { plugin, params } = setting;
  const reference = referenceFor(item);
  let payload: PortableData;
  try {
    const book = setting.reuse ?? shared?.book;
    payload = await plugin.encode(item.tensor, reference, { params, ...(book ? { codebook: book.data } : {}) });
  } catch (err) {
    // NaN/Inf deltas and the like: this type cannot code this tensor; others may.
    if (err instanceof ReefError) return undefined;
    throw new ReefError('BAD_MODEL', `delta type ${plugin.id} failed on ${item.path}:${item.name}: ${messageOf(err)}`, { cause: err });
  }
  const decoded = await plugin.decode(payload, reference);
  // A lossy code that reproduces the reference would record a changed tensor as unchanged (a tiny
  // bias update dropped whole by a threshold, say): never accept it, whatever the bound.
  if (sameBytes(decoded.data, reference.data)) return undefined;
  const error = measureTensorError(item.tensor, decoded);
  let codebook: StoredCodebook | undefined;
  let bytes: number;
  if (plugin.codebook) {
    codebook = setting.reuse ?? shared?.book ?? storedCodebook(plugin.id, codebookOf(plugin, payload));
    payload = withoutCodebook(plugin, payload);
    // A stored codebook costs nothing more; a shared one is charged to its possible users in equal
    // parts; an own one in full.
    const charge = setting.reuse ? 0 : shared ? Math.ceil(codebook.info.bytes / shared.users) : codebook.info.bytes;
    bytes = payloadBytes(payload) + charge;
  } else bytes = payloadBytes(payload);
  return { setting, payload, decoded: { dtype: item.tensor.dtype, shape: [...item.tensor.shape], data: decoded.data }, error, bytes, codebook };
}

/** Every SCREEN_ROW_STRIDE-th row (first axis) of the tensor and its reference, or undefined when too small to screen. */
export function screenSample(item: LossyItem): LossyItem | undefined {
  const { tensor } = item;
  const rows = tensor.shape[0] ?? 0;
  if (tensor.shape.length === 0 || rows < 2 * SCREEN_ROW_STRIDE || elementCount(tensor.shape) < SCREEN_MIN_ELEMENTS) return undefined;
  const rowBytes = tensor.data.length / rows;
  const k = Math.ceil(rows / SCREEN_ROW_STRIDE);
  const pick = (data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(k * rowBytes);
    for (let i = 0; i < k; i++) out.set(data.subarray(i * SCREEN_ROW_STRIDE * rowBytes, (i * SCREEN_ROW_STRIDE + 1) * rowBytes), i * rowBytes);
    return out;
  };
  const shape = [k, ...tensor.shape.slice(1)];
  const ref = item.candidate.tensor;
  return {
    ...item,
    tensor: { dtype: tensor.dtype, shape, data: pick(tensor.data) },
    candidate: { ...item.candidate, tensor: { dtype: ref.dtype, shape, data: pick(ref.data) } },
  };
}

/**
 * Chooses, per tensor, the smallest encoding within `bound` (`existing`: codebooks already stored,
 * tried as they are): the lossless one add stored, or a lossy
 * delta against the tensor's reference whose measured relative L2 error is at most the bound.
 */
export async function chooseWithinBound(
  items: readonly LossyItem[],
  deltaTypes: readonly DeltaTypePlugin[],
  bound: QualityBound,
  existing: readonly StoredCodebook[] = [],
  /** Told each tensor's bytes once it is decided, for the host's progress display. */
  onDecided?: (bytes: number) => void,
): Promise<LossyChoice[]> {
  assertQualityBound(bound);
  const pqMinBytes = bound.pqMinBytes ?? DEFAULT_PQ_MIN_BYTES;
  const settings = lossySettings(deltaTypes, existing);
  const options = new Map(items.map((item) => [item, lossySettingsFor(item.tensor, referenceFor(item), settings, pqMinBytes)]));
  const shared = (bound.codebooks ?? 'shared') === 'shared' ? await trainSharedCodebooks(items, options) : new Map();
  const choices: LossyChoice[] = [];
  for (const [i, item] of items.entries()) {
    if (i > 0) onDecided?.(items[i - 1].tensor.data.length);
    const tried = options.get(item) ?? [];
    if (tried.length === 0) {
      choices.push({ item });
      continue;
    }
    let best: Trial | undefined;
    let closest: Trial | undefined;
    const full = async (setting: LossySetting): Promise<void> => {
      const t = await trial(item, setting, shared.get(setting.key));
      if (!t) return;
      if (!closest || t.error.relL2 < closest.error.relL2) closest = t;
      if (lossyBeats({ bytes: t.bytes, relL2: t.error.relL2 }, best, bound.maxRelError)) best = t;
    };
    const sample = bound.screen === false ? undefined : screenSample(item);
    let nearest: { setting: LossySetting; relL2: number } | undefined;
    let measured = 0;
    for (const setting of tried) {
      if (sample) {
        const s = await trial(sample, setting, shared.get(setting.key));
        // Refused on the sample (it decoded to its reference, say): judged in full instead.
        if (s && s.error.relL2 > bound.maxRelError * SCREEN_MARGIN) {
          if (!nearest || s.error.relL2 < nearest.relL2) nearest = { setting, relL2: s.error.relL2 };
          continue;
        }
      }
      await full(setting);
      measured++;
    }
    // Every setting screened out: the one nearest on the sample is measured in full, so a fallback
    // reports a measured closest error (and a screen that was wrong still gets its chance).
    if (measured === 0 && nearest) await full(nearest.setting);
    const outcome = lossyOutcome(best, item.losslessBytes);
    if (outcome !== 'lossy' || !best) {
      const reason = outcome === 'size' ? 'size' : 'bound';
      const bestRelL2 = closest && Number.isFinite(closest.error.relL2) ? closest.error.relL2 : undefined;
      choices.push({ item, fallback: { path: item.path, tensor: item.name, reason, bestRelL2, bestEncoding: closest?.setting.plugin.id } });
      continue;
    }
    const hash = tensorHash(best.decoded);
    const info = {
      hash,
      dtype: item.tensor.dtype,
      shape: [...item.tensor.shape],
      encoding: best.setting.plugin.id,
      reference: item.candidate.hash,
      depth: item.candidate.depth + 1,
      rawBytes: best.decoded.data.length,
      storedBytes: payloadBytes(best.payload),
      error: { maxAbs: best.error.maxAbs, relL2: best.error.relL2 },
      ...(best.codebook ? { codebook: best.codebook.info.hash } : {}),
    };
    choices.push({ item, object: { info, payload: best.payload }, decoded: best.decoded, codebook: best.codebook });
  }
  return choices;
}
