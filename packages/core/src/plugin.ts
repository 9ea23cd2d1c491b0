import type { DeltaTypePlugin } from './delta.js';
import type { QuantizerPlugin } from './quantizer.js';
import type { ServiceToken, Services } from './services.js';

/** Version of the contracts in this package. Plugins declare the version they were written for. */
export const PLUGIN_API_VERSION = 1;

/** What the host hands a plugin's `register` function. Plugins never touch the DI container. */
export interface PluginHost {
  readonly apiVersion: number;
  /** The services the host provides (compute pool, warnings, progress, ...); see services.ts. */
  readonly services: Services;
  registerQuantizer(plugin: QuantizerPlugin): void;
  registerDeltaType(plugin: DeltaTypePlugin): void;
}

/**
 * The shape of a plugin module's default export (or named export `reefPlugin`). Importing a plugin
 * has no side effects: nothing is registered until the host calls `register`.
 */
export interface ReefPluginModule {
  readonly name: string;
  readonly apiVersion: number;
  /**
   * Services the plugin cannot work without. The host checks them before calling `register` and
   * refuses the plugin with a MISSING_SERVICE error naming the first one it lacks. Services a
   * plugin can do without are read with `host.services.find` instead.
   */
  readonly requires?: readonly ServiceToken<unknown>[];
  register(host: PluginHost): void;
}

/** The `reef` field in a plugin's package.json, read by discovery without importing the code. */
export interface ReefManifest {
  /** Module to import, relative to the package root, e.g. `./dist/index.js`. */
  readonly plugin: string;
  readonly apiVersion: number;
  readonly quantizers?: readonly string[];
  readonly deltaTypes?: readonly string[];
}

/** Helps plugin authors type their export. */
export function definePlugin(plugin: ReefPluginModule): ReefPluginModule {
  return plugin;
}
