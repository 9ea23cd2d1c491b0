#!/usr/bin/env node
// Writes a synthetic checkpoint series of large safetensors files, for commit-throughput runs where
// the CNN checkpoints (1.7 MB) are too small to show per-byte costs. Each checkpoint is the
// previous one plus a small update of every weight (like an optimiser step), so deltas pay the way
// they do in training; a few tensors are frozen (identical across checkpoints), as embeddings often are.
//
//   node bench/store/synthetic.mjs [--out bench/store/out/synthetic] [--mb 200] [--checkpoints 4]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const outDir = resolve(arg('out', join(here, 'out', 'synthetic')));
const targetMB = Number(arg('mb', '200'));
const count = Number(arg('checkpoints', '4'));

/** Deterministic normal samples (xorshift + Box-Muller) so every run writes the same files. */
function gaussian(seed) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

// A transformer-like layout: big f32 matrices, bf16 copies of some, small biases and norms, a step counter.
const layers = Math.max(1, Math.round((targetMB - 16.8) / 18.9)); // 18.9 MB per layer, 16.8 MB embedding
const spec = [];
for (let l = 0; l < layers; l++) {
  spec.push({ name: `layers.${l}.attn.qkv.weight`, dtype: 'F32', shape: [1536, 1024], scale: 0.02 });
  spec.push({ name: `layers.${l}.mlp.up.weight`, dtype: 'F32', shape: [2048, 1024], scale: 0.02 });
  spec.push({ name: `layers.${l}.mlp.down.weight`, dtype: 'BF16', shape: [1024, 2048], scale: 0.02 });
  spec.push({ name: `layers.${l}.mlp.up.bias`, dtype: 'F32', shape: [2048], scale: 0.01 });
  spec.push({ name: `layers.${l}.norm.weight`, dtype: 'F32', shape: [1024], scale: 0.1, offset: 1 });
}
spec.push({ name: 'embed.weight', dtype: 'F32', shape: [4096, 1024], scale: 0.02, frozen: true });
spec.push({ name: 'step', dtype: 'I64', shape: [], scale: 0 });

const elements = (shape) => shape.reduce((a, b) => a * b, 1);

function toBf16(f32) {
  const u32 = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  const out = new Uint16Array(f32.length);
  for (let i = 0; i < out.length; i++) {
    const b = u32[i];
    out[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return new Uint8Array(out.buffer);
}

mkdirSync(outDir, { recursive: true });
const state = spec.map((t, k) => {
  const g = gaussian(1000 + k);
  const v = new Float32Array(elements(t.shape));
  for (let i = 0; i < v.length; i++) v[i] = (t.offset ?? 0) + t.scale * g();
  return v;
});
for (let c = 0; c < count; c++) {
  if (c > 0) {
    for (const [k, t] of spec.entries()) {
      if (t.frozen || t.dtype === 'I64') continue;
      const g = gaussian(7919 * c + k);
      const v = state[k];
      // An update of about 1% of the weight scale: what a few hundred optimiser steps do.
      for (let i = 0; i < v.length; i++) v[i] += 0.01 * t.scale * g();
    }
  }
  const header = {};
  const parts = [];
  let offset = 0;
  for (const [k, t] of spec.entries()) {
    let bytes;
    if (t.dtype === 'F32') bytes = new Uint8Array(state[k].buffer);
    else if (t.dtype === 'BF16') bytes = toBf16(state[k]);
    else bytes = new Uint8Array(new BigInt64Array([BigInt(c * 1000)]).buffer);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const file = join(outDir, `step-${String(c).padStart(2, '0')}.safetensors`);
  writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...parts]));
  console.log(`${file}: ${(offset / 1e6).toFixed(1)} MB of tensors`);
}
