/// <reference lib="webworker" />
import { serveComputeTasks } from '@reef/kernels/browser';
import { pluginModules } from 'virtual:reef-playground/plugins';

/**
 * A worker of a run's WebWorkerPool: the plugins' code and nothing else (no h5wasm, no datasets),
 * so it starts faster than a run's worker. Bundling the plugins evaluates the modules that declare
 * their compute tasks (`computeTask`), which is how `serveComputeTasks` finds each handler.
 */
if (pluginModules.length === 0) throw new Error('pool worker: the build bundled no plugin');
serveComputeTasks();
