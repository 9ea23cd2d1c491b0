// Entries that must load in a browser may not reach a Node built-in through static imports. Type-only
// imports load nothing, and a dynamic import() runs only on the path that calls it, so both are fine.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BROWSER_SAFE_PACKAGES, NODE_ONLY_ENTRIES } from './policy.mjs';
import { isBuiltin, splitSpecifier } from './rules.mjs';
import { toPosix } from './workspace.mjs';

/**
 * @param {import('./workspace.mjs').Workspace} workspace
 * @param {Map<string, import('./scan.mjs').FileImports>} scanned
 * @param {string} root absolute
 * @returns {import('./check.mjs').Violation[]}
 */
export function browserEntryViolations(workspace, scanned, root) {
  if (!BROWSER_SAFE_PACKAGES.includes(workspace.name)) return [];
  const violations = [];
  const reported = new Set();
  for (const [entry, file] of entrySources(workspace, root)) {
    const previous = new Map([[file, undefined]]);
    const queue = [file];
    for (let head = 0; head < queue.length; head++) {
      const at = queue[head];
      const imports = scanned.get(at);
      if (imports === undefined) continue;
      for (const site of imports.packages) {
        if (site.typeOnly || site.dynamic || !isBuiltin(splitSpecifier(site.specifier).name)) continue;
        const key = `${at}:${site.line}:${site.specifier}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const chain = [];
        for (let step = at; step !== undefined; step = previous.get(step)) chain.unshift(step.split('/').pop());
        violations.push({
          rule: 'browser-entry-imports-node',
          file: at,
          line: site.line,
          import: site.specifier,
          message: `${workspace.name} entry "${entry}" must load in a browser but reaches ${site.specifier} (${chain.join(' -> ')}); move it behind a Node-only entry (${NODE_ONLY_ENTRIES.join(', ')}) or a dynamic import()`,
        });
      }
      for (const { target, site } of imports.local) {
        if (site.typeOnly || site.dynamic || previous.has(target)) continue;
        previous.set(target, at);
        queue.push(target);
      }
    }
  }
  return violations;
}

// The source file behind each browser entry (its `browser` condition where it has one) of package.json `exports`: ./dist/x.js is built from src/x.ts.
function entrySources(workspace, root) {
  const exports = workspace.manifest.exports;
  const map = typeof exports === 'string' ? { '.': exports } : exports ?? {};
  const sources = [];
  for (const [entry, value] of Object.entries(map)) {
    if (NODE_ONLY_ENTRIES.includes(entry) || entry.endsWith('.json')) continue;
    // A `browser` condition is what bundlers for the web load; the other conditions may be Node's.
    const target = typeof value === 'string' ? value : value?.browser ?? value?.import ?? value?.default;
    if (typeof target !== 'string') continue;
    const stem = target.replace(/^\.\/dist\//, './src/').replace(/\.[cm]?js$/, '');
    const file = ['.ts', '.mts', '.tsx'].map((ext) => join(workspace.dir, stem + ext)).find((f) => existsSync(f));
    if (file !== undefined) sources.push([entry, toPosix(file.slice(root.length + 1))]);
  }
  return sources;
}
