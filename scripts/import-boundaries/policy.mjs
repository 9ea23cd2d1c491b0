// Who may import whom in the Reef monorepo, as data. docs/architecture.md explains the reasons;
// check.mjs enforces these rules on every workspace package's src/.

/** Workspace folders and the kind of package each holds. Folders not listed get the general rules only. */
export const KIND_BY_FOLDER = {
  packages: 'library',
  plugins: 'plugin',
  templates: 'plugin', // the template is what third-party plugin authors copy: same rules as our plugins
  apps: 'app',
};

/**
 * Folders checked like workspace packages although pnpm does not install them: the templates install
 * the published @reef packages from a registry (scripts/install-test/templates.mjs), as plugins
 * written outside this repository do, so they cannot be workspace packages.
 */
export const CHECKED_OUTSIDE_WORKSPACE = ['templates/*'];

/** Package names that are plugins wherever they live (also any workspace whose package.json has a `reef.plugin` entry). */
export const PLUGIN_NAME = /^@reef\/(quantizer|delta|baseline)-/;

/**
 * What any plugin may import besides Node built-ins and the third-party libraries declared in its own
 * package.json: the packages a third-party plugin author can count on. Subpaths listed in the package's
 * `exports` are allowed too (`@reef/core/delta`, `@reef/kernels/node`).
 */
export const PLUGIN_MAY_IMPORT = ['@reef/core', '@reef/kernels', '@reef/codecs'];

/**
 * Plugins with a documented public API that other plugins may build on: the root entry only (never a
 * subpath), only the names listed, only by the plugins listed. Everything else a plugin exports is its own
 * business and may change in any release.
 */
export const PLUGIN_PUBLIC_APIS = {
  '@reef/quantizer-pq': {
    usedBy: ['@reef/delta-pq', '@reef/quantizer-opq'],
    // The quantizer, its codebooks and their training, the parameters, sub-space layout and symmetric
    // distances (what pq's index.ts keeps public); not bit packing, scans or the worker-thread machinery.
    exports: [
      'default', 'pqPlugin', 'PQ_ID', 'ProductQuantizer', 'ProductQuantizerOptions', 'ProductQuantizerFitOptions',
      'SearchBatchOptions', 'MIN_POINTS_PER_CENTROID', 'ProductCodebooks', 'AssignFn', 'trainCodebooks',
      'CodebookTrainingOptions', 'MAX_NBITS', 'PQ_DEFAULT_GRID', 'PQ_PARAMS', 'pqConfig', 'validatePq', 'PqConfig',
      'splitDimensions', 'SubspaceLayout', 'SymmetricDistance', 'symmetricDistance',
    ],
  },
};

/** The bottom layer: these import no other workspace package (everything else may depend on them). */
export const IMPORTS_NO_WORKSPACE_PACKAGE = ['@reef/core'];

/** First-party quantizers and delta types: their entries load in browsers too (the playground runs them). */
const FIRST_PARTY_PLUGINS = [
  '@reef/quantizer-sq', '@reef/quantizer-pq', '@reef/quantizer-opq', '@reef/quantizer-rq', '@reef/quantizer-lattice', '@reef/quantizer-rabitq',
  '@reef/delta-lossless', '@reef/delta-quantized', '@reef/delta-pq', '@reef/delta-cast',
];

/** Packages whose entries must load in a browser: no static Node built-in import reachable from them. */
export const BROWSER_SAFE_PACKAGES = ['@reef/core', '@reef/kernels', '@reef/codecs', '@reef/hdf5', ...FIRST_PARTY_PLUGINS];

/** Subpath exports that are Node-only by design (`@reef/core/node`: discovery; `@reef/kernels/node`: worker pool). An entry with a `browser` condition is checked on that path.. */
export const NODE_ONLY_ENTRIES = ['./node'];

/** Rule ids and what each means (printed with --rules and used in known-violations.json). */
export const RULES = {
  'library-imports-plugin': 'a package under packages/ imports a plugin',
  'imports-app': 'a package or plugin imports an app',
  'plugin-imports-plugin': 'a plugin imports another plugin that is not on the public-API allow-list (PLUGIN_PUBLIC_APIS)',
  'plugin-deep-import': "a plugin imports an allowed plugin's subpath instead of its root entry",
  'plugin-internal-import': "a plugin imports a name that is not in the other plugin's documented public API (or a whole-module import that cannot be checked)",
  'plugin-import-not-allowed': 'a plugin imports something other than core, kernels, codecs, allowed plugin APIs, Node built-ins and its own declared libraries',
  'bottom-layer-imports-workspace': 'a bottom-layer package (IMPORTS_NO_WORKSPACE_PACKAGE) imports another workspace package',
  'depends-on-plugin': 'a library, or a plugin outside the public-API allow-list, lists a plugin in dependencies, peerDependencies or optionalDependencies',
  'undeclared-dependency': 'src imports a package missing from dependencies/peerDependencies/optionalDependencies',
  'undeclared-package-import': 'src imports a #specifier its own package.json "imports" does not map',
  'unexported-subpath': "an import of a workspace package's subpath that its package.json `exports` does not list",
  'browser-entry-imports-node': 'an entry of a browser-safe package (BROWSER_SAFE_PACKAGES) statically reaches a Node built-in',
  'module-cycle': "modules inside one package's src import each other in a cycle",
  'package-cycle': 'workspace packages import each other in a cycle',
};
