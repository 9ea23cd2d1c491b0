import { ReefError, type Vectors } from '@reef/core';
import { h5wasm, openH5, readDataset, type H5File } from './h5.js';

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

/** Rows read per slice: keeps each read far below the wasm heap limit. */
const SLICE_BYTES = 64 * 1024 * 1024;

function toFloat32(data: unknown, path: string, what: string): Float32Array {
  if (data instanceof Float32Array) return data.slice();
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const src = data as unknown as ArrayLike<number | bigint>;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
    return out;
  }
  throw new ReefError('BAD_FILE', `${path}: dataset '${what}' is not numeric`);
}

function toInt32(data: unknown, path: string, what: string): Int32Array {
  if (data instanceof Int32Array) return data.slice();
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const src = data as unknown as ArrayLike<number | bigint>;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = Number(src[i]); // int64 arrives as BigInt
      if (!Number.isInteger(v) || v < -1 || v > 0x7fffffff) throw new ReefError('BAD_FILE', `${path}: '${what}' holds ${v}, not a valid neighbour id`);
      out[i] = v;
    }
    return out;
  }
  throw new ReefError('BAD_FILE', `${path}: dataset '${what}' is not an integer array`);
}

/** Reads a 2-D numeric dataset as float32 vectors, slice by slice. */
export function readMatrix(file: H5File, path: string, what: string): Vectors {
  const ds = file.get(what);
  if (!(ds instanceof h5wasm.Dataset)) throw new ReefError('BAD_FILE', `${path} has no dataset '${what}'`);
  const shape = ds.shape ?? [];
  if (shape.length !== 2) throw new ReefError('BAD_FILE', `${path}: '${what}' should be 2-D, has shape [${shape.join(', ')}]`);
  const [rows, dim] = shape;
  const out = new Float32Array(rows * dim);
  const step = Math.max(1, Math.floor(SLICE_BYTES / (dim * 8)));
  for (let r = 0; r < rows; r += step) {
    const end = Math.min(rows, r + step);
    const { data } = readDataset(file, what, [r, end]);
    out.set(toFloat32(data, path, what), r * dim);
  }
  return { data: out, count: rows, dim };
}

/** Reads an ann-benchmarks HDF5 file, checking the parts agree (dimensions, query counts). */
export async function readAnnBenchmarks(path: string, name = path): Promise<AnnDataset> {
  const file = await openH5(path, 'r');
  try {
    const train = readMatrix(file, path, 'train');
    const test = readMatrix(file, path, 'test');
    if (train.dim !== test.dim) {
      throw new ReefError('DIMENSION_MISMATCH', `${path}: train has dimension ${train.dim} but test has ${test.dim}`);
    }
    const attributes: Record<string, string | number> = {};
    for (const [key, attr] of Object.entries(file.attrs)) {
      const v = attr.value;
      attributes[key] = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : String(v);
    }
    let neighbors: AnnDataset['neighbors'];
    let distances: Float32Array | undefined;
    if (file.keys().includes('neighbors')) {
      const { data, shape } = readDataset(file, 'neighbors');
      if (shape.length !== 2 || shape[0] !== test.count) {
        throw new ReefError('BAD_FILE', `${path}: neighbors has shape [${shape.join(', ')}] but there are ${test.count} queries`);
      }
      neighbors = { ids: toInt32(data, path, 'neighbors'), k: shape[1] };
      if (file.keys().includes('distances')) {
        const dist = readDataset(file, 'distances');
        if (dist.shape[0] !== shape[0] || dist.shape[1] !== shape[1]) {
          throw new ReefError('BAD_FILE', `${path}: distances shape [${dist.shape.join(', ')}] differs from neighbors [${shape.join(', ')}]`);
        }
        distances = toFloat32(dist.data, path, 'distances');
      }
    }
    return { name, train, test, neighbors, distances, attributes };
  } finally {
    file.close();
  }
}
