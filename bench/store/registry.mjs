// The registry a bench passes to the store of a build (the store registers no delta types itself;
// builds before @reef/codecs ignore it and use their own default, so A/B runs stay comparable).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A Registry of the build at `root` with @reef/delta-lossless registered. */
export async function losslessRegistry(root) {
  const { Registry } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
  const { default: deltaLossless } = await import(pathToFileURL(join(root, 'plugins/delta-lossless/dist/index.js')).href);
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  return registry;
}
