// Run inside a scratch project that installed only @reef/core and one delta-type package (argv[2]):
// encodes a float32 tensor against a nearby reference with every registered type (or, for a type
// that codes casts, a bf16 copy against its float32 original or the reverse: the first pair the
// type supports) and decodes it: byte-exact for lossless types, a small measured error for lossy ones.
import { Registry } from '@reef/core';
import { float64ToTensor, toFloat64 } from '@reef/core/dtype';

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

const bf16Copy = float64ToTensor(Float64Array.from(target), 'bf16', shape);
const pairs = [
  { what: 'f32 against a nearby f32', target: tensor(target), reference: tensor(reference) },
  { what: 'a bf16 copy against its f32 original', target: bf16Copy, reference: tensor(target) },
  { what: 'f32 against its bf16 copy', target: tensor(target), reference: bf16Copy },
];

for (const type of types) {
  const pair = pairs.find((p) => !type.supports?.(p.target, p.reference));
  if (!pair) throw new Error(`${type.id} supports none of: ${pairs.map((p) => `${p.what} (${type.supports(p.target, p.reference)})`).join('; ')}`);
  const payload = await type.encode(pair.target, pair.reference);
  const decoded = await type.decode(payload, pair.reference);
  const want = toFloat64(pair.target);
  const got = toFloat64(decoded);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  if (type.lossless && !Buffer.from(decoded.data).equals(Buffer.from(pair.target.data))) {
    throw new Error(`${type.id} claims to be lossless but did not reproduce the bytes of ${pair.what}`);
  }
  if (!type.lossless && !(worst < 0.1)) throw new Error(`${type.id}: worst error ${worst} on a delta of at most 5e-4`);
  console.log(`${packageName} ${type.id} (${pair.what}): ${type.lossless ? 'byte-exact' : `worst error ${worst.toExponential(2)}`}`);
}
