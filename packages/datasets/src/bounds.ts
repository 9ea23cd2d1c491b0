import { ReefError, type Vectors } from '@reef/core';

/**
 * Refuses to allocate `bytes` for what a file declares when that is above the memory budget: a
 * header that lies must give an error, not an out-of-memory crash or minutes of swapping.
 */
export function assertWithinBudget(bytes: number, where: string, what: string, budget: number): void {
  if (!Number.isSafeInteger(bytes) || bytes > budget) {
    throw new ReefError('BAD_FILE', `${where}: ${what} needs ${bytes} bytes in memory, above the memory budget of ${budget} bytes`);
  }
}

/** Reports the first row holding NaN or ±Infinity: such vectors poison every distance computed from them. */
export function assertFiniteVectors(v: Vectors, where: string): void {
  const { data, dim } = v;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ReefError('NON_FINITE', `${where}: row ${Math.floor(i / dim)} holds ${data[i]} at column ${i % dim}; vectors must be finite`);
    }
  }
}
