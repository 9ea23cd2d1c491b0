import { h5wasm, openH5, type H5Group } from '@reef/hdf5';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { losslessRegistry, tempDir } from './helpers.js';

// The worker thread's module exists only in a build: these tests run the built store (dist/), as
// the CLI does. Under the test runner the sources write packs in-thread (every other test).
const built = (await import('../dist/pack-writer.js')) as unknown as typeof import('../src/pack-writer.js');
const { packFileThreadAvailable, takeWarmPackThread } = (await import('../dist/pack-file-thread.js')) as unknown as typeof import('../src/pack-file-thread.js');
const { prepareAdd } = (await import('../dist/prepare-add.js')) as unknown as typeof import('../src/prepare-add.js');
const { encodeTensor } = (await import('../dist/encode.js')) as unknown as typeof import('../src/encode.js');
const { tensorHash } = (await import('../dist/hash.js')) as unknown as typeof import('../src/hash.js');
type EncodedObject = import('../src/object-format.js').EncodedObject;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function packsDir(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}

/** Three whole tensors (64 KiB each) and a delta of the third against the second: what an add writes. */
async function objects(): Promise<EncodedObject[]> {
  const tensors = [1, 2, 3].map((step) => {
    const v = new Float32Array(16384);
    for (let i = 0; i < v.length; i++) v[i] = Math.sin(i * 0.37 + step) * 0.05 + step * 1e-4 * Math.cos(i * 1.3);
    return { dtype: 'f32' as const, shape: [128, 128], data: new Uint8Array(v.buffer) };
  });
  const out: EncodedObject[] = [];
  for (const t of tensors) out.push(await encodeTensor(tensorHash(t), t, [], [], 8));
  const xor = losslessRegistry().deltaType('xor-planes');
  const reference = { hash: tensorHash(tensors[1]), tensor: tensors[1], depth: 0 };
  const delta = await encodeTensor(tensorHash(tensors[2]), tensors[2], [reference as never], [xor], 8);
  expect(delta.payload, 'the third tensor is stored as a delta').toBeDefined();
  return [...out, { ...delta, info: { ...delta.info, hash: 'd'.repeat(64) } }];
}

/** Every dataset of a pack file (path → bytes) and every attribute (path@name → value). */
async function contents(path: string): Promise<Map<string, string>> {
  const file = await openH5(path, 'r');
  const found = new Map<string, string>();
  const walk = (group: H5Group, prefix: string): void => {
    for (const [name, value] of Object.entries(group.attrs)) found.set(`${prefix}@${name}`, JSON.stringify(value.value));
    for (const key of group.keys()) {
      const child = group.get(key);
      if (child instanceof h5wasm.Group) walk(child, `${prefix}/${key}`);
      else if (child instanceof h5wasm.Dataset) {
        found.set(`${prefix}/${key}`, Buffer.from((child.value as Uint8Array).buffer).toString('hex'));
        for (const [name, value] of Object.entries(child.attrs)) found.set(`${prefix}/${key}@${name}`, JSON.stringify(value.value));
      }
    }
  };
  walk(file, '');
  file.close();
  return found;
}

async function waitUntil(done: () => boolean): Promise<boolean> {
  for (let k = 0; k < 200 && !done(); k++) await new Promise((r) => setTimeout(r, 50));
  return done();
}

describe('packs written from a worker thread (a small add)', () => {
  it('the built store finds its worker module', () => {
    expect(packFileThreadAvailable()).toBe(true);
  });

  it('writes the same pack file as the in-thread writer', async () => {
    const items = await objects();
    const dirs = [packsDir(), packsDir()];
    const names: string[] = [];
    for (const [k, thread] of [false, true].entries()) {
      const stages: string[] = [];
      const writer = new built.PackWriter(dirs[k], (s) => stages.push(s), { thread });
      for (const o of items) await writer.add(o);
      const published = await writer.finishWith([], (s) => stages.push(s));
      expect(published?.manifest.objects.map((o) => o.hash)).toEqual(items.map((o) => o.info.hash));
      expect(stages).toEqual(['pack-opened', 'pack-written', 'pack-renamed', 'manifest-written']);
      names.push(writer.name);
    }
    const [local, threaded] = await Promise.all(dirs.map((d, k) => contents(join(d, `${names[k]}.h5`))));
    expect(threaded.size).toBeGreaterThan(8);
    expect([...threaded.entries()]).toEqual([...local.entries()]);
  });

  it('a pack that cannot be written fails with its name and leaves no file', async () => {
    const dir = packsDir();
    const missing = join(dir, 'gone');
    const writer = new built.PackWriter(missing, undefined, { thread: true });
    for (const o of await objects()) await writer.add(o).catch(() => undefined);
    await expect(writer.finishWith([])).rejects.toThrow(new RegExp(`cannot write pack ${writer.name}`));
    expect(existsSync(missing)).toBe(false);
  });

  it('an aborted pack leaves nothing behind', async () => {
    const dir = packsDir();
    const writer = new built.PackWriter(dir, undefined, { thread: true });
    for (const o of await objects()) await writer.add(o);
    writer.abort();
    expect(await waitUntil(() => readdirSync(dir).length === 0), `left: ${readdirSync(dir).join(', ')}`).toBe(true);
    const another = (await objects())[0];
    await expect(writer.add({ ...another, info: { ...another.info, hash: 'e'.repeat(64) } })).rejects.toThrow(/aborted/);
  });

  it('prepareAdd starts the worker ahead for files an add will write a pack thread for, not for tiny ones', () => {
    const dir = packsDir();
    writeFileSync(join(dir, 'tiny.bin'), new Uint8Array(100));
    writeFileSync(join(dir, 'model.bin'), new Uint8Array(1 << 20));
    prepareAdd(['tiny.bin', 'missing.bin'], dir);
    expect(takeWarmPackThread()).toBeUndefined();
    prepareAdd(['model.bin'], dir);
    const warm = takeWarmPackThread();
    expect(warm).toBeDefined();
    warm?.dismiss();
    expect(takeWarmPackThread(), 'taken once').toBeUndefined();
  });

  it('a worker started ahead and never used keeps no process alive (a real process exits)', () => {
    const dir = packsDir();
    writeFileSync(join(dir, 'model.bin'), new Uint8Array(1 << 20));
    const script = `import(${JSON.stringify(new URL('../dist/prepare-add.js', import.meta.url).href)}).then((m) => m.prepareAdd(['model.bin'], ${JSON.stringify(dir)}))`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(run.signal, 'killed by the timeout: the process did not exit').toBeNull();
    expect(run.status, run.stderr).toBe(0);
  });

  it('a pack whose objects are all inline has no HDF5 file and lets its worker go', async () => {
    const dir = packsDir();
    const writer = new built.PackWriter(dir, undefined, { thread: true });
    writer.expectFile(); // as add does before encoding a large tensor: the file is created ahead
    const t = { dtype: 'f32' as const, shape: [4], data: new Uint8Array(16).fill(7) };
    await writer.add(await encodeTensor(tensorHash(t), t, [], [], 8));
    const published = await writer.finishWith([]);
    expect(published?.manifest.inline.size).toBe(1);
    expect(readdirSync(dir), 'the manifest alone: no HDF5 file, no temporary one').toEqual([`${writer.name}.json`]);
    rmSync(dir, { recursive: true, force: true });
  });
});
