import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The package's subpath entries, imported by name as a plugin would (`@reef/core/delta`, ...),
 * against the build. Each concept has its own entry; `.` re-exports every one but `./node`.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  imports: Record<string, Record<string, string>>;
};
const entries = Object.entries(pkg.exports).flatMap(([key, target]) => (typeof target === 'string' ? [] : [{ key, ...target }]));
const subpaths = entries.filter((e) => e.key !== '.');

/** Names each entry must provide: runtime values, or for type-only concepts, declared types. */
const EXPECTED: Record<string, { values?: string[]; types?: string[] }> = {
  './errors': { values: ['ReefError', 'isReefError'], types: ['ReefErrorCode'] },
  './printable': { values: ['printable'] },
  './exit-codes': { values: ['EXIT_CODES', 'describeFailure', 'formatFailure', 'debugRequested', 'debugTrace', 'closestName', 'fileProblem'], types: ['Failure', 'ExitClass'] },
  './tensor': { values: ['assertTensor', 'elementCount', 'isFloatDType', 'DTYPE_BYTES'], types: ['Tensor', 'DType'] },
  './params': { values: ['resolveParams', 'expandGrid'], types: ['ParamSpec', 'Params'] },
  './portable': { values: ['named', 'requireArray', 'requireNumber'], types: ['PortableData', 'Attributes'] },
  './vectors': { values: ['vectors', 'assertVectors'], types: ['Vectors'] },
  './quantizer': { types: ['QuantizerPlugin', 'Quantizer', 'SavedModel'] },
  './delta': {
    values: ['defineLossyDeltaType', 'measureError', 'errorAttributes', 'readDeltaError', 'UNBOUNDED_REL_L2', 'headerAttributes', 'assertPayloadFits', 'assertLossyInputs', 'tensorToFloat64', 'float64ToTensor'],
    types: ['DeltaTypePlugin', 'DeltaPayload', 'DeltaError', 'LossyDeltaTypeSpec'],
  },
  './plugin': { values: ['definePlugin', 'PLUGIN_API_VERSION'], types: ['ReefPluginModule', 'ReefManifest'] },
  './registry': { values: ['Registry', 'QUANTIZER_PLUGINS', 'DELTA_TYPE_PLUGINS'] },
  './node': { values: ['createNodeRegistry', 'loadPluginSpec', 'findPluginPackages'] },
  './services': { values: ['COMPUTE_POOL', 'WARNINGS', 'PROGRESS', 'serviceToken', 'PLUGIN_CATALOG', 'CollectingWarnings', 'WrittenWarnings', 'SILENT_PROGRESS', 'WrittenProgress', 'TerminalProgress'], types: ['ComputePool', 'WarningSink', 'ProgressReporter', 'ProgressAmount'] },
  './dtype': { values: ['toFloat64', 'tensorToFloat64', 'float64ToTensor', 'f16Bits', 'bf16Bits', 'floatToHalfBits', 'halfBitsToFloat'] },
};

/** Entries that may load the DI container (tsyringe) or Node APIs; every other one stays browser-safe. */
const HEAVY = new Set(['.', './registry', './node']);

const load = (key: string): Promise<Record<string, unknown>> => import(`@reef/core${key.slice(1)}`) as Promise<Record<string, unknown>>;

/**
 * Every module specifier a built file imports, statically or re-exported, followed through relative
 * ones and through the package's own `#` imports (every condition's file: what Node and browsers load).
 */
function importClosure(file: string, seen = new Set<string>(), external = new Set<string>()): Set<string> {
  if (seen.has(file)) return external;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec.startsWith('.')) importClosure(resolve(dirname(file), spec), seen, external);
    else if (spec.startsWith('#')) {
      for (const target of Object.values(pkg.imports[spec])) if (target.endsWith('.js')) importClosure(join(root, target), seen, external);
    } else external.add(spec);
  }
  return external;
}

describe('@reef/core entries', () => {
  it('lists exactly the entries expected, each with a types file, mirrored in typesVersions', () => {
    expect(subpaths.map((e) => e.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const e of entries) {
      expect(existsSync(join(root, e.types)), e.types).toBe(true);
      expect(existsSync(join(root, e.import)), e.import).toBe(true);
    }
    const mapped = pkg.typesVersions['*'];
    expect(Object.keys(mapped).sort()).toEqual(subpaths.map((e) => e.key.slice(2)).sort());
    for (const e of subpaths) expect(mapped[e.key.slice(2)]).toEqual([e.types]);
  });

  for (const { key, types } of subpaths) {
    it(`${key} provides its concept`, async () => {
      const mod = await load(key);
      for (const name of EXPECTED[key].values ?? []) expect(mod[name], `${key} exports ${name}`).toBeDefined();
      const declarations = readFileSync(join(root, types), 'utf8');
      for (const name of EXPECTED[key].types ?? []) {
        // Declared in the entry's own .d.ts, or re-exported by it.
        const reexports = [...declarations.matchAll(/from '(\.[^']+)'/g)].map((m) => readFileSync(resolve(dirname(join(root, types)), m[1].replace(/\.js$/, '.d.ts')), 'utf8'));
        expect([declarations, ...reexports].some((d) => new RegExp(`(interface|type|class) ${name}\\b`).test(d)), `${key} declares ${name}`).toBe(true);
      }
    });
  }

  it('. re-exports the very same bindings as every entry but ./node, and nothing else', async () => {
    const main = await load('.');
    const union = new Set<string>();
    for (const { key } of subpaths) {
      if (key === './node') continue;
      const mod = await load(key);
      for (const [name, value] of Object.entries(mod)) {
        union.add(name);
        expect(main[name], `${name} from ${key}`).toBe(value);
      }
    }
    expect(Object.keys(main).sort()).toEqual([...union].sort());
    expect(main.createNodeRegistry).toBeUndefined();
  });

  it('keeps every entry but ., ./registry and ./node free of Node APIs and of the DI container', () => {
    for (const e of entries) {
      if (!HEAVY.has(e.key)) expect([...importClosure(join(root, e.import))], `${e.key} imports`).toEqual([]);
    }
    // The check sees what it should: the registry loads tsyringe, node discovery loads node: modules.
    const closure = (key: string): string[] => [...importClosure(join(root, entries.find((e) => e.key === key)!.import))];
    expect(closure('./registry')).toEqual(expect.arrayContaining(['reflect-metadata', 'tsyringe']));
    expect(closure('./node')).toEqual(expect.arrayContaining(['node:fs', 'node:path']));
  });
});
