import { PLUGIN_API_VERSION, definePlugin, resolveParams, type QuantizerPlugin } from '@reef/core';
import { LATTICE_NAMES } from './lattices.js';
import { NORMALISATIONS } from './normalisation.js';
import { LatticeQuantizer } from './quantizer.js';

/** The descriptor: everything the CLI and the sweep runner need to offer lattice quantization. */
export const latticeQuantizer: QuantizerPlugin = {
  kind: 'quantizer',
  id: 'lattice',
  label: 'Lattice',
  summary:
    'Fixed-rate lattice quantization: 8-dimensional blocks coded to the nearest E8 (or D8, Z8) point with Voronoi codes of 8·bits bits, after per-dimension normalisation and an optional random rotation',
  apiVersion: PLUGIN_API_VERSION,
  params: [
    { name: 'lattice', type: 'enum', values: LATTICE_NAMES, default: 'e8', description: 'Lattice per 8-dimensional block: e8 (best), dn (checkerboard D8) or zn (integer lattice, a uniform scalar quantizer)' },
    { name: 'bits', type: 'int', default: 4, min: 1, max: 8, description: 'Bits per dimension: each block is a Voronoi code modulo 2^bits times the lattice (8·bits bits per block)' },
    { name: 'normalise', type: 'enum', values: NORMALISATIONS, default: 'std', description: 'Per-dimension normalisation before the shared step: std (mean and standard deviation, for Gaussian-like data) or range (min-max midpoint and half-range, for bounded skewed data such as pixels)' },
    { name: 'rotate', type: 'bool', default: false, description: 'Apply a seeded random orthogonal rotation after centring, spreading energy evenly across dimensions' },
  ],
  defaultGrid: { lattice: ['e8', 'dn', 'zn'], bits: [2, 4, 6] },
  // The quick run (`pnpm sweep`): one configuration, a few seconds on 2,000 × 784 (search dominates).
  quickGrid: { lattice: ['e8'], bits: [4] },
  create: (params) => new LatticeQuantizer(params),
  load: (saved) => LatticeQuantizer.load(saved, resolveParams('lattice', latticeQuantizer.params, saved.params)),
};

/** Importing this module registers nothing; the host calls register() with its own registry. */
export default definePlugin({
  name: '@reef/quantizer-lattice',
  apiVersion: PLUGIN_API_VERSION,
  register(host) {
    host.registerQuantizer(latticeQuantizer);
  },
});

export { LatticeQuantizer };
export { BLOCK, LATTICE_NAMES, lattice, nearestDn, nearestE8, nearestZn, type Lattice, type LatticeName } from './lattices.js';
export { VoronoiCode } from './voronoi.js';
export { Int8Rows } from './int8-rows.js';
export { NORMALISATIONS, fitNormalisation, type Normalisation } from './normalisation.js';
