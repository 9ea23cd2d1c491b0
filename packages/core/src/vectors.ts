import { ReefError } from './errors.js';

/** A row-major batch of `count` float32 vectors of `dim` components each. */
export interface Vectors {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}

/** Wraps a flat Float32Array as a batch, checking that its length is a whole number of vectors. */
export function vectors(data: Float32Array, dim: number): Vectors {
  if (!(data instanceof Float32Array)) {
    throw new ReefError('INVALID_PARAM', `vectors must be a Float32Array, got ${describe(data)}`);
  }
  if (!Number.isInteger(dim) || dim <= 0) {
    throw new ReefError('INVALID_PARAM', `dimension must be a positive integer, got ${dim}`);
  }
  if (data.length % dim !== 0) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `vector data of length ${data.length} is not a whole number of ${dim}-dimensional vectors`,
    );
  }
  return { data, count: data.length / dim, dim };
}

/** Returns vector `i` of a batch as a view (no copy). */
export function row(v: Vectors, i: number): Float32Array {
  return v.data.subarray(i * v.dim, (i + 1) * v.dim);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** Checks a batch is well formed: positive dimension and a data length that matches count × dim. */
export function assertVectors(v: Vectors, what = 'vectors'): void {
  if (!v || !(v.data instanceof Float32Array)) {
    throw new ReefError('INVALID_PARAM', `${what}: expected { data: Float32Array, count, dim }, got ${describe(v?.data ?? v)}`);
  }
  if (!Number.isInteger(v.dim) || v.dim <= 0) {
    throw new ReefError('INVALID_PARAM', `${what}: dimension must be a positive integer, got ${v.dim}`);
  }
  if (!Number.isInteger(v.count) || v.count < 0 || v.data.length !== v.count * v.dim) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `${what}: data length ${v.data.length} does not equal count ${v.count} × dim ${v.dim}`,
    );
  }
}

/** Throws NON_FINITE naming the first NaN or ±Inf found (vector index and component). */
export function assertFinite(v: Vectors, what = 'vectors'): void {
  const d = v.data;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    // x - x is NaN for NaN and ±Inf, 0 otherwise: one branch per element on the fast path.
    if (x - x !== 0) {
      const vec = Math.floor(i / v.dim);
      throw new ReefError(
        'NON_FINITE',
        `${what} contain ${x} at vector ${vec}, component ${i - vec * v.dim}; quantizers need finite values`,
      );
    }
  }
}

/** The checks every `fit` starts with: a well-formed, non-empty, finite training set. */
export function assertTrainingSet(train: Vectors, minCount = 1): void {
  assertVectors(train, 'training vectors');
  if (train.count === 0) {
    throw new ReefError('EMPTY_DATA', 'training set is empty: fit needs at least one vector');
  }
  if (train.count < minCount) {
    throw new ReefError(
      'TOO_FEW_POINTS',
      `training set has ${train.count} vectors but at least ${minCount} are needed`,
    );
  }
  assertFinite(train, 'training vectors');
}

/** The checks every `encode` starts with: a well-formed finite batch of the trained dimension. */
export function assertEncodable(v: Vectors, trainedDim: number): void {
  assertVectors(v, 'vectors to encode');
  if (v.dim !== trainedDim) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `vectors to encode have dimension ${v.dim} but the quantizer was trained on dimension ${trainedDim}`,
    );
  }
  assertFinite(v, 'vectors to encode');
}

/** The checks every `decode` starts with: whole codes of the quantizer's code size. */
export function assertCodes(codes: Uint8Array, codeSize: number): number {
  if (!(codes instanceof Uint8Array)) {
    throw new ReefError('BAD_CODES', `codes must be a Uint8Array, got ${describe(codes)}`);
  }
  if (codes.length % codeSize !== 0) {
    throw new ReefError(
      'BAD_CODES',
      `codes of ${codes.length} bytes are not a whole number of ${codeSize}-byte codes`,
    );
  }
  return codes.length / codeSize;
}

/** A query for asymmetric search must match the trained dimension and be finite. */
export function assertQuery(query: Float32Array, trainedDim: number): void {
  if (!(query instanceof Float32Array)) {
    throw new ReefError('INVALID_PARAM', `query must be a Float32Array, got ${describe(query)}`);
  }
  if (query.length !== trainedDim) {
    throw new ReefError(
      'DIMENSION_MISMATCH',
      `query has dimension ${query.length} but the quantizer was trained on dimension ${trainedDim}`,
    );
  }
  assertFinite({ data: query, count: 1, dim: trainedDim }, 'query');
}
