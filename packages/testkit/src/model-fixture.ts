import type { SavedModel, Vectors } from '@reef/core';
import { h5wasm, loadModelFile, openH5, readPortable } from '@reef/hdf5';

/** A saved model kept as a fixture, with what the code that saved it made of some inputs. */
export interface ModelFixture {
  readonly saved: SavedModel;
  readonly inputs: Vectors;
  readonly codes: Uint8Array;
  readonly decoded: Float32Array;
  readonly distances: Float32Array;
}

/**
 * Reads a model file written by `saveModelFile` plus an `/expected` group (arrays `inputs`, `codes`,
 * `decoded`, `distances`), so a plugin's tests can prove that models saved by an older release still
 * load and encode, decode and search exactly as they did (see fixtures/models-v1).
 */
export async function loadModelFixture(path: string): Promise<ModelFixture> {
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
