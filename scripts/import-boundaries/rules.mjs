// The rules for one bare (package) import, from policy.mjs: which package may import which.
import { builtinModules } from 'node:module';
import { IMPORTS_NO_WORKSPACE_PACKAGE, PLUGIN_MAY_IMPORT, PLUGIN_NAME, PLUGIN_PUBLIC_APIS } from './policy.mjs';

/**
 * The rules that apply to one bare import from `workspace` of package `name`, `subpath` ('' for the root
 * entry), using the exported `names` ('*' for a whole-module import).
 */
export function ruleViolations(workspace, name, subpath, names, byName) {
  if (isBuiltin(name) || isVirtual(name) || name === workspace.name) return [];
  // A package's own `#` imports (package.json "imports") resolve inside it, like relative ones.
  if (name.startsWith('#')) {
    if (workspace.manifest.imports?.[name] !== undefined) return [];
    return [{ rule: 'undeclared-package-import', message: `${workspace.name} imports ${name} but its package.json "imports" does not map it` }];
  }
  const target = byName.get(name);
  const targetIsPlugin = PLUGIN_NAME.test(name) || target?.kind === 'plugin';
  const found = [];
  if (target?.kind === 'app' && workspace.kind !== 'app') {
    found.push({ rule: 'imports-app', message: `${name} is an app; ${workspace.kind === 'plugin' ? 'plugins' : 'libraries'} must not import apps` });
  } else if (workspace.kind === 'library' && targetIsPlugin) {
    found.push({ rule: 'library-imports-plugin', message: `${workspace.name} (packages/) imports the plugin ${name}; libraries must not depend on plugins (move shared code to core, kernels or codecs)` });
  } else if (workspace.kind === 'plugin') {
    found.push(...pluginImportRule(workspace, name, subpath, names, target, targetIsPlugin));
  }
  if (IMPORTS_NO_WORKSPACE_PACKAGE.includes(workspace.name) && target !== undefined) {
    found.push({ rule: 'bottom-layer-imports-workspace', message: `${workspace.name} is the bottom layer and must not import ${name}` });
  }
  if (found.length === 0 && !workspace.declared.has(name)) {
    found.push({ rule: 'undeclared-dependency', message: `${workspace.name} imports ${name} but does not declare it in dependencies, peerDependencies or optionalDependencies` });
  }
  if (found.length === 0 && target !== undefined && subpath !== '' && !exportsSubpath(target.manifest, subpath)) {
    found.push({ rule: 'unexported-subpath', message: `${name}/${subpath} is not listed in ${name}'s package.json exports` });
  }
  return found;
}

// Plugins import core, kernels, codecs, the allowed public API of another plugin, Node built-ins (handled
// by the caller) and the third-party libraries they declare.
function pluginImportRule(workspace, name, subpath, names, target, targetIsPlugin) {
  if (targetIsPlugin) {
    const api = PLUGIN_PUBLIC_APIS[name];
    if (!api?.usedBy.includes(workspace.name)) {
      return [{ rule: 'plugin-imports-plugin', message: `${workspace.name} imports the plugin ${name}; plugins may only import the public APIs allowed in scripts/import-boundaries/policy.mjs` }];
    }
    if (subpath !== '') {
      return [{ rule: 'plugin-deep-import', message: `${workspace.name} may use ${name} through its root entry only, not ${name}/${subpath}` }];
    }
    const internal = names.filter((n) => !api.exports.includes(n));
    if (internal.length === 0) return [];
    const what = internal.includes('*') ? 'the whole module (import the public names one by one)' : internal.join(', ');
    return [{ rule: 'plugin-internal-import', message: `${workspace.name} imports ${what} from ${name}, outside its documented public API` }];
  }
  if (PLUGIN_MAY_IMPORT.includes(name) || (target === undefined && workspace.declared.has(name))) return [];
  const what = target !== undefined ? `the workspace package ${name}` : `${name}, which its package.json does not declare in dependencies or peerDependencies`;
  return [{ rule: 'plugin-import-not-allowed', message: `${workspace.name} imports ${what}; plugins import only ${PLUGIN_MAY_IMPORT.join(', ')}, allowed plugin APIs, Node built-ins and their own declared libraries` }];
}

/** '@scope/pkg/a/b' -> { name: '@scope/pkg', subpath: 'a/b' }; 'pkg' -> { name: 'pkg', subpath: '' }. */
export function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const size = specifier.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, size).join('/'), subpath: parts.slice(size).join('/') };
}

/** `virtual:…`: a module the app's bundler makes at build time (Vite's convention), not a package. */
export function isVirtual(name) {
  return name.startsWith('virtual:');
}

export function isBuiltin(name) {
  return name.startsWith('node:') || builtinModules.includes(name);
}

// Only the `exports` map counts: it is what Node and TypeScript (moduleResolution NodeNext) honour.
function exportsSubpath(manifest, subpath) {
  const exports = manifest.exports;
  if (exports === undefined) return true; // no map: every file is reachable, nothing to check
  if (typeof exports === 'string' || !Object.keys(exports).some((k) => k.startsWith('.'))) return false;
  const wanted = `./${subpath}`;
  return Object.keys(exports).some((key) => {
    if (key === wanted) return true;
    const star = key.indexOf('*');
    return star >= 0 && wanted.startsWith(key.slice(0, star)) && wanted.endsWith(key.slice(star + 1));
  });
}

