import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';
import deltaPq from '@reef/delta-pq';
import deltaQuantized from '@reef/delta-quantized';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, parseSafetensors, toFloat64 } from '../src/index.js';
import { FIXTURES, tempDir } from './helpers.js';

/**
 * fixtures/store-repo-v1 is a repository written by the `reef` CLI before @reef/codecs existed
 * (scripts/make-store-fixture.mjs, run at commit e176282). Whatever the store's code becomes, such a
 * repository must still open, verify, and give back every file it was given.
 */
const FIXTURE = join(FIXTURES, 'store-repo-v1');

interface ExpectedCommit {
  readonly rev: string;
  readonly message: string;
  /** sha256 of each file as the commit gives it back: as added for lossless commits, as exported at generation for the lossy one. */
  readonly files: Record<string, string>;
  readonly branch?: string;
  readonly lossy?: { readonly maxRelError: number; readonly path: string; readonly source: string; readonly sourceSha256: string };
}
interface Expected {
  readonly commits: ExpectedCommit[];
  readonly refs: { readonly tag: Record<string, string>; readonly branches: Record<string, string> };
}
const expected = JSON.parse(readFileSync(join(FIXTURE, 'EXPECTED.json'), 'utf8')) as Expected;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A copy of the fixture repository opened with the delta types it was written with (the fixture itself is never written). */
function openCopy(): { repo: Repository; dir: string } {
  const { dir, cleanup } = tempDir();
  cpSync(join(FIXTURE, 'reef'), join(dir, '.reef'), { recursive: true });
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  registry.use(deltaQuantized, '@reef/delta-quantized');
  registry.use(deltaPq, '@reef/delta-pq');
  const repo = Repository.open(dir, { registry });
  cleanups.push(() => {
    repo.close();
    cleanup();
  });
  return { repo, dir };
}

function relativeL2(original: Float64Array, decoded: Float64Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < original.length; i++) {
    diff += (original[i] - decoded[i]) ** 2;
    norm += original[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

describe('a repository written by earlier code (fixtures/store-repo-v1)', () => {
  it('opens and passes fsck with no problems and no garbage', async () => {
    const { repo } = openCopy();
    const result = await repo.fsck();
    expect(result.problems).toEqual([]);
    expect(result.garbage).toEqual([]);
    expect(result.commits).toBe(expected.commits.length);
  }, 120_000);

  it('keeps its branches, tag and history', () => {
    const { repo } = openCopy();
    expect(Object.fromEntries(repo.branches().map((b) => [b.name, b.hash]))).toEqual(expected.refs.branches);
    expect(Object.fromEntries(repo.tags().map((t) => [t.name, t.hash]))).toEqual(expected.refs.tag);
    expect(repo.log('main').map((c) => c.message).reverse()).toEqual(expected.commits.filter((c) => !c.branch).map((c) => c.message));
  });

  it('gives back every file of every commit byte for byte', async () => {
    const { repo } = openCopy();
    let files = 0;
    for (const commit of expected.commits) {
      const tree = repo.commitAt(commit.rev).tree;
      expect(Object.keys(tree).sort()).toEqual(Object.keys(commit.files).sort());
      for (const [path, hash] of Object.entries(commit.files)) {
        expect({ path, message: commit.message, sha256: sha256(await repo.fileBytes(path, tree[path])) }).toEqual({ path, message: commit.message, sha256: hash });
        files++;
      }
    }
    expect(files).toBeGreaterThan(20);
  }, 120_000);

  it('exports the lossy commit within its recorded bound of the file that was added', async () => {
    const lossy = expected.commits.find((c) => c.lossy)!.lossy!;
    const source = readFileSync(join(FIXTURE, lossy.source));
    expect(sha256(source)).toBe(lossy.sourceSha256);
    const { repo } = openCopy();
    const { bytes } = await repo.export(expected.refs.branches.main, { format: 'safetensors', path: lossy.path });
    const decoded = parseSafetensors(bytes, 'export').tensors;
    const original = parseSafetensors(source, lossy.source).tensors;
    expect(decoded.map((t) => t.name)).toEqual(original.map((t) => t.name));
    let changed = 0;
    for (const [k, { name, tensor }] of original.entries()) {
      if (tensor.dtype === 'i64') {
        expect(Array.from(decoded[k].tensor.data), name).toEqual(Array.from(tensor.data));
        continue;
      }
      const error = relativeL2(toFloat64(tensor), toFloat64(decoded[k].tensor));
      expect(error, name).toBeLessThanOrEqual(lossy.maxRelError);
      if (error > 0) changed++;
    }
    // Lossy encodings really are in play (not a lossless export passing the bound trivially).
    expect(changed).toBeGreaterThan(0);
  }, 120_000);

  it('takes a new commit on top of the old objects and gives it back byte for byte', async () => {
    const { repo, dir } = openCopy();
    const step2 = expected.commits.find((c) => c.message === 'step 2')!;
    await repo.checkout(step2.rev, { force: true });
    const path = join(dir, 'model.safetensors');
    const bytes = new Uint8Array(readFileSync(path));
    // Nudge one f32 weight so exactly that tensor changes.
    const dense = parseSafetensors(bytes, 'model').tensors.find((t) => t.name === 'dense')!.tensor;
    const at = dense.data.byteOffset - bytes.byteOffset;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setFloat32(at, view.getFloat32(at, true) + 1e-3, true);
    writeFileSync(path, bytes);
    await repo.add(['model.safetensors'], { cwd: dir });
    const commit = repo.commit('on top of an old repository');
    const record = commit.tree['model.safetensors'].tensors.find((t) => t.name === 'dense')!;
    expect(record.hash).not.toBe(repo.commitAt(step2.rev).tree['model.safetensors'].tensors.find((t) => t.name === 'dense')!.hash);
    expect(sha256(await repo.fileBytes('model.safetensors', commit.tree['model.safetensors']))).toBe(sha256(bytes));
    expect((await repo.fsck()).problems).toEqual([]);
  }, 120_000);
});
