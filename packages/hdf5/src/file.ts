import { statSync } from 'node:fs';
import { ReefError } from '@reef/core/errors';
import { fileProblem } from '@reef/core/exit-codes';
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
    throw new ReefError('BAD_FILE', fileProblem(err, path) ?? `${printable(path)}: ${messageOf(err)}`, { cause: err });
  }
  return size;
}
