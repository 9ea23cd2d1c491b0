import { dot, squaredNorms } from './distances.js';

export interface Neighbors {
  /** count × k indices, row-major, best first. */
  readonly ids: Int32Array;
  /** The matching scores (squared L2 or inner product). */
  readonly scores: Float32Array;
  readonly k: number;
}

/**
 * Indices of the k best scores (smallest when `ascending`, largest otherwise), best first, via a
 * bounded binary heap: O(n log k), and one comparison per score that cannot enter it. Ties keep
 * the lower index, so results are deterministic.
 */
export function topK(scores: Float32Array, k: number, ascending = true, ids: Int32Array = new Int32Array(k), out: Float32Array = new Float32Array(k)): { ids: Int32Array; scores: Float32Array } {
  const n = scores.length;
  const kk = Math.min(k, n);
  const sign = ascending ? 1 : -1;
  // Max-heap on sign*score so the root is the worst kept element.
  const heapVal = new Float64Array(kk);
  const heapIdx = new Int32Array(kk);
  let size = 0;
  const worse = (a: number, ai: number, b: number, bi: number): boolean => a > b || (a === b && ai > bi);
  for (let i = 0; i < n; i++) {
    const v = sign * scores[i];
    if (size < kk) {
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!worse(v, i, heapVal[parent], heapIdx[parent])) break;
        heapVal[pos] = heapVal[parent];
        heapIdx[pos] = heapIdx[parent];
        pos = parent;
      }
      heapVal[pos] = v;
      heapIdx[pos] = i;
    } else if (v < heapVal[0]) {
      // Once the heap is full most scores lose to its root: one comparison rejects them. An equal
      // score loses too (its index is higher), and so does NaN.
      let pos = 0;
      for (;;) {
        const l = 2 * pos + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && worse(heapVal[r], heapIdx[r], heapVal[l], heapIdx[l]) ? r : l;
        if (!worse(heapVal[c], heapIdx[c], v, i)) break;
        heapVal[pos] = heapVal[c];
        heapIdx[pos] = heapIdx[c];
        pos = c;
      }
      heapVal[pos] = v;
      heapIdx[pos] = i;
    }
  }
  // Pop the heap from worst to best into the output's tail.
  for (let end = size - 1; end >= 0; end--) {
    ids[end] = heapIdx[0];
    out[end] = sign * heapVal[0];
    const lastV = heapVal[end];
    const lastI = heapIdx[end];
    let pos = 0;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= end) break;
      const r = l + 1;
      const c = r < end && worse(heapVal[r], heapIdx[r], heapVal[l], heapIdx[l]) ? r : l;
      if (!worse(heapVal[c], heapIdx[c], lastV, lastI)) break;
      heapVal[pos] = heapVal[c];
      heapIdx[pos] = heapIdx[c];
      pos = c;
    }
    heapVal[pos] = lastV;
    heapIdx[pos] = lastI;
  }
  for (let i = size; i < k; i++) {
    ids[i] = -1;
    out[i] = NaN;
  }
  return { ids, scores: out };
}

/**
 * Exact k nearest neighbours of each query among the base vectors, by squared L2 ('l2') or
 * inner product ('ip'), computed in blocks. This is the ground truth recall is measured against.
 */
export function exactKnn(base: Float32Array, nb: number, queries: Float32Array, nq: number, d: number, k: number, metric: 'l2' | 'ip' = 'l2'): Neighbors {
  const ids = new Int32Array(nq * k);
  const scores = new Float32Array(nq * k);
  const baseNorms = squaredNorms(base, nb, d);
  const row = new Float32Array(nb);
  for (let q = 0; q < nq; q++) {
    const qo = q * d;
    const qn = dot(queries, qo, queries, qo, d);
    for (let i = 0; i < nb; i++) {
      const ip = dot(queries, qo, base, i * d, d);
      row[i] = metric === 'ip' ? ip : Math.max(0, qn + baseNorms[i] - 2 * ip);
    }
    topK(row, k, metric === 'l2', ids.subarray(q * k, (q + 1) * k), scores.subarray(q * k, (q + 1) * k));
  }
  return { ids, scores, k };
}

/** Mean over queries of |found top-k ∩ true top-k| / k, using the first k columns of each. */
export function recallAtK(found: Int32Array, foundK: number, truth: Int32Array, truthK: number, nq: number, k: number): number {
  if (k > foundK || k > truthK) throw new RangeError(`recall@${k} needs at least ${k} results and ${k} true neighbours`);
  let hits = 0;
  const set = new Set<number>();
  for (let q = 0; q < nq; q++) {
    set.clear();
    for (let j = 0; j < k; j++) set.add(truth[q * truthK + j]);
    for (let j = 0; j < k; j++) if (set.has(found[q * foundK + j])) hits++;
  }
  return hits / (nq * k);
}
