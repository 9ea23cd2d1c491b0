// What a published package loads at run time is its BUILT output, not its sources: this lists every
// bare specifier that dist/**/*.js imports and compares it with the manifest. A specifier that is not
// in dependencies, peerDependencies or optionalDependencies is "undeclared" (it works in the monorepo
// only because another package hoists it, and fails for a user who installs the package alone); a
// declared dependency that no built file imports and that is no Reef plugin is "unused" (users
// download it for nothing).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { importsOf } from '../import-boundaries/parse.mjs';
import { findWorkspaces } from '../import-boundaries/workspace.mjs';

const BUILTINS = new Set(builtinModules);
const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

/**
 * @typedef {{ package: string, kind: 'undeclared' | 'unused', dependency: string, file?: string, line?: number }} Finding
 * @param {string} root a pnpm monorepo root (pnpm-workspace.yaml)
 * @returns {{ findings: Finding[], packages: number, files: number }}
 */
export function checkDistDependencies(root) {
  const findings = [];
  let packages = 0;
  let files = 0;
  for (const workspace of findWorkspaces(root)) {
    const dist = join(workspace.dir, 'dist');
    if (workspace.manifest.private || !existsSync(dist)) continue; // only what gets published, once built
    packages++;
    const declared = new Set(RUNTIME_FIELDS.flatMap((field) => Object.keys(workspace.manifest[field] ?? {})));
    const imported = new Set();
    for (const file of builtFiles(dist)) {
      files++;
      for (const site of importsOf(file, readFileSync(file, 'utf8'))) {
        const name = packageNameOf(site.specifier);
        if (name === undefined || name === workspace.name) continue; // relative, built-in or self-reference
        imported.add(name);
        if (!declared.has(name)) {
          findings.push({ package: workspace.name, kind: 'undeclared', dependency: name, file: relative(root, file), line: site.line });
        }
      }
    }
    for (const name of Object.keys(workspace.manifest.dependencies ?? {})) {
      // Only dependencies are downloaded on the package's behalf (a peer such as testkit's vitest is
      // the host's contract). A host loads the Reef plugins it depends on through plugin discovery
      // (their package.json "reef" field), not through an import.
      if (!imported.has(name) && !isReefPlugin(workspace.dir, name)) {
        findings.push({ package: workspace.name, kind: 'unused', dependency: name });
      }
    }
  }
  return { findings, packages, files };
}

/** The package a specifier loads ('@scope/name' or 'name'), or undefined for relative paths and built-ins. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  if (specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0])) return undefined;
  if (/^[a-z]+:/i.test(specifier)) return undefined; // data:, file: and other URL imports
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isReefPlugin(packageDir, name) {
  const manifest = join(packageDir, 'node_modules', name, 'package.json');
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).reef?.plugin !== undefined;
}

function builtFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...builtFiles(path));
    else if (/\.[cm]?js$/.test(entry.name)) found.push(path);
  }
  return found;
}
