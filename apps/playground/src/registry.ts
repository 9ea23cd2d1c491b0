import { COMPUTE_POOL, Registry, type ComputePool } from '@reef/core';
import { SingleThreadPool } from '@reef/kernels';
import { pluginModules } from 'virtual:reef-playground/plugins';

/**
 * The playground's registry: every plugin the build discovered, on the compute pool given (one
 * thread unless told otherwise). Results do not depend on the pool: every pool calls the same
 * task handlers on the same jobs.
 */
export function createRegistry(pool: ComputePool = new SingleThreadPool()): Registry {
  const registry = new Registry().provide(COMPUTE_POOL, pool);
  for (const { packageName, module } of pluginModules) registry.use(module, packageName);
  return registry;
}
