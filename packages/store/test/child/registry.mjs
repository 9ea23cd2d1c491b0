// The registry a host passes to the store (the store registers no delta types itself).
import { Registry } from '@reef/core';
import deltaLossless from '@reef/delta-lossless';

export function losslessRegistry() {
  const registry = new Registry();
  registry.use(deltaLossless, '@reef/delta-lossless');
  return registry;
}
