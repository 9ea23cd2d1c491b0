import { fileURLToPath } from 'node:url';
import type { Vectors } from '@reef/core';
import { loadModelFixture as loadFixtureFile, seededVectors, type ModelFixture } from '@reef/testkit';

/** n seeded Gaussian vectors with per-dimension scales (1 to 5), so sub-spaces differ: testkit's generator. */
export const gaussian = (n: number, dim: number, seed = 7): Vectors => seededVectors(n, dim, { seed, scale: (j) => 1 + (j % 5) });

/** Path of a fixture in the repository's fixtures folder. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
}

/** Reads fixtures/models-v1/<name>.h5 (testkit's loader): the model and what the code that saved it made of its inputs. */
export function loadModelFixture(name: string): Promise<ModelFixture> {
  return loadFixtureFile(fixture(`models-v1/${name}.h5`));
}
