import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRows, removeWorkDirs, run, TOY_ARGS, workDir } from './helpers.js';

afterAll(removeWorkDirs);

describe('Slurm scripts', () => {
  it('sweep-array.sh runs one shard per array task and merge.sh combines them with a report', async () => {
    const cwd = workDir();
    const scripts = join(import.meta.dirname, '../../../scripts/slurm');
    const env = { ...process.env, SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '2', REEF_SWEEP_OUT: join(cwd, 'out'), XDG_CACHE_HOME: join(cwd, '.xdg-cache') };
    for (const task of ['0', '1']) {
      const r = await run('bash', [join(scripts, 'sweep-array.sh'), ...TOY_ARGS.filter((a) => a !== '--no-report' && a !== '--quiet'), '--toy-bits', '2,4,6'], {
        cwd, env: { ...env, SLURM_ARRAY_TASK_ID: task },
      });
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await readRows(join(cwd, 'out/shard-1-of-2.db'))).length).toBe(2);
    expect((await readRows(join(cwd, 'out/shard-2-of-2.db'))).length).toBe(1);
    const merged = await run('bash', [join(scripts, 'merge.sh')], { cwd, env });
    expect(merged.code, merged.stderr).toBe(0);
    expect((await readRows(join(cwd, 'out/results.db'))).map((r) => r.config_name).sort()).toEqual(['Toy(bits=2)', 'Toy(bits=4)', 'Toy(bits=6)']);
    const csv = readFileSync(join(cwd, 'out/results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0].split(',')).toContain('recall10_adc');
    expect(readFileSync(join(cwd, 'out/report.html'), 'utf8')).toContain('Toy(bits=6)');
  });
});
