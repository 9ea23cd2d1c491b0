// Run inside a scratch project that installed only @reef/core and one delta-type package (argv[2]):
// encodes a float32 tensor against a nearby reference with every registered type and decodes it:
// byte-exact for lossless types, a small measured error for lossy ones.
import { Registry } from '@reef/core';

const packageName = process.argv[2];
const plugin = (await import(packageName)).default;
const registry = new Registry();
registry.use(plugin, packageName);
const types = registry.deltaTypes();
if (types.length === 0) throw new Error(`${packageName} registered no delta type`);

const shape = [64, 48];
const n = shape[0] * shape[1];
let state = 99;
const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const reference = Float32Array.from({ length: n }, () => uniform() * 2 - 1);
const target = reference.map((x, i) => (i % 7 === 0 ? x + (uniform() - 0.5) * 1e-3 : x));
const tensor = (values) => ({ dtype: 'f32', shape, data: new Uint8Array(values.buffer.slice(0)) });

for (const type of types) {
  const reason = type.supports?.(tensor(target), tensor(reference));
  if (reason) throw new Error(`${type.id} refuses a float32 tensor: ${reason}`);
  const payload = await type.encode(tensor(target), tensor(reference));
  const decoded = await type.decode(payload, tensor(reference));
  const values = new Float32Array(decoded.data.buffer.slice(decoded.data.byteOffset, decoded.data.byteOffset + decoded.data.byteLength));
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(values[i] - target[i]));
  if (type.lossless && !Buffer.from(decoded.data).equals(Buffer.from(tensor(target).data))) {
    throw new Error(`${type.id} claims to be lossless but did not reproduce the bytes`);
  }
  if (!type.lossless && !(worst < 0.1)) throw new Error(`${type.id}: worst error ${worst} on a delta of at most 5e-4`);
  console.log(`${packageName} ${type.id}: ${type.lossless ? 'byte-exact' : `worst error ${worst.toExponential(2)}`}`);
}
