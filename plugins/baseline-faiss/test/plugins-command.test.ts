import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));
const reefBin = join(dirname(createRequire(import.meta.url).resolve('@reef/cli/package.json')), 'dist/bin.js');

function reef(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [reefBin, '--plugin', pluginDir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

it('reef plugins lists the FAISS methods as unavailable, with the reason, when no Python has faiss', async () => {
  const env = { ...process.env, REEF_FAISS_PYTHON: '/nonexistent/python3' };
  const text = await reef(['plugins'], env);
  expect(text.status, text.stderr).toBe(0);
  expect(text.stdout).toMatch(/faiss-pq +Baseline: FAISS product quantization.*\(baseline for pq\)/);
  expect(text.stdout).toMatch(/unavailable: no Python with faiss \(\/nonexistent\/python3: .*ENOENT\)/);
  const json = JSON.parse((await reef(['plugins', '--json'], env)).stdout) as { quantizers: { id: string; baselineOf: string | null; unavailable: string | null }[] };
  const faiss = json.quantizers.filter((q) => q.id.startsWith('faiss-'));
  expect(faiss.map((q) => q.id).sort()).toEqual(['faiss-opq', 'faiss-pq', 'faiss-pq-fs', 'faiss-rq', 'faiss-sq']);
  for (const q of faiss) expect(q.unavailable).toMatch(/no Python with faiss/);
  expect(json.quantizers.find((q) => q.id === 'faiss-sq')?.baselineOf).toBe('sq');
});
