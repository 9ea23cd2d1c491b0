/**
 * How `dim` components are split among `m` sub-quantizers. FAISS requires m to divide dim; Reef
 * accepts any m ≤ dim by giving the first `dim % m` sub-spaces one extra component, so every
 * sub-space has ⌊dim/m⌋ or ⌈dim/m⌉ components and they stay contiguous.
 */
export interface SubspaceLayout {
  readonly dim: number;
  readonly m: number;
  /** Sub-space j covers components [offsets[j], offsets[j + 1]); offsets has m + 1 entries. */
  readonly offsets: Int32Array;
}

export function splitDimensions(dim: number, m: number): SubspaceLayout {
  const base = Math.floor(dim / m);
  const extra = dim % m;
  const offsets = new Int32Array(m + 1);
  for (let j = 0; j < m; j++) offsets[j + 1] = offsets[j] + base + (j < extra ? 1 : 0);
  return { dim, m, offsets };
}

/** Copies sub-space j of n row-major vectors into a contiguous n × d_j block (k-means wants one). */
export function extractSubspace(x: Float32Array, n: number, layout: SubspaceLayout, j: number, out?: Float32Array): Float32Array {
  const { dim, offsets } = layout;
  const start = offsets[j];
  const dj = offsets[j + 1] - start;
  const block = out ?? new Float32Array(n * dj);
  for (let i = 0; i < n; i++) block.set(x.subarray(i * dim + start, i * dim + start + dj), i * dj);
  return block;
}
