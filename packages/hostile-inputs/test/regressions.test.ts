import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReefError, Registry } from '@reef/core';
import { Repository } from '@reef/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCases, type CaseReport, type FuzzCase, type ReaderName } from '../src/index.js';

const hostile = fileURLToPath(new URL('../../../fixtures/hostile/', import.meta.url));

/** Growth of a worker's peak memory that a refused file may cause: far below what the files claim. */
const MEMORY_SLACK = 96 * 1024 * 1024;

interface Regression {
  readonly file: string;
  readonly reader: ReaderName;
  /** What the one-line error must say. */
  readonly says: RegExp;
}

// One entry per regression file (fixtures/hostile/README.md), read the way it once broke Reef.
const REGRESSIONS: readonly Regression[] = [
  { file: 'h5-diag.hdf5', reader: 'hdf5', says: /h5-diag\.hdf5: cannot read it as an ann-benchmarks HDF5 file: H5Gget_objinfo\(\): can't get info for object: '\/train'/ },
  // Its damaged attribute heap makes HDF5 either report a bad heap index or abort(), depending on what the
  // wasm heap held before (the sweep sees the abort): both must be one line (packages/hdf5 tests the abort).
  { file: 'h5-abort.hdf5', reader: 'hdf5', says: /h5-abort\.hdf5: cannot read it as an ann-benchmarks HDF5 file: (H5Aread\(\): can't synchronously read data|the HDF5 library aborted while reading it)/ },
  { file: 'h5-claim-2e24x16.hdf5', reader: 'hdf5', says: /h5-claim-2e24x16\.hdf5: 'train' declares 16777216 × 16 values of 4 bytes \(1073741824 bytes\) but the file holds only 7184 bytes/ },
  { file: 'h5-neighbors-oob.hdf5', reader: 'hdf5', says: /h5-neighbors-oob\.hdf5: neighbors row \d+ holds id -?\d+, outside \[0, 200\)/ },
  { file: 'fvecs-dim-huge.fvecs', reader: 'vecs', says: /fvecs-dim-huge\.fvecs: first fvecs record declares dimension 268435456/ },
  { file: 'npy-huge-shape.npy', reader: 'npy', says: /npy-huge-shape\.npy: <f4 array of shape \(\d+\) needs \d+ data bytes, the file has 512 \(truncated\)/ },
  { file: 'npy-huge-shape.npy', reader: 'npy-dataset', says: /npy-huge-shape\.npy: expected a 2-D array/ },
  { file: 'npy-multiline.npy', reader: 'npy', says: /npy-multiline\.npy: npy header has no 'fortran_order': \{'descr'.*\\u000a/ },
  { file: 'npz-bomb.npz', reader: 'npz', says: /npz-bomb\.npz:w\.npy: <f4 array of shape \(268435456\) needs 1073741824 data bytes/ },
  { file: 'st-huge-shape.safetensors', reader: 'safetensors', says: /st-huge-shape\.safetensors: tensor 'w' \(F32 \[\d+, \d+\]\) needs \d+ bytes but data_offsets \[0, 512\] span 512/ },
  { file: 'no-such-file.hdf5', reader: 'hdf5', says: /no such file: .*no-such-file\.hdf5/ },
  { file: 'no-such-file.fvecs', reader: 'vecs', says: /no such file: .*no-such-file\.fvecs/ },
];

describe('regression files of issue 18 (fixtures/hostile)', () => {
  const cases: FuzzCase[] = REGRESSIONS.map((r, id) => ({ id, reader: r.reader, path: `${hostile}${r.file}`, label: r.file, mutation: 'regression' }));
  let reports: CaseReport[] = [];

  beforeAll(async () => {
    // Child processes: an abort, hang or blow-up must show up as an outcome, not take the test runner down.
    reports = await runCases(cases, { workers: 1, caseTimeoutMs: 60_000 });
  }, 300_000);

  for (const [i, r] of REGRESSIONS.entries()) {
    it(`${r.file} (${r.reader}): one clean line, nothing on stderr, bounded memory`, () => {
      const report = reports[i];
      expect(report.outcome, report.detail).toBe('clean error');
      expect(report.detail).toMatch(r.says);
      expect(report.detail).not.toMatch(/[\u0000-\u001f\u007f]/); // no raw control bytes from the file
      expect(report.peakRssGrowth).toBeLessThan(MEMORY_SLACK);
    });
  }

});

// Duplicate members parse fine (a zip may name an entry twice); `reef add` refuses them, since one
// name would stand for two contents. Through the store itself, into a real repository.
describe('npz-dup-member.npz (reef add)', () => {
  it('refused by add in one line naming the file and the member; nothing staged, nothing stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reef-dup-member-'));
    try {
      copyFileSync(`${hostile}npz-dup-member.npz`, join(dir, 'npz-dup-member.npz'));
      const repo = Repository.init(dir, { registry: new Registry() });
      try {
        const refused = await repo.add(['npz-dup-member.npz'], { cwd: dir }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(refused).toBeInstanceOf(ReefError);
        expect((refused as ReefError).code).toBe('BAD_FILE');
        expect((refused as Error).message).toMatch(/^npz-dup-member\.npz: tensor 'w' appears twice \(duplicate member\)/);
        expect((refused as Error).message).not.toMatch(/\n/);
        expect(repo.status().staged).toEqual([]);
        expect(readdirSync(join(dir, '.reef', 'packs')).filter((f) => !f.startsWith('.'))).toEqual([]);
        expect((await repo.fsck()).problems).toEqual([]);
      } finally {
        repo.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
