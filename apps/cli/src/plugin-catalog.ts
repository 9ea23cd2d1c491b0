import type { PluginCatalog } from '@reef/core';

/**
 * First-party method ids and the package that provides each, so an unknown id can name the package
 * to install. The CLI provides it to its registry as PLUGIN_CATALOG (core knows no plugin by name).
 * Third-party ids are not listed: for them the error explains `--plugin`.
 */
export const FIRST_PARTY_PLUGINS: PluginCatalog = {
  sq: '@reef/quantizer-sq',
  pq: '@reef/quantizer-pq',
  opq: '@reef/quantizer-opq',
  rq: '@reef/quantizer-rq',
  lattice: '@reef/quantizer-lattice',
  rabitq: '@reef/quantizer-rabitq',
  xor: '@reef/delta-lossless',
  'xor-planes': '@reef/delta-lossless',
  'float-diff': '@reef/delta-lossless',
  sparse: '@reef/delta-lossless',
  cast: '@reef/delta-cast',
  widen: '@reef/delta-cast',
  'pq-lossy': '@reef/delta-pq',
  'pq-lossless': '@reef/delta-pq',
  int8: '@reef/delta-quantized',
  int16: '@reef/delta-quantized',
  'sparse-threshold': '@reef/delta-quantized',
  'low-rank': '@reef/delta-quantized',
};
