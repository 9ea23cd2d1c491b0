import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repository, writeSafetensors } from '../src/index.js';
import { COMMIT_FORMAT } from '../src/history.js';
import type { CommitRecord } from '../src/model.js';
import { losslessRegistry, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A model of many named tensors: its safetensors header is long JSON, which deflates well. */
function model(): Uint8Array {
  return writeSafetensors(Array.from({ length: 24 }, (_, k) => ({ name: `encoder.layers.${k}.attention.bias`, tensor: { dtype: 'f32' as const, shape: [4], data: new Uint8Array(new Float32Array([k, k + 1, k + 2, k + 3]).buffer) } })));
}

describe('commit records (format 2)', () => {
  it('keep a long header literal raw-deflated, shorter than base64, and give the file back byte-exact', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    const bytes = model();
    writeFileSync(join(dir, 'm.safetensors'), bytes);
    await repo.add(['m.safetensors'], { cwd: dir });
    const c = repo.commit('one');
    repo.close();
    const record = JSON.parse(readFileSync(join(dir, '.reef', 'commits', `${c.hash}.json`), 'utf8')) as CommitRecord;
    expect(record.format).toBe(COMMIT_FORMAT);
    const [head] = record.tree['m.safetensors'].layout;
    expect(head).toHaveProperty('deflated');
    const headerBytes = 8 + Number(Buffer.from(bytes).readBigUInt64LE(0));
    expect(('deflated' in head ? head.deflated : '').length).toBeLessThan(Buffer.from(bytes.subarray(0, headerBytes)).toString('base64').length / 2);
    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    try {
      expect(Buffer.from((await reopened.export('HEAD', { format: 'safetensors' })).bytes).equals(Buffer.from(bytes))).toBe(true);
      expect((await reopened.fsck()).problems).toEqual([]);
    } finally {
      reopened.close();
    }
  });

  it('a record of an unknown format is refused with one clear line naming it', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    writeFileSync(join(dir, 'm.safetensors'), model());
    await repo.add(['m.safetensors'], { cwd: dir });
    const c = repo.commit('one');
    repo.close();
    // A record as a later reef might write it, under its own hash, with HEAD pointing at it.
    const text = readFileSync(join(dir, '.reef', 'commits', `${c.hash}.json`), 'utf8').replace(`"format":${COMMIT_FORMAT}`, '"format":7');
    const hash = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(dir, '.reef', 'commits', `${hash}.json`), text);
    writeFileSync(join(dir, '.reef', 'refs', 'heads', 'main'), `${hash}\n`);
    expect(readdirSync(join(dir, '.reef', 'commits'))).toHaveLength(2);
    const reopened = Repository.open(dir, { registry: losslessRegistry() });
    try {
      expect(() => reopened.log()).toThrow(new RegExp(`commit ${hash.slice(0, 12)} has format 7, which this reef does not read \\(it reads 1, 2\\); upgrade @reef/store`));
    } finally {
      reopened.close();
    }
  });
});
