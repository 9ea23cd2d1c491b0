import { renameSync, rmSync } from 'node:fs';
import type { SavedModel } from '@reef/core';
import { openH5 } from './h5.js';
import { readModel, writeModel } from './portable.js';

/**
 * Saves a trained model as an HDF5 file: root attributes name the plugin, API version and
 * parameters; arrays sit in /model. Written to a temporary file then renamed, so a crash never
 * leaves a half-written model under the final name. Node only; browsers use `saveModelBytes`.
 */
export async function saveModelFile(path: string, model: SavedModel): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const file = await openH5(tmp, 'w');
  try {
    writeModel(file, model);
  } catch (err) {
    file.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  file.close();
  renameSync(tmp, path);
}

/** Loads a model saved by `saveModelFile` (or `saveModelBytes`); a file that is not one is refused by name. */
export async function loadModelFile(path: string): Promise<SavedModel> {
  const file = await openH5(path, 'r');
  try {
    return readModel(file, path);
  } finally {
    file.close();
  }
}
