import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ReefError } from '@reef/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The repository lock: a file created exclusively (O_EXCL) holding the owner's pid. A second writer
 * gets a clear error instead of interleaving with the first; a lock left by a killed process is
 * recognised (its pid is gone) and taken over, so a crash never locks the repository for good.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        continue; // released in between: try again
      }
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new ReefError('UNSUPPORTED', `repository is locked by process ${owner} (another reef command is writing); try again when it finishes`);
      }
      if (owner === process.pid) throw new ReefError('UNSUPPORTED', 'repository lock is already held by this process (nested write)');
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new ReefError('UNSUPPORTED', `cannot take the repository lock ${path}`);
}
