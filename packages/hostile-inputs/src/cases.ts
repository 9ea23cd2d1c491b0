import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATION_KINDS, SeededRandom, mutate } from './mutators.js';
import type { FuzzCase } from './runner.js';
import type { SeedFile } from './seeds.js';

/**
 * Writes `perSeed` mutated copies of each seed file into `dir`, cycling through the mutation kinds;
 * case n is always built from seed `baseSeed + n`, so any failure can be rebuilt from its id.
 */
export function fuzzCases(seeds: readonly SeedFile[], perSeed: number, dir: string, baseSeed = 1): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const seed of seeds) {
    for (let k = 0; k < perSeed; k++) {
      const id = cases.length;
      const mutation = MUTATION_KINDS[k % MUTATION_KINDS.length];
      const bytes = mutate(seed.bytes, mutation, new SeededRandom(baseSeed + id), seed.regions);
      const path = join(dir, `case-${id}-${seed.label}${seed.suffix}`);
      writeFileSync(path, bytes);
      cases.push({ id, reader: seed.reader, path, label: seed.label, mutation });
    }
  }
  return cases;
}
