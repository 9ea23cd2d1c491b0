// Finds the workspace packages of a pnpm monorepo and the source files under each one's src/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CHECKED_OUTSIDE_WORKSPACE, KIND_BY_FOLDER, PLUGIN_NAME } from './policy.mjs';

const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

/**
 * @typedef {{ name: string, dir: string, rel: string, kind: 'library' | 'plugin' | 'app' | 'other',
 *   manifest: Record<string, any>, declared: Set<string>, files: string[] }} Workspace
 * dir: absolute; rel: relative to the root, with forward slashes; declared: dependencies,
 * peerDependencies and optionalDependencies (what src may import); files: absolute paths under src/.
 * @param {string} root
 * @returns {Workspace[]}
 */
export function findWorkspaces(root) {
  const workspaces = [];
  for (const dir of workspaceDirs(root)) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const rel = toPosix(relative(root, dir));
    const declared = new Set(['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((k) => Object.keys(manifest[k] ?? {})));
    workspaces.push({ name: manifest.name, dir, rel, kind: kindOf(rel, manifest), manifest, declared, files: sourceFiles(join(dir, 'src')) });
  }
  return workspaces;
}

/** The `packages:` globs of pnpm-workspace.yaml plus CHECKED_OUTSIDE_WORKSPACE; only `folder/*` and plain folders, which is all Reef uses. */
function workspaceDirs(root) {
  const yamlFile = join(root, 'pnpm-workspace.yaml');
  if (!existsSync(yamlFile)) throw new Error(`no pnpm-workspace.yaml in ${root}`);
  const globs = [];
  let inPackages = false;
  for (const line of readFileSync(yamlFile, 'utf8').split('\n')) {
    if (/^\S/.test(line)) inPackages = /^packages\s*:/.test(line);
    const item = inPackages && /^\s+-\s*['"]?([^'"#\s]+)['"]?/.exec(line);
    if (item) globs.push(item[1]);
  }
  globs.push(...CHECKED_OUTSIDE_WORKSPACE);
  const dirs = [];
  for (const glob of new Set(globs)) {
    if (glob.startsWith('!')) continue;
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent).sort()) {
        if (existsSync(join(parent, name, 'package.json'))) dirs.push(join(parent, name));
      }
    } else if (!glob.includes('*')) {
      if (existsSync(join(root, glob, 'package.json'))) dirs.push(join(root, glob));
    } else {
      throw new Error(`pnpm-workspace.yaml: glob ${glob} is not supported by the import check (use folder/* or a folder)`);
    }
  }
  return dirs;
}

function kindOf(rel, manifest) {
  if (PLUGIN_NAME.test(manifest.name ?? '') || manifest.reef?.plugin !== undefined) return 'plugin';
  return KIND_BY_FOLDER[rel.split('/')[0]] ?? 'other';
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE_FILE.test(name)) files.push(path);
  }
  return files;
}

export function toPosix(path) {
  return path.split(sep).join('/');
}
