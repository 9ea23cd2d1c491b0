import { COMPUTE_POOL, PLUGIN_CATALOG, PROGRESS, SILENT_PROGRESS, TerminalProgress, WARNINGS, WrittenWarnings } from '@reef/core/services';
import type { Registry } from '@reef/core';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIRST_PARTY_PLUGINS } from './plugin-catalog.js';

/**
 * The folder of this package (its dependencies are the plugins installed with the CLI): the nearest
 * folder above this module with a package.json, whether it runs from dist/ or from dist/bundle/.
 */
export const CLI_PACKAGE_DIR = packageDirAbove(dirname(fileURLToPath(import.meta.url)));

function packageDirAbove(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(start, '..');
  }
}

/** What every command gets: the discovered plugins (loaded once, on first use) and output streams. */
export interface CliContext {
  /**
   * The discovered plugins; `deltaTypes`: only packages that declare delta types (the store
   * commands decode and encode tensors but run no quantizer, so they skip importing them).
   */
  registry(scope?: 'all' | 'deltaTypes'): Promise<Registry>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * Plugin discovery, the worker pool and the lossless delta types are imported only when a command
 * asks for the registry: `reef status`, `log`, `show`, `branch` and `tag` never do, and start
 * without loading any plugin.
 */
export function createContext(
  pluginSpecs: () => string[],
  out = (t: string) => void process.stdout.write(t + '\n'),
  err = (t: string) => void process.stderr.write(t + '\n'),
  quiet: () => boolean = () => false,
): CliContext {
  const registries = new Map<'all' | 'deltaTypes', Promise<Registry>>();
  const discover = async (scope: 'all' | 'deltaTypes'): Promise<Registry> => {
    const [{ createNodeRegistry }, { NodeWorkerPool }, { default: deltaLossless }] = await Promise.all([
      import('@reef/core/node'),
      import('@reef/kernels/node'),
      import('@reef/delta-lossless'),
    ]);
    const r = await createNodeRegistry({
      // Plugins installed next to the CLI, and those in the user's own project.
      roots: [CLI_PACKAGE_DIR, process.cwd()],
      plugins: pluginSpecs(),
      kinds: scope === 'deltaTypes' ? ['deltaTypes'] : undefined,
      // What plugins and the store get from the CLI: worker threads, warnings on stderr, and a
      // progress line on stderr when it is a terminal (none when piped or with --quiet); the
      // first-party catalog names the package to install for an unknown method.
      provide: (reg) =>
        reg
          .provide(COMPUTE_POOL, new NodeWorkerPool())
          .provide(WARNINGS, new WrittenWarnings(err))
          .provide(PROGRESS, TerminalProgress.for(process.stderr, quiet()) ?? SILENT_PROGRESS)
          .provide(PLUGIN_CATALOG, FIRST_PARTY_PLUGINS),
    });
    // The store registers no delta types itself; every repository written so far needs the
    // lossless ones. Discovery normally found them already (then this is a no-op).
    r.use(deltaLossless, '@reef/delta-lossless');
    return r;
  };
  return {
    registry: (scope = 'all') => {
      const known = registries.get('all') ?? registries.get(scope);
      if (known) return known;
      const made = discover(scope);
      registries.set(scope, made);
      return made;
    },
    out,
    err,
  };
}
