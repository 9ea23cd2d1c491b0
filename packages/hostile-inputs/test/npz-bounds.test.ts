import { describe, expect, it } from 'vitest';
import { parseNpz, scanNpz, memorySource, writeNpy } from '@reef/store';
import { deflatedZip } from '../src/index.js';

/** Overwrites the uncompressed size of the first member, in its local header and the central directory. */
function claimSize(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  view.setUint32(22, size, true); // local header: uncompressed size
  for (let at = out.length - 22; at >= 0; at--) {
    if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, size, true); // central entry
  }
  return out;
}

const f32 = (values: number[]) => ({ dtype: 'f32' as const, shape: [values.length], data: new Uint8Array(Float32Array.from(values).buffer) });

describe('npz members are bounded before they are inflated', () => {
  it('a declared size beyond what deflate can produce from the compressed bytes is refused without inflating', () => {
    const zip = claimSize(deflatedZip([{ name: 'w.npy', body: writeNpy(f32([1, 2, 3])) }]), 2 ** 31);
    expect(() => scanNpz(memorySource(zip), 'lie.npz')).toThrow(/lie\.npz: member 'w\.npy' claims 2147483648 bytes from \d+ compressed bytes, more than deflate can produce/);
  });

  it('a header claiming more data than the member declares is refused from the header alone', () => {
    const npy = writeNpy(f32([1, 2, 3, 4]));
    const header = npy.length - 16;
    // The header says 4 floats, the member 2: the kind of lie a zip bomb tells.
    const zip = claimSize(deflatedZip([{ name: 'w.npy', body: npy }]), header + 8);
    expect(() => scanNpz(memorySource(zip), 'short.npz')).toThrow(/short\.npz:w\.npy: <f4 array of shape \(4\) needs 16 data bytes, the file has 8/);
  });

  it('a stream that inflates past its declared size stops at the cap and is refused', () => {
    const npy = writeNpy(f32([1, 2]));
    const padded = new Uint8Array(npy.length + 100_000); // trailing zeros the directory does not declare
    padded.set(npy);
    const zip = claimSize(deflatedZip([{ name: 'w.npy', body: padded }]), npy.length);
    expect(() => parseNpz(zip, 'long.npz')).toThrow(new RegExp(`long\\.npz: member 'w\\.npy' inflates to more than the ${npy.length} bytes its directory declares`));
  });

  it('an honest deflated member reads back exactly', () => {
    const parsed = parseNpz(deflatedZip([{ name: 'w.npy', body: writeNpy(f32([1.5, -2])) }]), 'ok.npz');
    expect(Array.from(new Float32Array(parsed.tensors[0].tensor.data.slice().buffer))).toEqual([1.5, -2]);
  });
});
