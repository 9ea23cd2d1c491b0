// The boundary in package.json: what a library or plugin depends on is installed with it, so a library
// must not depend on a plugin, nor a plugin on another plugin outside the public-API allow-list, even if
// src/ never imports it. devDependencies (tests) are free.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_NAME, PLUGIN_PUBLIC_APIS } from './policy.mjs';

const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

/**
 * @param {import('./workspace.mjs').Workspace} workspace
 * @param {Map<string, import('./workspace.mjs').Workspace>} byName
 * @returns {import('./check.mjs').Violation[]}
 */
export function manifestViolations(workspace, byName) {
  if (workspace.kind !== 'library' && workspace.kind !== 'plugin') return [];
  const file = `${workspace.rel}/package.json`;
  const lines = readFileSync(join(workspace.dir, 'package.json'), 'utf8').split('\n');
  const violations = [];
  for (const field of RUNTIME_FIELDS) {
    for (const name of Object.keys(workspace.manifest[field] ?? {})) {
      const isPlugin = PLUGIN_NAME.test(name) || byName.get(name)?.kind === 'plugin';
      if (!isPlugin || name === workspace.name) continue;
      if (workspace.kind === 'plugin' && PLUGIN_PUBLIC_APIS[name]?.usedBy.includes(workspace.name)) continue;
      const fieldLine = lines.findIndex((text) => text.includes(`"${field}"`));
      const line = lines.findIndex((text, i) => i >= fieldLine && text.includes(`"${name}"`)) + 1;
      const who = workspace.kind === 'library' ? 'libraries must not depend on plugins' : 'plugins depend only on the plugin APIs allowed in scripts/import-boundaries/policy.mjs';
      violations.push({ rule: 'depends-on-plugin', file, line, import: name, message: `${workspace.name} lists the plugin ${name} in ${field}; ${who} (devDependencies for tests are fine)` });
    }
  }
  return violations;
}
