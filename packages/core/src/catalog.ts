/**
 * First-party method ids and the package that provides each, so an unknown id can name the package
 * to install. Third-party ids are not listed: for them the error explains `--plugin`.
 */
export const KNOWN_PLUGIN_PACKAGES: Readonly<Record<string, string>> = {
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
  'pq-lossy': '@reef/delta-pq',
  'pq-lossless': '@reef/delta-pq',
  int8: '@reef/delta-quantized',
  int16: '@reef/delta-quantized',
  'sparse-threshold': '@reef/delta-quantized',
  'low-rank': '@reef/delta-quantized',
};
