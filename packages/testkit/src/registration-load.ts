import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** One module Node loaded: its URL and, for files, the package it belongs to and its path there. */
export interface LoadedModule {
  readonly url: string;
  /** The `name` in the nearest package.json above the file; the URL itself for node: built-ins. */
  readonly packageName: string;
  /** The file's path inside its package ('' for built-ins). */
  readonly file: string;
}

/**
 * Every module a fresh Node process loads to import `modulePath` (a built plugin entry) and register
 * it in a new `Registry`, @reef/core included: what a host pays to make the plugin's types known.
 * Recorded by a module-loader hook (node:module `register`, Node ≥ 20.6) in the child process: it
 * sees every ES module and the entry of each CommonJS package imported from one, not the files that
 * CommonJS code `require`s in turn (Node 20 runs those outside the hooks).
 */
export async function modulesLoadedByRegistration(modulePath: string): Promise<LoadedModule[]> {
  const dir = mkdtempSync(join(tmpdir(), 'reef-registration-'));
  const logFile = join(dir, 'loaded.txt');
  try {
    const child = join(dirname(fileURLToPath(import.meta.url)), 'registration-child.js');
    await promisify(execFile)(process.execPath, [child, modulePath, logFile], { timeout: 120_000 });
    const urls = [...new Set(readFileSync(logFile, 'utf8').split('\n').filter(Boolean))];
    return urls.map(describeModule);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a plugin must not load at registration: code used only to encode or decode (numeric
 * libraries, @reef/kernels' main entry with its WASM module, the quantizers, HDF5). Returns the
 * offending modules of `loaded`, empty when registration stayed light.
 */
export function heavyAtRegistration(loaded: readonly LoadedModule[]): LoadedModule[] {
  return loaded.filter(
    (m) =>
      m.packageName === 'ml-matrix' ||
      m.packageName === 'h5wasm' ||
      m.packageName.startsWith('@reef/quantizer-') ||
      m.packageName === '@reef/hdf5' ||
      (m.packageName === '@reef/kernels' && m.file === 'dist/index.js'),
  );
}

function describeModule(url: string): LoadedModule {
  if (!url.startsWith('file:')) return { url, packageName: url, file: '' };
  const path = fileURLToPath(url);
  for (let dir = dirname(path); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
    // Nested package.json files without a name (e.g. {"type": "module"} in a dist folder) are not package roots.
    if (name) return { url, packageName: name, file: relative(dir, path).split('\\').join('/') };
  }
  return { url, packageName: '', file: path };
}
