import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { warmPackThread } from './pack-file-thread.js';

/**
 * What an add decides before reading anything: whether its pack is written from a worker thread,
 * and `prepareAdd`, which starts that worker early. A module of its own, light to load (the CLI's
 * bundle loads it before the rest of the store), so the worker starts as soon as the process knows
 * it will add.
 */

const PACK_THREAD_MIN_BYTES = 16 * 1024;
const PACK_THREAD_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Whether an add of `bytes` of files writes its pack from a worker thread (pack-file-thread.ts).
 * Its gain is h5wasm's start-up (~0.15 s of CPU) run beside the reading and encoding, which is most
 * of a small add's wait; its cost is one copy of every record to cross threads, which for a large
 * add is more memory at its peak and no faster. Files holding only tiny tensors need no HDF5 file.
 */
export function wantsPackThread(bytes: number): boolean {
  return bytes > PACK_THREAD_MIN_BYTES && bytes <= PACK_THREAD_MAX_BYTES;
}

/** Bytes of the files an add of `paths` reads (files that are not there count 0: add names them). */
export function filesBytes(paths: readonly string[], cwd: string): number {
  return paths.reduce((sum, p) => sum + (statSync(resolve(cwd, p), { throwIfNoEntry: false })?.size ?? 0), 0);
}

/**
 * For a host that will add `paths` soon (the CLI, before it loads the store and discovers
 * plugins): starts the worker the add will write its pack with, if it will want one, so h5wasm
 * loads meanwhile. The add takes it (pack-file-thread.ts, `takeWarmPackThread`).
 */
export function prepareAdd(paths: readonly string[], cwd: string = process.cwd()): void {
  if (wantsPackThread(filesBytes(paths, cwd))) warmPackThread();
}
