import { fileURLToPath } from 'node:url';
import { multiply, randomOrthogonal, Rng } from '@reef/kernels';
import type { Vectors } from '@reef/core';
import { loadModelFixture as loadFixtureFile, seededVectors, type ModelFixture } from '@reef/testkit';

/** n seeded Gaussian vectors with per-dimension scales (1 to 5), so sub-spaces differ: testkit's generator. */
export const gaussian = (n: number, dim: number, seed = 7): Vectors => seededVectors(n, dim, { seed, scale: (j) => 1 + (j % 5) });

/** Path of a fixture in the repository's fixtures folder. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
}

/**
 * Vectors whose variance is concentrated in a few directions that a random rotation spreads over
 * every component: the case OPQ exists for (plain PQ splits correlated components apart).
 */
export function rotatedAnisotropic(n: number, dim: number, seed = 5): Vectors {
  const rng = new Rng(seed);
  const z = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) z[i * dim + j] = rng.normal() * Math.exp(-j / 5);
  return { data: multiply(z, n, dim, randomOrthogonal(dim, rng), dim), count: n, dim };
}

/** Reads fixtures/models-v1/<name>.h5 (testkit's loader): the model and what the code that saved it made of its inputs. */
export function loadModelFixture(name: string): Promise<ModelFixture> {
  return loadFixtureFile(fixture(`models-v1/${name}.h5`));
}
