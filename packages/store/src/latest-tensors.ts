import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `.reef/cache/latest`: a disposable copy of the raw bytes of the tensors each tracked file had at
 * its latest `add`, so the next `add` of that file, whose delta trials need those tensors as
 * references, reads them instead of decoding their delta chains (each link: an HDF5 read, inflate,
 * the context decoder; measured on a 2 MB f32 checkpoint at depth 5-7, most of an add's CPU).
 *
 * Nothing trusts it: a cached tensor is used only as a reference for add's encode trials
 * (ObjectStore.peek; export, checkout and fsck read the packs), and only when its length and content
 * hash match the object asked for (ObjectStore re-hashes it). Any file may be missing, partial or deleted at
 * any time (written by rename, never fsynced). Only small tensors are kept, and at most
 * MAX_BYTES in all, so the copy stays small next to the repository; `rm -r .reef/cache` is always
 * safe. Written under the repository lock (by `add`); read by anyone.
 */
export class LatestTensors {
  /** Tensors above this are not cached (decoding a large chain costs less than the copy, relatively). */
  static readonly MAX_TENSOR_BYTES = 16 * 1024 * 1024;
  /** All cached tensors together, at most. */
  static readonly MAX_BYTES = 64 * 1024 * 1024;

  private written = 0;

  constructor(readonly dir: string) {}

  /** The cached bytes of object `hash` when there are exactly `bytes` of them; the caller verifies the hash. */
  read(hash: string, bytes: number): Uint8Array | undefined {
    try {
      const path = join(this.dir, hash);
      if (statSync(path, { throwIfNoEntry: false })?.size !== bytes) return undefined;
      const buffer = readFileSync(path);
      if (buffer.length !== bytes) return undefined;
      // A tensor's array owns its buffer whole (see borrowScratch's `exact`).
      return buffer.byteOffset === 0 && buffer.buffer.byteLength === bytes ? new Uint8Array(buffer.buffer, 0, bytes) : new Uint8Array(buffer);
    } catch {
      return undefined;
    }
  }

  /** Starts an add: its copies count against MAX_BYTES afresh. */
  begin(): void {
    this.written = 0;
  }

  /** Copies a tensor just added (within the size limits); listed by `keep` once its add is done. */
  put(hash: string, data: Uint8Array): void {
    if (data.length > LatestTensors.MAX_TENSOR_BYTES || this.written + data.length > LatestTensors.MAX_BYTES) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const path = join(this.dir, hash);
      if (existsSync(path)) return;
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, data);
      renameSync(tmp, path);
      this.written += data.length;
    } catch {
      // A cache: an add never fails for it.
    }
  }

  /**
   * After an add: `files` maps each path it staged to its tensors' hashes. Those replace the path's
   * earlier entry; every cached tensor no path lists any more is deleted, and the oldest paths go
   * beyond MAX_BYTES.
   */
  keep(files: Record<string, readonly string[]>): void {
    this.written = 0;
    try {
      if (!existsSync(this.dir)) return;
      const listPath = join(this.dir, 'paths.json');
      let list: Record<string, string[]> = {};
      try {
        const parsed: unknown = JSON.parse(readFileSync(listPath, 'utf8'));
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) list = parsed as Record<string, string[]>;
      } catch {
        // missing or damaged: start over
      }
      for (const path of Object.keys(files)) delete list[path];
      for (const [path, hashes] of Object.entries(files)) list[path] = [...hashes];
      const sizes = new Map<string, number>();
      for (const name of readdirSync(this.dir)) if (/^[0-9a-f]{64}$/.test(name)) sizes.set(name, statSync(join(this.dir, name)).size);
      // Newest paths last in `list` (insertion order): keep from the newest back while under the budget.
      const kept = new Set<string>();
      let total = 0;
      const paths = Object.keys(list).reverse();
      for (const path of paths) {
        const hashes = Array.isArray(list[path]) ? list[path].filter((h) => sizes.has(h)) : [];
        const bytes = hashes.filter((h) => !kept.has(h)).reduce((s, h) => s + (sizes.get(h) ?? 0), 0);
        if (total + bytes > LatestTensors.MAX_BYTES) {
          delete list[path];
          continue;
        }
        total += bytes;
        for (const h of hashes) kept.add(h);
        list[path] = hashes;
      }
      for (const name of readdirSync(this.dir)) {
        if (name === 'paths.json' || kept.has(name)) continue;
        rmSync(join(this.dir, name), { force: true });
      }
      const tmp = `${listPath}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(list));
      renameSync(tmp, listPath);
    } catch {
      // A cache: an add never fails for it.
    }
  }
}
