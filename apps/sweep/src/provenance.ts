import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This app's package folder (dist/.. at run time). */
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function readVersion(packageJson: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Version of an installed package, looked up from each folder in turn as Node would resolve it. */
export function packageVersion(name: string, fromDirs: readonly string[]): string {
  for (const from of fromDirs) {
    try {
      const file = createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`);
      const v = readVersion(file);
      if (v) return v;
    } catch {
      // not resolvable from here; try walking node_modules (packages without ./package.json export)
      for (let dir = resolve(from); ; dir = dirname(dir)) {
        const candidate = join(dir, 'node_modules', name, 'package.json');
        if (existsSync(candidate)) {
          const v = readVersion(candidate);
          if (v) return v;
        }
        if (dirname(dir) === dir) break;
      }
    }
  }
  return 'unknown';
}

export function appVersion(): string {
  return readVersion(join(APP_DIR, 'package.json')) ?? 'unknown';
}

/** The git commit of the working tree the sweep runs in, with `-dirty` when it has changes. */
export function gitCommit(cwd: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

export function hostName(): string {
  return hostname();
}

/** name → version of `--plugin` folders that hold a package.json (local plugins are not installed). */
export function localPluginVersions(paths: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of paths) {
    try {
      const pkg = JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name && pkg.version) out.set(pkg.name, pkg.version);
    } catch {
      // a module file or a package name: versions come from packageVersion()
    }
  }
  return out;
}
