/**
 * The services contract suites run plugins with: what the CLI and the sweep provide (worker threads
 * for COMPUTE_POOL), with warnings collected rather than printed. A plugin's own `provide` runs
 * after, for services of its own or to replace these.
 */
import { COMPUTE_POOL, CollectingWarnings, Registry, WARNINGS, type ReefPluginModule } from '@reef/core';
import { NodeWorkerPool } from '@reef/kernels/node';

/** One pool for every suite of a test process: workers are kept between batches and never keep it alive. */
let sharedPool: NodeWorkerPool | undefined;

/** A registry with the contract suites' services, then `provide`'s, then `plugin` loaded. */
export function contractRegistry(plugin?: ReefPluginModule, provide?: (registry: Registry) => void): Registry {
  sharedPool ??= new NodeWorkerPool({ threads: 2 });
  const registry = new Registry().provide(COMPUTE_POOL, sharedPool).provide(WARNINGS, new CollectingWarnings());
  provide?.(registry);
  if (plugin) registry.use(plugin);
  return registry;
}
