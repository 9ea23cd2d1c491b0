import { scanCodes } from './adc-scan.js';
import { packedBytes } from './bitpack.js';
import { dot } from './distances.js';
import { topK } from './topk.js';
import { ensureMemory, instantiateKernels, type KernelExports } from './wasm-instance.js';

/** Queries whose inner products innerProductsBatch computes in one matrix product per sub-space. */
const QUERY_BATCH = 16;

/**
 * The order in which the 8-bit scans read sub-spaces: largest centroid variance first (ties by
 * index). Those rows spread distances most, so a code that cannot enter the top k shows it after
 * fewer reads (Fashion-MNIST PQ8: 6% of codes still in the running after 2 of 8 sub-spaces read
 * in this order, 12% in index order).
 */
function decidingOrder(codebooks: Float32Array, offsets: Int32Array, k: number): Int32Array {
  const m = offsets.length - 1;
  const spread = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const d = offsets[j + 1] - offsets[j];
    const book = k * offsets[j];
    for (let t = 0; t < d; t++) {
      let mean = 0;
      for (let c = 0; c < k; c++) mean += codebooks[book + c * d + t];
      mean /= k;
      for (let c = 0; c < k; c++) spread[j] += (codebooks[book + c * d + t] - mean) ** 2;
    }
  }
  return Int32Array.from({ length: m }, (_, j) => j).sort((a, b) => spread[b] - spread[a] || a - b);
}

/** Positions pass 1 of the WASM top-k scan reads for every code (even; see adcScan8TopK): about m/4. */
function firstPass(m: number): number {
  return Math.min(Math.max(2, 2 * Math.round(m / 8)), m & ~1);
}

function maxSubDim(offsets: Int32Array): number {
  let most = 0;
  for (let j = 0; j + 1 < offsets.length; j++) most = Math.max(most, offsets[j + 1] - offsets[j]);
  return most;
}

/**
 * The two per-query loops of asymmetric (lookup-table) search over product codes, on a WASM SIMD
 * instance of its own: the codebooks are copied into its memory once, so a query costs one copy of
 * the query in, not of the codebooks; codes loaded once serve every query that follows.
 *
 * - innerProducts: ⟨q_j, c⟩ for every sub-space j and centroid c (the ingredient of L2 and
 *   inner-product tables), the same float32 products as multiplyTransposedFast per sub-space.
 * - scan: Σ_j table[j][code[j]] for every loaded code. Codes of 8-bit sub-codes (K = 256) are
 *   scanned in WASM, summed in float32 in the order of scanCodes with this scanner's `order`, so
 *   the JS fallback (no WebAssembly SIMD) gives identical results; codes of other widths
 *   (K = 2^nbits) by scanCodes.
 * - nearest: the same sums, but only the best k kept (a bounded heap inside the WASM scan, over a
 *   blocked copy of the codes made on the first call after loadCodes), as topK(scan(table), k)
 *   returns them.
 *
 * Not safe to share between threads; make one per worker.
 */
export class ProductCodeScanner {
  readonly m: number;
  readonly dim: number;
  /** Bits per sub-code (K = 2^nbits) and bytes per code of the codes loadCodes takes. */
  readonly nbits: number;
  readonly codeSize: number;
  /** Order in which 8-bit scans read (and sum) sub-spaces: see decidingOrder. */
  readonly order: Int32Array;
  private readonly w: KernelExports | null;
  private readonly offsets: Int32Array;
  private readonly booksPtr: number = 0;
  private readonly queryPtr: number = 0;
  private readonly tablePtr: number = 0;
  /** innerProductsBatch's scratch: QUERY_BATCH sub-vectors of one sub-space, and their products. */
  private readonly batchPtr: number = 0;
  private readonly batchOutPtr: number = 0;
  private readonly orderPtr: number = 0;
  private readonly codesRegion: number = 0;
  private count = 0;
  private outPtr = 0;
  private codesPtr = 0;
  /** blockCodes32's copy of the loaded codes, made by the first nearest after loadCodes (0: not yet). */
  private blockedPtr = 0;
  /** Codes scanned in JS (no WASM, or K ≠ 256): a copy, as in WASM memory. */
  private jsCodes: Uint8Array = new Uint8Array(0);
  /** nearest's sums in JS, reused from query to query. */
  private jsSums: Float32Array = new Float32Array(0);

  /**
   * @param codebooks sub-space j's K × d_j centroids, row-major, start at K × offsets[j]
   * @param offsets m + 1 sub-space boundaries, offsets[m] = dim
   * @param k centroids per sub-space
   */
  constructor(
    private readonly codebooks: Float32Array,
    offsets: ArrayLike<number>,
    readonly k: number,
  ) {
    this.offsets = Int32Array.from(offsets);
    this.m = this.offsets.length - 1;
    this.dim = this.offsets[this.m];
    if (this.m < 1 || codebooks.length !== k * this.dim) {
      throw new RangeError(`ProductCodeScanner: expected ${k} × ${this.dim} codebook floats for offsets ending at ${this.dim}, got ${codebooks.length}`);
    }
    this.nbits = Math.log2(k);
    if (!Number.isInteger(this.nbits) || this.nbits < 1 || this.nbits > 16) throw new RangeError(`ProductCodeScanner: K must be 2^1 … 2^16, got ${k}`);
    this.codeSize = packedBytes(this.m, this.nbits);
    this.order = k === 256 ? decidingOrder(codebooks, this.offsets, k) : Int32Array.from({ length: this.m }, (_, j) => j);
    this.w = instantiateKernels();
    if (this.w) {
      const align = (p: number): number => (p + 15) & ~15;
      this.booksPtr = align(this.w.heapBase());
      this.queryPtr = align(this.booksPtr + 4 * codebooks.length);
      this.tablePtr = align(this.queryPtr + 4 * this.dim);
      this.batchPtr = align(this.tablePtr + 4 * this.m * k);
      this.batchOutPtr = align(this.batchPtr + 4 * QUERY_BATCH * maxSubDim(this.offsets));
      this.orderPtr = align(this.batchOutPtr + 4 * QUERY_BATCH * k);
      this.codesRegion = align(this.orderPtr + 4 * this.m);
      ensureMemory(this.w, this.codesRegion);
      new Float32Array(this.w.memory.buffer, this.booksPtr, codebooks.length).set(codebooks);
      new Int32Array(this.w.memory.buffer, this.orderPtr, this.m).set(this.order);
    }
  }

  /** Whether the WASM SIMD kernels run (else the same results come from JS loops). */
  get accelerated(): boolean {
    return this.w !== null;
  }

  /** Number of codes loaded by loadCodes. */
  get loaded(): number {
    return this.count;
  }

  /** out (m × K) = ⟨query sub-vector j, centroid c of sub-space j⟩. */
  innerProducts(query: Float32Array, out: Float32Array = new Float32Array(this.m * this.k)): Float32Array {
    const { m, k, offsets, w } = this;
    if (!w) {
      for (let j = 0; j < m; j++) {
        const dj = offsets[j + 1] - offsets[j];
        for (let c = 0; c < k; c++) out[j * k + c] = dot(query, offsets[j], this.codebooks, k * offsets[j] + c * dj, dj);
      }
      return out;
    }
    new Float32Array(w.memory.buffer, this.queryPtr, this.dim).set(query.subarray(0, this.dim));
    for (let j = 0; j < m; j++) {
      const dj = offsets[j + 1] - offsets[j];
      w.matmulT(this.queryPtr + 4 * offsets[j], 1, dj, this.booksPtr + 4 * k * offsets[j], k, this.tablePtr + 4 * j * k);
    }
    out.set(new Float32Array(w.memory.buffer, this.tablePtr, m * k));
    return out;
  }

  /**
   * innerProducts of nq queries (rows of `dim` in `queries`) at once, query q's m × K block at
   * out[q·m·K]: the same float32 values, but each sub-space's centroids are read once per
   * QUERY_BATCH queries (one matrix product) instead of once per query.
   */
  innerProductsBatch(queries: Float32Array, nq: number, out: Float32Array = new Float32Array(nq * this.m * this.k)): Float32Array {
    const { m, k, offsets, w, dim } = this;
    if (!w) {
      for (let q = 0; q < nq; q++) this.innerProducts(queries.subarray(q * dim, (q + 1) * dim), out.subarray(q * m * k, (q + 1) * m * k));
      return out;
    }
    for (let q0 = 0; q0 < nq; q0 += QUERY_BATCH) {
      const rows = Math.min(QUERY_BATCH, nq - q0);
      for (let j = 0; j < m; j++) {
        const dj = offsets[j + 1] - offsets[j];
        const sub = new Float32Array(w.memory.buffer, this.batchPtr, rows * dj);
        for (let r = 0; r < rows; r++) sub.set(queries.subarray((q0 + r) * dim + offsets[j], (q0 + r) * dim + offsets[j + 1]), r * dj);
        w.matmulT(this.batchPtr, rows, dj, this.booksPtr + 4 * k * offsets[j], k, this.batchOutPtr);
        const products = new Float32Array(w.memory.buffer, this.batchOutPtr, rows * k);
        for (let r = 0; r < rows; r++) out.set(products.subarray(r * k, (r + 1) * k), (q0 + r) * m * k + j * k);
      }
    }
    return out;
  }

  /** Whether loaded codes are scanned by the WASM kernels (8-bit sub-codes, WASM SIMD present). */
  private get wasmScan(): boolean {
    return this.w !== null && this.k === 256;
  }

  /** Copies n codes of codeSize bytes each (m sub-codes of nbits bits, packed) in, for the scans that follow. */
  loadCodes(codes: Uint8Array): void {
    if (codes.length % this.codeSize !== 0) throw new RangeError(`ProductCodeScanner: ${codes.length} code bytes is not a multiple of the code size ${this.codeSize}`);
    const n = codes.length / this.codeSize;
    this.count = n;
    const { w } = this;
    if (!w || !this.wasmScan) {
      this.jsCodes = codes.slice();
      this.jsSums = new Float32Array(n);
      return;
    }
    this.outPtr = this.codesRegion;
    this.codesPtr = (this.outPtr + 4 * n + 15) & ~15;
    this.blockedPtr = 0;
    ensureMemory(w, this.codesPtr + codes.length);
    new Uint8Array(w.memory.buffer, this.codesPtr, codes.length).set(codes);
  }

  /** The 8-bit table into WASM memory, its rows in scan order (optionally negated: see nearest). */
  private residentTable(table: Float32Array, negate: boolean): void {
    const { m, order } = this;
    const resident = new Float32Array(this.w!.memory.buffer, this.tablePtr, m * 256);
    for (let p = 0; p < m; p++) {
      const row = table.subarray(order[p] * 256, order[p] * 256 + 256);
      if (!negate) resident.set(row, p * 256);
      else for (let c = 0; c < 256; c++) resident[p * 256 + c] = -row[c];
    }
  }

  /**
   * Distance of every loaded code from an m × K lookup table: written to `out` when given, else
   * returned as a view of the instance's memory that stays valid until the next call on this scanner.
   */
  scan(table: Float32Array, out?: Float32Array): Float32Array {
    const { m, count: n, w } = this;
    this.checkTable(table);
    if (!w || !this.wasmScan) return scanCodes(table, this.k, m, this.nbits, this.jsCodes, n, out ?? new Float32Array(n), this.order);
    this.residentTable(table, false);
    w.adcScan8(this.codesPtr, n, m, this.orderPtr, this.tablePtr, this.outPtr);
    const view = new Float32Array(w.memory.buffer, this.outPtr, n);
    if (!out) return view;
    out.set(view);
    return out;
  }
  /**
   * The k best loaded codes by their table sums (smallest first when `ascending`, largest first
   * otherwise; ties: lower index first), exactly as topK(scan(table), k, ascending); past the
   * number of codes, ids are -1 and scores NaN.
   */
  nearest(table: Float32Array, k: number, ascending = true, ids: Int32Array = new Int32Array(k), scores: Float32Array = new Float32Array(k)): { ids: Int32Array; scores: Float32Array } {
    const { m, count: n, w } = this;
    this.checkTable(table);
    if (!w || !this.wasmScan) return topK(scanCodes(table, this.k, m, this.nbits, this.jsCodes, n, this.jsSums, this.order), k, ascending, ids, scores);
    const blockedBytes = Math.ceil(n / 32) * 32 * m;
    const blocked = (this.codesPtr + n * m + 15) & ~15;
    const heapVals = (blocked + blockedBytes + 15) & ~15;
    const heapIds = heapVals + 4 * k;
    ensureMemory(w, heapIds + 4 * k);
    if (this.blockedPtr !== blocked) {
      w.blockCodes32(this.codesPtr, n, m, this.orderPtr, blocked);
      this.blockedPtr = blocked;
    }
    // Largest sums first = smallest sums of the negated table: negation is exact, so are the sums.
    this.residentTable(table, !ascending);
    const size = w.adcScan8TopK(blocked, n, m, this.tablePtr, k, heapVals, heapIds, firstPass(m));
    const vals = new Float32Array(w.memory.buffer, heapVals, size);
    const found = new Int32Array(w.memory.buffer, heapIds, size);
    // Sort the (small) heap best first: by value, then index.
    const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => vals[a] - vals[b] || found[a] - found[b]);
    for (let r = 0; r < size; r++) {
      ids[r] = found[order[r]];
      scores[r] = ascending ? vals[order[r]] : -vals[order[r]];
    }
    for (let r = size; r < k; r++) {
      ids[r] = -1;
      scores[r] = NaN;
    }
    return { ids, scores };
  }

  private checkTable(table: Float32Array): void {
    const { m, k } = this;
    if (table.length < m * k) throw new RangeError(`ProductCodeScanner: the table needs ${m} × ${k} entries, got ${table.length}`);
  }
}
