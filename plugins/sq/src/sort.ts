/**
 * An ascending copy of finite float32 values, in exactly the order Float32Array.prototype.sort
 * gives (−0 before +0): an LSD radix sort on the bit patterns, three passes of 11, 11 and 10 bits,
 * skipping a pass where every value has the same digit (common for pixel-like data). On 60,000
 * values it is several times faster than the built-in comparison sort, which dominated `optim`
 * training (784 columns sorted).
 */
export function sortedFloat32(values: ArrayLike<number>): Float32Array {
  const n = values.length;
  const copy = Float32Array.from(values);
  if (n < 512) return copy.sort(); // the histograms would cost more than they save
  // Bit patterns mapped so that unsigned order is numeric order: negatives have every bit
  // flipped (larger magnitude sorts first), others just the sign bit.
  let keys = new Uint32Array(copy.buffer);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    keys[i] = k & 0x80000000 ? ~k : k | 0x80000000;
  }
  const counts = [new Uint32Array(2048), new Uint32Array(2048), new Uint32Array(1024)];
  const [c0, c1, c2] = counts;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    c0[k & 2047]++;
    c1[(k >>> 11) & 2047]++;
    c2[k >>> 22]++;
  }
  let other = new Uint32Array(n);
  for (let pass = 0; pass < 3; pass++) {
    const count = counts[pass];
    const shift = 11 * pass;
    const mask = pass === 2 ? 1023 : 2047;
    // One digit value shared by all: this pass would not move anything.
    if (count[(keys[0] >>> shift) & mask] === n) continue;
    let sum = 0;
    for (let d = 0; d <= mask; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      other[count[(k >>> shift) & mask]++] = k;
    }
    const t = keys;
    keys = other;
    other = t;
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    keys[i] = k & 0x80000000 ? k ^ 0x80000000 : ~k;
  }
  return new Float32Array(keys.buffer);
}
