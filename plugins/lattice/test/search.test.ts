import { Registry, type Metric, type Quantizer, type Vectors } from '@reef/core';
import { topK, unpackValues } from '@reef/kernels';
import { seededVectors } from '@reef/testkit';
import { describe, expect, it } from 'vitest';
import plugin, { BLOCK, VoronoiCode, lattice, type LatticeName } from '../src/index.js';

/**
 * The search as it was before codes were decoded once: every query decodes every block again and
 * sums in float64, from the saved model alone (centre, scale, step, rotation).
 */
function referenceDistances(q: Quantizer, query: Float32Array, codes: Uint8Array, metric: Metric): Float64Array {
  const saved = q.save();
  const dim = saved.attributes.dim as number;
  const alpha = saved.attributes.alpha as number;
  const centre = saved.arrays.centre.data as Float32Array;
  const scale = saved.arrays.scale.data as Float32Array;
  const rotation = saved.arrays.rotation?.data as Float32Array | undefined;
  const bits = q.params.bits as number;
  const code = new VoronoiCode(lattice(q.params.lattice as LatticeName), bits);
  const blocks = Math.ceil(dim / BLOCK);
  const centred = Float64Array.from(query, (v, j) => (metric === 'l2' ? v - centre[j] : v));
  const t = new Float64Array(blocks * BLOCK);
  for (let j = 0; j < dim; j++) {
    if (!rotation) t[j] = centred[j];
    else for (let k = 0; k < dim; k++) t[j] += centred[k] * rotation[k * dim + j];
  }
  let base = 0;
  if (metric === 'ip') for (let j = 0; j < dim; j++) base += query[j] * centre[j];
  const index = new Uint32Array(BLOCK);
  const point = new Float64Array(BLOCK);
  const count = codes.length / q.codeSize;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = base;
    for (let b = 0; b < blocks; b++) {
      unpackValues(codes, bits, BLOCK, i * q.codeSize + b * bits, index);
      code.pointOf(index, point);
      for (let k = 0; k < BLOCK; k++) {
        const j = b * BLOCK + k;
        const y = j < dim ? scale[j] * alpha * point[k] : 0;
        s += metric === 'l2' ? (t[j] - y) ** 2 : t[j] * y;
      }
    }
    out[i] = s;
  }
  return out;
}

/** Largest |got − want| relative to the largest |want|. */
function relativeError(got: Float32Array, want: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

async function trained(params: Record<string, unknown>, train: Vectors): Promise<Quantizer> {
  const registry = new Registry();
  registry.use(plugin);
  const q = registry.createQuantizer('lattice', params, train.dim);
  await q.fit(train, { seed: 3 });
  return q;
}

const CONFIGS: { params: Record<string, unknown>; dim: number }[] = [
  { params: { lattice: 'e8', bits: 4 }, dim: 32 },
  { params: { lattice: 'e8', bits: 4, rotate: true }, dim: 20 }, // padding: 20 → 24
  { params: { lattice: 'dn', bits: 3, normalise: 'range' }, dim: 16 },
  { params: { lattice: 'zn', bits: 2 }, dim: 8 },
  { params: { lattice: 'e8', bits: 8 }, dim: 16 }, // the widest points: |2·p| up to 512
];

describe('lattice search over codes decoded once', () => {
  for (const { params, dim } of CONFIGS) {
    it(`${JSON.stringify(params)}, ${dim}-d: distances equal the per-query decoding search's (l2 and ip) and rank the same`, async () => {
      const q = await trained(params, seededVectors(600, dim, { seed: 1 }));
      const base = seededVectors(500, dim, { seed: 2 });
      const queries = seededVectors(5, dim, { seed: 4 });
      const codes = q.encode(base);
      for (let n = 0; n < queries.count; n++) {
        const query = queries.data.subarray(n * dim, (n + 1) * dim);
        for (const metric of ['l2', 'ip'] as const) {
          const want = referenceDistances(q, query, codes, metric);
          const got = q.search!.prepare(query, metric).distances(codes);
          expect(relativeError(got, want)).toBeLessThan(1e-5);
          if (metric === 'l2') expect([...topK(got, 10, true).ids]).toEqual([...topK(Float32Array.from(want), 10, true).ids]);
        }
      }
    });
  }

  it('codes it never saw (decoded on the first query), codes it encoded and codes it decoded give the same distances', async () => {
    const q = await trained({ lattice: 'e8', bits: 4 }, seededVectors(600, 24, { seed: 1 }));
    const base = seededVectors(300, 24, { seed: 2 });
    const query = seededVectors(1, 24, { seed: 5 }).data;
    const encoded = q.encode(base);
    const unseen = encoded.slice();
    const decodedOnce = encoded.slice();
    q.decode(decodedOnce);
    const search = q.search!.prepare(query, 'l2');
    const fromEncode = search.distances(encoded);
    expect(search.distances(unseen)).toEqual(fromEncode);
    expect(search.distances(decodedOnce)).toEqual(fromEncode);
  });

  it('a code array rewritten in place, or a refitted model, is never searched with stale decoded vectors', async () => {
    const q = await trained({ lattice: 'e8', bits: 4 }, seededVectors(600, 16, { seed: 1 }));
    const query = seededVectors(1, 16, { seed: 5 }).data;
    const codes = q.encode(seededVectors(200, 16, { seed: 2 }));
    q.search!.prepare(query, 'l2').distances(codes);

    codes.set(q.encode(seededVectors(200, 16, { seed: 6 }))); // same array, new content
    expect(relativeError(q.search!.prepare(query, 'l2').distances(codes), referenceDistances(q, query, codes, 'l2'))).toBeLessThan(1e-5);

    await q.fit(seededVectors(600, 16, { seed: 7, scale: 3, shift: 1 }), { seed: 8 }); // new centre, scale and step
    expect(relativeError(q.search!.prepare(query, 'l2').distances(codes), referenceDistances(q, query, codes, 'l2'))).toBeLessThan(1e-5);
  });
});
