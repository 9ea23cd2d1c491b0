import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '@reef/store';
import { afterAll, describe, expect, it } from 'vitest';
import { runReef as reef, noise } from './run-reef.js';




/** Fine-tuned variants of one base: the base plus 0.1% noise, and a small bias. */
function variant(k: number): Uint8Array {
  const base = noise(7, 48_000);
  const jitter = noise(100 + k, 48_000);
  const w = base.map((x, i) => 0.05 * (x + 1e-3 * jitter[i]));
  const bias = noise(200 + k, 8);
  return writeSafetensors([
    { name: 'w1', tensor: { dtype: 'f32', shape: [400, 120], data: new Uint8Array(w.buffer) } },
    { name: 'bias', tensor: { dtype: 'f32', shape: [8], data: new Uint8Array(bias.buffer) } },
  ]);
}

describe('reef cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-cli-cluster-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('analyzes without writing, applies, and keeps every export byte-exact', async () => {
    expect((await reef(['cluster', 'apply', '--help'], dir)).stdout).toMatch(/--threshold[\s\S]*--k[\s\S]*--centroid[\s\S]*--min-size/);
    expect((await reef(['init'], dir)).code).toBe(0);
    const files = [0, 1, 2, 3, 4].map((k) => `v${k}.safetensors`);
    files.forEach((f, k) => writeFileSync(join(dir, f), variant(k)));
    expect((await reef(['add', ...files], dir)).code).toBe(0);
    expect((await reef(['commit', '-m', 'variants'], dir)).code).toBe(0);

    const analyze = await reef(['cluster', 'analyze', '-v'], dir);
    expect(analyze.code, analyze.stderr).toBe(0);
    expect(analyze.stdout).toMatch(/cluster 1: f32 \[400, 120\], 5 tensors/);
    // One row per member: the commit that holds it, file:tensor, how it is stored now, the plan.
    expect(analyze.stdout).toMatch(/ [0-9a-f]{12} +v2\.safetensors:w1 +whole [\d.]+ KiB +(kept \(|(xor-planes|float-diff|sparse|low-rank-residual|pq-lossless) vs (centroid|medoid) )/);
    expect(analyze.stdout).toMatch(/paying clusters: .*\(saves/);
    expect(analyze.stdout).toMatch(/projected with a mean centroid .* with the medoid /);
    expect(analyze.stdout).toMatch(/projection measured/);
    const json = JSON.parse((await reef(['cluster', 'analyze', '--json'], dir)).stdout) as { bytesNow: number; bytesProjected: number };
    expect(json.bytesProjected).toBeLessThan(json.bytesNow);

    const refused = await reef(['cluster', 'apply', '--select', 'v0.safetensors:w1', 'v0.safetensors:bias', '--one-cluster'], dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cannot cluster tensors of different dtypes or shapes/);

    const apply = await reef(['cluster', 'apply', '--centroid', 'mean'], dir);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/wrote pack-\S+: 1 centroid\(s\), 5 re-encoded tensor\(s\)/);
    expect((await reef(['stats'], dir)).stdout).toMatch(/^1 cluster centroid\(s\)/m);
    expect((await reef(['gc'], dir)).code).toBe(0);
    const fsck = await reef(['fsck'], dir);
    expect(fsck.code, fsck.stdout).toBe(0);
    expect(fsck.stdout).toMatch(/no problems found/);
    // A checkout rebuilds every file from the re-encoded objects, byte for byte.
    for (const f of files) rmSync(join(dir, f));
    expect((await reef(['checkout', 'main', '--force'], dir)).code).toBe(0);
    for (const [k, f] of files.entries()) expect(readFileSync(join(dir, f)).equals(Buffer.from(variant(k))), f).toBe(true);
  }, 300_000); // some 15 reef processes: on a loaded 2-core machine each can take 10 s or more
});
