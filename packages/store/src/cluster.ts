import { DTYPE_BYTES, isFloatDType } from '@reef/core/tensor';
import { ReefError } from '@reef/core/errors';
import type { DeltaTypePlugin, Tensor } from '@reef/core';
import type { DeltaTypeSource } from './delta-type-source.js';
import { unpackPlanes } from '@reef/codecs/node';
import { join } from 'node:path';
import { CENTROID_KIND, MeanAccumulator, centroidHash } from './cluster-centroid.js';
import { clusterGroup, sampleVector } from './cluster-group.js';
import { toFloat64 } from '@reef/codecs';
import { encodeTensor } from './encode.js';
import { deltaTypesFor } from './encoding-policy.js';
import { acquireLock } from './lock.js';
import type { EncodedObject, ObjectInfo } from './objects.js';
import { REPO_DIR } from './repo-context.js';
import type { Repository } from './repository.js';
import { Work, progressOf } from './work-progress.js';

/**
 * Clustering of stored tensors: similar tensors of one dtype and shape (across models and commits)
 * are grouped, a centroid (their element-wise mean) is stored once, and each member is re-encoded
 * as a lossless delta against it where that is smaller than how it is stored now, measured.
 * `analyzeClusters` only reports; `applyClusters` writes one new pack whose manifest switches the
 * re-encoded objects over in a single atomic rename (see ObjectStore.reload: the newest copy wins).
 */

export type CentroidChoice = 'mean' | 'medoid' | 'auto';

export interface ClusterOptions {
  /** Smallest cluster worth a centroid (default 2). */
  readonly minSize?: number;
  /** Largest relative L2 distance between any two members, on a sample (default 0.5). Ignored with `k`. */
  readonly threshold?: number;
  /** k-means with k clusters per dtype-and-shape group instead of a distance threshold. */
  readonly k?: number;
  /** Tensors smaller than this many bytes are left alone (default 1024): a centroid would not pay. */
  readonly minBytes?: number;
  /** Only tensors matching these selectors: `name`, `path:name` (`*` matches any run of characters) or a hash prefix. */
  readonly select?: readonly string[];
  /** The selected tensors form exactly one cluster (refused unless they share dtype and shape). */
  readonly single?: boolean;
  /**
   * What members are encoded against: 'mean' (a new centroid object), 'medoid' (the member nearest
   * the mean, which stays as it is) or 'auto' (default: both measured, the smaller kept).
   */
  readonly centroid?: CentroidChoice;
  /** Longest delta chain a re-encoding may create (default 24, the store's default). */
  readonly maxDepth?: number;
  /** Delta types to try (lossless ones only are used); default the first-party lossless types. */
  readonly registry?: DeltaTypeSource;
  /** Called at the steps of apply (for progress output and the crash test). */
  readonly onProgress?: (stage: string) => void;
}

export interface ClusterMember {
  readonly hash: string;
  /** Where the tensor appears (`path:name`), the first of `places`. */
  readonly label: string;
  readonly places: number;
  readonly encodingNow: string;
  readonly bytesNow: number;
  /** The smallest of whole and lossless deltas against the centroid; equal to now when kept. */
  readonly encodingPlanned: string;
  readonly bytesPlanned: number;
  /** Why the member stays as it is, when it does. */
  readonly kept?: string;
}

export interface ClusterReport {
  readonly dtype: string;
  readonly shape: number[];
  readonly rawBytes: number;
  readonly members: ClusterMember[];
  /** 'mean': a new centroid object (the element-wise mean); 'medoid': the member nearest the mean. */
  readonly centroidKind: 'mean' | 'medoid';
  /** Hash of the centroid object, or of the medoid member. */
  readonly centroid: string;
  /** Bytes the centroid adds (byte planes + deflate, measured); 0 for a medoid, which is stored already. */
  readonly centroidBytes: number;
  /** Members as stored now. */
  readonly bytesNow: number;
  /** Centroid plus members as planned (0 centroid bytes when no member would use it). */
  readonly bytesProjected: number;
  /** Projected bytes with each reference tried ('mean', 'medoid'). */
  readonly projections: Record<string, number>;
  /** Whether the cluster saves bytes; clusters that do not are left as they are. */
  readonly pays: boolean;
}

export interface ClusterAnalysis {
  /** Tensors considered (float, at least minBytes, matching the selection). */
  readonly candidates: number;
  /** Distinct dtype-and-shape groups among them. */
  readonly groups: number;
  readonly clusters: ClusterReport[];
  /** Over paying clusters: stored bytes of their members now, and centroids plus members projected. */
  readonly bytesNow: number;
  readonly bytesProjected: number;
  /** How the projection was obtained. */
  readonly method: string;
  /** Why nothing would be written although some cluster saves bytes. */
  readonly note?: string;
}

export interface ClusterApplyResult extends ClusterAnalysis {
  /** The new pack, or undefined when no cluster pays. */
  readonly pack?: string;
  readonly centroidsWritten: number;
  readonly membersReencoded: number;
  /** Objects copied unchanged but for their recorded chain depth (they decode through a member). */
  readonly depthUpdates: number;
}

export const PROJECTION_METHOD =
  'measured: every member encoded in memory against the cluster reference (payload bytes; HDF5 bookkeeping of about 1-2 KB per object and 6 KB per pack not included, but kept as a margin in every decision)';

interface Candidate {
  readonly hash: string;
  readonly info: ObjectInfo;
  readonly places: string[];
}

interface Plan {
  readonly report: ClusterReport;
  /** The centroid as computed and as it will be stored; absent when no member uses it. */
  readonly centroid?: { readonly tensor: Tensor; readonly object: EncodedObject };
  readonly reencoded: EncodedObject[];
}

const DEFAULTS = { minSize: 2, threshold: 0.5, minBytes: 1024, maxDepth: 24 };

/**
 * HDF5 bookkeeping that payload sizes leave out, from measured packs (bench/store/cluster.mjs):
 * a delta group costs up to ~0.6 KB more than a whole dataset, a new object ~1.2–1.8 KB, a new
 * pack file ~6 KB plus its manifest. Decisions keep these margins so an apply never grows the
 * repository for a saving that exists only on paper.
 */
const MEMBER_MARGIN = 512;
const OBJECT_OVERHEAD = 1536;
const PACK_OVERHEAD = 8192;

function checkOptions(o: ClusterOptions): void {
  const positiveInt = (v: number | undefined, what: string): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ReefError('INVALID_PARAM', `${what} must be a positive integer, got ${v}`);
  };
  positiveInt(o.minSize, 'min-size');
  positiveInt(o.k, 'k');
  positiveInt(o.maxDepth, 'max-depth');
  if (o.threshold !== undefined && !(o.threshold >= 0 && Number.isFinite(o.threshold))) throw new ReefError('INVALID_PARAM', `threshold must be a finite number ≥ 0, got ${o.threshold}`);
  if (o.minBytes !== undefined && !(Number.isInteger(o.minBytes) && o.minBytes >= 0)) throw new ReefError('INVALID_PARAM', `min-bytes must be an integer ≥ 0, got ${o.minBytes}`);
  if (o.single && !o.select?.length) throw new ReefError('INVALID_PARAM', 'one cluster needs an explicit selection of tensors (`select`)');
  if (o.centroid !== undefined && !['mean', 'medoid', 'auto'].includes(o.centroid)) throw new ReefError('INVALID_PARAM', `centroid must be mean, medoid or auto, got '${String(o.centroid)}'`);
  if (o.single && o.k !== undefined) throw new ReefError('INVALID_PARAM', 'choose either one explicit cluster or k-means (`k`), not both');
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** A selector against a tensor's place (`path:name`) and hash. */
function matcher(selector: string): (path: string, name: string, hash: string) => boolean {
  if (/^[0-9a-f]{6,64}$/.test(selector)) {
    const byName = globToRegExp(selector);
    return (_p, name, hash) => hash.startsWith(selector) || byName.test(name);
  }
  const colon = selector.indexOf(':');
  if (colon < 0) {
    const name = globToRegExp(selector);
    return (_p, n) => name.test(n);
  }
  const path = globToRegExp(selector.slice(0, colon));
  const name = globToRegExp(selector.slice(colon + 1));
  return (p, n) => path.test(p) && name.test(n);
}

/** Every stored user tensor that a commit or the staging index names, with where it appears. */
function tensorPlaces(repo: Repository, select: readonly string[] | undefined): Map<string, string[]> {
  const matchers = (select ?? []).map((s) => ({ s, test: matcher(s), hit: false }));
  const places = new Map<string, string[]>();
  const trees = [...repo.commits.list().map((h) => repo.commits.read(h).tree), repo.index()];
  for (const tree of trees) {
    for (const [path, file] of Object.entries(tree)) {
      for (const t of file.tensors) {
        if (matchers.length > 0) {
          const hits = matchers.filter((m) => m.test(path, t.name, t.hash));
          if (hits.length === 0) continue;
          for (const m of hits) m.hit = true;
        }
        const label = `${path}:${t.name}`;
        const list = places.get(t.hash) ?? [];
        if (!list.includes(label)) list.push(label);
        places.set(t.hash, list);
      }
    }
  }
  const missed = matchers.filter((m) => !m.hit).map((m) => `'${m.s}'`);
  if (missed.length > 0) throw new ReefError('INVALID_PARAM', `no tracked tensor matches ${missed.join(', ')} (selectors: name, path:name with * wildcards, or a hash prefix)`);
  return places;
}

function describeTensor(c: Candidate): string {
  return `${c.places[0]} (${c.info.dtype} [${c.info.shape.join(', ')}])`;
}

/** The explicit cluster of `--one-cluster`: refused unless every member is a float tensor of one dtype and shape. */
function singleCluster(candidates: readonly Candidate[]): Candidate[][] {
  if (candidates.length < 2) throw new ReefError('INVALID_PARAM', `a cluster needs at least 2 distinct tensors; the selection matches ${candidates.length}`);
  const first = candidates[0];
  for (const c of candidates) {
    if (!isFloatDType(c.info.dtype)) throw new ReefError('INVALID_PARAM', `cannot cluster ${describeTensor(c)}: only float tensors have a centroid`);
    if (c.info.dtype !== first.info.dtype || JSON.stringify(c.info.shape) !== JSON.stringify(first.info.shape)) {
      throw new ReefError('INVALID_PARAM', `cannot cluster tensors of different dtypes or shapes: ${describeTensor(first)} and ${describeTensor(c)}`);
    }
  }
  return [[...candidates]];
}

async function proposeClusters(repo: Repository, candidates: readonly Candidate[], o: ClusterOptions): Promise<{ clusters: Candidate[][]; groups: number }> {
  if (o.single) return { clusters: singleCluster(candidates), groups: 1 };
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = `${c.info.dtype}\n${JSON.stringify(c.info.shape)}`;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  const minSize = o.minSize ?? DEFAULTS.minSize;
  const clusters: Candidate[][] = [];
  const sampled = [...groups.values()].filter((g) => g.length >= minSize);
  const work = new Work(progressOf(o.registry ?? repo.registry), 'cluster: sampling tensors', sampled.flat().reduce((n, c) => n + c.info.rawBytes, 0));
  try {
    for (const group of sampled) {
      const vectors: Float64Array[] = [];
      for (const c of group) {
        vectors.push(sampleVector(await repo.objects.get(c.hash)));
        work.advance(c.info.rawBytes);
      }
      for (const idx of clusterGroup(vectors, { threshold: o.threshold ?? DEFAULTS.threshold, k: o.k })) {
        if (idx.length >= minSize) clusters.push(idx.map((i) => group[i]));
      }
    }
  } finally {
    work.finish();
  }
  return { clusters, groups: groups.size };
}

/** For each object, how many deltas deeper than it its deepest dependant sits (0 when none). */
function chainTails(all: readonly ObjectInfo[]): Map<string, number> {
  const children = new Map<string, string[]>();
  for (const o of all) {
    if (!o.reference) continue;
    const list = children.get(o.reference);
    if (list) list.push(o.hash);
    else children.set(o.reference, [o.hash]);
  }
  const tails = new Map<string, number>();
  const tail = (h: string): number => {
    const known = tails.get(h);
    if (known !== undefined) return known;
    tails.set(h, 0); // guards against a (corrupt) cycle
    let t = 0;
    for (const c of children.get(h) ?? []) t = Math.max(t, 1 + tail(c));
    tails.set(h, t);
    return t;
  };
  for (const o of all) tail(o.hash);
  return tails;
}

interface Reference {
  readonly hash: string;
  readonly tensor: Tensor;
  readonly depth: number;
  /** Members that must stay as they are: the medoid itself and what it decodes through. */
  readonly fixed: ReadonlySet<string>;
}

/**
 * Per member, the smallest of whole and every lossless delta against `ref`, kept as it is unless
 * that is smaller than now and keeps every delta chain within maxDepth.
 */
async function planAgainst(repo: Repository, members: readonly Candidate[], ref: Reference, ctx: PlanContext): Promise<{ rows: ClusterMember[]; reencoded: EncodedObject[] }> {
  const rows: ClusterMember[] = [];
  const reencoded: EncodedObject[] = [];
  const candidate = { hash: ref.hash, tensor: ref.tensor, depth: ref.depth, source: 'centroid' };
  for (const m of members) {
    const now = { encodingNow: m.info.encoding, bytesNow: m.info.storedBytes };
    const base = { hash: m.hash, label: m.places[0], places: m.places.length, ...now };
    const keep = (why: string): void => void rows.push({ ...base, encodingPlanned: now.encodingNow, bytesPlanned: now.bytesNow, kept: why });
    if (m.hash === ref.hash) {
      keep('it is the medoid');
      continue;
    }
    if (ref.fixed.has(m.hash)) {
      keep('the medoid is stored as a delta against it');
      continue;
    }
    const enc = await encodeTensor(m.hash, await repo.objects.get(m.hash), [candidate], ctx.deltaTypes, ctx.maxDepth);
    if (enc.info.storedBytes + MEMBER_MARGIN > m.info.storedBytes) keep('re-encoding does not pay');
    else if (enc.info.depth + (ctx.tails.get(m.hash) ?? 0) > ctx.maxDepth) keep(`a delta chain through it would exceed ${ctx.maxDepth}`);
    else {
      reencoded.push(enc);
      rows.push({ ...base, encodingPlanned: enc.info.encoding, bytesPlanned: enc.info.storedBytes });
    }
  }
  return { rows, reencoded };
}

/** The member nearest the mean (L2), and the objects its stored form decodes through. */
async function medoidOf(repo: Repository, members: readonly Candidate[], mean: Tensor): Promise<Reference> {
  const m = toFloat64(mean);
  let best = 0;
  let bestDistance = Infinity;
  for (const [i, member] of members.entries()) {
    const v = toFloat64(await repo.objects.get(member.hash));
    let d = 0;
    for (let e = 0; e < v.length; e++) d += (Number.isFinite(v[e]) && Number.isFinite(m[e]) ? v[e] - m[e] : 0) ** 2;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  }
  const hash = members[best].hash;
  const fixed = new Set<string>([hash]);
  for (let ref = repo.objects.info(hash)?.reference; ref && !fixed.has(ref); ref = repo.objects.info(ref)?.reference) fixed.add(ref);
  return { hash, tensor: await repo.objects.get(hash), depth: members[best].info.depth, fixed };
}

interface PlanContext {
  readonly deltaTypes: readonly DeltaTypePlugin[];
  readonly tails: ReadonlyMap<string, number>;
  readonly maxDepth: number;
  readonly centroid: CentroidChoice;
}

/**
 * Measures one cluster against its mean (a new centroid object, stored whole) and against its
 * medoid (a member, kept as it is, costing nothing extra), as `centroid` asks; 'auto' keeps the
 * smaller projection.
 */
async function planCluster(repo: Repository, members: readonly Candidate[], ctx: PlanContext): Promise<Plan> {
  // Members are read one at a time (the object cache keeps small ones): memory stays at a few tensors.
  const acc = new MeanAccumulator();
  for (const m of members) acc.add(await repo.objects.get(m.hash));
  const mean = acc.result();
  const meanHash = centroidHash(mean);
  const encoded = await encodeTensor(meanHash, mean, [], ctx.deltaTypes, ctx.maxDepth);
  const centroidObject: EncodedObject = { ...encoded, info: { ...encoded.info, kind: CENTROID_KIND } };
  const bytesNow = members.reduce((s, m) => s + m.info.storedBytes, 0);
  const sum = (rows: readonly ClusterMember[]): number => rows.reduce((s, r) => s + r.bytesPlanned, 0);
  const options: { kind: 'mean' | 'medoid'; hash: string; rows: ClusterMember[]; reencoded: EncodedObject[]; extra: number; projected: number }[] = [];
  if (ctx.centroid !== 'medoid') {
    const p = await planAgainst(repo, members, { hash: meanHash, tensor: mean, depth: 0, fixed: new Set() }, ctx);
    const extra = p.reencoded.length > 0 ? centroidObject.info.storedBytes : 0;
    options.push({ kind: 'mean', hash: meanHash, ...p, extra, projected: sum(p.rows) + extra });
  }
  if (ctx.centroid !== 'mean') {
    const medoid = await medoidOf(repo, members, mean);
    const p = await planAgainst(repo, members, medoid, ctx);
    options.push({ kind: 'medoid', hash: medoid.hash, ...p, extra: 0, projected: sum(p.rows) });
  }
  // A mean centroid is one more object in the pack: its bookkeeping counts against it.
  const cost = (o: (typeof options)[number]): number => o.projected + (o.extra > 0 ? OBJECT_OVERHEAD : 0);
  const chosen = options.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  const report: ClusterReport = {
    dtype: members[0].info.dtype,
    shape: [...members[0].info.shape],
    rawBytes: members.reduce((s, m) => s + m.info.rawBytes, 0),
    members: chosen.rows,
    centroidKind: chosen.kind,
    centroid: chosen.hash,
    centroidBytes: chosen.extra,
    bytesNow,
    bytesProjected: chosen.projected,
    projections: Object.fromEntries(options.map((o) => [o.kind, o.projected])),
    pays: chosen.reencoded.length > 0 && cost(chosen) < bytesNow,
  };
  const usesMean = chosen.kind === 'mean' && chosen.reencoded.length > 0;
  return { report, centroid: usesMean ? { tensor: mean, object: centroidObject } : undefined, reencoded: chosen.reencoded };
}

async function plan(repo: Repository, o: ClusterOptions): Promise<{ analysis: ClusterAnalysis; plans: Plan[] }> {
  checkOptions(o);
  const minBytes = o.minBytes ?? DEFAULTS.minBytes;
  const maxDepth = o.maxDepth ?? DEFAULTS.maxDepth;
  const deltaTypes = deltaTypesFor('cluster', (o.registry ?? repo.registry).deltaTypes());
  const lossless = new Set(deltaTypes.map((d) => d.id));
  const candidates: Candidate[] = [];
  for (const [hash, places] of tensorPlaces(repo, o.select)) {
    const info = repo.objects.info(hash);
    if (!info || info.kind) continue; // missing objects are fsck's business
    // Objects a lossy commit chose carry their measured error and codebook: left as that commit chose.
    if (info.encoding !== 'whole' && !lossless.has(info.encoding)) continue;
    // An explicit cluster is checked whole (and refused if mixed); otherwise only fitting tensors count.
    if (!o.single && (!isFloatDType(info.dtype) || info.rawBytes < minBytes)) continue;
    candidates.push({ hash, info, places });
  }
  const { clusters, groups } = await proposeClusters(repo, candidates, o);
  const ctx: PlanContext = { deltaTypes, tails: chainTails(repo.objects.all()), maxDepth, centroid: o.centroid ?? 'auto' };
  const plans: Plan[] = [];
  const work = new Work(progressOf(o.registry ?? repo.registry), 'cluster: encoding members', clusters.flat().reduce((n, c) => n + c.info.rawBytes, 0));
  try {
    for (const members of clusters) {
      plans.push(await planCluster(repo, members, ctx));
      repo.objects.clearCache(); // one cluster's tensors at a time in memory
      work.advance(members.reduce((n, c) => n + c.info.rawBytes, 0));
    }
  } finally {
    work.finish();
  }
  let paying = plans.filter((p) => p.report.pays);
  const saving = paying.reduce((s, p) => s + p.report.bytesNow - p.report.bytesProjected, 0);
  const note = paying.length > 0 && saving <= PACK_OVERHEAD ? `the projected saving (${saving} B) is less than a new pack file costs (about ${PACK_OVERHEAD} B), so apply writes nothing` : undefined;
  if (note) paying = [];
  const analysis: ClusterAnalysis = {
    candidates: candidates.length,
    groups,
    clusters: plans.map((p) => p.report),
    bytesNow: paying.reduce((s, p) => s + p.report.bytesNow, 0),
    bytesProjected: paying.reduce((s, p) => s + p.report.bytesProjected, 0),
    method: PROJECTION_METHOD,
    ...(note ? { note } : {}),
  };
  return { analysis, plans: paying };
}

/** Reports clusters, their sizes and projected savings, writing nothing. */
export async function analyzeClusters(repo: Repository, options: ClusterOptions = {}): Promise<ClusterAnalysis> {
  return (await plan(repo, options)).analysis;
}

/** The centroid unpacked from the bytes about to be written, checked against the computed one. */
function centroidFromStored(object: EncodedObject, computed: Tensor): Tensor {
  const { info, whole } = object;
  const data = whole ? unpackPlanes(whole, DTYPE_BYTES[info.dtype], info.rawBytes, info.dtype) : undefined;
  if (!data || Buffer.compare(Buffer.from(data), Buffer.from(computed.data)) !== 0) {
    throw new ReefError('BAD_MODEL', `centroid ${info.hash.slice(0, 12)} does not survive storage exactly; nothing was written`);
  }
  return { dtype: info.dtype, shape: info.shape, data };
}

/** Decodes a planned delta in memory and compares it with the member: nothing unverified is written. */
async function verifyLossless(repo: Repository, e: EncodedObject, centroids: Map<string, Tensor>, registry: DeltaTypeSource): Promise<void> {
  if (!e.payload) return; // whole storage is byte planes: exact by construction
  const ref = e.info.reference ?? '';
  const reference = centroids.get(ref) ?? (repo.objects.has(ref) ? await repo.objects.get(ref) : undefined);
  const original = await repo.objects.get(e.info.hash);
  const decoded = reference ? (await registry.deltaType(e.info.encoding).decode(e.payload, reference)).data : undefined;
  if (!decoded || Buffer.compare(Buffer.from(decoded), Buffer.from(original.data)) !== 0) {
    throw new ReefError('BAD_MODEL', `delta type ${e.info.encoding} did not round-trip tensor ${e.info.hash.slice(0, 12)} exactly; nothing was written`);
  }
}

/** Recorded depths that a re-encoding changes: objects decoded through a re-encoded member. */
async function depthUpdates(repo: Repository, changed: ReadonlyMap<string, ObjectInfo>): Promise<EncodedObject[]> {
  const memo = new Map<string, number>();
  const depth = (h: string): number => {
    const known = memo.get(h);
    if (known === -1) {
      // Two clusters' medoids each decoding through the other's members: refuse rather than write it.
      throw new ReefError('INVALID_PARAM', `re-encoding would make object ${h.slice(0, 12)} depend on itself; nothing was written (apply the clusters one at a time with \`select\`)`);
    }
    if (known !== undefined) return known;
    memo.set(h, -1);
    const info = changed.get(h) ?? repo.objects.info(h);
    const d = info?.reference ? depth(info.reference) + 1 : 0;
    memo.set(h, d);
    return d;
  };
  const out: EncodedObject[] = [];
  for (const info of repo.objects.all()) {
    if (changed.has(info.hash)) continue;
    const d = depth(info.hash);
    if (d !== info.depth) out.push({ ...(await repo.objects.readEncoded(info.hash)), info: { ...info, depth: d } });
  }
  return out;
}

/**
 * Re-encodes the paying clusters: centroids, re-encoded members and depth updates go into one new
 * pack; its manifest, renamed into place last, switches them all at once. A process killed before
 * that leaves the old encodings in force (the new pack file is garbage for gc); after it, the new
 * ones. The superseded copies stay in their old packs until `reef gc` rewrites those.
 */
export async function applyClusters(repo: Repository, options: ClusterOptions = {}): Promise<ClusterApplyResult> {
  const release = acquireLock(join(repo.root, REPO_DIR, 'lock'));
  options.onProgress?.('locked');
  try {
    repo.objects.reload(); // what other processes wrote before we took the lock
    const { analysis, plans } = await plan(repo, options);
    const registry = options.registry ?? repo.registry;
    const centroidTensors = new Map<string, Tensor>();
    const changed = new Map<string, ObjectInfo>();
    const objects: EncodedObject[] = [];
    for (const p of plans) {
      if (p.centroid) {
        centroidTensors.set(p.centroid.object.info.hash, centroidFromStored(p.centroid.object, p.centroid.tensor));
        objects.push(p.centroid.object);
        changed.set(p.centroid.object.info.hash, p.centroid.object.info);
      }
      for (const e of p.reencoded) {
        objects.push(e);
        changed.set(e.info.hash, e.info);
      }
    }
    const updates = await depthUpdates(repo, changed);
    for (const e of objects) if (!e.info.kind) await verifyLossless(repo, e, centroidTensors, registry);
    options.onProgress?.('cluster-planned');
    if (objects.length === 0) return { ...analysis, centroidsWritten: 0, membersReencoded: 0, depthUpdates: 0 };
    const pack = await repo.objects.writePack([...objects, ...updates], options.onProgress, true);
    repo.objects.reload();
    const lost = [...changed.keys()].filter((h) => repo.objects.packOf(h) !== pack);
    if (lost.length > 0) {
      // Only possible if the clock went backwards: the new pack sorts before an older one.
      throw new ReefError('BAD_FILE', `pack ${pack} does not take precedence for ${lost.length} object(s) (was the clock set back?); the old encodings stay in force, run reef gc`);
    }
    options.onProgress?.('cluster-applied');
    return {
      ...analysis,
      pack,
      centroidsWritten: objects.filter((e) => e.info.kind === CENTROID_KIND).length,
      membersReencoded: objects.filter((e) => !e.info.kind).length,
      depthUpdates: updates.length,
    };
  } finally {
    release();
  }
}
