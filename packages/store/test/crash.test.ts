import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { tempDir, losslessRegistry } from './helpers.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child', 'commit.mjs');
const GC_CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child', 'gc.mjs');

function checkpoint(n: number, step: number): Uint8Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.1 + step) * 0.1;
  return writeSafetensors([{ name: 'w', tensor: { dtype: 'f32', shape: [n], data: new Uint8Array(v.buffer) } }]);
}

/** Runs the child until it reports `stage` (or finishes), then kills it with SIGKILL. */
function runAndKill(repoDir: string, file: string, stage: string, script = CHILD): Promise<{ stages: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const args = script === CHILD ? [script, repoDir, file, stage] : [script, repoDir, stage];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('crash safety', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('an add whose objects all go inline (no HDF5 file), killed at each of its write steps, leaves earlier commits intact and fsck clean', async () => {
    const { dir: small, cleanup: done } = tempDir();
    try {
      const repo = Repository.init(small, { registry: losslessRegistry() });
      const first = checkpoint(64, 0); // 256 B: kept in the pack's manifest
      writeFileSync(join(small, 'model.safetensors'), first);
      await repo.add(['model.safetensors'], { cwd: small });
      repo.commit('step 0');
      repo.close();
      expect(readdirSync(join(small, '.reef', 'packs')).filter((f) => f.endsWith('.h5'))).toEqual([]);
      for (const [k, stage] of ['parsed model.safetensors', 'manifest-written', 'index-written', 'commit-written'].entries()) {
        writeFileSync(join(small, 'model.safetensors'), checkpoint(64, 10 + k));
        const run = await runAndKill(small, 'model.safetensors', stage);
        expect(run.signal).toBe('SIGKILL');
        expect(run.stages).toContain(stage);
        expect(run.stages).not.toContain('pack-written');
        const after = Repository.open(small, { registry: losslessRegistry() });
        expect((await after.fsck()).problems, `after a kill at ${stage}`).toEqual([]);
        const log = after.log();
        expect(log.at(-1)?.message).toBe('step 0');
        expect(Buffer.from((await after.export(log.at(-1)!.hash, { format: 'safetensors' })).bytes).equals(Buffer.from(first))).toBe(true);
        after.close();
      }
    } finally {
      done();
    }
  });

  it('a commit killed (SIGKILL) at any write step leaves earlier commits intact and fsck clean', async () => {
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    const earlier: Uint8Array[] = [];
    for (let step = 0; step < 2; step++) {
      earlier.push(checkpoint(50_000, step));
      writeFileSync(join(dir, 'model.safetensors'), earlier[step]);
      await repo.add(['model.safetensors'], { cwd: dir });
      repo.commit(`step ${step}`);
    }
    repo.close();
    const stages = ['parsed model.safetensors', 'pack-written', 'pack-renamed', 'manifest-written', 'index-written', 'commit-written'];
    for (const [k, stage] of stages.entries()) {
      writeFileSync(join(dir, 'model.safetensors'), checkpoint(50_000, 10 + k));
      const run = await runAndKill(dir, 'model.safetensors', stage);
      expect(run.signal).toBe('SIGKILL');
      expect(run.stages).toContain(stage);
      expect(run.stages).not.toContain('done');
      expect(existsSync(join(dir, '.reef', 'lock'))).toBe(true); // the killed process never released it

      const after = Repository.open(dir, { registry: losslessRegistry() });
      const fsck = await after.fsck();
      expect(fsck.problems, `after a kill at ${stage}`).toEqual([]);
      const log = after.log();
      expect(log.map((c) => c.message).slice(-2)).toEqual(['step 1', 'step 0']);
      for (let step = 0; step < 2; step++) {
        const out = await after.export(`HEAD~${log.length - 1 - step}`, { format: 'safetensors' });
        expect(Buffer.from(out.bytes).equals(Buffer.from(earlier[step])), `step ${step} after a kill at ${stage}`).toBe(true);
      }
      after.close();
    }
    // Leftovers are garbage, not damage: gc clears them, and the repository takes new commits.
    const repo2 = Repository.open(dir, { registry: losslessRegistry() });
    const gc = await repo2.gc();
    expect(gc.filesRemoved + gc.packsRemoved + gc.objectsRemoved).toBeGreaterThan(0);
    expect((await repo2.fsck()).garbage).toEqual([]);
    const final = checkpoint(50_000, 99);
    writeFileSync(join(dir, 'model.safetensors'), final);
    await repo2.add(['model.safetensors'], { cwd: dir });
    repo2.commit('after the crashes');
    expect(Buffer.from((await repo2.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(final))).toBe(true);
    expect((await repo2.fsck()).problems).toEqual([]);
    expect(readdirSync(join(dir, '.reef', 'packs')).some((f) => f.includes('.tmp-'))).toBe(false);
    expect(readFileSync(join(dir, '.reef', 'HEAD'), 'utf8')).toContain('refs/heads/main');
    repo2.close();
  }, 60_000);

  it('a second committer is refused with a lock error while the first is mid-write, and nothing is lost', async () => {
    writeFileSync(join(dir, 'model.safetensors'), checkpoint(50_000, 200));
    const first = spawn(process.execPath, [CHILD, dir, 'model.safetensors', 'pack-renamed'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => {
      first.stdout.setEncoding('utf8').on('data', (c: string) => {
        if (c.includes('stage pack-renamed')) resolve();
      });
    });
    const second = spawn(process.execPath, [CHILD, dir, 'model.safetensors', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    second.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(new RegExp(`locked by process ${first.pid}`));
    const firstExit = new Promise((resolve) => first.on('exit', resolve));
    first.kill('SIGKILL');
    await firstExit;
    const repo = Repository.open(dir, { registry: losslessRegistry() });
    expect((await repo.fsck()).problems).toEqual([]);
    expect(repo.log()[0].message).toBe('after the crashes');
    repo.close();
  }, 60_000);

  it('a gc killed (SIGKILL) while retiring an unreachable commit\'s pack leaves no commit pointing at missing tensors', async () => {
    const { dir: gcDir, cleanup: gcCleanup } = tempDir();
    try {
      const repo = Repository.init(gcDir, { registry: losslessRegistry() });
      const kept = checkpoint(30_000, 1);
      writeFileSync(join(gcDir, 'keep.safetensors'), kept);
      await repo.add(['keep.safetensors'], { cwd: gcDir });
      repo.commit('keep');
      // A commit on a branch that is then deleted: unreachable, its tensors alone in their own pack.
      repo.createBranch('side');
      await repo.checkout('side');
      writeFileSync(join(gcDir, 'drop.safetensors'), checkpoint(20_000, 2));
      await repo.add(['drop.safetensors'], { cwd: gcDir });
      const dropped = repo.commit('dropped').hash;
      await repo.checkout('main', { force: true });
      repo.deleteBranch('side');
      repo.close();
      const run = await runAndKill(gcDir, '', 'manifest-retired', GC_CHILD);
      expect(run.signal).toBe('SIGKILL');
      expect(run.stages).toEqual(expect.arrayContaining(['commits-removed', 'manifest-retired']));
      const after = Repository.open(gcDir, { registry: losslessRegistry() });
      const fsck = await after.fsck();
      expect(fsck.problems).toEqual([]);
      expect(() => after.show(dropped)).toThrow(); // removed before its pack
      expect(Buffer.from((await after.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(kept))).toBe(true);
      after.close();
    } finally {
      gcCleanup();
    }
  }, 60_000);

  it('an unreachable commit whose pack an older gc already removed: fsck lists it as garbage, gc removes it', async () => {
    const { dir: gcDir, cleanup: gcCleanup } = tempDir();
    try {
      const repo = Repository.init(gcDir, { registry: losslessRegistry() });
      writeFileSync(join(gcDir, 'keep.safetensors'), checkpoint(30_000, 1));
      await repo.add(['keep.safetensors'], { cwd: gcDir });
      repo.commit('keep');
      const packsBefore = new Set(readdirSync(join(gcDir, '.reef', 'packs')));
      repo.createBranch('side');
      await repo.checkout('side');
      writeFileSync(join(gcDir, 'drop.safetensors'), checkpoint(20_000, 2));
      await repo.add(['drop.safetensors'], { cwd: gcDir });
      const dropped = repo.commit('dropped').hash;
      await repo.checkout('main', { force: true });
      repo.deleteBranch('side');
      repo.close();
      // What an older gc killed between retiring the pack and removing the commit left.
      for (const f of readdirSync(join(gcDir, '.reef', 'packs'))) if (!packsBefore.has(f)) rmSync(join(gcDir, '.reef', 'packs', f));
      const after = Repository.open(gcDir, { registry: losslessRegistry() });
      const fsck = await after.fsck();
      expect(fsck.problems).toEqual([]);
      expect(fsck.garbage).toEqual([expect.stringMatching(new RegExp(`^commit ${dropped.slice(0, 12)}: drop\\.safetensors needs \\d+ missing tensor\\(s\\).*\\(unreachable; gc removes it\\)$`))]);
      expect((await after.gc()).commitsRemoved).toBe(1);
      expect(await after.fsck()).toMatchObject({ problems: [], garbage: [] });
      after.close();
    } finally {
      gcCleanup();
    }
  }, 60_000);

  it('a gc killed (SIGKILL) while rewriting packs loses nothing reachable', async () => {
    const { dir: gcDir, cleanup: gcCleanup } = tempDir();
    try {
      const repo = Repository.init(gcDir, { registry: losslessRegistry() });
      const kept = checkpoint(30_000, 1);
      writeFileSync(join(gcDir, 'keep.safetensors'), kept);
      writeFileSync(join(gcDir, 'drop.safetensors'), checkpoint(20_000, 2));
      // One pack holds both files' tensors; only keep.safetensors is committed, so gc must rewrite it.
      await repo.add(['keep.safetensors', 'drop.safetensors'], { cwd: gcDir });
      repo.remove('drop.safetensors');
      repo.commit('keep only');
      repo.close();
      for (const stage of ['pack-written', 'manifest-written', 'manifest-retired']) {
        const run = await runAndKill(gcDir, '', stage, GC_CHILD);
        expect(run.signal).toBe('SIGKILL');
        expect(run.stages).toContain(stage);
        const after = Repository.open(gcDir, { registry: losslessRegistry() });
        expect((await after.fsck()).problems, `after a gc kill at ${stage}`).toEqual([]);
        expect(Buffer.from((await after.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(kept))).toBe(true);
        after.close();
      }
      const final = Repository.open(gcDir, { registry: losslessRegistry() });
      await final.gc();
      const fsck = await final.fsck();
      expect(fsck.problems).toEqual([]);
      expect(fsck.garbage).toEqual([]);
      expect(final.stats().objects).toBe(1);
      final.close();
    } finally {
      gcCleanup();
    }
  }, 60_000);
});
