import { fileURLToPath } from 'node:url';
import type { SavedModel, Vectors } from '@reef/core';
import { h5wasm, loadModelFile, openH5, readPortable } from '@reef/hdf5';
import { seededVectors } from '@reef/testkit';

/** n seeded Gaussian vectors with per-dimension scales (1 to 5), so sub-spaces differ: testkit's generator. */
export const gaussian = (n: number, dim: number, seed = 7): Vectors => seededVectors(n, dim, { seed, scale: (j) => 1 + (j % 5) });

/** Path of a fixture in the repository's fixtures folder. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
}



/** A model of fixtures/models-v1 and what the code that saved it made of its inputs. */
export interface ModelFixture {
  readonly saved: SavedModel;
  readonly inputs: Vectors;
  readonly codes: Uint8Array;
  readonly decoded: Float32Array;
  readonly distances: Float32Array;
}

/** Reads fixtures/models-v1/<name>.h5: the model (as loadModelFile gives it) and its /expected group. */
export async function loadModelFixture(name: string): Promise<ModelFixture> {
  const path = fixture(`models-v1/${name}.h5`);
  const saved = await loadModelFile(path);
  const file = await openH5(path, 'r');
  try {
    const expected = file.get('expected');
    if (!(expected instanceof h5wasm.Group)) throw new Error(`${path} has no /expected group`);
    const { arrays } = readPortable(expected, path);
    const [count, dim] = arrays.inputs.shape;
    return {
      saved,
      inputs: { data: arrays.inputs.data as Float32Array, count, dim },
      codes: arrays.codes.data as Uint8Array,
      decoded: arrays.decoded.data as Float32Array,
      distances: arrays.distances.data as Float32Array,
    };
  } finally {
    file.close();
  }
}
