/**
 * Runs in a fresh Node process: records every module loaded while it imports a plugin module and
 * registers it in a new Registry, the way a host loads a plugin, and nothing else.
 *
 * argv: <plugin module path> <log file>
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const [modulePath, logFile] = process.argv.slice(2);
// Only node: built-ins are imported statically, so the hooks see every module of core and the plugin.
register('./record-loads-hooks.js', import.meta.url, { data: { logFile } });
const { Registry } = await import('@reef/core');
const mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown; reefPlugin?: unknown };
new Registry().use((mod.reefPlugin ?? mod.default) as Parameters<InstanceType<typeof Registry>['use']>[0]);
