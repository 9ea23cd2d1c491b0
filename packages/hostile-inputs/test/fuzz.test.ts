import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FAILURES, fuzzCases, outcomeTable, runCases, seedFiles, type FuzzCase, type SeedFile } from '../src/index.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'reef-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Mutated copies per seed file: 10 seeds × 300 = 3,000 cases. */
const PER_SEED = 300;

function seedCases(seeds: readonly SeedFile[]): FuzzCase[] {
  return seeds.map((s, id) => {
    const path = join(scratch, `seed-${s.label}${s.suffix}`);
    writeFileSync(path, s.bytes);
    return { id, reader: s.reader, path, label: s.label, mutation: 'none' };
  });
}

describe('fuzz suite: seeded mutations of every input format', () => {
  let seeds: SeedFile[] = [];

  it('every seed file is valid: each reader accepts it and reads it back exactly', async () => {
    seeds = await seedFiles(fixtures, scratch);
    expect(new Set(seeds.map((s) => s.reader))).toEqual(new Set(['hdf5', 'vecs', 'npy-dataset', 'idx', 'npy', 'npz', 'safetensors']));
    const reports = await runCases(seedCases(seeds));
    expect(reports.map((r) => `${seeds[r.id].label}: ${r.outcome}`)).toEqual(seeds.map((s) => `${s.label}: accepted`));
  }, 300_000);

  it(`${PER_SEED} mutations per seed: only clean errors or exact reads, no crash, hang or memory blow-up`, async () => {
    expect(seeds.length).toBeGreaterThan(0);
    const cases = fuzzCases(seeds, PER_SEED, scratch);
    const started = performance.now();
    const reports = await runCases(cases, { workers: 2 });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`fuzz: ${cases.length} cases in ${seconds} s (2 worker processes)\n${outcomeTable(cases, reports)}`);
    const failures = reports.filter((r) => FAILURES.includes(r.outcome)).map((r) => `case ${r.id} ${cases[r.id].label} ${cases[r.id].mutation}: ${r.outcome}: ${r.detail}`);
    for (const f of failures.slice(0, 20)) console.log(f);
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    expect(failures).toEqual([]);
    // A clean error names the file it is about.
    const unnamed = reports.filter((r) => r.outcome === 'clean error' && !r.detail.includes(basename(cases[r.id].path)));
    expect(unnamed.map((r) => `case ${r.id} ${cases[r.id].label}: ${r.detail}`).slice(0, 10)).toEqual([]);
    // The mutators must leave some files readable and break others, or they test nothing.
    expect(reports.some((r) => r.outcome === 'accepted')).toBe(true);
    expect(reports.some((r) => r.outcome === 'clean error')).toBe(true);
  }, 600_000);
});
