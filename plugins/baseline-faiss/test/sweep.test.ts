import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { faissPython } from '../src/index.js';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));
const sweepBin = join(dirname(createRequire(import.meta.url).resolve('@reef/sweep/package.json')), 'dist/bin.js');
const probe = faissPython();
if (probe.python === undefined) console.log(`skipping the FAISS sweep test: ${probe.reason}`);

const scratch = mkdtempSync(join(tmpdir(), 'reef-faiss-sweep-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The sweep CLI in a real process, loading this plugin by its folder (nothing depends on it). */
function sweep(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [sweepBin, '--plugin', pluginDir, ...args], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// A seeded synthetic set: no fixture ships it. 4-bit sub-codes keep FAISS's k-means short.
const COMMON = ['--dataset', 'gaussian:n=1500,dim=32', '--queries', '40', '--pq-m', '8', '--pq-nbits', '4', '--no-png', '--quiet'];

describe('pnpm sweep --methods pq,faiss-pq', () => {
  it.skipIf(probe.python === undefined)('puts Reef PQ and FAISS PQ side by side, with Reef ÷ FAISS ratios', async () => {
    const out = join(scratch, 'both');
    const run = await sweep(['--methods', 'pq,faiss-pq', '--faiss-pq-m', '8', '--faiss-pq-nbits', '4', '--out', out, ...COMMON]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PQ\(m=8, nbits=4\) +32/);
    expect(run.stdout).toMatch(/FAISS PQ\(m=8, nbits=4\) \[base\]/);
    const ratio = /PQ\(m=8, nbits=4\) vs FAISS PQ\(m=8, nbits=4\): fit (\d+\.\d+)×, search (\d+\.\d+)×, R@10 adc (\d+\.\d+)×/.exec(run.stdout);
    expect(ratio, run.stdout).not.toBeNull();
    // Same data, same code size: both rank about as well (a PQ trained by either library).
    expect(Number(ratio![3])).toBeGreaterThan(0.7);
    expect(Number(ratio![3])).toBeLessThan(1.4);
    // Without the <wbr> break hints the results tables put into configuration names.
    const html = readFileSync(join(out, 'report.html'), 'utf8').replaceAll('<wbr>', '');
    expect(html).toContain('FAISS PQ(m=8, nbits=4) (baseline)');
    expect(html).toMatch(/<table id="baseline-ratios">[\s\S]*PQ\(m=8, nbits=4\)<\/td><td>FAISS PQ\(m=8, nbits=4\)/);
  });

  it('runs the Reef method and says why FAISS is skipped when no Python has it', async () => {
    const out = join(scratch, 'absent');
    const run = await sweep(['--methods', 'pq,faiss-pq', '--out', out, ...COMMON], { ...process.env, REEF_FAISS_PYTHON: join(scratch, 'no-such-python') });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/faiss-pq: skipped, not available here: no Python with faiss \(.*no-such-python/);
    expect(run.stdout).toMatch(/PQ\(m=8, nbits=4\)/);
    expect(run.stdout).not.toMatch(/FAISS/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });
});
