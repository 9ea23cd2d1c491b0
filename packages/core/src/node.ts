/**
 * Plugin discovery for Node hosts: finds installed packages whose package.json carries a `reef`
 * manifest field, and loads explicit `--plugin <path|package>` specs. Browser hosts import plugin
 * modules themselves and call `registry.use`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReefError } from './errors.js';
import { printable } from './printable.js';
import { PLUGIN_API_VERSION, type ReefManifest, type ReefPluginModule } from './plugin.js';
import { Registry } from './registry.js';

export interface PluginPackage {
  readonly packageName: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: ReefManifest;
}

interface PackageJson {
  name?: string;
  version?: string;
  reef?: ReefManifest;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch (err) {
    throw new ReefError('PLUGIN_LOAD', `cannot parse ${file}: ${(err as Error).message}`);
  }
}

/** Finds the installed folder of `name` as Node would: node_modules of `from` and its parents. */
function findInstalled(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function manifestOf(pkg: PackageJson, dir: string): ReefManifest | undefined {
  const m = pkg.reef;
  if (m === undefined) return undefined;
  if (typeof m !== 'object' || typeof m.plugin !== 'string' || typeof m.apiVersion !== 'number') {
    throw new ReefError('PLUGIN_LOAD', `${pkg.name ?? dir}: package.json field "reef" must be { plugin: string, apiVersion: number }`);
  }
  return m;
}

/**
 * Lists plugin packages among the dependencies of each root package (its `dependencies`,
 * `optionalDependencies` and, with `includeDev`, `devDependencies`). Roots without a package.json
 * are skipped, so the current directory can always be passed.
 */
export function findPluginPackages(roots: readonly string[], includeDev = false): PluginPackage[] {
  const found = new Map<string, PluginPackage>();
  for (const root of roots) {
    const pkg = readPackageJson(root);
    if (!pkg) continue;
    const deps = { ...pkg.dependencies, ...pkg.optionalDependencies, ...(includeDev ? pkg.devDependencies : {}) };
    for (const name of Object.keys(deps)) {
      if (found.has(name)) continue;
      const dir = findInstalled(name, root);
      if (!dir) continue;
      const depPkg = readPackageJson(dir);
      const manifest = depPkg && manifestOf(depPkg, dir);
      if (!depPkg || !manifest) continue;
      found.set(name, { packageName: name, version: depPkg.version ?? '0.0.0', dir, manifest });
    }
  }
  return [...found.values()];
}

async function importPluginModule(file: string, label: string): Promise<ReefPluginModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ReefError('PLUGIN_LOAD', `cannot load plugin ${label} from ${file}: ${(err as Error).message}`, { cause: err });
  }
  const candidate = (mod.reefPlugin ?? mod.default) as ReefPluginModule | undefined;
  if (!candidate || typeof candidate.register !== 'function') {
    throw new ReefError('PLUGIN_LOAD', `${label} (${file}) exports no Reef plugin: export default definePlugin({ name, apiVersion, register })`);
  }
  return candidate;
}

/** Imports the module a discovered package's manifest points at. */
export async function loadPluginPackage(pkg: PluginPackage): Promise<ReefPluginModule> {
  if (pkg.manifest.apiVersion !== PLUGIN_API_VERSION) {
    throw new ReefError(
      'PLUGIN_API_VERSION',
      `${pkg.packageName}@${pkg.version} targets Reef plugin API ${pkg.manifest.apiVersion}, this host speaks ${PLUGIN_API_VERSION}`,
    );
  }
  return importPluginModule(join(pkg.dir, pkg.manifest.plugin), pkg.packageName);
}

/**
 * Resolves a `--plugin` spec: a folder with a package.json carrying a `reef` field, a JavaScript
 * module file, or the name of a package installed where the host runs (`cwd`).
 */
export async function loadPluginSpec(spec: string, cwd: string = process.cwd()): Promise<{ module: ReefPluginModule; packageName: string }> {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || spec.includes('\\');
  const asPath = resolve(cwd, spec);
  if (looksLikePath || existsSync(asPath)) {
    if (!existsSync(asPath)) throw new ReefError('PLUGIN_LOAD', `no such file: ${printable(asPath)} (a --plugin path that does not exist)`);
    if (statSync(asPath).isDirectory()) {
      const pkg = readPackageJson(asPath);
      const manifest = pkg && manifestOf(pkg, asPath);
      if (!pkg || !manifest) {
        throw new ReefError('PLUGIN_LOAD', `${asPath} is not a Reef plugin package: its package.json needs a "reef" field`);
      }
      const info: PluginPackage = { packageName: pkg.name ?? asPath, version: pkg.version ?? '0.0.0', dir: asPath, manifest };
      return { module: await loadPluginPackage(info), packageName: info.packageName };
    }
    return { module: await importPluginModule(asPath, spec), packageName: spec };
  }
  // A package name: resolve its package.json from cwd as Node would.
  let dir: string | undefined;
  try {
    dir = dirname(createRequire(join(cwd, 'noop.js')).resolve(`${spec}/package.json`));
  } catch {
    dir = findInstalled(spec, cwd);
  }
  if (!dir) throw new ReefError('PLUGIN_LOAD', `plugin package '${spec}' is not installed here (npm install ${spec})`);
  return loadPluginSpec(dir, cwd);
}

export interface NodeRegistryOptions {
  /** Package folders whose dependencies are scanned for plugins (e.g. the app's own folder and cwd). */
  readonly roots?: readonly string[];
  /** Explicit `--plugin` specs. */
  readonly plugins?: readonly string[];
  readonly cwd?: string;
  /** Provides the host's services (registry.provide) before any plugin is loaded. */
  readonly provide?: (registry: Registry) => void;
  /**
   * Load only discovered packages whose manifest declares plugins of these kinds (a manifest that
   * declares neither list is loaded anyway). A host that needs only delta types (the `reef` store
   * commands) so skips importing every quantizer. Explicit `plugins` are always loaded.
   */
  readonly kinds?: readonly ('quantizers' | 'deltaTypes')[];
}

function declaresWanted(manifest: ReefManifest, kinds: readonly ('quantizers' | 'deltaTypes')[] | undefined): boolean {
  if (!kinds || (manifest.quantizers === undefined && manifest.deltaTypes === undefined)) return true;
  return kinds.some((kind) => (manifest[kind]?.length ?? 0) > 0);
}

/** A registry filled with every discovered plugin plus the explicit ones. */
export async function createNodeRegistry(options: NodeRegistryOptions = {}): Promise<Registry> {
  const registry = new Registry();
  options.provide?.(registry);
  const cwd = options.cwd ?? process.cwd();
  // Imported together (their file reads overlap), registered in discovery order; the first failure
  // in that order is the one reported.
  const wanted = findPluginPackages(options.roots ?? [cwd]).filter((pkg) => declaresWanted(pkg.manifest, options.kinds));
  const loaded = await Promise.allSettled(wanted.map((pkg) => loadPluginPackage(pkg)));
  wanted.forEach((pkg, k) => {
    const outcome = loaded[k];
    if (outcome.status === 'rejected') throw outcome.reason;
    registry.use(outcome.value, pkg.packageName);
  });
  for (const spec of options.plugins ?? []) {
    const { module, packageName } = await loadPluginSpec(spec, cwd);
    registry.use(module, packageName);
  }
  return registry;
}
