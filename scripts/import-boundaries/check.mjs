// Checks every workspace package's src/ against the import rules of policy.mjs and finds import cycles
// between modules and between packages. Returns data; check-imports.mjs prints it.
import { resolve } from 'node:path';
import { browserEntryViolations } from './browser.mjs';
import { findCycles } from './cycles.mjs';
import { manifestViolations } from './manifest.mjs';
import { ruleViolations, splitSpecifier } from './rules.mjs';
import { scanWorkspace } from './scan.mjs';
import { findWorkspaces } from './workspace.mjs';

/**
 * @typedef {{ rule: string, file: string, line: number, message: string, import?: string,
 *   modules?: string[], packages?: string[] }} Violation
 * file: relative to the root. Import rules carry `import` (the specifier as written); module cycles carry
 * `modules` (every file of the cycle group, sorted); package cycles carry `packages`.
 * @param {string} rootDir the monorepo root (holding pnpm-workspace.yaml)
 * @returns {{ violations: Violation[], files: number, workspaces: number }}
 */
export function checkImports(rootDir) {
  const root = resolve(rootDir);
  const workspaces = findWorkspaces(root);
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const violations = [];
  const packageEdges = new Map(); // package name -> Map(imported workspace package -> first import site)
  let files = 0;
  for (const workspace of workspaces) {
    const scanned = scanWorkspace(workspace, root);
    files += scanned.size;
    const edges = new Map();
    packageEdges.set(workspace.name, edges);
    for (const [file, { packages }] of scanned) {
      for (const site of packages) {
        const { name, subpath } = splitSpecifier(site.specifier);
        const at = { file, line: site.line, import: site.specifier };
        violations.push(...ruleViolations(workspace, name, subpath, site.names, byName).map((v) => ({ ...v, ...at })));
        if (byName.has(name) && name !== workspace.name && !edges.has(name)) edges.set(name, at);
      }
    }
    violations.push(...manifestViolations(workspace, byName), ...moduleCycles(scanned), ...browserEntryViolations(workspace, scanned, root));
  }
  violations.push(...packageCycles(packageEdges));
  return { violations, files, workspaces: workspaces.length };
}

function moduleCycles(scanned) {
  const graph = new Map();
  const lines = new Map(); // "from\0to" -> line of the first import
  for (const [file, { local }] of scanned) {
    graph.set(file, new Set(local.map((l) => l.target)));
    for (const { target, site } of local) if (!lines.has(`${file}\0${target}`)) lines.set(`${file}\0${target}`, site.line);
  }
  const base = (file) => file.split('/').pop();
  return findCycles(graph).map(({ members, cycle }) => {
    // Each step names the line that imports the next module: a.ts:3 -> b.ts:7 -> a.ts
    const steps = cycle.slice(0, -1).map((from, i) => `${base(from)}:${lines.get(`${from}\0${cycle[i + 1]}`)}`);
    const group = members.length > cycle.length - 1 ? ` (${members.length} modules in the cycle group: ${members.join(', ')})` : '';
    return {
      rule: 'module-cycle',
      file: cycle[0],
      line: lines.get(`${cycle[0]}\0${cycle[1]}`),
      modules: members,
      message: `import cycle ${steps.join(' -> ')} -> ${base(cycle[0])}${group}`,
    };
  });
}

function packageCycles(packageEdges) {
  const graph = new Map([...packageEdges].map(([from, edges]) => [from, new Set(edges.keys())]));
  return findCycles(graph).map(({ members, cycle }) => {
    const first = packageEdges.get(cycle[0]).get(cycle[1]);
    const steps = cycle.slice(0, -1).map((from, i) => {
      const site = packageEdges.get(from).get(cycle[i + 1]);
      return `${from} (${site.file}:${site.line})`;
    });
    return { rule: 'package-cycle', file: first.file, line: first.line, packages: members, message: `package cycle ${steps.join(' -> ')} -> ${cycle[0]}` };
  });
}
