// Run inside a scratch project that installed only @reef/core and one quantizer package (argv[2]):
// registers it, trains each of its quantizers on seeded clustered data, encodes, decodes, and reloads
// the saved model, checking the decoded vectors beat the data's own variance and survive the reload.
import { Registry, vectors } from '@reef/core';

const packageName = process.argv[2];
const plugin = (await import(packageName)).default;
const registry = new Registry();
registry.use(plugin, packageName);
const quantizers = registry.quantizers();
if (quantizers.length === 0) throw new Error(`${packageName} registered no quantizer`);

const dim = 64, count = 3000, clusters = 16;
let state = 12345;
const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const centres = Float32Array.from({ length: clusters * dim }, () => uniform() * 10);
const data = new Float32Array(count * dim);
for (let i = 0; i < count; i++) {
  const c = i % clusters;
  for (let j = 0; j < dim; j++) data[i * dim + j] = centres[c * dim + j] + (uniform() - 0.5);
}
let mean = 0;
for (const x of data) mean += x / data.length;
let variance = 0;
for (const x of data) variance += (x - mean) ** 2 / data.length;

for (const q of quantizers) {
  // A method that cannot run here (a baseline whose external library is missing) says why and is skipped.
  const unavailable = q.unavailable?.();
  if (unavailable) {
    console.log(`${packageName} ${q.id}: unavailable here, skipped: ${unavailable}`);
    continue;
  }
  // The quick sweep's first configuration: small and known to suit small data.
  const params = Object.fromEntries(Object.entries(q.quickGrid ?? {}).map(([k, v]) => [k, v[0]]));
  const quantizer = registry.createQuantizer(q.id, params, dim);
  await quantizer.fit(vectors(data, dim), { seed: 1 });
  const codes = quantizer.encode(vectors(data, dim));
  const decoded = quantizer.decode(codes);
  if (decoded.length !== data.length) throw new Error(`${q.id}: decoded ${decoded.length} values, expected ${data.length}`);
  let mse = 0;
  for (let i = 0; i < data.length; i++) mse += (decoded[i] - data[i]) ** 2 / data.length;
  if (!(mse < variance)) throw new Error(`${q.id}: MSE ${mse} is not below the data's variance ${variance}`);
  const reloaded = registry.loadQuantizer(quantizer.save()).decode(codes);
  if (!reloaded.every((x, i) => Object.is(x, decoded[i]))) throw new Error(`${q.id}: a reloaded model decodes differently`);
  console.log(`${packageName} ${q.id} ${JSON.stringify(params)}: ${quantizer.codeSize} B/vector, MSE ${mse.toFixed(4)} (variance ${variance.toFixed(2)}), reload identical`);
}
