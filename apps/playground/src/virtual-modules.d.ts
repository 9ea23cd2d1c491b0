/** Modules the build script (scripts/build.mjs) makes; see there. */
declare module 'virtual:reef-playground/plugins' {
  import type { ReefPluginModule } from '@reef/core';
  /** The plugin modules discovered among the playground's dependencies at build time, as the CLI discovers them. */
  export const pluginModules: readonly { readonly packageName: string; readonly module: ReefPluginModule }[];
}

declare module 'virtual:reef-playground/worker-source' {
  /** The bundled source of worker.ts: pages opened from file:// may only start workers from blobs. */
  const source: string;
  export default source;
  /** The bundled source of pool-worker.ts: the workers of a run's WebWorkerPool. */
  export const poolWorkerSource: string;
}
