// The bytes the crash bench commits, from (path, iteration) alone: the checker rebuilds them to
// compare every exported commit byte for byte without keeping copies.
export const TRACKED = ['model.safetensors', 'variant-a.safetensors', 'variant-b.safetensors', 'variant-c.safetensors'];

/** Seeded xorshift in [-1, 1). */
function noise(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 31 - 1;
  };
}

/**
 * A small checkpoint: two f32 layers of a shared base (so variants cluster and commits delta-encode)
 * moved by a little noise set by `path` and `iteration`.
 */
export function content(writeSafetensors, path, iteration) {
  const rand = noise(TRACKED.indexOf(path) * 100_003 + iteration + 7);
  const layer = (n, f) => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i * f) * 0.1 + rand() * 0.01;
    return new Uint8Array(v.buffer);
  };
  return writeSafetensors([
    { name: 'dense.weight', tensor: { dtype: 'f32', shape: [64, 128], data: layer(64 * 128, 0.013) } },
    { name: 'dense.bias', tensor: { dtype: 'f32', shape: [4096], data: layer(4096, 0.07) } },
  ]);
}
