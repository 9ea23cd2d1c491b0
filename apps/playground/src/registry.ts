import { COMPUTE_POOL, Registry } from '@reef/core';
import { SingleThreadPool } from '@reef/kernels';
import { pluginModules } from 'virtual:reef-playground/plugins';

/**
 * The playground's registry: every plugin the build discovered, on a one-thread compute pool. Each
 * run has a Web Worker of its own (worker.ts), so runs go side by side on the machine's cores;
 * inside one run the work stays on that worker's thread, and the results are those of any pool.
 */
export function createRegistry(): Registry {
  const registry = new Registry().provide(COMPUTE_POOL, new SingleThreadPool());
  for (const { packageName, module } of pluginModules) registry.use(module, packageName);
  return registry;
}
