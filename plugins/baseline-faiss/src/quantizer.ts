import {
  ReefError,
  assertCodes,
  assertEncodable,
  assertQuery,
  assertTrainingSet,
  named,
  requireArray,
  requireNumber,
  vectors as asVectors,
  type AsymmetricSearch,
  type BatchSearchResult,
  type Metric,
  type Params,
  type Quantizer,
  type SavedModel,
  type SelfTimings,
  type Vectors,
} from '@reef/core';
import type { FaissMethod } from './methods.js';
import { faissPython } from './python.js';
import { WorkFolder, type Request } from './runner.js';

/** Codes this quantizer encoded, with the FAISS index that holds them (search needs FAISS's own layout). */
interface Filled {
  readonly bytes: Uint8Array;
  readonly index: string;
}

/**
 * A FAISS index run in a Python process as a Reef quantizer. The trained index lives in a file of its
 * work folder; `encode` adds the vectors to a copy (FAISS's encoding, timed) and hands back the plain
 * codes; `searchBatch` searches that filled index with every query at once. Times come from Python
 * (`selfTimings`, `searchMs`), around the FAISS calls alone.
 */
export class FaissQuantizer implements Quantizer {
  readonly pluginId: string;
  readonly params: Params;
  private readonly work = new WorkFolder();
  private trainedIndex?: { path: string; dim: number; codeSize: number };
  private readonly filled = new WeakMap<Uint8Array, Filled>();
  private timings: { fitMs?: number; encodeMs?: number; decodeMs?: number } = {};

  constructor(
    private readonly method: FaissMethod,
    params: Params,
  ) {
    this.pluginId = method.id;
    this.params = params;
  }

  get isTrained(): boolean {
    return this.trainedIndex !== undefined;
  }

  get dim(): number {
    return this.trained().dim;
  }

  get codeSize(): number {
    return this.trained().codeSize;
  }

  get selfTimings(): SelfTimings {
    return this.timings;
  }

  get factory(): string {
    return this.method.factory(this.params);
  }

  private python(): string {
    const probe = faissPython();
    if (probe.python === undefined) throw new ReefError('UNSUPPORTED', `${this.pluginId} cannot run: ${probe.reason}`);
    return probe.python;
  }

  private request(op: Request['op'], dim: number, fields: Record<string, string | number>): Request {
    return { op, dim, threads: this.params.threads as number, factory: this.factory, ...fields };
  }

  async fit(train: Vectors): Promise<void> {
    assertTrainingSet(train);
    const reason = this.method.validate?.(this.params, train.dim);
    if (reason) throw new ReefError('INVALID_PARAM', reason);
    const python = this.python();
    const index = this.work.file('trained', 'index');
    const data = this.work.write('train', 'f32', train.data);
    const answer = await this.work.run(python, this.request('train', train.dim, { vectors: data, index }), [data]);
    this.trainedIndex = { path: index, dim: train.dim, codeSize: answer.codeSize as number };
    this.timings = { fitMs: answer.ms };
  }

  encode(vectors: Vectors): Uint8Array {
    const { path, dim, codeSize } = this.trained();
    assertEncodable(vectors, dim);
    const filled = this.work.file('filled', 'index');
    const codesFile = this.work.file('codes', 'u8');
    const data = this.work.write('encode', 'f32', vectors.data);
    const answer = this.work.runSync(this.python(), this.request('encode', dim, { vectors: data, index: path, filled, codes: codesFile }), [data]);
    const codes = this.work.read(codesFile);
    if (codes.length !== vectors.count * codeSize) throw new ReefError('BAD_CODES', `FAISS returned ${codes.length} code bytes for ${vectors.count} vectors of ${codeSize} bytes`);
    this.filled.set(codes, { bytes: codes.slice(), index: filled });
    this.timings = { ...this.timings, encodeMs: answer.ms };
    return codes;
  }

  decode(codes: Uint8Array): Float32Array {
    const { path, dim, codeSize } = this.trained();
    const count = assertCodes(codes, codeSize);
    const out = this.work.file('decoded', 'f32');
    const input = this.work.write('decode', 'u8', codes);
    const answer = this.work.runSync(this.python(), this.request('decode', dim, { index: path, codes: input, out }), [input]);
    const bytes = this.work.read(out);
    const decoded = new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
    if (decoded.length !== count * dim) throw new ReefError('BAD_CODES', `FAISS decoded ${decoded.length} values for ${count} codes of dimension ${dim}`);
    this.timings = { ...this.timings, decodeMs: answer.ms };
    return decoded;
  }

  modelBytes(): number {
    return this.indexBytes().byteLength;
  }

  private indexBytes(): Uint8Array {
    return this.work.read(this.trained().path, true);
  }

  /** The trained FAISS index as FAISS serialises it (write_index), with the dimension and code size. */
  save(): SavedModel {
    const { dim, codeSize } = this.trained();
    return { pluginId: this.pluginId, apiVersion: 1, params: this.params, arrays: { index: named(this.indexBytes()) }, attributes: { dim, codeSize } };
  }

  static load(method: FaissMethod, saved: SavedModel, params: Params): FaissQuantizer {
    const q = new FaissQuantizer(method, params);
    const dim = requireNumber(saved, 'dim', true);
    const codeSize = requireNumber(saved, 'codeSize', true);
    const bytes = requireArray(saved, 'index', Uint8Array);
    q.trainedIndex = { path: q.work.write('trained', 'index', bytes), dim, codeSize };
    return q;
  }

  /** FAISS's own search over the index `encode` filled, for every query at once (timed in Python). */
  searchBatch(codes: Uint8Array, queries: Vectors, k: number, metric: Metric): BatchSearchResult {
    const { ids, k: kk, ms } = this.runSearch(codes, queries, k, metric);
    return { ids, k: kk, searchMs: ms };
  }

  private runSearch(codes: Uint8Array, queries: Vectors, k: number, metric: Metric): { ids: Int32Array; distances: Float32Array; k: number; ms: number } {
    const { dim, codeSize } = this.trained();
    if (metric !== 'l2') throw new ReefError('UNSUPPORTED', `${this.pluginId} searches by l2 only, not ${metric}`);
    const count = assertCodes(codes, codeSize);
    if (queries.dim !== dim) throw new ReefError('DIMENSION_MISMATCH', `queries have dimension ${queries.dim}, the index ${dim}`);
    const filled = this.filled.get(codes);
    if (!filled || !sameBytes(filled.bytes, codes)) {
      throw new ReefError('UNSUPPORTED', `${this.pluginId} searches only codes it encoded in this process (FAISS keeps them in its own index layout); encode the vectors again`);
    }
    const kk = Math.min(k, count);
    const ids = this.work.file('ids', 'i32');
    const distances = this.work.file('distances', 'f32');
    const input = this.work.write('queries', 'f32', queries.data);
    const answer = this.work.runSync(this.python(), this.request('search', dim, { filled: filled.index, queries: input, k: kk, ids, distances }), [input]);
    const idBytes = this.work.read(ids);
    const distanceBytes = this.work.read(distances);
    return {
      ids: new Int32Array(idBytes.buffer, 0, idBytes.byteLength / 4),
      distances: new Float32Array(distanceBytes.buffer, 0, distanceBytes.byteLength / 4),
      k: kk,
      ms: answer.ms,
    };
  }

  get search(): AsymmetricSearch {
    return {
      metrics: ['l2'],
      exactOnDecoded: this.method.exactOnDecoded,
      searchBatch: (codes, queries, k, metric) => this.searchBatch(codes, queries, k, metric),
      // One query: FAISS ranks every code (k = all) and the distances are put back in code order.
      // A process per query: correct, not fast; searchBatch is what hosts time.
      prepare: (query, metric) => {
        assertQuery(query, this.dim);
        return {
          distances: (codes, out) => {
            const count = assertCodes(codes, this.codeSize);
            const result = out ?? new Float32Array(count);
            const { ids, distances: scores } = this.runSearch(codes, asVectors(query, this.dim), count, metric);
            for (let r = 0; r < count; r++) if (ids[r] >= 0) result[ids[r]] = scores[r];
            return result;
          },
        };
      },
    };
  }

  private trained(): { path: string; dim: number; codeSize: number } {
    if (!this.trainedIndex) throw new ReefError('NOT_TRAINED', `${this.pluginId} is not trained: call fit() first`);
    return this.trainedIndex;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
