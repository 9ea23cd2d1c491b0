import { describe, expect, it } from 'vitest';
import {
  COMPUTE_POOL,
  CollectingWarnings,
  PLUGIN_API_VERSION,
  PROGRESS,
  Registry,
  SILENT_PROGRESS,
  WrittenProgress,
  WrittenWarnings,
  WARNINGS,
  definePlugin,
  isReefError,
  serviceToken,
  type ComputePool,
  type PluginHost,
  type QuantizerPlugin,
} from '../src/index.js';

/** A pool that runs jobs here, one after another: enough to tell pools apart in these tests. */
function inlinePool(threads: number): ComputePool {
  return {
    threads,
    async run(task, count, makeJob, onReply) {
      for (let i = 0; i < count; i++) onReply(await task.handler.run(makeJob(i).job), i);
    },
    async close() {},
  };
}

function quantizer(id: string): QuantizerPlugin {
  return {
    kind: 'quantizer',
    id,
    label: id,
    summary: id,
    apiVersion: PLUGIN_API_VERSION,
    params: [],
    defaultGrid: {},
    create: () => ({}) as never,
    load: () => ({}) as never,
  };
}

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('services', () => {
  it('refuses a plugin that requires a service the host did not provide, naming the service and the plugin', () => {
    const registry = new Registry();
    let registered = false;
    const needsPool = definePlugin({
      name: '@acme/needs-pool',
      apiVersion: PLUGIN_API_VERSION,
      requires: [COMPUTE_POOL],
      register: (host) => {
        registered = true;
        host.registerQuantizer(quantizer('needy'));
      },
    });
    const err = errorOf(() => registry.use(needsPool));
    expect(isReefError(err, 'MISSING_SERVICE')).toBe(true);
    expect(err.message).toMatch(/plugin @acme\/needs-pool needs the COMPUTE_POOL service/);
    expect(err.message).toMatch(/registry\.provide\(COMPUTE_POOL, value\)/);
    // Refused before register ran: nothing half-registered.
    expect(registered).toBe(false);
    expect(registry.hasQuantizer('needy')).toBe(false);

    registry.provide(COMPUTE_POOL, inlinePool(1));
    registry.use(needsPool);
    expect(registry.hasQuantizer('needy')).toBe(true);
  });

  it('hands a plugin the services of its own registry; two registries do not see each other’s', () => {
    const a = new Registry().provide(COMPUTE_POOL, inlinePool(4));
    const b = new Registry();
    const seen = new Map<Registry, ComputePool | undefined>();
    for (const registry of [a, b]) {
      registry.use(
        definePlugin({
          name: 'reads-pool',
          apiVersion: PLUGIN_API_VERSION,
          register: (host: PluginHost) => void seen.set(registry, host.services.find(COMPUTE_POOL)),
        }),
      );
    }
    expect(seen.get(a)?.threads).toBe(4);
    expect(seen.get(b)).toBeUndefined();
    expect(a.provides(COMPUTE_POOL)).toBe(true);
    expect(b.provides(COMPUTE_POOL)).toBe(false);
    expect(isReefError(errorOf(() => b.services.get(COMPUTE_POOL)), 'MISSING_SERVICE')).toBe(true);
  });

  it('gives each registry its own default warnings sink and silent progress, replaced by what the host provides', () => {
    const a = new Registry();
    const b = new Registry();
    const sinkA = a.services.get(WARNINGS);
    expect(sinkA).toBeInstanceOf(CollectingWarnings);
    // The default is made once per registry, so what plugins warned stays readable by the host.
    expect(a.services.get(WARNINGS)).toBe(sinkA);
    expect(b.services.get(WARNINGS)).not.toBe(sinkA);
    sinkA.warn('few points', 'pq');
    expect((sinkA as CollectingWarnings).messages).toEqual([{ message: 'few points', source: 'pq' }]);
    expect(a.services.get(PROGRESS)).toBe(SILENT_PROGRESS);
    // Defaults satisfy `requires`, but are not "provided by the host".
    expect(a.provides(WARNINGS)).toBe(false);
    a.use(definePlugin({ name: 'warns', apiVersion: PLUGIN_API_VERSION, requires: [WARNINGS, PROGRESS], register: () => {} }));

    const mine = new CollectingWarnings();
    a.provide(WARNINGS, mine);
    expect(a.services.get(WARNINGS)).toBe(mine);
    expect(b.services.get(WARNINGS)).not.toBe(mine);
  });

  it('lets third parties define tokens, and refuses bad tokens and values', () => {
    const CACHE = serviceToken<Map<string, string>>('ACME_CACHE', 'a shared cache');
    const registry = new Registry();
    expect(registry.services.find(CACHE)).toBeUndefined();
    expect(errorOf(() => registry.services.get(CACHE)).message).toMatch(/needs the ACME_CACHE service \(a shared cache\)/);
    const cache = new Map<string, string>();
    registry.provide(CACHE, cache);
    expect(registry.services.get(CACHE)).toBe(cache);
    expect(isReefError(errorOf(() => serviceToken('lower', 'x')), 'INVALID_PARAM')).toBe(true);
    expect(errorOf(() => registry.provide(CACHE, undefined as never)).message).toMatch(/provide\(ACME_CACHE\) needs a value/);
  });
});

describe('written warnings and progress', () => {
  it('write one line per warning, naming its source', () => {
    const lines: string[] = [];
    const sink = new WrittenWarnings((line) => lines.push(line));
    sink.warn('200 training points for 64 centroids', 'pq');
    sink.warn('no source');
    expect(lines).toEqual(['warning (pq): 200 training points for 64 centroids', 'warning: no source']);
  });

  it('write progress each time a task crosses another step, and at the end', () => {
    const lines: string[] = [];
    const progress = new WrittenProgress((line) => lines.push(line), 0.25);
    for (const f of [0, 0.1, 0.2, 0.3, 0.5, 0.55, 0.99, 1]) progress.report(f, 'pq fit');
    progress.report(0.6, 'other');
    expect(lines).toEqual(['pq fit: 0%', 'pq fit: 30%', 'pq fit: 50%', 'pq fit: 99%', 'pq fit: 100%', 'other: 60%']);
    // A second run of the same task is reported from its start again.
    progress.report(0.1, 'pq fit');
    expect(lines.at(-1)).toBe('pq fit: 10%');
    expect(() => new WrittenProgress(() => {}, 0)).toThrow(/step must be in \(0, 1\], got 0/);
  });
});
