/**
 * Runs in a fresh Node process: loads a plugin module and a saved model file, then decodes codes
 * and encodes vectors, writing the results for the parent to compare. Proves that a saved model
 * needs nothing from the process that trained it.
 *
 * argv: <plugin module path> <model.h5> <codes.bin> <vectors.f32> <dim> <out-decoded.f32> <out-codes.bin>
 */
import { Registry, vectors, type ReefPluginModule } from '@reef/core';
import { loadModelFile } from '@reef/hdf5';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modulePath, modelFile, codesFile, vectorsFile, dimText, outDecoded, outCodes] = process.argv.slice(2);
const mod = (await import(pathToFileURL(modulePath).href)) as { default?: ReefPluginModule; reefPlugin?: ReefPluginModule };
const registry = new Registry();
registry.use((mod.reefPlugin ?? mod.default) as ReefPluginModule);
const quantizer = registry.loadQuantizer(await loadModelFile(modelFile));
const codes = new Uint8Array(readFileSync(codesFile));
const raw = readFileSync(vectorsFile);
const input = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const decoded = quantizer.decode(codes);
writeFileSync(outDecoded, new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength));
writeFileSync(outCodes, quantizer.encode(vectors(input, Number(dimText))));
