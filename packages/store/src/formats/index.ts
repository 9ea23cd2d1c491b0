import { ReefError } from '@reef/core/errors';
import { basename } from 'node:path';
import { scanNpy } from './npy.js';
import { scanNpz } from './npz.js';
import { scanSafetensors } from './safetensors.js';
import { memorySource, type ByteSource } from './source.js';
import { loadAll, type FileFormat, type ParsedFile, type ScannedFile } from './types.js';

export * from './types.js';
export { memorySource, FileSource, type ByteSource } from './source.js';
export { parseSafetensors, safetensorsHeader, scanSafetensors, writeSafetensors } from './safetensors.js';
export { parseNpy, scanNpy, writeNpy } from './npy.js';
export { parseNpz, scanNpz, writeNpz } from './npz.js';

/** The format of a file, from its extension (the only reliable hint: safetensors has no magic). */
export function formatOf(path: string): FileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.npz')) return 'npz';
  throw new ReefError('BAD_FILE', `${path}: unsupported file type; reef tracks .safetensors, .npy and .npz files`);
}

/** Parses and checks a model file's headers; its tensors are read from `src` when loaded. */
export function scanModelFile(path: string, src: ByteSource): ScannedFile {
  const format = formatOf(path);
  if (format === 'safetensors') return scanSafetensors(src, path);
  if (format === 'npy') return scanNpy(src, path, basename(path).replace(/\.npy$/i, ''));
  return scanNpz(src, path);
}

export function parseModelFile(path: string, bytes: Uint8Array): ParsedFile {
  return loadAll(scanModelFile(path, memorySource(bytes)));
}
