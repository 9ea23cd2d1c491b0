import { describe, expect, it } from 'vitest';
import {
  PLUGIN_API_VERSION,
  PLUGIN_CATALOG,
  Registry,
  ReefError,
  definePlugin,
  type DeltaTypePlugin,
  type QuantizerPlugin,
} from '../src/index.js';

function quantizerPlugin(id: string, overrides: Partial<QuantizerPlugin> = {}): QuantizerPlugin {
  return {
    kind: 'quantizer',
    id,
    label: id.toUpperCase(),
    summary: `test quantizer ${id}`,
    apiVersion: PLUGIN_API_VERSION,
    params: [{ name: 'm', type: 'int', default: 4, min: 1, description: 'parts' }],
    defaultGrid: {},
    validate: (params, dim) => ((params.m as number) > dim ? `m=${params.m} exceeds dimension ${dim}` : undefined),
    create: (params) => ({ params }) as never,
    load: () => {
      throw new Error('not used');
    },
    ...overrides,
  };
}

const deltaPlugin: DeltaTypePlugin = {
  kind: 'delta',
  id: 'copy',
  label: 'Copy',
  summary: 'stores the target whole',
  apiVersion: PLUGIN_API_VERSION,
  lossless: true,
  params: [],
  encode: (target) => ({ arrays: { data: { data: target.data, shape: [target.data.length] } }, attributes: {} }),
  decode: (payload, reference) => ({ ...reference, data: payload.arrays.data.data as Uint8Array }),
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as ReefError).code;
  }
  return undefined;
}

describe('Registry', () => {
  it('registers, lists and resolves quantizers and delta types', () => {
    const r = new Registry();
    r.registerQuantizer(quantizerPlugin('pq'));
    r.registerQuantizer(quantizerPlugin('sq'));
    r.registerDeltaType(deltaPlugin);
    expect(r.quantizers().map((q) => q.id)).toEqual(['pq', 'sq']);
    expect(r.quantizer('sq').label).toBe('SQ');
    expect(r.deltaTypes().map((d) => d.id)).toEqual(['copy']);
    expect(r.deltaType('copy').lossless).toBe(true);
  });

  it('keeps registries apart', () => {
    const a = new Registry();
    const b = new Registry();
    a.registerQuantizer(quantizerPlugin('pq'));
    expect(b.quantizers()).toEqual([]);
    expect(b.hasQuantizer('pq')).toBe(false);
  });

  it('refuses duplicate ids, naming the package that registered first', () => {
    const r = new Registry();
    r.use(definePlugin({ name: 'first', apiVersion: 1, register: (h) => h.registerQuantizer(quantizerPlugin('pq')) }), '@acme/first');
    expect(() => r.use(definePlugin({ name: 'second', apiVersion: 1, register: (h) => h.registerQuantizer(quantizerPlugin('pq')) }), '@acme/second')).toThrow(
      "quantizer id 'pq' is already registered by @acme/first; refusing @acme/second",
    );
  });

  it('refuses plugins written for another API version', () => {
    const r = new Registry();
    expect(codeOf(() => r.use({ name: 'old', apiVersion: 0, register: () => {} }))).toBe('PLUGIN_API_VERSION');
    expect(codeOf(() => r.registerQuantizer(quantizerPlugin('pq', { apiVersion: 2 })))).toBe('PLUGIN_API_VERSION');
  });

  it('refuses malformed ids and objects that are not plugins', () => {
    const r = new Registry();
    expect(() => r.registerQuantizer(quantizerPlugin('Bad Id'))).toThrow('must be lower-case');
    expect(codeOf(() => r.use({} as never, 'not-a-plugin'))).toBe('PLUGIN_LOAD');
  });

  it('names the package to install for a method in the host catalog, and --plugin for others', () => {
    const r = new Registry().provide(PLUGIN_CATALOG, { pq: '@reef/quantizer-pq', 'xor-planes': '@reef/delta-lossless' });
    r.registerQuantizer(quantizerPlugin('sq'));
    expect(() => r.quantizer('pq')).toThrow("unknown quantizer 'pq': install @reef/quantizer-pq (npm install @reef/quantizer-pq) to get it. Installed: sq");
    expect(() => r.quantizer('mine')).toThrow('--plugin <path|package>');
    expect(() => r.deltaType('xor-planes')).toThrow('@reef/delta-lossless');
    expect(() => r.quantizer('constructor')).toThrow('--plugin <path|package>'); // an own key only, not the prototype's
  });

  it('names no package without a catalog: core knows no plugin by name', () => {
    const r = new Registry();
    expect(() => r.quantizer('pq')).toThrow("unknown quantizer 'pq': no known package provides it; load a third-party or local plugin with --plugin <path|package>. Installed: none");
  });

  it('resolves parameters and runs plugin validation when creating', () => {
    const r = new Registry();
    r.registerQuantizer(quantizerPlugin('pq'));
    expect(r.createQuantizer('pq', { m: '2' }, 8).params).toEqual({ m: 2 });
    expect(() => r.createQuantizer('pq', { m: 16 }, 8)).toThrow('pq: m=16 exceeds dimension 8');
    expect(codeOf(() => r.createQuantizer('pq', { k: 1 }))).toBe('UNKNOWN_PARAM');
  });

  it('refuses saved models from unknown plugins or other API versions', () => {
    const r = new Registry();
    r.registerQuantizer(quantizerPlugin('pq'));
    expect(codeOf(() => r.loadQuantizer({ pluginId: 'zz', apiVersion: 1, params: {}, arrays: {}, attributes: {} }))).toBe('UNKNOWN_PLUGIN');
    expect(codeOf(() => r.loadQuantizer({ pluginId: 'pq', apiVersion: 7, params: {}, arrays: {}, attributes: {} }))).toBe('PLUGIN_API_VERSION');
    expect(codeOf(() => r.loadQuantizer({} as never))).toBe('BAD_MODEL');
  });

  it('registers nothing until the host calls register', () => {
    let calls = 0;
    const module = definePlugin({ name: 'lazy', apiVersion: 1, register: (h) => (calls++, h.registerQuantizer(quantizerPlugin('lazy'))) });
    const r = new Registry();
    expect(calls).toBe(0);
    expect(r.hasQuantizer('lazy')).toBe(false);
    r.use(module);
    expect(calls).toBe(1);
    expect(r.hasQuantizer('lazy')).toBe(true);
  });
});
