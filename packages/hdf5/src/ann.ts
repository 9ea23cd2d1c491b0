import { ReefError } from '@reef/core/errors';
import type { Vectors } from '@reef/core';
import { guardH5, printable } from './guard.js';
import { readDataset, type H5Dataset, type H5File } from './h5.js';
import { h5lib } from './lib.js';

/** An ann-benchmarks dataset: base (`train`), queries (`test`) and optional ground truth. */
export interface AnnDataset {
  readonly name: string;
  readonly train: Vectors;
  readonly test: Vectors;
  /** Ground-truth neighbour ids (queries × k), int32 whatever the file's integer width. */
  readonly neighbors?: { ids: Int32Array; k: number };
  /** True distances matching `neighbors` (L2, not squared, for euclidean files). */
  readonly distances?: Float32Array;
  /** Root attributes (`distance`, `type`, `point_type`, `dimension`, ...). */
  readonly attributes: Record<string, string | number>;
}

export interface AnnReadOptions {
  /**
   * Most bytes the arrays read may take in memory (default: half the machine's memory). Checked
   * against the declared shapes before anything is allocated.
   */
  readonly memoryBudget?: number;
}

/** Rows read per slice: keeps each read far below the wasm heap limit. */
const SLICE_BYTES = 64 * 1024 * 1024;

/**
 * Deflate cannot expand its input more than about 1032 times, so a filtered (compressed) dataset
 * claiming more than this many bytes per stored byte lies about its size.
 */
const MAX_DEFLATE_RATIO = 1032;

/** What a reader learns about the file before it reads a dataset, and what it has allocated so far. */
interface Bounds {
  readonly path: string;
  readonly fileSize: number;
  readonly budget: number;
  allocated: number;
}

function fail(path: string, what: string): never {
  throw new ReefError('BAD_FILE', `${printable(path)}: ${what}`);
}

/**
 * Checks a 2-D dataset's declared shape against the file's real size (uncompressed data cannot be
 * larger than the file; compressed data not larger than deflate's ratio allows) and the memory
 * budget, before a single row is read. Returns [rows, columns].
 */
function checkedShape(ds: H5Dataset, what: string, bounds: Bounds, outBytesPerValue: number): [number, number] {
  const shape = ds.shape ?? [];
  if (shape.length !== 2) fail(bounds.path, `'${what}' should be 2-D, has shape [${shape.join(', ')}]`);
  const [rows, cols] = shape;
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols <= 0) {
    fail(bounds.path, `'${what}' has an impossible shape [${shape.join(', ')}]`);
  }
  const elementBytes = ds.metadata.size;
  const declared = rows * cols * elementBytes;
  const stored = ds.filters.length === 0 ? bounds.fileSize : bounds.fileSize * MAX_DEFLATE_RATIO;
  if (declared > stored) {
    fail(bounds.path, `'${what}' declares ${rows} × ${cols} values of ${elementBytes} bytes (${declared} bytes) but the file holds only ${bounds.fileSize} bytes (corrupt, or the header lies)`);
  }
  const needed = rows * cols * outBytesPerValue;
  if (bounds.allocated + needed > bounds.budget) {
    fail(bounds.path, `'${what}' [${rows} × ${cols}] needs ${needed} bytes in memory, above the memory budget of ${bounds.budget} bytes (${bounds.allocated} already read)`);
  }
  bounds.allocated += needed;
  return [rows, cols];
}

function datasetOf(file: H5File, what: string, path: string): H5Dataset {
  const ds = file.get(what);
  if (!(ds instanceof h5lib().Dataset)) fail(path, `has no dataset '${what}'`);
  return ds;
}

/** Copies one slice of numbers (any integer or float width; int64 arrives as BigInt) into `out` at `at`. */
function copyNumbers(data: unknown, out: Float32Array | Float64Array, at: number, path: string, what: string): void {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) fail(path, `dataset '${what}' is not numeric`);
  if (data instanceof Float32Array || data instanceof Float64Array) {
    out.set(data, at);
    return;
  }
  const src = data as unknown as ArrayLike<number | bigint>;
  for (let i = 0; i < src.length; i++) out[at + i] = Number(src[i]);
}

/** Reads a 2-D numeric dataset slice by slice into `out` (float32 or float64 rows). */
function readRows(file: H5File, what: string, rows: number, cols: number, out: Float32Array | Float64Array, path: string): void {
  const step = Math.max(1, Math.floor(SLICE_BYTES / (cols * 8)));
  for (let r = 0; r < rows; r += step) {
    const end = Math.min(rows, r + step);
    let data: unknown;
    try {
      ({ data } = readDataset(file, what, [r, end]));
    } catch (err) {
      fail(path, err instanceof Error ? err.message : String(err)); // the same words, with the file's name
    }
    if (!ArrayBuffer.isView(data) || (data as unknown as ArrayLike<number>).length !== (end - r) * cols) {
      fail(path, `dataset '${what}' gave ${ArrayBuffer.isView(data) ? (data as unknown as ArrayLike<number>).length : 'no'} values for rows ${r}..${end} of ${cols} columns`);
    }
    copyNumbers(data, out, r * cols, path, what);
  }
}

/** Reports the first row holding NaN or ±Infinity: such vectors poison every distance computed from them. */
export function assertFiniteRows(data: Float32Array | Float64Array, cols: number, where: string, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ReefError('NON_FINITE', `${where}: ${what} row ${Math.floor(i / cols)} holds ${data[i]} at column ${i % cols}; vectors must be finite`);
    }
  }
}

function readBoundedMatrix(file: H5File, what: string, bounds: Bounds): Vectors {
  const ds = datasetOf(file, what, bounds.path);
  const [rows, dim] = checkedShape(ds, what, bounds, 4);
  const data = new Float32Array(rows * dim);
  readRows(file, what, rows, dim, data, bounds.path);
  assertFiniteRows(data, dim, printable(bounds.path), `'${what}'`);
  return { data, count: rows, dim };
}

/** Reads a 2-D numeric dataset as float32 vectors, slice by slice, its size checked against the file first. */
export function readMatrixBounded(file: H5File, path: string, what: string, fileSize: number, memoryBudget: number): Vectors {
  return readBoundedMatrix(file, what, { path, fileSize, budget: memoryBudget, allocated: 0 });
}

/** Neighbour ids: integers in [0, trainCount), one row per query. */
function readNeighbors(file: H5File, bounds: Bounds, queries: number, trainCount: number): { ids: Int32Array; k: number } {
  const ds = datasetOf(file, 'neighbors', bounds.path);
  const [rows, k] = checkedShape(ds, 'neighbors', bounds, 8 + 4);
  if (rows !== queries) fail(bounds.path, `neighbors has shape [${rows}, ${k}] but there are ${queries} queries`);
  const values = new Float64Array(rows * k); // exact for every id that fits in int32, and for the bad ones we report
  readRows(file, 'neighbors', rows, k, values, bounds.path);
  const ids = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= trainCount) {
      fail(bounds.path, `neighbors row ${Math.floor(i / k)} holds id ${v}, outside [0, ${trainCount}) (train has ${trainCount} vectors)`);
    }
    ids[i] = v;
  }
  return { ids, k };
}

/** True distances: finite and not negative, shaped like the neighbours. */
function readDistances(file: H5File, bounds: Bounds, rows: number, k: number): Float32Array {
  const ds = datasetOf(file, 'distances', bounds.path);
  const [r, c] = checkedShape(ds, 'distances', bounds, 4);
  if (r !== rows || c !== k) fail(bounds.path, `distances shape [${r}, ${c}] differs from neighbors [${rows}, ${k}]`);
  const out = new Float32Array(r * c);
  readRows(file, 'distances', r, c, out, bounds.path);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]) || out[i] < 0) fail(bounds.path, `distances row ${Math.floor(i / c)} holds ${out[i]}; distances must be finite and not negative`);
  }
  return out;
}

/** Closes a file opened for reading; a failure to close one that failed to read says nothing new. */
function closeQuietly(file: H5File): void {
  try {
    file.close();
  } catch {
    // the read's own error (or its result) is what the caller needs
  }
}

/**
 * Reads an ann-benchmarks HDF5 file, checking the parts agree (dimensions, query counts, neighbour
 * ids in range) and every declared size against the file and the memory budget before reading.
 * Any HDF5 failure becomes one ReefError line naming the file (see guardH5). `path` is where the
 * wasm module sees the file (a disk path in Node, its memory file system in browsers); h5wasm must
 * be ready (`h5ready`).
 */
export function readAnnAt(path: string, name: string, fileSize: number, memoryBudget: number): AnnDataset {
  const bounds: Bounds = { path, fileSize, budget: memoryBudget, allocated: 0 };
  return guardH5(path, 'read it as an ann-benchmarks HDF5 file', () => {
    const file = new (h5lib().File)(path, 'r');
    try {
      // Small metadata first: a damaged file fails here before any array is allocated.
      const attributes: Record<string, string | number> = {};
      for (const [key, attr] of Object.entries(file.attrs)) {
        const v = attr.value;
        attributes[key] = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : String(v);
      }
      const train = readBoundedMatrix(file, 'train', bounds);
      const test = readBoundedMatrix(file, 'test', bounds);
      if (train.dim !== test.dim) {
        throw new ReefError('DIMENSION_MISMATCH', `${printable(path)}: train has dimension ${train.dim} but test has ${test.dim}`);
      }
      let neighbors: AnnDataset['neighbors'];
      let distances: Float32Array | undefined;
      const keys = file.keys();
      if (keys.includes('neighbors')) {
        neighbors = readNeighbors(file, bounds, test.count, train.count);
        if (keys.includes('distances')) distances = readDistances(file, bounds, test.count, neighbors.k);
      }
      return { name, train, test, neighbors, distances, attributes };
    } finally {
      closeQuietly(file);
    }
  });
}
