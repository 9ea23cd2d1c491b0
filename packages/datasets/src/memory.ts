import { totalmem } from 'node:os';

/** Half the machine's memory: what a reader may allocate for one file's vectors (Node only). */
export function defaultMemoryBudget(): number {
  return Math.floor(totalmem() / 2);
}
