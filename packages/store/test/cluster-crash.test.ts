import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CENTROID_KIND, Repository } from '../src/index.js';
import { snapshot, writeVariants } from './cluster-fixtures.js';
import { tempDir, losslessRegistry } from './helpers.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child', 'cluster-apply.mjs');
const GC_CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child', 'gc.mjs');

/** Runs `cluster apply` in a child until it reports `stage`, then kills it with SIGKILL. */
function applyAndKill(repoDir: string, stage: string, script = CHILD): Promise<{ stages: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, repoDir, stage], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stages: string[] = [];
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        stages.push(line.replace(/^stage /, ''));
        if (line === `stage ${stage}`) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ stages, signal });
    });
  });
}

describe('cluster apply crash safety', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('killed (SIGKILL) at each write step, and gc after it too: earlier state intact, fsck clean, exports byte-exact', async () => {
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    // Biases of 500 elements (2,000 B): above the manifest's inline limit, so the packs gc rewrites below keep an HDF5 file to write.
    const { files, bytes } = writeVariants(dir, 5, 1, 'v', 48_000, 500);
    await repo.add(files, { cwd: dir });
    repo.commit('variants');
    const before = repo.objects.all();
    repo.close();
    const packs = join(dir, '.reef', 'packs');
    const listed = (): string[] => readdirSync(packs).filter((f) => f.endsWith('.json')).sort();
    const manifestsBefore = listed();

    // Before the manifest is renamed into place, the old encodings stay in force.
    for (const stage of ['cluster-planned', 'pack-written', 'pack-renamed']) {
      const run = await applyAndKill(dir, stage);
      expect(run.signal).toBe('SIGKILL');
      expect(run.stages).toContain(stage);
      expect(run.stages).not.toContain('done');
      expect(existsSync(join(dir, '.reef', 'lock'))).toBe(true); // the killed process never released it
      expect(listed(), `after a kill at ${stage}`).toEqual(manifestsBefore);
      const after = Repository.open(dir, { registry: losslessRegistry() });
      expect(after.objects.all(), `after a kill at ${stage}`).toEqual(before);
      const fsck = await after.fsck();
      expect(fsck.problems, `after a kill at ${stage}`).toEqual([]);
      for (const [i, path] of files.entries()) {
        expect(Buffer.from((await after.export('HEAD', { format: 'safetensors', path })).bytes).equals(Buffer.from(bytes[i]))).toBe(true);
      }
      after.close();
    }

    // Once the manifest is in place the switch is complete, even though the process never finished.
    const run = await applyAndKill(dir, 'manifest-written');
    expect(run.stages).not.toContain('cluster-applied');
    const switched = Repository.open(dir, { registry: losslessRegistry() });
    const centroids = switched.objects.all().filter((o) => o.kind === CENTROID_KIND);
    expect(centroids).toHaveLength(1);
    const members = switched.objects.all().filter((o) => o.reference === centroids[0].hash);
    expect(members).toHaveLength(5);
    expect((await switched.fsck()).problems).toEqual([]);
    for (const [i, path] of files.entries()) {
      expect(Buffer.from((await switched.export('HEAD', { format: 'safetensors', path })).bytes).equals(Buffer.from(bytes[i]))).toBe(true);
    }

    switched.close();

    // A gc killed while it rewrites the packs holding superseded copies loses nothing either.
    for (const stage of ['pack-written', 'manifest-written', 'manifest-retired']) {
      const gcRun = await applyAndKill(dir, stage, GC_CHILD);
      expect(gcRun.stages, `gc stages: ${gcRun.stages.join(', ')}`).toContain(stage);
      const after = Repository.open(dir, { registry: losslessRegistry() });
      expect((await after.fsck()).problems, `after a gc kill at ${stage}`).toEqual([]);
      expect(after.objects.all().filter((o) => o.reference === centroids[0].hash)).toHaveLength(5);
      for (const [i, path] of files.entries()) {
        expect(Buffer.from((await after.export('HEAD', { format: 'safetensors', path })).bytes).equals(Buffer.from(bytes[i]))).toBe(true);
      }
      after.close();
    }

    // The leftovers are garbage: gc removes them with the superseded copies, and a rerun has nothing to do.
    const final = Repository.open(dir, { registry: losslessRegistry() });
    await final.gc();
    const fsck = await final.fsck();
    expect(fsck.problems).toEqual([]);
    expect(fsck.garbage).toEqual([]);
    expect(readdirSync(packs).some((f) => f.includes('.tmp-'))).toBe(false);
    final.close();
    const snap = snapshot(join(dir, '.reef'));
    const rerun = await applyAndKill(dir, 'none');
    expect(rerun.stages).toContain('done');
    expect(rerun.stages).not.toContain('pack-written');
    expect(snapshot(join(dir, '.reef'))).toEqual(snap);
  }, 60_000);
});
