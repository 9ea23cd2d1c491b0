import { statSync } from 'node:fs';
import { ReefError } from '@reef/core';
import { messageOf, printable } from './guard.js';

/** Fails with "no such file" (or the system's reason) before HDF5 sees a path it cannot open. */
export function assertReadableFile(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ReefError('BAD_FILE', `${printable(path)}: not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof ReefError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReefError('BAD_FILE', `${printable(path)}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : messageOf(err)}`, { cause: err });
  }
  return size;
}
