// Reads every source file of a workspace package once: its relative imports resolved to files, and its
// package imports as written.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { importsOf } from './parse.mjs';
import { toPosix } from './workspace.mjs';

/**
 * @typedef {import('./parse.mjs').ImportSite} ImportSite
 * @typedef {{ local: { target: string, site: ImportSite }[], packages: ImportSite[] }} FileImports
 * local: imports of other files of the same src/ (targets relative to the root); packages: bare imports.
 * @param {import('./workspace.mjs').Workspace} workspace
 * @param {string} root absolute
 * @returns {Map<string, FileImports>} by file relative to the root
 */
export function scanWorkspace(workspace, root) {
  const srcDir = join(workspace.dir, 'src');
  const scanned = new Map();
  for (const file of workspace.files) {
    const text = readIfPresent(file);
    if (text === undefined) continue; // deleted while we listed the tree (a checkout, a rename in progress)
    const entry = { local: [], packages: [] };
    scanned.set(toPosix(relative(root, file)), entry);
    for (const site of importsOf(file, text)) {
      if (!site.specifier.startsWith('.') && !site.specifier.startsWith('/')) {
        entry.packages.push(site);
        continue;
      }
      const target = resolveRelative(file, site.specifier);
      // Imports leaving src/ (a generated file, package.json) are no module of the package's graph.
      if (target !== undefined && target.startsWith(srcDir)) entry.local.push({ target: toPosix(relative(root, target)), site });
    }
  }
  return scanned;
}

// './x.js' in TypeScript sources names './x.ts'; also './dir' -> './dir/index.ts'.
export function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(?:[cm]?js|jsx)$/, '');
  const candidates = [base, ...['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs'].map((ext) => stem + ext), ...['index.ts', 'index.js'].map((f) => join(base, f))];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function readIfPresent(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}
