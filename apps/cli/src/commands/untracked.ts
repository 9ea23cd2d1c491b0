import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** File endings `reef status` treats as model files (what `reef add` or a training script writes). */
export const MODEL_FILE_ENDINGS = ['.safetensors', '.npz', '.npy', '.pt', '.pth', '.h5', '.hdf5', '.ckpt', '.bin'] as const;

/** Folders never searched: the repository itself, dependencies and other hidden folders. */
const SKIPPED = new Set(['.reef', 'node_modules']);

/** How deep `reef status` looks below the working folder (a checkpoint folder inside a run folder is typical). */
const MAX_DEPTH = 6;

/**
 * Model files under `root` that the repository does not track, as paths relative to `root` with `/`,
 * sorted: what `git status` calls untracked files, limited to model files so that code and data
 * beside the checkpoints stay out of the list. Read-only; unreadable folders are skipped.
 */
export function untrackedModelFiles(root: string, tracked: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const walk = (dir: string, prefix: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix + e.name;
      if (e.isDirectory()) {
        if (!SKIPPED.has(e.name) && !e.name.startsWith('.') && depth < MAX_DEPTH) walk(join(dir, e.name), `${rel}/`, depth + 1);
      } else if (e.isFile() && MODEL_FILE_ENDINGS.some((end) => e.name.toLowerCase().endsWith(end)) && !tracked.has(rel)) {
        found.push(rel);
      }
    }
  };
  walk(root, '', 0);
  return found.sort();
}
