/** create-reef-plugin as a library: what the `create-reef-plugin` command does, for scripts and tests. */
export { main, nextSteps, USAGE, type Output } from './cli.js';
export { CreateError, type CreateErrorCode } from './errors.js';
export { KINDS, isKindName, type KindName, type PluginKind } from './kinds.js';
export { assertPackageName, assertPluginId, idFromPackageName } from './names.js';
export { BUNDLED_TEMPLATES, scaffold, type ScaffoldOptions, type ScaffoldResult } from './scaffold.js';
