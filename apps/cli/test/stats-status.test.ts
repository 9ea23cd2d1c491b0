import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '@reef/store';
import { afterAll, describe, expect, it } from 'vitest';
import { runReef as reef, noise } from './run-reef.js';

/** Epoch k of a small training run: a base plus k small steps (deltas pay), and a fresh bias. */
function epoch(k: number): Uint8Array {
  const base = noise(7, 48_000);
  const w = base.map((x, i) => 0.05 * x + 1e-4 * k * Math.sin(i + k));
  const v = noise(8, 64 * 32).map((x, i) => 0.1 * x + 1e-4 * k * Math.cos(i * k));
  return writeSafetensors([
    { name: 'fc1.weight', tensor: { dtype: 'f32', shape: [400, 120], data: new Uint8Array(w.buffer) } },
    { name: 'fc2.weight', tensor: { dtype: 'f32', shape: [64, 32], data: new Uint8Array(v.buffer) } },
    { name: 'fc2.bias', tensor: { dtype: 'f32', shape: [8], data: new Uint8Array(noise(9 + k, 8).buffer) } },
  ]);
}

/** Bytes of every file under a folder, walked here (not by the code under test). */
function filesBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? filesBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

interface StatsJson {
  commits: number;
  bytesOnDisk: number;
  cacheBytes: number;
  tensors: { entries: number; distinct: number; whole: number; losslessDeltas: number; lossyDeltas: number; missing: number; staged: number; unreachable: number; centroids: number };
  breakdown: Record<string, number | Record<string, number>>;
}

describe('reef stats, status and cluster analyze, for a reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-stats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'model.safetensors');

  it('lists untracked model files, and none once they are added', async () => {
    expect((await reef(['init'], dir)).code).toBe(0);
    writeFileSync(model, epoch(1));
    mkdirSync(join(dir, 'runs', 'b'), { recursive: true });
    writeFileSync(join(dir, 'runs', 'b', 'last.pt'), 'not a real checkpoint: status never reads it');
    writeFileSync(join(dir, 'notes.txt'), 'not a model file');
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'w.npy'), 'skipped: dependencies are not the user\'s models');
    const before = await reef(['status'], dir);
    expect(before.code, before.stderr).toBe(0);
    const untracked = before.stdout.slice(before.stdout.indexOf('Untracked model files')).split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    expect(untracked).toEqual(['model.safetensors', 'runs/b/last.pt']);

    expect((await reef(['add', 'model.safetensors'], dir)).code).toBe(0);
    const after = await reef(['status'], dir);
    expect(after.stdout).toMatch(/Changes to be committed:\n\s+added\s+model\.safetensors/);
    expect(after.stdout).not.toMatch(/^\s+model\.safetensors$/m);
    expect(after.stdout).toMatch(/Untracked model files[^\n]*\n\s+runs\/b\/last\.pt\n/);
    rmSync(join(dir, 'runs'), { recursive: true });
    expect((await reef(['commit', '-m', 'epoch 1'], dir)).code).toBe(0);
    expect((await reef(['status'], dir)).stdout).toMatch(/nothing to commit, working files match/);
  });

  it('stats: counts add up to the tensors committed, byte parts add up to the files under .reef', async () => {
    expect((await reef(['tag', 'epoch1'], dir)).code).toBe(0);
    writeFileSync(model, epoch(2));
    expect((await reef(['commit', '-m', 'epoch 2', 'model.safetensors'], dir)).code).toBe(0);
    writeFileSync(model, epoch(3));
    expect((await reef(['add', 'model.safetensors'], dir)).code).toBe(0);
    const lossy = await reef(['commit', '-m', 'epoch 3', '--max-rel-error', '1e-3'], dir);
    expect(lossy.code, lossy.stderr).toBe(0);
    writeFileSync(model, epoch(4));
    expect((await reef(['add', 'model.safetensors'], dir)).code).toBe(0); // staged, not committed

    const s = JSON.parse((await reef(['stats', '--json'], dir)).stdout) as StatsJson;
    // Distinct tensor hashes of the three commits, as `reef show` prints them.
    const hashes = new Set<string>();
    for (const rev of ['HEAD', 'HEAD~1', 'epoch1']) {
      const show = await reef(['show', rev], dir);
      expect(show.code, show.stderr).toBe(0);
      for (const m of show.stdout.matchAll(/^ {2}\S+\s+f32\s+\[[\d, ]+\]\s+([0-9a-f]{12})/gm)) hashes.add(m[1]);
    }
    expect(s.commits).toBe(3);
    expect(s.tensors.entries).toBe(9);
    expect(s.tensors.distinct).toBe(hashes.size);
    const t = s.tensors;
    expect(t.whole + t.losslessDeltas + t.lossyDeltas + t.missing).toBe(t.distinct);
    expect(t.lossyDeltas).toBeGreaterThan(0);
    expect(t.losslessDeltas).toBeGreaterThan(0);
    expect(t.missing).toBe(0);
    expect(t.staged).toBeGreaterThan(0); // epoch 4's new tensors
    expect(t.unreachable).toBeGreaterThan(0); // epoch 3's lossless copies the lossy commit replaced

    const parts = Object.values(s.breakdown).reduce<number>((n, v) => n + (typeof v === 'number' ? v : Object.values(v).reduce((a, b) => a + b, 0)), 0);
    // The disposable cache of raw tensors (.reef/cache) is counted apart, outside bytesOnDisk.
    const cache = filesBytes(join(dir, '.reef', 'cache'));
    expect(cache).toBeGreaterThan(0);
    expect(s.cacheBytes).toBe(cache);
    const onDisk = filesBytes(join(dir, '.reef')) - cache;
    expect(s.bytesOnDisk).toBe(onDisk);
    expect(parts).toBe(onDisk);
    for (const [name, v] of Object.entries(s.breakdown)) if (typeof v === 'number') expect(v, name).toBeGreaterThanOrEqual(0);

    // The text: every row's exact byte count adds up to the total line, which is the bytes on disk.
    const text = (await reef(['stats'], dir)).stdout;
    const section = text.slice(text.indexOf('bytes on disk'), text.indexOf('stored objects by encoding'));
    const rows = [...section.matchAll(/^ {2}(.+?)\s+[\d.]+ (?:B|KiB|MiB)\s+(\d+) B$/gm)].map((m) => ({ label: m[1].trim(), bytes: Number(m[2]) }));
    const total = rows.find((r) => r.label === 'total');
    expect(total?.bytes).toBe(onDisk);
    expect(rows.filter((r) => r !== total).reduce((n, r) => n + r.bytes, 0)).toBe(onDisk);
    expect(text).toMatch(/(\d+) distinct tensor\(s\) committed \(9 tensor entries across the commits, unchanged ones shared\): (\d+) stored whole \+ (\d+) lossless delta\(s\) \+ (\d+) lossy delta\(s\)/);
    expect(text).toMatch(/staged for the next commit/);
    expect(text).toMatch(/not counted: \.reef\/cache .*safe to delete/);
    expect(text).toMatch(/reef gc removes them/);
  });

  it('cluster analyze -v names each member by commit, file and size; no nameless duplicates, no empty centroid', async () => {
    const a = await reef(['cluster', 'analyze', '-v', '--min-bytes', '0'], dir);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).not.toMatch(/centroid of 0 B/);
    const members = [...a.stdout.matchAll(/^ {4}(\S+(?: \([^)]*\))?|staged) +(\S+:\S+)(?: \(\+\d+ more\))? +(\S+) ([\d.]+ (?:B|KiB|MiB)) /gm)];
    expect(members.length).toBeGreaterThanOrEqual(4);
    const keys = members.map((m) => `${m[1]} ${m[2]}`);
    expect(new Set(keys).size, keys.join('\n')).toBe(keys.length);
    // fc1.weight is in every epoch: each row of it names a different commit, tagged where it has a tag.
    expect(keys.filter((k) => k.endsWith('model.safetensors:fc1.weight')).length).toBeGreaterThanOrEqual(3);
    expect(keys).toContainEqual(expect.stringMatching(/^[0-9a-f]{12} \(epoch1\) model\.safetensors:fc1\.weight$/));
    expect(keys).toContainEqual('staged model.safetensors:fc1.weight');
  });

  it('export writes <rev>.<format> in the current folder when -o is left out; --help marks required options', async () => {
    const out = await reef(['export', 'epoch1', '--format', 'safetensors'], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/byte-identical to the file that was added/);
    expect(readFileSync(join(dir, 'epoch1.safetensors')).equals(Buffer.from(epoch(1)))).toBe(true);
    // A revision that is not a plain name never picks a folder.
    expect((await reef(['export', 'HEAD~1', '--format', 'npz'], dir)).code).toBe(0);
    expect(existsSync(join(dir, 'HEAD_1.npz'))).toBe(true);
    const help = (await reef(['export', '--help'], dir)).stdout;
    expect(help).toMatch(/--format <format>\s+safetensors or npz \(required\)/);
    expect(help).toMatch(/-o, --output <file>\s+file to write \(default: <rev>\.<format>/);
    // The lossy commit's export is not the added file, and says so.
    const lossy = await reef(['export', 'HEAD', '--format', 'safetensors', '-o', 'e3.safetensors'], dir);
    expect(lossy.stdout).toMatch(/lossy: \d+ of 3 tensor\(s\) approximate, recorded bound: max relative error 0\.001/);
    expect(lossy.stdout).not.toMatch(/byte-identical/);
    expect(readFileSync(join(dir, 'e3.safetensors')).equals(Buffer.from(epoch(3)))).toBe(false);
  });
});
