import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as original from 'h5wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { h5wasm as vendored } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'reef-h5wasm-vendored-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = fileURLToPath(new URL('../dist/h5wasm-node/', import.meta.url));

type Lib = typeof original.default;

function write(lib: Lib, path: string): void {
  const f = new lib.File(path, 'w');
  f.create_dataset({ name: 'values', data: Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e-3) });
  f.create_group('deltas').create_attribute('object', '{"dtype":"f32"}');
  f.close();
}

function read(lib: Lib, path: string): { values: number[]; object: unknown } {
  const f = new lib.File(path, 'r');
  const values = Array.from((f.get('values') as InstanceType<Lib['Dataset']>).value as Float32Array);
  const object = (f.get('deltas') as InstanceType<Lib['Group']>).attrs.object.value;
  f.close();
  return { values, object };
}

describe("@reef/hdf5's copy of h5wasm's Node build (WebAssembly in a file of its own)", () => {
  it('is what the package binds, apart from h5wasm/node, with the WebAssembly out of the JavaScript', () => {
    expect(vendored).not.toBe(original.default);
    expect(statSync(join(dir, 'hdf5_util.js')).size).toBeLessThan(1e6);
    expect(WebAssembly.validate(readFileSync(join(dir, 'hdf5_util.wasm')))).toBe(true);
  });

  it('writes files the original build reads, and reads the files it writes, value for value', async () => {
    await Promise.all([original.ready, vendored.ready]);
    const a = join(tmp, 'by-vendored.h5');
    const b = join(tmp, 'by-original.h5');
    write(vendored as unknown as Lib, a);
    write(original.default, b);
    const expected = read(original.default, b);
    expect(read(original.default, a)).toEqual(expected);
    expect(read(vendored as unknown as Lib, b)).toEqual(expected);
    expect(readFileSync(a).equals(readFileSync(b)), 'the same library writes the same bytes').toBe(true);
  });

  it('carries the notice that h5wasm was modified, with its licence', () => {
    const notice = readFileSync(join(dir, 'NOTICE.md'), 'utf8');
    expect(notice).toMatch(/National Institute of Standards and Technology/);
    expect(notice).toMatch(/findWasmBinary/);
    expect(existsSync(join(dir, 'hdf5_hl.js'))).toBe(true);
  });
});
