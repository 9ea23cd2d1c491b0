import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectReefError } from '@reef/testkit';
import { assemble, parseModelFile, parseNpy, parseNpz, parseSafetensors, writeNpz, writeSafetensors } from '../src/formats/index.js';
import { FIXTURES, compressedNpz } from './helpers.js';

function roundTrip(path: string): void {
  const bytes = new Uint8Array(readFileSync(path));
  const parsed = parseModelFile(path, bytes);
  const rebuilt = assemble(parsed.segments, parsed.tensors.map((t) => t.tensor.data.slice()));
  expect(Buffer.from(rebuilt).equals(Buffer.from(bytes))).toBe(true);
}

describe('model file formats', () => {
  it('reads the PyTorch safetensors fixtures in every float type and rebuilds them byte for byte', () => {
    for (const t of ['f32', 'f16', 'bf16', 'f64']) {
      const path = join(FIXTURES, `tiny-mlp-${t}.safetensors`);
      const parsed = parseSafetensors(new Uint8Array(readFileSync(path)), path);
      expect(parsed.tensors.map((x) => x.name)).toContain('0.weight');
      const w = parsed.tensors.find((x) => x.name === '0.weight')!.tensor;
      expect(w.dtype).toBe(t);
      expect(w.shape).toEqual([32, 64]);
      expect(parsed.tensors.find((x) => x.name === 'step')!.tensor.dtype).toBe('i64');
      roundTrip(path);
    }
  });

  it('reads numpy .npy and .npz fixtures, values agreeing with the safetensors copy', () => {
    const st = parseSafetensors(new Uint8Array(readFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors'))), 'st');
    const npy = parseNpy(new Uint8Array(readFileSync(join(FIXTURES, 'tiny-mlp-fc0-weight.npy'))), 'npy', 'w');
    expect(npy.tensors[0].tensor.shape).toEqual([32, 64]);
    expect(Buffer.from(npy.tensors[0].tensor.data).equals(Buffer.from(st.tensors.find((x) => x.name === '0.weight')!.tensor.data))).toBe(true);
    const npz = parseNpz(new Uint8Array(readFileSync(join(FIXTURES, 'tiny-mlp.npz'))), 'npz');
    expect(npz.tensors.map((x) => x.name).sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.weight', '2.bias', '2.weight', 'step']);
    roundTrip(join(FIXTURES, 'tiny-mlp-fc0-weight.npy'));
    roundTrip(join(FIXTURES, 'tiny-mlp.npz'));
  });

  it('writes safetensors and npz that read back with the same tensors, scalars and empty tensors included', () => {
    const tensors = [
      { name: 'scalar', tensor: { dtype: 'f32' as const, shape: [], data: new Uint8Array([0, 0, 0x80, 0x3f]) } },
      { name: 'empty', tensor: { dtype: 'i16' as const, shape: [0, 3], data: new Uint8Array(0) } },
      { name: 'flags', tensor: { dtype: 'bool' as const, shape: [3], data: new Uint8Array([1, 0, 1]) } },
    ];
    const st = parseSafetensors(writeSafetensors(tensors), 'x');
    expect(st.tensors.map((t) => [t.name, t.tensor.dtype, t.tensor.shape])).toEqual(
      expect.arrayContaining([['scalar', 'f32', []], ['empty', 'i16', [0, 3]], ['flags', 'bool', [3]]]),
    );
    const npz = parseNpz(writeNpz(tensors), 'y');
    expect(npz.tensors.map((t) => [t.name, t.tensor.dtype, t.tensor.shape])).toEqual([['scalar', 'f32', []], ['empty', 'i16', [0, 3]], ['flags', 'bool', [3]]]);
  });

  it('reads a compressed npz (savez_compressed: deflated members) and rebuilds it byte for byte', () => {
    const zip = compressedNpz();
    const parsed = parseNpz(zip, 'compressed.npz');
    expect(parsed.tensors[0].name).toBe('w');
    expect([...new Float32Array(parsed.tensors[0].tensor.data.slice().buffer)].slice(0, 3)).toEqual([0, 1 / 7, 2 / 7].map(Math.fround));
    const rebuilt = assemble(parsed.segments, parsed.tensors.map((t) => t.tensor.data));
    expect(Buffer.from(rebuilt).equals(Buffer.from(zip))).toBe(true);
  });

  it('refuses truncated, malformed and lying files with clear errors', () => {
    const st = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-mlp-f32.safetensors')));
    expectReefError(() => parseSafetensors(st.subarray(0, 5), 'a'), 'BAD_FILE', /too short/);
    expectReefError(() => parseSafetensors(st.subarray(0, st.length - 10), 'b'), 'BAD_FILE', /truncated|header lies|not described/);
    const lying = st.slice();
    const text = Buffer.from(lying).toString('latin1').replace('"data_offsets":[8192,8320]', '"data_offsets":[8190,8318]');
    expectReefError(() => parseSafetensors(new Uint8Array(Buffer.from(text, 'latin1')), 'c'), 'BAD_FILE', /lies about offsets/);
    const unknown = Buffer.from(Buffer.from(st).toString('latin1').replace('"dtype":"I64"', '"dtype":"Q64"'), 'latin1');
    expectReefError(() => parseSafetensors(new Uint8Array(unknown), 'd'), 'BAD_FILE', /unknown dtype "Q64"/);
    const garbage = st.slice();
    garbage[9] = 0xff;
    expectReefError(() => parseSafetensors(garbage, 'e'), 'BAD_FILE', /not valid UTF-8 JSON/);
    const npy = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-mlp-fc0-weight.npy')));
    expectReefError(() => parseNpy(npy.subarray(0, npy.length - 4), 'f'), 'BAD_FILE', /truncated/);
    expectReefError(() => parseNpy(new Uint8Array(Buffer.from(Buffer.from(npy).toString('latin1').replace("'<f4'", "'>f4'"), 'latin1')), 'g'), 'BAD_FILE', /big-endian/);
    const npz = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-mlp.npz')));
    expectReefError(() => parseNpz(npz.subarray(0, npz.length - 30), 'h'), 'BAD_FILE', /end-of-central-directory|truncated/);
    const flipped = npz.slice();
    flipped[200] ^= 0xff;
    expectReefError(() => parseNpz(flipped, 'i'), 'BAD_FILE', /CRC|corrupt/);
    expectReefError(() => parseModelFile('model.pt', st), 'BAD_FILE', /unsupported file type/);
  });
});
