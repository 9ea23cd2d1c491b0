// Checks every workspace package's src/ against the import rules of policy.mjs and finds import cycles
// between modules and between packages. Returns data; check-imports.mjs prints it.
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { findCycles } from './cycles.mjs';
import { importsOf } from './parse.mjs';
import { IMPORTS_NO_WORKSPACE_PACKAGE, PLUGIN_MAY_IMPORT, PLUGIN_NAME, PLUGIN_PUBLIC_APIS } from './policy.mjs';
import { findWorkspaces, toPosix } from './workspace.mjs';

/**
 * @typedef {{ rule: string, file: string, line: number, message: string, import?: string,
 *   modules?: string[], packages?: string[] }} Violation
 * file: relative to the root. Import rules carry `import` (the specifier as written); module cycles carry
 * `modules` (every file of the cycle group, sorted); package cycles carry `packages`.
 * @param {string} root the monorepo root (holding pnpm-workspace.yaml)
 * @returns {{ violations: Violation[], files: number, workspaces: number }}
 */
export function checkImports(rootDir) {
  const root = resolve(rootDir);
  const workspaces = findWorkspaces(root);
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const violations = [];
  const packageEdges = new Map(); // package name -> Map(imported package name -> first import site)
  let files = 0;
  for (const workspace of workspaces) {
    const moduleGraph = new Map();
    const importLines = new Map(); // "from\0to" -> line of the first import
    for (const file of workspace.files) {
      files++;
      const rel = toPosix(relative(root, file));
      const edges = new Set();
      moduleGraph.set(rel, edges);
      const text = readIfPresent(file);
      if (text === undefined) continue; // deleted while we listed the tree (a checkout, a rename in progress)
      for (const site of importsOf(file, text)) {
        if (site.specifier.startsWith('.') || site.specifier.startsWith('/')) {
          const target = resolveRelative(file, site.specifier);
          if (target === undefined || !target.startsWith(join(workspace.dir, 'src'))) continue;
          const targetRel = toPosix(relative(root, target));
          edges.add(targetRel);
          if (!importLines.has(`${rel}\0${targetRel}`)) importLines.set(`${rel}\0${targetRel}`, site.line);
          continue;
        }
        const { name, subpath } = splitSpecifier(site.specifier);
        const at = { file: rel, line: site.line, import: site.specifier };
        violations.push(...ruleViolations(workspace, name, subpath, site.names, byName).map((v) => ({ ...v, ...at })));
        const target = byName.get(name);
        if (target && target !== workspace) {
          if (!packageEdges.has(workspace.name)) packageEdges.set(workspace.name, new Map());
          const edges = packageEdges.get(workspace.name);
          if (!edges.has(name)) edges.set(name, at);
        }
      }
    }
    for (const { members, cycle } of findCycles(moduleGraph)) {
      // Each step names the line that imports the next module: a.ts:3 -> b.ts:7 -> a.ts
      const steps = cycle.slice(0, -1).map((from, i) => `${from.split('/').pop()}:${importLines.get(`${from}\0${cycle[i + 1]}`)}`);
      const extra = members.length > cycle.length - 1 ? ` (${members.length} modules in the cycle group: ${members.join(', ')})` : '';
      violations.push({
        rule: 'module-cycle',
        file: cycle[0],
        line: importLines.get(`${cycle[0]}\0${cycle[1]}`),
        modules: members,
        message: `import cycle ${steps.join(' -> ')} -> ${cycle[0].split('/').pop()}${extra}`,
      });
    }
  }
  const packageGraph = new Map([...packageEdges].map(([from, edges]) => [from, new Set(edges.keys())]));
  for (const { members, cycle } of findCycles(packageGraph)) {
    const first = packageEdges.get(cycle[0]).get(cycle[1]);
    const steps = cycle.slice(0, -1).map((from, i) => {
      const site = packageEdges.get(from).get(cycle[i + 1]);
      return `${from} (${site.file}:${site.line})`;
    });
    violations.push({ rule: 'package-cycle', file: first.file, line: first.line, packages: members, message: `package cycle ${steps.join(' -> ')} -> ${cycle[0]}` });
  }
  return { violations, files, workspaces: workspaces.length };
}

/**
 * The rules that apply to one bare import from `workspace` of package `name`, `subpath` ('' for the root
 * entry), using the exported `names` ('*' for a whole-module import).
 */
function ruleViolations(workspace, name, subpath, names, byName) {
  if (isBuiltin(name) || name === workspace.name) return [];
  const target = byName.get(name);
  const targetIsPlugin = PLUGIN_NAME.test(name) || target?.kind === 'plugin';
  const found = [];
  if (target?.kind === 'app' && workspace.kind !== 'app') {
    found.push({ rule: 'imports-app', message: `${name} is an app; ${workspace.kind === 'plugin' ? 'plugins' : 'libraries'} must not import apps` });
  } else if (workspace.kind === 'library' && targetIsPlugin) {
    found.push({ rule: 'library-imports-plugin', message: `${workspace.name} (packages/) imports the plugin ${name}; libraries must not depend on plugins (move shared code to core, kernels or codecs)` });
  } else if (workspace.kind === 'plugin' && targetIsPlugin) {
    const api = PLUGIN_PUBLIC_APIS[name];
    if (!api?.usedBy.includes(workspace.name)) {
      found.push({ rule: 'plugin-imports-plugin', message: `${workspace.name} imports the plugin ${name}; plugins may only import the public APIs allowed in scripts/import-boundaries/policy.mjs` });
    } else if (subpath !== '') {
      found.push({ rule: 'plugin-deep-import', message: `${workspace.name} may use ${name} through its root entry only, not ${name}/${subpath}` });
    } else {
      const internal = names.filter((n) => !api.exports.includes(n));
      if (internal.length > 0) {
        const what = internal.includes('*') ? 'the whole module (import the public names one by one)' : internal.join(', ');
        found.push({ rule: 'plugin-internal-import', message: `${workspace.name} imports ${what} from ${name}, outside its documented public API` });
      }
    }
  } else if (workspace.kind === 'plugin' && !PLUGIN_MAY_IMPORT.includes(name) && (target !== undefined || !workspace.declared.has(name))) {
    const what = target !== undefined ? `the workspace package ${name}` : `${name}, which its package.json does not declare in dependencies or peerDependencies`;
    found.push({ rule: 'plugin-import-not-allowed', message: `${workspace.name} imports ${what}; plugins import only ${PLUGIN_MAY_IMPORT.join(', ')}, allowed plugin APIs, Node built-ins and their own declared libraries` });
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

/** '@scope/pkg/a/b' -> { name: '@scope/pkg', subpath: 'a/b' }; 'pkg' -> { name: 'pkg', subpath: '' }. */
export function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const size = specifier.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, size).join('/'), subpath: parts.slice(size).join('/') };
}

function isBuiltin(name) {
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

// './x.js' in TypeScript sources names './x.ts'; also './dir' -> './dir/index.ts'.
function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(?:[cm]?js|jsx)$/, '');
  const candidates = [base, ...['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs'].map((ext) => stem + ext), ...['index.ts', 'index.js'].map((f) => join(base, f))];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function readIfPresent(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}
