// Fashion-MNIST for the quantizer benchmarks: Debian's dataset-fashion-mnist IDX files, read by
// @reef/datasets (build it first: npx -y pnpm@10 turbo run build --filter=@reef/datasets).
import { readFileSync } from 'node:fs';
import { readIdx } from '../../packages/datasets/dist/index.js';

const DIR = '/usr/share/datasets/fashion-mnist/';

/** The first `limit` images of an IDX file there, as float32 rows of 784 pixel values 0–255. */
export function fashionMnist(name, limit = Infinity) {
  const all = readIdx(DIR + name);
  if (limit >= all.count) return all;
  return { data: all.data.slice(0, limit * all.dim), count: limit, dim: all.dim };
}

/** A file of raw little-endian values (the ground truth faiss_pq.py writes, saved codebooks) as a `Type` array. */
export function readTyped(Type, path) {
  const b = readFileSync(path);
  return new Type(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
