import { ReefError } from '@reef/core';
import { basename } from 'node:path';
import { parseNpy } from './npy.js';
import { parseNpz } from './npz.js';
import { parseSafetensors } from './safetensors.js';
import type { FileFormat, ParsedFile } from './types.js';

export * from './types.js';
export { parseSafetensors, writeSafetensors } from './safetensors.js';
export { parseNpy, writeNpy } from './npy.js';
export { parseNpz, writeNpz } from './npz.js';

/** The format of a file, from its extension (the only reliable hint: safetensors has no magic). */
export function formatOf(path: string): FileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (lower.endsWith('.npy')) return 'npy';
  if (lower.endsWith('.npz')) return 'npz';
  throw new ReefError('BAD_FILE', `${path}: unsupported file type; reef tracks .safetensors, .npy and .npz files`);
}

export function parseModelFile(path: string, bytes: Uint8Array): ParsedFile {
  const format = formatOf(path);
  if (format === 'safetensors') return parseSafetensors(bytes, path);
  if (format === 'npy') return parseNpy(bytes, path, basename(path).replace(/\.npy$/i, ''));
  return parseNpz(bytes, path);
}
