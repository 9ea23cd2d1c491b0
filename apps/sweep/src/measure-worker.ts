/**
 * Worker thread that fits and measures configurations, so the main thread stays free to react to
 * Ctrl-C and to the time budget even while a plugin trains synchronously for minutes.
 * Protocol (see config-runner.ts): `dataset` once per dataset, then `run` per configuration;
 * answers `phase` messages and one `done` or `error` per run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { COMPUTE_POOL, isReefError, type Params, type QuantizerPlugin, type Registry } from '@reef/core';
import { NodeWorkerPool } from '@reef/kernels/node';
import { createNodeRegistry, findPluginPackages, type NodeRegistryOptions } from '@reef/core/node';
import type { Dataset } from '@reef/datasets';
import { measure } from './measure.js';

export type ToWorker =
  | { readonly type: 'dataset'; readonly id: string; readonly dataset: Dataset }
  | {
      readonly type: 'run';
      readonly datasetId: string;
      readonly pluginId: string;
      /** The package the host's registry got the plugin from: the worker imports only that one. */
      readonly packageName?: string;
      readonly params: Params;
      readonly seed: number;
    };

export type FromWorker =
  | { readonly type: 'phase'; readonly phase: string; readonly fraction?: number }
  | { readonly type: 'done'; readonly metrics: Awaited<ReturnType<typeof measure>> }
  | { readonly type: 'error'; readonly reason: string };

const port = parentPort!;
const discovery = workerData as NodeRegistryOptions;
// Plugins fit here, so their registries lend them worker threads (the `threads` parameter picks how
// many), one pool for all. Warnings stay in the default collecting sink: the sweep's output is its table and report.
const pool = new NodeWorkerPool();
/** One registry per plugin package, built by core's discovery. */
const registries = new Map<string, Promise<Registry>>();
const datasets = new Map<string, Dataset>();

/**
 * A registry holding the plugin, found as the host found it (discovery roots, then explicit
 * --plugin specs) but importing just its package: loading every installed plugin would cost each
 * sweep a second. A discovered package is loaded as an explicit spec, its folder.
 */
function registryFor(packageName: string | undefined): Promise<Registry> {
  const discovered = findPluginPackages(discovery.roots ?? []).find((p) => p.packageName === packageName);
  // Not discovered: one of the explicit specs, all of which share one registry.
  const key = discovered ? discovered.packageName : '--plugin';
  let registry = registries.get(key);
  if (!registry) {
    registry = createNodeRegistry({ roots: [], plugins: discovered ? [discovered.dir] : (discovery.plugins ?? []), cwd: discovery.cwd, provide: (r) => r.provide(COMPUTE_POOL, pool) });
    registries.set(key, registry);
  }
  return registry;
}

async function pluginFor(id: string, packageName: string | undefined): Promise<QuantizerPlugin> {
  return (await registryFor(packageName)).quantizer(id);
}

/** Reef errors are bad input or a refused configuration; anything else is a bug, kept with its stack. */
function reasonOf(err: unknown): string {
  return isReefError(err) ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' | ');
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'dataset') {
    datasets.set(msg.id, msg.dataset);
    return;
  }
  void (async () => {
    try {
      const quantizer = (await pluginFor(msg.pluginId, msg.packageName)).create(msg.params);
      const dataset = datasets.get(msg.datasetId);
      if (!dataset) throw new Error(`dataset ${msg.datasetId} was not sent to the worker`);
      const metrics = await measure(quantizer, dataset, { seed: msg.seed, onPhase: (phase, fraction) => port.postMessage({ type: 'phase', phase, fraction } satisfies FromWorker) });
      port.postMessage({ type: 'done', metrics } satisfies FromWorker);
    } catch (err) {
      port.postMessage({ type: 'error', reason: reasonOf(err) } satisfies FromWorker);
    }
  })();
});
