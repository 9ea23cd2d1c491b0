import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Repository } from '../src/index.js';
import { losslessRegistry, tempDir } from './helpers.js';
// @ts-expect-error: a plain ESM child script, shared with the test so both build the same bytes
import { writerFile } from './child/writer.mjs';

// Concurrent writers (issue 18): each process's add+commit holds the lock for both, so no commit
// takes another writer's file under its own message, and no round is lost.

const WRITER = join(dirname(fileURLToPath(import.meta.url)), 'child', 'writer.mjs');

function runWriter(dir: string, id: number, rounds: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(id), String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`writer ${id} failed (${code}): ${err}`))));
  });
}

describe('concurrent writers', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('4 processes committing their own files at once: every round committed, under its own message, with its own bytes', async () => {
    const writers = 4;
    const rounds = 5;
    const repo = Repository.init(dir, { registry: losslessRegistry() });
    // Someone else's staged file: it must stay staged, never committed under a writer's message.
    writeFileSync(join(dir, 'bystander.safetensors'), writerFile(99, 0));
    await repo.add(['bystander.safetensors'], { cwd: dir });
    repo.close();
    const outputs = await Promise.all(Array.from({ length: writers }, (_, id) => runWriter(dir, id, rounds)));
    for (const lines of outputs) expect(lines).toHaveLength(rounds);
    const check = Repository.open(dir, { registry: losslessRegistry() });
    try {
      const log = check.log();
      expect(log).toHaveLength(writers * rounds);
      for (let id = 0; id < writers; id++) {
        for (let round = 0; round < rounds; round++) {
          const c = log.find((x) => x.message === `writer ${id} round ${round}`);
          expect(c, `writer ${id} round ${round}`).toBeDefined();
          const file = `writer-${id}.safetensors`;
          // This commit changed exactly its writer's file against its parent.
          const parent = c!.parents[0] ? check.show(c!.parents[0]).tree : {};
          const changed = Object.keys(c!.tree).filter((p) => JSON.stringify(c!.tree[p]) !== JSON.stringify(parent[p]));
          expect(changed).toEqual([file]);
          expect(Buffer.from(await check.fileBytes(file, c!.tree[file]))).toEqual(Buffer.from(writerFile(id, round)));
        }
      }
      expect(Object.keys(log[0].tree).sort()).toEqual(Array.from({ length: writers }, (_, id) => `writer-${id}.safetensors`));
      expect(check.status().staged).toEqual([{ path: 'bystander.safetensors', change: 'added' }]);
      expect((await check.fsck()).problems).toEqual([]);
    } finally {
      check.close();
    }
  }, 300_000);
});
