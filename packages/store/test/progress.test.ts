import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROGRESS, type ProgressAmount } from '@reef/core';
import { describe, expect, it } from 'vitest';
import { Repository } from '../src/index.js';
import { FIXTURES, losslessRegistry, tempDir } from './helpers.js';

/** Every report the store makes, as the host's PROGRESS service receives them. */
function collecting() {
  const reports: { fraction: number; label: string; amount?: ProgressAmount }[] = [];
  const registry = losslessRegistry().provide(PROGRESS, { report: (fraction, label, amount) => reports.push({ fraction, label, amount }) });
  return { registry, reports, of: (label: string) => reports.filter((r) => r.label === label) };
}

/** A task's reports: fractions rising from 0 and ending at 1, bytes counting up to the total. */
function expectWholeTask(reports: { fraction: number; amount?: ProgressAmount }[], totalBytes: number): void {
  expect(reports.length).toBeGreaterThan(1);
  expect(reports[0].fraction).toBe(0);
  expect(reports.at(-1)?.fraction).toBe(1);
  for (let i = 1; i < reports.length; i++) expect(reports[i].fraction).toBeGreaterThanOrEqual(reports[i - 1].fraction);
  for (const r of reports) expect(r.amount).toMatchObject({ total: totalBytes, unit: 'bytes' });
  // Before the end the bytes reported are what was done; the last says all of it.
  expect(reports.at(-2)?.amount?.done).toBe(totalBytes);
  expect(reports.at(-1)?.amount?.done).toBe(totalBytes);
}

describe('progress of store work', () => {
  it('add, export, checkout and fsck report their bytes to the PROGRESS service, each ending at 1', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { registry, of } = collecting();
      const repo = Repository.init(dir, { registry });
      copyFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'), join(dir, 'model.safetensors'));
      const size = statSync(join(dir, 'model.safetensors')).size;
      await repo.add(['model.safetensors'], { cwd: dir });
      expectWholeTask(of('add'), size);
      repo.commit('one');
      await repo.exportTo('HEAD', join(dir, 'out.safetensors'), { format: 'safetensors' });
      expectWholeTask(of('export'), size);
      await repo.checkout('HEAD', { force: true });
      expectWholeTask(of('checkout'), size);
      const fsck = await repo.fsck();
      expect(fsck.problems).toEqual([]);
      // fsck decodes every object, then rebuilds the file: both counted.
      const tensorBytes = repo.objects.all().reduce((n, o) => n + o.rawBytes, 0);
      expectWholeTask(of('fsck'), tensorBytes + size);
      repo.close();
    } finally {
      cleanup();
    }
  });
});
