import { container as rootContainer, type DependencyContainer, type InjectionToken } from '#di';
import type { DeltaTypePlugin } from './delta.js';
import { ReefError } from './errors.js';
import { resolveParams, type Params } from './params.js';
import { PLUGIN_API_VERSION, type PluginHost, type ReefPluginModule } from './plugin.js';
import type { Quantizer, QuantizerPlugin, SavedModel } from './quantizer.js';
import { PLUGIN_CATALOG, missingService, type PluginCatalog, type ServiceToken, type Services } from './services.js';

/**
 * Explicit DI tokens. Plugins are registered as values under a kind token (for listing) and under
 * a per-id token (for resolving); no constructor-type inference, which vitest cannot provide.
 */
export const QUANTIZER_PLUGINS: InjectionToken<QuantizerPlugin> = Symbol.for('reef:quantizer-plugins');
export const DELTA_TYPE_PLUGINS: InjectionToken<DeltaTypePlugin> = Symbol.for('reef:delta-type-plugins');
export const quantizerToken = (id: string): InjectionToken<QuantizerPlugin> => Symbol.for(`reef:quantizer:${id}`);
export const deltaTypeToken = (id: string): InjectionToken<DeltaTypePlugin> => Symbol.for(`reef:delta:${id}`);

const ID_PATTERN = /^[a-z][a-z0-9-]*$/;

type AnyPlugin = QuantizerPlugin | DeltaTypePlugin;

/**
 * The registry of installed methods and of the services the host lends them. The host (an app or
 * a test) owns it; each registry wraps its own child container so two registries never see each
 * other's plugins or services.
 */
export class Registry {
  readonly container: DependencyContainer;
  /** Modules already registered: importing the same module twice is harmless, a second copy is not. */
  private readonly loadedModules = new Set<ReefPluginModule>();
  /** What plugins see: this registry's services, nothing else of the container. */
  readonly services: Services;
  /** Token defaults made for this registry (kept apart from what the host provided). */
  private readonly defaults = new Map<symbol, unknown>();

  constructor(parent: DependencyContainer = rootContainer) {
    this.container = parent.createChildContainer();
    this.services = {
      get: (token) => {
        const value = this.findService(token);
        if (value === undefined) throw missingService(token, 'a plugin');
        return value;
      },
      find: (token) => this.findService(token),
    };
  }

  /**
   * Provides a service to the plugins of this registry (replacing an earlier value or the
   * default). Provide services before loading plugins: a plugin reads them in `register`.
   */
  provide<T>(token: ServiceToken<T>, value: T): this {
    if (!token || typeof token.key !== 'symbol') throw new ReefError('INVALID_PARAM', 'provide() needs a service token such as COMPUTE_POOL from @reef/core');
    if (value === undefined || value === null) throw new ReefError('INVALID_PARAM', `provide(${token.name}) needs a value, got ${value}`);
    this.container.register(token.key, { useValue: value });
    return this;
  }

  /** Whether the host provided the service itself (defaults do not count). */
  provides(token: ServiceToken<unknown>): boolean {
    return this.container.isRegistered(token.key, false);
  }

  /** The provided value, else the token's default (made once per registry), else undefined. */
  private findService<T>(token: ServiceToken<T>): T | undefined {
    if (this.provides(token)) return this.container.resolve<T>(token.key);
    if (!token.createDefault) return undefined;
    if (!this.defaults.has(token.key)) this.defaults.set(token.key, token.createDefault());
    return this.defaults.get(token.key) as T;
  }

  registerQuantizer(plugin: QuantizerPlugin): void {
    this.checkPlugin(plugin, 'quantizer');
    this.refuseDuplicate(quantizerToken(plugin.id), plugin, 'quantizer');
    this.container.register(QUANTIZER_PLUGINS, { useValue: plugin });
    this.container.register(quantizerToken(plugin.id), { useValue: plugin });
  }

  registerDeltaType(plugin: DeltaTypePlugin): void {
    this.checkPlugin(plugin, 'delta');
    this.refuseDuplicate(deltaTypeToken(plugin.id), plugin, 'delta type');
    this.container.register(DELTA_TYPE_PLUGINS, { useValue: plugin });
    this.container.register(deltaTypeToken(plugin.id), { useValue: plugin });
  }

  /** Calls a plugin module's `register` with a host bound to this registry. */
  use(module: ReefPluginModule, packageName?: string): void {
    if (!module || typeof module.register !== 'function') {
      throw new ReefError('PLUGIN_LOAD', `${packageName ?? 'plugin'} does not export a Reef plugin (an object with register(host))`);
    }
    const name = module.name ?? packageName ?? '(unnamed plugin)';
    if (module.apiVersion !== PLUGIN_API_VERSION) {
      throw new ReefError(
        'PLUGIN_API_VERSION',
        `plugin ${name} targets Reef plugin API ${module.apiVersion}, this host speaks ${PLUGIN_API_VERSION}; install a version of the plugin built for API ${PLUGIN_API_VERSION}`,
      );
    }
    if (this.loadedModules.has(module)) return;
    for (const token of module.requires ?? []) {
      if (this.findService(token) === undefined) throw missingService(token, `plugin ${name}`);
    }
    const stamp = <T extends AnyPlugin>(p: T): T => {
      if (packageName && !p.packageName) p.packageName = packageName;
      return p;
    };
    const host: PluginHost = {
      apiVersion: PLUGIN_API_VERSION,
      services: this.services,
      registerQuantizer: (p) => this.registerQuantizer(stamp(p)),
      registerDeltaType: (p) => this.registerDeltaType(stamp(p)),
    };
    module.register(host);
    this.loadedModules.add(module);
  }

  quantizers(): QuantizerPlugin[] {
    return this.all(QUANTIZER_PLUGINS);
  }

  deltaTypes(): DeltaTypePlugin[] {
    return this.all(DELTA_TYPE_PLUGINS);
  }

  hasQuantizer(id: string): boolean {
    return this.container.isRegistered(quantizerToken(id), false);
  }

  quantizer(id: string): QuantizerPlugin {
    if (!this.hasQuantizer(id)) throw unknownPlugin('quantizer', id, this.quantizers(), this.services.find(PLUGIN_CATALOG));
    return this.container.resolve(quantizerToken(id));
  }

  deltaType(id: string): DeltaTypePlugin {
    if (!this.container.isRegistered(deltaTypeToken(id), false)) throw unknownPlugin('delta type', id, this.deltaTypes(), this.services.find(PLUGIN_CATALOG));
    return this.container.resolve(deltaTypeToken(id));
  }

  /** Resolves parameters (defaults, types, ranges), runs the plugin's own checks, creates the quantizer. */
  createQuantizer(id: string, params: Record<string, unknown> = {}, dim?: number): Quantizer {
    const plugin = this.quantizer(id);
    const resolved: Params = resolveParams(plugin.id, plugin.params, params);
    if (dim !== undefined && plugin.validate) {
      const reason = plugin.validate(resolved, dim);
      if (reason) throw new ReefError('INVALID_PARAM', `${plugin.id}: ${reason}`);
    }
    return plugin.create(resolved);
  }

  /** Loads a saved model with the plugin named in it. */
  loadQuantizer(saved: SavedModel): Quantizer {
    if (!saved || typeof saved.pluginId !== 'string') {
      throw new ReefError('BAD_MODEL', 'saved model has no pluginId; it was not written by Reef');
    }
    const plugin = this.quantizer(saved.pluginId);
    if (saved.apiVersion !== PLUGIN_API_VERSION) {
      throw new ReefError('PLUGIN_API_VERSION', `saved model uses plugin API ${saved.apiVersion}, this host speaks ${PLUGIN_API_VERSION}`);
    }
    return plugin.load(saved);
  }

  private all<T>(token: InjectionToken<T>): T[] {
    return this.container.isRegistered(token, false) ? this.container.resolveAll(token) : [];
  }

  private checkPlugin(plugin: AnyPlugin, kind: AnyPlugin['kind']): void {
    if (!plugin || plugin.kind !== kind) {
      throw new ReefError('PLUGIN_LOAD', `expected a ${kind} plugin, got kind ${JSON.stringify(plugin?.kind)}`);
    }
    if (typeof plugin.id !== 'string' || !ID_PATTERN.test(plugin.id)) {
      throw new ReefError('PLUGIN_LOAD', `plugin id ${JSON.stringify(plugin.id)} must be lower-case letters, digits and '-', starting with a letter`);
    }
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new ReefError(
        'PLUGIN_API_VERSION',
        `${kind} plugin '${plugin.id}' targets Reef plugin API ${plugin.apiVersion}, this host speaks ${PLUGIN_API_VERSION}`,
      );
    }
  }

  private refuseDuplicate(token: InjectionToken<AnyPlugin>, plugin: AnyPlugin, what: string): void {
    if (!this.container.isRegistered(token, false)) return;
    const existing = this.container.resolve(token);
    throw new ReefError(
      'DUPLICATE_PLUGIN',
      `${what} id '${plugin.id}' is already registered by ${existing.packageName ?? 'another plugin'}; refusing ${plugin.packageName ?? 'the second one'}`,
    );
  }
}

function unknownPlugin(what: string, id: string, installed: AnyPlugin[], catalog: PluginCatalog = {}): ReefError {
  const have = installed.map((p) => p.id).join(', ') || 'none';
  // The host's catalog (PLUGIN_CATALOG) names packages: core itself knows no plugin by name.
  const pkg = Object.hasOwn(catalog, id) ? catalog[id] : undefined;
  const hint = pkg
    ? `install ${pkg} (npm install ${pkg}) to get it`
    : `no known package provides it; load a third-party or local plugin with --plugin <path|package>`;
  return new ReefError('UNKNOWN_PLUGIN', `unknown ${what} '${id}': ${hint}. Installed: ${have}`);
}
