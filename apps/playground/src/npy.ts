/** A 2-D uint8 array as a NumPy .npy file (format 1.0): how the playground hands out codes. */
export function uint8Npy(data: Uint8Array, rows: number, cols: number): Uint8Array {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(10 + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 0xff, head.length >> 8]);
  out.set(head, 10);
  out.set(data, 10 + head.length);
  return out;
}
