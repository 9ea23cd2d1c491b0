import { dot, l2sqr, nearestCentroidsFast, packedBytes, packRows, ProductCodeScanner, squaredNorms, unpackRows, type NearestResult } from '@reef/kernels';
import type { Metric } from '@reef/core';
import { extractSubspace, type SubspaceLayout } from './subspaces.js';

/** Mean components per sub-space from which lookupTables builds a batch's tables in one matrix product per sub-space. */
const BATCH_MIN_SUBDIM = 32;

/** Signature of a nearest-centroid search, so callers can swap in a multi-threaded one. */
export type AssignFn = (x: Float32Array, n: number, d: number, centroids: Float32Array, k: number) => NearestResult | Promise<NearestResult>;

/**
 * The trained part of a product quantizer: one codebook of K = 2^nbits centroids per sub-space,
 * stored back to back in one Float32Array (sub-space j: K × d_j floats, row-major, starting at
 * K × offsets[j]). Encoding, decoding and lookup tables all work from this.
 */
export class ProductCodebooks {
  readonly k: number;
  readonly codeSize: number;
  /** ‖centroid‖² per sub-space and centroid (m × K), used by nearest-centroid search. */
  private readonly norms: Float32Array;
  private resident: ProductCodeScanner | undefined;

  constructor(
    readonly layout: SubspaceLayout,
    readonly nbits: number,
    readonly centroids: Float32Array,
  ) {
    this.k = 2 ** nbits;
    this.codeSize = packedBytes(layout.m, nbits);
    this.norms = new Float32Array(layout.m * this.k);
    for (let j = 0; j < layout.m; j++) this.norms.set(squaredNorms(this.codebook(j), this.k, this.subDim(j)), j * this.k);
  }

  get m(): number {
    return this.layout.m;
  }

  subDim(j: number): number {
    return this.layout.offsets[j + 1] - this.layout.offsets[j];
  }

  /** Sub-space j's K × d_j centroids (a view). */
  codebook(j: number): Float32Array {
    const { offsets } = this.layout;
    return this.centroids.subarray(this.k * offsets[j], this.k * offsets[j + 1]);
  }

  /** Nearest centroid per sub-space for n vectors: n × m labels, row-major. */
  assign(x: Float32Array, n: number): Int32Array {
    const { m } = this.layout;
    const labels = new Int32Array(n * m);
    for (let j = 0; j < m; j++) {
      const sub = extractSubspace(x, n, this.layout, j);
      const res = nearestCentroidsFast(sub, n, this.subDim(j), this.codebook(j), this.k, this.norms.subarray(j * this.k, (j + 1) * this.k));
      for (let i = 0; i < n; i++) labels[i * m + j] = res.labels[i];
    }
    return labels;
  }

  encode(x: Float32Array, n: number): Uint8Array {
    return packRows(this.assign(x, n), n, this.m, this.nbits);
  }

  /** Rebuilds n vectors from their codes by concatenating the chosen centroids. */
  decode(codes: Uint8Array, n: number, out = new Float32Array(n * this.layout.dim)): Float32Array {
    const { m, dim, offsets } = this.layout;
    const labels = unpackRows(codes, n, m, this.nbits);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const dj = offsets[j + 1] - offsets[j];
        const src = this.k * offsets[j] + labels[i * m + j] * dj;
        out.set(this.centroids.subarray(src, src + dj), i * dim + offsets[j]);
      }
    }
    return out;
  }

  /**
   * The asymmetric-distance lookup table of a query: m × K entries, entry (j, c) the squared L2
   * distance (or inner product) between the query's sub-vector j and centroid c of sub-space j.
   * Summing one entry per sub-space gives the distance to the decoded vector exactly, because
   * both measures are sums over disjoint sub-spaces.
   */
  lookupTable(query: Float32Array, metric: Metric, out: Float32Array = new Float32Array(this.m * this.k)): Float32Array {
    const { m, offsets } = this.layout;
    const k = this.k;
    // ⟨q_j, c⟩ for every sub-space and centroid at once (WASM SIMD), then for L2
    // ‖q_j − c‖² = ‖q_j‖² + ‖c‖² − 2⟨q_j, c⟩.
    this.scanner.innerProducts(query, out);
    if (metric === 'l2') {
      const norms = this.norms;
      for (let j = 0; j < m; j++) {
        const qn = dot(query, offsets[j], query, offsets[j], offsets[j + 1] - offsets[j]);
        for (let c = j * k; c < (j + 1) * k; c++) out[c] = Math.max(0, qn + norms[c] - 2 * out[c]);
      }
    }
    return out;
  }

  /**
   * lookupTable() of nq queries (rows of `dim`) at once, query q's m × K table at out[q·m·K]: the
   * same values, the inner products computed a batch of queries at a time (the scanner's
   * innerProductsBatch: each codebook read once per batch, not once per query).
   */
  lookupTables(queries: Float32Array, nq: number, metric: Metric, out: Float32Array = new Float32Array(nq * this.m * this.k)): Float32Array {
    const { m, offsets, dim } = this.layout;
    const k = this.k;
    // Short sub-vectors: a sub-space's codebook stays in cache from query to query anyway, and
    // gathering them costs more than the batch saves (m = 56 of 784: 10% slower measured; m = 8: 23% faster).
    if (dim < BATCH_MIN_SUBDIM * m) {
      for (let q = 0; q < nq; q++) this.lookupTable(queries.subarray(q * dim, (q + 1) * dim), metric, out.subarray(q * m * k, (q + 1) * m * k));
      return out;
    }
    this.scanner.innerProductsBatch(queries, nq, out);
    if (metric === 'l2') {
      const norms = this.norms;
      for (let q = 0; q < nq; q++) {
        const o = q * m * k;
        for (let j = 0; j < m; j++) {
          const qn = dot(queries, q * dim + offsets[j], queries, q * dim + offsets[j], offsets[j + 1] - offsets[j]);
          for (let c = j * k; c < (j + 1) * k; c++) out[o + c] = Math.max(0, qn + norms[c] - 2 * out[o + c]);
        }
      }
    }
    return out;
  }

  /**
   * Asymmetric distances of n codes from a lookupTable() result: Σ_j table[j][sub-code j], by the
   * kernels' scanner (WASM for 8-bit codes, @reef/kernels' scanCodes otherwise; the same sums).
   */
  tableDistances(table: Float32Array, codes: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
    this.scanner.loadCodes(codes.subarray(0, n * this.codeSize));
    return this.scanner.scan(table, out);
  }

  /**
   * The WASM SIMD search kernels with these codebooks in their memory (made on first use): lookup
   * tables, the scan over codes and the scan with top-k (in WASM for 8-bit codes).
   */
  get scanner(): ProductCodeScanner {
    this.resident ??= new ProductCodeScanner(this.centroids, this.layout.offsets, this.k);
    return this.resident;
  }

  /**
   * Centroid-to-centroid table of sub-space j (K × K): what symmetric distances between codes add up.
   */
  pairTable(j: number, metric: Metric): Float32Array {
    const k = this.k;
    const dj = this.subDim(j);
    const book = this.codebook(j);
    const out = new Float32Array(k * k);
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) {
        const v = metric === 'l2' ? l2sqr(book, a * dj, book, b * dj, dj) : dot(book, a * dj, book, b * dj, dj);
        out[a * k + b] = v;
        out[b * k + a] = v;
      }
    }
    return out;
  }
}
