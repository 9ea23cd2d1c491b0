#!/usr/bin/env node
// Writes dist/h5wasm-node/: h5wasm's Node build (hdf5_hl.js, hdf5_util.js) with its WebAssembly
// moved out of the JavaScript into hdf5_util.wasm, read from disk when the module starts.
//
// Why: h5wasm ships the WebAssembly as a 3.5 MB string inside a 4.2 MB JavaScript file. Every
// process that opens an HDF5 file decoded that file as UTF-8, parsed it, then decoded the string
// back into bytes: ~45 ms of a ~140 ms start-up on the benchmark VM (bench/store/README.md). The
// rewrite changes one function, findWasmBinary, which returned binaryDecode('<the string>') and now
// returns the bytes of the .wasm file; nothing else in either file changes. The build fails if
// that function is not found exactly once or the bytes are not valid WebAssembly (a new h5wasm
// release that builds differently). h5wasm's licence (NIST) asks modified copies to say so:
// NOTICE.md here does.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = dirname(fileURLToPath(import.meta.resolve('h5wasm/node')));
const pkg = JSON.parse(readFileSync(join(source, '../../package.json'), 'utf8'));
const out = join(root, 'dist/h5wasm-node');

const text = readFileSync(join(source, 'hdf5_util.js'), 'utf8');
const open = "function findWasmBinary(){return binaryDecode('";
const close = "')}";
const at = text.indexOf(open);
if (at < 0 || text.indexOf(open, at + 1) >= 0) throw new Error(`vendor-h5wasm: h5wasm ${pkg.version}'s hdf5_util.js does not define findWasmBinary as expected; update scripts/vendor-h5wasm.mjs`);
const start = at + open.length;
const end = text.indexOf(close, start);
// The string literal as JavaScript reads it (escapes included), then decoded as binaryDecode does.
const literal = runInNewContext(`'${text.slice(start, end)}'`);
const bytes = new Uint8Array(literal.length);
for (let i = 0; i < literal.length; i++) {
  const c = literal.charCodeAt(i);
  bytes[i] = ~c >> 8 & c;
}
if (!WebAssembly.validate(bytes)) throw new Error(`vendor-h5wasm: the bytes taken from h5wasm ${pkg.version}'s hdf5_util.js are not valid WebAssembly`);

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'hdf5_util.wasm'), bytes);
// `require` is the module's own (createRequire, set up before the WebAssembly is asked for).
const readWasm = 'function findWasmBinary(){return require("fs").readFileSync(new URL("./hdf5_util.wasm",import.meta.url))}';
writeFileSync(join(out, 'hdf5_util.js'), text.slice(0, at) + readWasm + text.slice(end + close.length));
copyFileSync(join(source, 'hdf5_hl.js'), join(out, 'hdf5_hl.js'));
writeFileSync(join(out, 'hdf5_hl.d.ts'), "export * from 'h5wasm';\nexport { default } from 'h5wasm';\n");
const licence = readFileSync(join(source, '../../LICENSE.txt'), 'utf8');
writeFileSync(
  join(out, 'NOTICE.md'),
  `# h5wasm ${pkg.version}, modified\n\nThese files are h5wasm's Node build (https://github.com/usnistgov/h5wasm), software developed by\nthe National Institute of Standards and Technology (NIST), modified by Reef's build\n(packages/hdf5/scripts/vendor-h5wasm.mjs) on every build since 2026-12-07: in hdf5_util.js the\nfunction findWasmBinary reads the WebAssembly from hdf5_util.wasm instead of decoding it from a\nstring in the file; the bytes are the same. hdf5_hl.js is unchanged. h5wasm's licence follows.\n\n---\n\n${licence}`,
);
console.log(`vendor-h5wasm: h5wasm ${pkg.version}: ${(bytes.length / 1e6).toFixed(2)} MB of WebAssembly moved out of hdf5_util.js (${(text.length / 1e6).toFixed(2)} -> ${((text.length - (end - start)) / 1e6).toFixed(2)} MB)`);
